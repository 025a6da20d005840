"""The rule reference in docs/rules is generated from the registered rules and must not be stale."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from advisor.docs import MARKER, REGENERATE, REQUIRED_SECTIONS, generate, main, render_markdown, sections, write_pages
from advisor.registry import load_registry
from advisor.rule import RuleOptions

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs", "rules")


def _read_folder(folder: str) -> dict[str, str]:
    pages = {}
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), encoding="utf-8", newline="") as handle:
            pages[name] = handle.read()
    return pages


def test_docs_rules_is_up_to_date(tmp_path):
    fresh = tmp_path / "rules"
    result = subprocess.run([sys.executable, "-m", "advisor.docs", str(fresh)], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    expected, committed = _read_folder(str(fresh)), _read_folder(DOCS) if os.path.isdir(DOCS) else {}
    stale = sorted(name for name in expected.keys() | committed.keys() if expected.get(name) != committed.get(name))
    assert not stale, f"docs/rules is stale ({', '.join(stale)}); regenerate it with `{REGENERATE}`"


@pytest.mark.parametrize("rule", load_registry().rules, ids=lambda rule: rule.code)
def test_every_rule_page_has_its_sections(rule):
    assert set(REQUIRED_SECTIONS) <= set(sections(rule)), f"{rule.code} lacks a docstring section"
    page = render_markdown(rule)
    assert page.startswith(f"# {rule.code} {rule.name}\n")
    for heading in REQUIRED_SECTIONS:
        assert f"\n## {heading}\n" in page
    for name in rule.Options.model_fields:
        assert f"| `{name}` |" in page and f"\n{name} = " in page, f"{rule.code} page lacks option {name}"


class ExampleOptions(RuleOptions):
    max_rate: float = 0.5
    note: str = "x"


def test_options_are_rendered_with_defaults_and_a_toml_example():
    rule = load_registry().get("MC01")
    with_options = type("WithOptions", (rule,), {"Options": ExampleOptions, "__doc__": rule.__doc__})
    page = render_markdown(with_options)
    assert "| `max_rate` | `0.5` |" in page
    assert '[tool.advisor.rules.MC01]   # or .loss-activation-mismatch\nmax_rate = 0.5\nnote = "x"\nseverity = "error"' in page


def test_writing_leaves_files_it_did_not_generate_alone(tmp_path):
    rules = load_registry().rules
    (tmp_path / "notes.md").write_text("my own notes\n")
    write_pages(str(tmp_path), generate(rules))
    assert (tmp_path / "notes.md").read_text() == "my own notes\n"
    (tmp_path / "ZZ99.md").write_text(MARKER + "\n\n# a page of a rule that is gone\n")
    changed = write_pages(str(tmp_path), generate(rules))
    assert changed == ["ZZ99.md"] and not (tmp_path / "ZZ99.md").exists()
    (tmp_path / "MC01.md").write_text("hand-written\n")
    assert main([str(tmp_path)]) == 2
    assert (tmp_path / "MC01.md").read_text() == "hand-written\n"


def test_check_names_the_stale_pages_and_the_command(tmp_path, capsys):
    write_pages(str(tmp_path), generate(load_registry().rules))
    assert main(["--check", str(tmp_path)]) == 0
    with open(tmp_path / "MC01.md", "a", encoding="utf-8") as handle:
        handle.write("edited by hand\n")
    assert main(["--check", str(tmp_path)]) == 1
    assert f"(MC01.md); regenerate with `{REGENERATE}`" in capsys.readouterr().err
