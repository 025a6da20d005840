"""docs/record.md is generated from the record models, documents every field, and must not be stale."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import yaml
from advisor.record import PROBLEM_TYPES, Experiment, Feature, Layer, Problem, Trial
from advisor.record_docs import EXAMPLE, MARKER, REGENERATE, _model_in, _places, _slug, main, render

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = os.path.join(ROOT, "docs", "record.md")


def _section(page: str, heading: str) -> str:
    """The text of one `## heading` or `### heading` section, up to the next heading."""
    match = re.search(rf"^#+ {re.escape(heading)}\n(.*?)(?=^#)", page, re.MULTILINE | re.DOTALL)
    assert match, f"no section {heading}"
    return match.group(1)


def test_docs_record_is_up_to_date():
    result = subprocess.run([sys.executable, "-m", "advisor.record_docs", "--check", "docs/record.md"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{result.stderr}; regenerate it with `{REGENERATE}`"
    with open(PAGE, encoding="utf-8", newline="") as handle:
        assert handle.read() == render()


def test_every_field_of_every_section_is_documented():
    page = render()
    sections = {Experiment: "Top level", **_places(Experiment, "", {})}
    assert {Problem, Feature, Layer, Trial} <= set(sections)
    for model, heading in sections.items():
        table = _section(page, heading)
        for name, info in model.model_fields.items():
            nested = _model_in(info.annotation)
            assert info.description or (nested is not None and nested.__doc__), f"{heading}: {name} has no description"
            assert f"\n| `{name}` |" in table, f"{name} missing from section {heading}"


def test_types_bounds_and_allowed_values_come_from_the_models():
    page = render()
    problem, layers = _section(page, "problem"), _section(page, "model.layers[]")
    assert "| `type` | one of " + ", ".join(f"`{name}`" for name in PROBLEM_TYPES) + " |" in problem
    assert "| `classes` | integer | >= 1 |" in problem
    assert "| `rate` | number | >= 0, <= 1 | The dropout rate" in layers
    assert "| `keras_validation_split` | number | > 0, < 1 | Extension:" in _section(page, "splits")
    assert "| `name` | string |  | Required." in _section(page, "model.loss")
    assert "| any other key | list of number or null |" in _section(page, "history")


def test_links_point_at_headings():
    page = render()
    anchors = {_slug(line.lstrip("#").strip()) for line in page.splitlines() if line.startswith("#")}
    links = re.findall(r"\]\(#([^)]+)\)", page)
    assert links and set(links) <= anchors, set(links) - anchors


def test_the_example_is_a_valid_record():
    record = Experiment.model_validate(yaml.safe_load(EXAMPLE))
    assert record.model.layers[-1].activation == "softmax" and record.history.epochs == 4


def test_check_names_the_command_and_writing_leaves_a_hand_written_page_alone(tmp_path, capsys):
    target = str(tmp_path / "record.md")
    assert main([target]) == 0
    assert main(["--check", target]) == 0
    with open(target, "a", encoding="utf-8") as handle:
        handle.write("edited by hand\n")
    assert main(["--check", target]) == 1
    assert f"(record.md); regenerate with `{REGENERATE}`" in capsys.readouterr().err
    assert main([target]) == 0 and (tmp_path / "record.md").read_text(encoding="utf-8").startswith(MARKER)
    (tmp_path / "record.md").write_text("my own notes\n", encoding="utf-8")
    assert main([target]) == 2
    assert (tmp_path / "record.md").read_text(encoding="utf-8") == "my own notes\n"
