"""Inline suppression in records: `# advisor: ignore[...]` on a line (codes or names),
`# advisor: ignore-file[...]` anywhere, and `--warn-unused-ignores`."""

from __future__ import annotations

import json

import pytest

from advisor.suppression import scan
from tests.advisor_cli import BAD_LINE, BAD_RECORD, run_advisor, write

RELU_OUTPUT = "    - {type: dense, units: 1, activation: relu}"


def lint(tmp_path, record: str, *extra: str, name: str = "experiment.yaml"):
    write(tmp_path, name, record)
    result = run_advisor("lint", "--select", "MC01", "--format", "json", *extra, name, cwd=tmp_path)
    assert "Traceback" not in result.stderr
    return result, json.loads(result.stdout)["findings"]


@pytest.mark.parametrize("comment", [
    "# advisor: ignore[MC01]",
    "# advisor: ignore[loss-activation-mismatch]",
    "# advisor: ignore[mc01, MC07]",
    "#advisor:ignore [MC01]",
    "# advisor: ignore",
])
def test_line_suppression_by_code_or_name(tmp_path, comment):
    result, found = lint(tmp_path, BAD_RECORD.replace(RELU_OUTPUT, f"{RELU_OUTPUT}  {comment}"))
    assert found == [] and result.returncode == 0


def test_line_suppression_on_another_line_or_rule_does_not_apply(tmp_path):
    record = BAD_RECORD.replace("  loss: binary_crossentropy", "  loss: binary_crossentropy  # advisor: ignore[MC01]")
    record = record.replace(RELU_OUTPUT, f"{RELU_OUTPUT}  # advisor: ignore[MC02]")
    result, found = lint(tmp_path, record)
    assert [(f["code"], f["line"]) for f in found] == [("MC01", BAD_LINE)]
    assert result.returncode == 1


@pytest.mark.parametrize("comment", ["# advisor: ignore-file[MC01]", "# advisor: ignore-file[loss-activation-mismatch]",
                                     "# advisor: ignore-file"])
def test_file_suppression_anywhere(tmp_path, comment):
    _, found = lint(tmp_path, BAD_RECORD + comment + "\n")
    assert found == []


def test_file_suppression_of_another_rule_does_not_apply(tmp_path):
    _, found = lint(tmp_path, "# advisor: ignore-file[DP01]\n" + BAD_RECORD)
    assert [f["code"] for f in found] == ["MC01"]


def test_suppression_in_a_toml_record(tmp_path):
    record = ('[model]\nloss = "binary_crossentropy"\n\n[[model.layers]]\ntype = "dense"\nunits = 1\n'
              'activation = "relu"  # advisor: ignore[MC01]\n')
    _, found = lint(tmp_path, record, name="experiment.toml")
    assert found == []
    _, found = lint(tmp_path, record.replace("  # advisor: ignore[MC01]", ""), name="experiment.toml")
    assert [(f["code"], f["line"]) for f in found] == [("MC01", 7)]


def test_unused_suppressions_are_reported_on_request(tmp_path):
    record = BAD_RECORD.replace(RELU_OUTPUT, f"{RELU_OUTPUT}  # advisor: ignore[MC01, MC0l]")
    record = record.replace("version: 1", "version: 1  # advisor: ignore[loss-activation-mismatch]")
    record += "# advisor: ignore-file[PD01]\n"
    result, found = lint(tmp_path, record)
    assert found == [] and result.returncode == 0
    result, found = lint(tmp_path, record, "--warn-unused-ignores")
    assert result.returncode == 1
    unused = [(f["code"], f["line"], f["evidence"]["selector"]) for f in found]
    assert unused == [("ADV100", 1, "loss-activation-mismatch"), ("ADV100", BAD_LINE, "MC0l"), ("ADV100", 8, "PD01")]
    messages = " | ".join(f["message"] for f in found)
    assert "'MC0l' (no such rule)" in messages
    assert "'PD01' (not selected)" in messages


def test_scan_finds_every_form():
    text = "a: 1  # advisor: ignore[MC01,loss-activation-mismatch]\n# ADVISOR: IGNORE-FILE\nb: '# not advisor'\n"
    found = scan("e.yaml", text)
    assert [(s.line, s.whole_file, s.selectors) for s in found] == [
        (1, False, ("MC01", "loss-activation-mismatch")), (2, True, ()),
    ]
    assert scan("e.yaml", "a: 1\n") == []
