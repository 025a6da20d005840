"""The findings baseline: `advisor lint --write-baseline FILE`, then `--baseline FILE` (or
`baseline = ...` in [tool.advisor]) reports only new findings, counts the accepted ones, and notes
the entries that no longer occur. Run through the installed console script."""

from __future__ import annotations

import json
import os
from xml.etree import ElementTree

import pytest

from tests.advisor_cli import assert_clean_failure, run_advisor, write

_CLEAN = os.path.join(os.path.dirname(os.path.dirname(__file__)), "records", "clean_binary.yaml")
with open(_CLEAN, encoding="utf-8") as _handle:
    _COMPLETE = _handle.read().replace(  # a feature step: DP06 (few samples, no engineered feature) stays out
        "    - {step: standardize, fit_on: train}   # refit on each fold's training part\n",
        "    - {step: standardize, fit_on: train}   # refit on each fold's training part\n"
        "    - {step: feature_engineering, fit_on: train}\n")

#: A complete record with two findings: MC01 (relu output with binary crossentropy) and MC07
#: (learning rate 5).
OLD_RECORD = _COMPLETE.replace("{type: dense, units: 1, activation: sigmoid}", "{type: dense, units: 1, activation: relu}"
                               ).replace("learning_rate: 0.001}", "learning_rate: 5.0}")
assert OLD_RECORD.count("activation: relu}") == 1 and OLD_RECORD.count("learning_rate: 5.0") == 1
#: The first hidden layer made linear: MC08 (linear hidden layer) is new.
NEW_MISTAKE = OLD_RECORD.replace("units: 16, activation: relu", "units: 16, activation: linear", 1)


def _codes(stdout: str) -> list[str]:
    return [line.split()[1] for line in stdout.splitlines() if line.startswith("experiment.yaml:")]


