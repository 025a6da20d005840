"""Rule documentation from the rules themselves: docstring sections, options and defaults.

A rule's docstring is a summary line, then `## <Section>` blocks: What it does, Why is this bad?,
Anti-pattern and Best practice (each holding a ```yaml record), and optionally Fix. `advisor explain`
prints one rule's page; `python -m advisor.docs docs/rules` writes the whole reference (one page per
rule and an index), and `python -m advisor.docs --check docs/rules` exits 1 when it is stale.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import sys
from typing import Any

from advisor.rule import STAGES, Rule

SECTION = re.compile(r"^## (.+?)\s*$", re.MULTILINE)
YAML_BLOCK = re.compile(r"```ya?ml\n(.*?)```", re.DOTALL)
REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Anti-pattern", "Best practice")
#: Sections in the order pages show them; others follow in docstring order.
SECTION_ORDER = (*REQUIRED_SECTIONS, "Fix")
#: The first line of every generated page: files without it are never replaced or removed.
MARKER = "<!-- Generated from the rules by `python -m advisor.docs docs/rules`; do not edit. -->"
REGENERATE = "python -m advisor.docs docs/rules"


def sections(rule: type[Rule]) -> dict[str, str]:
    """The docstring's sections by heading.

    Args:
        rule: The rule class.

    Returns:
        Heading -> text; the summary line under "Summary".
    """
    doc = inspect.cleandoc(rule.__doc__ or "")
    parts = SECTION.split(doc)
    found = {"Summary": parts[0].strip()}
    for heading, body in zip(parts[1::2], parts[2::2]):
        found[heading.strip()] = body.strip()
    return found


def example(rule: type[Rule], section: str) -> str | None:
    """The YAML record in a section (Anti-pattern or Best practice), or None."""
    body = sections(rule).get(section)
    if not body:
        return None
    match = YAML_BLOCK.search(body)
    return match.group(1) if match else None


def options_table(rule: type[Rule]) -> list[dict[str, Any]]:
    """The rule's options: name, default (None when required), type and description."""
    rows = []
    for name, info in rule.Options.model_fields.items():
        rows.append({
            "name": name,
            "default": None if info.is_required() else info.default,
            "type": getattr(info.annotation, "__name__", str(info.annotation)),
            "description": info.description or "",
        })
    return rows


def _toml_value(value: Any) -> str:
    """A default as TOML writes it (json is close enough for numbers, strings, booleans, lists)."""
    return json.dumps(value)


