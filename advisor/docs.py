"""Rule documentation from the rules themselves: docstring sections, options and defaults.

A rule's docstring is a summary line, then `## <Section>` blocks: What it does, Why is this bad?,
Anti-pattern and Best practice (each holding a ```yaml record), and Fix. `advisor explain` prints
it and `python -m advisor.docs docs/rules` writes the reference; a test fails when that is stale.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
from typing import Any

from advisor.rule import STAGES, Rule

SECTION = re.compile(r"^## (.+?)\s*$", re.MULTILINE)
YAML_BLOCK = re.compile(r"```ya?ml\n(.*?)```", re.DOTALL)
REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Anti-pattern", "Best practice")


def sections(rule: type[Rule]) -> dict[str, str]:
    """The docstring's sections by heading; the summary line under "Summary"."""
    doc = inspect.cleandoc(rule.__doc__ or "")
    parts = SECTION.split(doc)
    found = {"Summary": parts[0].strip()}
    for heading, body in zip(parts[1::2], parts[2::2]):
        found[heading.strip()] = body.strip()
    return found


def example(rule: type[Rule], section: str) -> str | None:
    """The YAML record in the Anti-pattern or Best practice section."""
    body = sections(rule).get(section)
    if not body:
        return None
    match = YAML_BLOCK.search(body)
    return match.group(1) if match else None


def options_table(rule: type[Rule]) -> list[dict[str, Any]]:
    rows = []
    for name, info in rule.Options.model_fields.items():
        rows.append({"name": name, "default": info.default, "description": info.description or ""})
    return rows


def render_markdown(rule: type[Rule]) -> str:
    """The reference page of one rule."""
    parts = sections(rule)
    lines = [
        f"# {rule.code} {rule.name}",
        "",
        parts["Summary"],
        "",
        f"- Stage: {rule.stage}. {STAGES.get(rule.stage, '')}",
        f"- Default severity: {rule.severity.value}",
        f"- Remedy: `{rule.remedy}`" if rule.remedy else "- Remedy: none (needs a decision, not an edit)",
    ]
    fix = getattr(rule, "fix_safety", None)
    if fix:
        lines.append(f"- Fix: {fix} (`advisor fix`{' --unsafe-fixes' if fix == 'unsafe' else ''})")
    lines.append("")
    for heading, body in parts.items():
        if heading == "Summary":
            continue
        lines += [f"## {heading}", "", body, ""]
    rows = options_table(rule)
    if rows:
        lines += ["## Options", "", f"Set in `[tool.advisor.rules.{rule.code}]` (or `.{rule.name}`).", "",
                  "| option | default | meaning |", "|---|---|---|"]
        lines += [f"| `{r['name']}` | `{r['default']}` | {r['description']} |" for r in rows]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_index(rules: list[type[Rule]]) -> str:
    lines = ["# Rule reference", "", "Generated from the rules by `python -m advisor.docs docs/rules`; do not edit.", ""]
    stage = None
    for rule in rules:
        if rule.stage != stage:
            stage = rule.stage
            lines += ["", f"## Stage {stage}: {STAGES.get(stage, '')}", "", "| code | name | severity | summary |", "|---|---|---|---|"]
        lines.append(f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.severity.value} | {sections(rule)['Summary']} |")
    return "\n".join(lines).strip() + "\n"


def generate(rules: list[type[Rule]]) -> dict[str, str]:
    """File name -> content of the whole reference."""
    pages = {f"{rule.code}.md": render_markdown(rule) for rule in rules}
    pages["README.md"] = render_index(rules)
    return pages


def main(argv: list[str] | None = None) -> int:
    from advisor.registry import load_registry

    argv = sys.argv[1:] if argv is None else argv
    out = argv[0] if argv else os.path.join("docs", "rules")
    os.makedirs(out, exist_ok=True)
    pages = generate(load_registry().rules)
    for name in os.listdir(out):
        if name.endswith(".md") and name not in pages:
            os.remove(os.path.join(out, name))
    for name, text in pages.items():
        with open(os.path.join(out, name), "w", encoding="utf-8") as handle:
            handle.write(text)
    print(f"wrote {len(pages)} pages to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