@pytest.fixture
def project(tmp_path):
    """A record with two findings and a baseline that accepts both."""
    write(tmp_path, "experiment.yaml", OLD_RECORD)
    result = run_advisor("lint", "--write-baseline", "advisor-baseline.json", "experiment.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wrote 2 findings to the baseline advisor-baseline.json" in result.stderr
    assert result.stdout == ""
    return tmp_path


def test_the_baseline_file_names_rule_file_and_field_not_the_line(project):
    data = json.loads((project / "advisor-baseline.json").read_text())
    assert data["advisor-baseline"] == 1
    assert [(e["code"], e["path"], e["pointer"], e["count"]) for e in data["findings"]] == [
        ("MC01", "experiment.yaml", "/model/layers/4/activation", 1),
        ("MC07", "experiment.yaml", "/model/optimizer/learning_rate", 1),
    ]
    assert all("line" not in entry for entry in data["findings"])


def test_old_findings_pass_and_are_counted(project):
    result = run_advisor("lint", "--baseline", "advisor-baseline.json", "experiment.yaml", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 findings accepted by the baseline advisor-baseline.json" in result.stderr
    assert _codes(result.stdout) == []


def test_a_new_finding_fails(project):
    write(project, "experiment.yaml", NEW_MISTAKE)
    result = run_advisor("lint", "--baseline", "advisor-baseline.json", "experiment.yaml", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert _codes(result.stdout) == ["MC08"]
    assert "2 findings accepted" in result.stderr
    assert "no longer found" not in result.stderr


def test_a_moved_line_still_matches(project):
    moved = "# notes added above every finding\n# and a second line\n" + OLD_RECORD.replace(
        "\nmodel:\n", "\n# why this model, in two lines\n# of notes\nmodel:\n")
    write(project, "experiment.yaml", moved)
    plain = run_advisor("lint", "experiment.yaml", cwd=project)
    assert _codes(plain.stdout) == ["MC01", "MC07"]  # the findings are still there, lines moved
    result = run_advisor("lint", "--baseline", "advisor-baseline.json", "experiment.yaml", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 findings accepted" in result.stderr


def test_a_removed_finding_is_reported_as_stale_and_rewriting_shrinks_the_file(project):
    write(project, "experiment.yaml", OLD_RECORD.replace("learning_rate: 5.0", "learning_rate: 0.001"))
    result = run_advisor("lint", "--baseline", "advisor-baseline.json", "experiment.yaml", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 finding accepted" in result.stderr
    assert "baseline entry no longer found: MC07 experiment.yaml /model/optimizer/learning_rate" in result.stderr
    assert "1 stale baseline entry" in result.stderr
    rewrite = run_advisor("lint", "--write-baseline", "advisor-baseline.json", "experiment.yaml", cwd=project)
    assert rewrite.returncode == 0, rewrite.stderr
    data = json.loads((project / "advisor-baseline.json").read_text())
    assert [entry["code"] for entry in data["findings"]] == ["MC01"]


def test_entries_of_files_not_linted_or_rules_not_selected_are_not_stale(project):
    write(project, "other/experiment.yaml", OLD_RECORD)
    run_advisor("lint", "--write-baseline", "advisor-baseline.json", ".", cwd=project)
    result = run_advisor("lint", "--baseline", "advisor-baseline.json", "--select", "MC01", "experiment.yaml",
                         cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 finding accepted" in result.stderr
    assert "no longer found" not in result.stderr
    # Rewriting from one record keeps the entries of the record not linted this time.
    run_advisor("lint", "--write-baseline", "advisor-baseline.json", "experiment.yaml", cwd=project)
    data = json.loads((project / "advisor-baseline.json").read_text())
    assert sorted(entry["path"] for entry in data["findings"]) == [
        "experiment.yaml", "experiment.yaml", "other/experiment.yaml", "other/experiment.yaml"]


def test_configured_in_pyproject_from_any_folder(project):
    write(project, "pyproject.toml", '[tool.advisor]\nbaseline = "advisor-baseline.json"\n')
    write(project, "experiment.yaml", NEW_MISTAKE)
    (project / "sub").mkdir()
    result = run_advisor("lint", "../experiment.yaml", cwd=project / "sub")
    assert result.returncode == 1, result.stdout + result.stderr
    assert [line.split()[1] for line in result.stdout.splitlines() if "experiment.yaml:" in line] == ["MC08"]
    assert "2 findings accepted by the baseline ../advisor-baseline.json" in result.stderr


@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "junit", "text"])
def test_every_format_reports_only_new_findings(project, fmt):
    write(project, "experiment.yaml", NEW_MISTAKE)
    result = run_advisor("lint", "--format", fmt, "--baseline", "advisor-baseline.json", "experiment.yaml",
                         cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    if fmt == "json":
        assert [f["code"] for f in json.loads(out)["findings"]] == ["MC08"]
    elif fmt == "sarif":
        assert [r["ruleId"] for r in json.loads(out)["runs"][0]["results"]] == ["MC08"]
    elif fmt == "junit":
        failures = ElementTree.fromstring(out).iter("failure")
        assert ["MC08" in (f.get("message", "") + (f.text or "")) for f in failures] == [True]
    else:
        assert "MC08" in out and "MC01" not in out and "MC07" not in out
    assert "2 findings accepted" in result.stderr


def test_a_missing_or_foreign_baseline_is_one_message(project):
    assert_clean_failure(run_advisor("lint", "--baseline", "nothing.json", "experiment.yaml", cwd=project),
                         "nothing.json", "no such file")
    write(project, "notes.json", '{"findings": []}')
    assert_clean_failure(run_advisor("lint", "--baseline", "notes.json", "experiment.yaml", cwd=project),
                         "notes.json", "is not an advisor baseline")
    write(project, "broken.json", '{"advisor-baseline": 1, "findings": [')
    assert_clean_failure(run_advisor("lint", "--baseline", "broken.json", "experiment.yaml", cwd=project),
                         "broken.json:1", "invalid JSON")
    write(project, "future.json", '{"advisor-baseline": 7, "findings": []}')
    assert_clean_failure(run_advisor("lint", "--baseline", "future.json", "experiment.yaml", cwd=project),
                         "format version 7")
    write(project, "zero.json", '{"advisor-baseline": 1, "findings": [\n  {"code": "MC01", "path": "experiment.yaml",'
          ' "fingerprint": "0f", "count": 0}\n]}')
    assert_clean_failure(run_advisor("lint", "--baseline", "zero.json", "experiment.yaml", cwd=project),
                         "zero.json:2:", "finding 1: 'count' must be a positive integer, received 0")
    write(project, "pyproject.toml", "[tool.advisor]\nbaseline = 3\n")
    assert_clean_failure(run_advisor("lint", "experiment.yaml", cwd=project), "pyproject.toml:2", "'baseline'")


def test_writing_never_replaces_a_file_it_did_not_write(project):
    write(project, "notes.json", '{"mine": true}\n')
    result = run_advisor("lint", "--write-baseline", "notes.json", "experiment.yaml", cwd=project)
    assert_clean_failure(result, "notes.json", "not an advisor baseline; refusing to overwrite it")
    assert (project / "notes.json").read_text() == '{"mine": true}\n'
    assert_clean_failure(run_advisor("lint", "--write-baseline", "experiment.yaml", "experiment.yaml", cwd=project),
                         "refusing to overwrite")
    assert (project / "experiment.yaml").read_text() == OLD_RECORD


def test_writing_is_refused_when_an_input_cannot_be_read(project):
    write(project, "broken/experiment.yaml", "model: [\n")
    result = run_advisor("lint", "--write-baseline", "advisor-baseline.json", ".", cwd=project)
    assert result.returncode == 2
    assert "not written, since some inputs could not be read" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(json.loads((project / "advisor-baseline.json").read_text())["findings"]) == 2