def render_markdown(rule: type[Rule]) -> str:
    """The reference page of one rule (what `advisor explain` prints).

    Args:
        rule: The rule class.

    Returns:
        Markdown: title, facts (stage, severity, remedy), the docstring sections, and the options
        with their defaults and how to set them.
    """
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
    from advisor.fix.remedies import fix_note

    fix = fix_note(rule)
    if fix:
        lines.append(f"- Fix: {fix}")
    lines.append("")
    ordered = [h for h in SECTION_ORDER if h in parts] + [h for h in parts if h not in SECTION_ORDER and h != "Summary"]
    for heading in ordered:
        lines += [f"## {heading}", "", parts[heading], ""]
    rows = options_table(rule)
    lines += ["## Options", ""]
    if rows:
        lines += ["| option | default | meaning |", "|---|---|---|"]
        lines += [f"| `{r['name']}` | `{_toml_value(r['default']) if r['default'] is not None else 'required'}` | "
                  f"{r['description']} |" for r in rows]
        lines += ["", "Set them, or the severity, in pyproject.toml (or without `tool.advisor.` in advisor.toml):", ""]
        lines += ["```toml", f"[tool.advisor.rules.{rule.code}]   # or .{rule.name}"]
        lines += [f"{r['name']} = {_toml_value(r['default'])}" for r in rows if r["default"] is not None]
        lines += [f'severity = "{rule.severity.value}"', "```", ""]
    else:
        lines += ["None. The severity can be set in pyproject.toml (or without `tool.advisor.` in advisor.toml):", "",
                  "```toml", f"[tool.advisor.rules.{rule.code}]   # or .{rule.name}",
                  f'severity = "{rule.severity.value}"', "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def render_index(rules: list[type[Rule]]) -> str:
    """The reference's index: every rule by workflow stage."""
    lines = ["# Rule reference", "", f"{len(rules)} rules, by workflow stage. `advisor explain CODE` shows the same "
             "pages in the terminal.", ""]
    stage = None
    for rule in sorted(rules, key=lambda r: (r.stage, r.code)):
        if rule.stage != stage:
            stage = rule.stage
            lines += ["", f"## Stage {stage}: {STAGES.get(stage, '')}", "", "| code | name | severity | summary |",
                      "|---|---|---|---|"]
        lines.append(f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.severity.value} | {sections(rule)['Summary']} |")
    return "\n".join(lines).strip() + "\n"


def generate(rules: list[type[Rule]]) -> dict[str, str]:
    """The whole reference: file name -> content, each page starting with MARKER."""
    pages = {f"{rule.code}.md": render_markdown(rule) for rule in rules}
    pages["README.md"] = render_index(rules)
    return {name: f"{MARKER}\n\n{text}" for name, text in pages.items()}


def _generated_pages(folder: str, marker: str = MARKER) -> set[str]:
    """Names of the Markdown files in `folder` that this module wrote (they start with `marker`)."""
    if not os.path.isdir(folder):
        return set()
    found = set()
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if name.endswith(".md") and os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as handle:
                if handle.readline().rstrip("\n") == marker:
                    found.add(name)
    return found


def stale_pages(folder: str, pages: dict[str, str], marker: str = MARKER) -> list[str]:
    """Pages in `folder` that are missing, different from `pages`, or no longer generated.

    Args:
        folder: The reference folder (docs/rules).
        pages: What `generate` returns.
        marker: The first line of the pages this generator writes.

    Returns:
        The stale file names, sorted; empty when the folder is up to date.
    """
    stale = set(_generated_pages(folder, marker)) - set(pages)
    for name, text in pages.items():
        path = os.path.join(folder, name)
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                if handle.read() != text:
                    stale.add(name)
        except FileNotFoundError:
            stale.add(name)
    return sorted(stale)


def write_pages(folder: str, pages: dict[str, str], marker: str = MARKER) -> list[str]:
    """Write the reference into `folder`, removing pages of rules that are gone.

    Files this module did not generate are left alone: an existing page without `marker` (MARKER
    for the rule pages) is not replaced (a UsageError says so).

    Returns:
        The file names written or removed.

    Raises:
        UsageError: a page would replace a file this module did not write.
    """
    from advisor.atomic import write_text_atomic
    from advisor.errors import UsageError

    os.makedirs(folder, exist_ok=True)
    generated = _generated_pages(folder, marker)
    foreign = [name for name in pages if os.path.exists(os.path.join(folder, name)) and name not in generated]
    if foreign:
        raise UsageError(f"{folder}: {', '.join(sorted(foreign))} not written by advisor.docs; refusing to replace them")
    changed = stale_pages(folder, pages, marker)
    for name in changed:
        path = os.path.join(folder, name)
        if name in pages:
            write_text_atomic(path, pages[name])
        else:
            os.remove(path)
    return changed


def arguments(argv: list[str] | None, default: str) -> tuple[bool, str]:
    """`[--check] [TARGET]` -> (check, TARGET or `default`), from `argv` or the command line."""
    args = list(sys.argv[1:] if argv is None else argv)
    rest = [a for a in args if a != "--check"]
    return "--check" in args, rest[0] if rest else default


def check_or_write(folder: str, pages: dict[str, str], check: bool, marker: str = MARKER,
                   regenerate: str = REGENERATE) -> int:
    """Write `pages` into `folder`, or with `check` only say whether they are up to date.

    Args:
        folder: The reference folder.
        pages: File name -> content, each starting with `marker`.
        check: Compare instead of writing.
        marker: The first line of the pages this generator writes.
        regenerate: The command that writes them, for the stale message.

    Returns:
        0 when written (or up to date with `check`), 1 when `check` finds stale pages, 2 on error.
    """
    from advisor.errors import AdvisorError

    if check:
        stale = stale_pages(folder, pages, marker)
        if stale:
            print(f"{folder} is stale ({', '.join(stale)}); regenerate with `{regenerate}`", file=sys.stderr)
            return 1
        print(f"{folder} is up to date ({len(pages)} pages)")
        return 0
    try:
        changed = write_pages(folder, pages, marker)
    except (AdvisorError, OSError) as exc:
        print(f"advisor.docs: error: {exc}", file=sys.stderr)
        return 2
    print(f"{folder}: {len(pages)} pages, {len(changed)} changed")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m advisor.docs [--check] [FOLDER]` (FOLDER defaults to docs/rules).

    Returns:
        0 when written (or up to date with --check), 1 when --check finds stale pages, 2 on error.
    """
    from advisor.registry import load_registry

    check, folder = arguments(argv, os.path.join("docs", "rules"))
    return check_or_write(folder, generate(load_registry().rules), check)


if __name__ == "__main__":
    raise SystemExit(main())
