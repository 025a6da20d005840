"""End to end through the installed `advisor` console script: exit codes, selection, output
options, colour, the rules/explain/schema/--version commands, and third-party rule packs."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess

import pytest

from advisor import __version__
from tests.advisor_cli import ADVISOR, BAD_LINE, BAD_RECORD, GOOD_RECORD, assert_clean_failure, run_advisor, write

RULE_PACK = os.path.join(os.path.dirname(__file__), "data", "rule_pack")
PACK_ENV = {"PYTHONPATH": RULE_PACK}


@pytest.fixture
def bad(tmp_path):
    write(tmp_path, "experiment.yaml", BAD_RECORD)
    return tmp_path


def codes(result) -> list[str]:
    return [f["code"] for f in json.loads(result.stdout)["findings"]]


# --- exit codes ------------------------------------------------------------------------------

def test_finding_exits_1_and_names_file_line_and_rule(bad):
    result = run_advisor("lint", "--select", "MC01", "experiment.yaml", cwd=bad)
    assert result.returncode == 1, result.stderr
    assert re.search(rf"^experiment\.yaml:{BAD_LINE}:\d+: MC01 ", result.stdout, re.MULTILINE), result.stdout
    assert result.stderr == ""


def test_clean_record_exits_0(tmp_path):
    write(tmp_path, "experiment.yaml", GOOD_RECORD)
    result = run_advisor("lint", "--select", "MC01", "experiment.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "All checks passed! (1 file)" in result.stdout


def test_exit_zero_reports_but_succeeds(bad):
    result = run_advisor("lint", "--select", "MC01", "--exit-zero", "experiment.yaml", cwd=bad)
    assert result.returncode == 0
    assert "MC01" in result.stdout


def test_fail_on_compares_with_the_configured_severity(bad):
    write(bad, "advisor.toml", '[rules.MC01]\nseverity = "info"\n')
    below = run_advisor("lint", "--select", "MC01", "experiment.yaml", cwd=bad)
    assert below.returncode == 0, below.stdout  # an info finding under the default fail level (warning)
    assert "1 info" in below.stdout
    at = run_advisor("lint", "--select", "MC01", "--fail-on", "info", "experiment.yaml", cwd=bad)
    assert at.returncode == 1
    strict = run_advisor("lint", "--select", "MC01", "--fail-on", "error", "experiment.yaml", cwd=bad)
    assert strict.returncode == 0


def test_bad_option_value_exits_2(bad):
    result = run_advisor("lint", "--fail-on", "sometimes", "experiment.yaml", cwd=bad)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "'sometimes' is not one of" in result.stderr


def test_lint_without_paths_is_a_usage_error(tmp_path):
    result = run_advisor("lint", cwd=tmp_path)
    assert result.returncode == 2
    assert "Missing argument" in result.stderr


def test_a_broken_input_does_not_hide_findings_in_the_others(bad):
    write(bad, "other/experiment.yaml", "problem: [unclosed\n")
    result = run_advisor("lint", "--select", "MC01", "experiment.yaml", "other/experiment.yaml", cwd=bad)
    assert result.returncode == 2
    assert "MC01" in result.stdout
    assert "other/experiment.yaml:2:1: invalid YAML" in result.stderr


# --- selection -------------------------------------------------------------------------------

@pytest.mark.parametrize("selector", ["MC01", "loss-activation-mismatch", "MC", "mc0", "ALL"])
def test_select_by_code_name_or_prefix(bad, selector):
    result = run_advisor("lint", "--format", "json", "--select", selector, "experiment.yaml", cwd=bad)
    assert "MC01" in codes(result)


@pytest.mark.parametrize("selector", ["MC01", "loss-activation-mismatch", "MC"])
def test_ignore_by_code_name_or_prefix(bad, selector):
    result = run_advisor("lint", "--format", "json", "--select", "MC01", "--ignore", selector, "experiment.yaml", cwd=bad)
    assert result.returncode == 0
    assert codes(result) == []


def test_extend_select_adds_to_the_configured_selection(bad):
    write(bad, "advisor.toml", 'select = ["PD"]\n')
    configured = run_advisor("lint", "--format", "json", "experiment.yaml", cwd=bad)
    assert "MC01" not in codes(configured)
    extended = run_advisor("lint", "--format", "json", "--extend-select", "MC01", "experiment.yaml", cwd=bad)
    assert "MC01" in codes(extended)


def test_comma_separated_selectors(bad):
    result = run_advisor("lint", "--format", "json", "--select", "MC01,PD", "--ignore", "PD", "experiment.yaml", cwd=bad)
    assert codes(result) == ["MC01"]


def test_unknown_selector_suggests_the_closest_rule(bad):
    result = run_advisor("lint", "--select", "loss-activation-mismatc", "experiment.yaml", cwd=bad)
    assert_clean_failure(result, "--select: unknown rule 'loss-activation-mismatc'", "did you mean 'loss-activation-mismatch'")


# --- output options --------------------------------------------------------------------------

def test_output_writes_the_report_to_a_file(bad):
    result = run_advisor("lint", "--select", "MC01", "--format", "json", "--output", "report.json", "experiment.yaml", cwd=bad)
    assert result.returncode == 1
    assert result.stdout == ""
    report = json.loads((bad / "report.json").read_text())
    assert [f["code"] for f in report["findings"]] == ["MC01"]


def test_output_never_overwrites_an_input(bad):
    before = (bad / "experiment.yaml").read_text()
    result = run_advisor("lint", "--output", "experiment.yaml", "experiment.yaml", cwd=bad)
    assert_clean_failure(result, "refusing to overwrite")
    assert (bad / "experiment.yaml").read_text() == before


def test_output_to_an_unwritable_place_exits_2(bad):
    result = run_advisor("lint", "--select", "MC01", "--output", "missing-folder/report.txt", "experiment.yaml", cwd=bad)
    assert_clean_failure(result, "missing-folder/report.txt: cannot write the report")


def test_statistics_count_findings_per_rule(tmp_path):
    write(tmp_path, "a/experiment.yaml", BAD_RECORD)
    write(tmp_path, "b/experiment.json", json.dumps({
        "model": {"layers": [{"type": "dense", "units": 1, "activation": "linear"}], "loss": "binary_crossentropy"},
    }, indent=2))
    result = run_advisor("lint", "--select", "MC01", "--statistics", ".", cwd=tmp_path)
    assert re.search(r"^\s+2\s+MC01\s+error\s+loss-activation-mismatch$", result.stdout, re.MULTILINE), result.stdout
    assert "Found 2 findings (2 errors) in 2 files." in result.stdout
    as_json = run_advisor("lint", "--select", "MC01", "--statistics", "--format", "json", ".", cwd=tmp_path)
    assert json.loads(as_json.stdout)["summary"]["by_rule"] == {"MC01": 2}


def test_directory_is_searched_for_every_record_spelling(tmp_path):
    write(tmp_path, "runs/a/experiment.yaml", BAD_RECORD)
    write(tmp_path, "runs/b/experiment.yml", BAD_RECORD)
    write(tmp_path, "runs/c/experiment.json", json.dumps({
        "model": {"layers": [{"type": "dense", "units": 1, "activation": "relu"}], "loss": "binary_crossentropy"},
    }, indent=2))
    write(tmp_path, "runs/d/experiment.toml", '[model]\n'
          'loss = "binary_crossentropy"\n\n[[model.layers]]\ntype = "dense"\nunits = 1\nactivation = "relu"\n')
    write(tmp_path, "runs/notes.yaml", "not: a record\n")
    result = run_advisor("lint", "--select", "MC01", "--format", "json", "runs", cwd=tmp_path)
    findings = json.loads(result.stdout)["findings"]
    located = {(f["path"], f["line"]) for f in findings}
    assert located == {("runs/a/experiment.yaml", BAD_LINE), ("runs/b/experiment.yml", BAD_LINE),
                       ("runs/c/experiment.json", 7), ("runs/d/experiment.toml", 7)}, located


def test_absolute_paths_below_the_working_directory_are_shown_relative(bad):
    result = run_advisor("lint", "--select", "MC01", str(bad / "experiment.yaml"), cwd=bad)
    assert result.stdout.startswith(f"experiment.yaml:{BAD_LINE}:")


# --- colour ----------------------------------------------------------------------------------

def _run_on_terminal(args: list[str], cwd, env: dict[str, str]) -> str:
    """Run advisor with its standard output on a pseudo-terminal and return what it wrote."""
    main, secondary = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environment.update(env)
    try:
        process = subprocess.run([ADVISOR, *args], cwd=str(cwd), env=environment, stdout=secondary,
                                 stderr=subprocess.PIPE, timeout=60)
        os.close(secondary)
        secondary = -1
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal is closed once everything is read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(main)
        if secondary != -1:
            os.close(secondary)
    assert process.returncode == 1, process.stderr
    return b"".join(chunks).decode()


def test_colour_only_on_a_terminal_and_never_with_no_color(bad):
    args = ["lint", "--select", "MC01", "experiment.yaml"]
    assert "\x1b[" in _run_on_terminal(args, bad, {})
    assert "\x1b[" not in _run_on_terminal(args, bad, {"NO_COLOR": "1"})
    assert "\x1b[" not in run_advisor(*args, cwd=bad).stdout  # a pipe
    assert "\x1b[" in run_advisor(*args, "--color", cwd=bad).stdout


# --- other commands --------------------------------------------------------------------------

def test_version(tmp_path):
    result = run_advisor("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"advisor, version {__version__}"


def test_rules_table_and_json(tmp_path):
    table = run_advisor("rules", cwd=tmp_path)
    assert table.returncode == 0
    assert re.search(r"^MC01\s+loss-activation-mismatch\s+E\s+stage 5\s+", table.stdout, re.MULTILINE), table.stdout
    rows = json.loads(run_advisor("rules", "--format", "json", cwd=tmp_path).stdout)
    mc01 = next(row for row in rows if row["code"] == "MC01")
    assert mc01 | {"summary": None} == {
        "code": "MC01", "name": "loss-activation-mismatch", "stage": 5, "severity": "error",
        "remedy": "fix_output_layer", "summary": None, "fix": mc01["fix"], "options": {},
    }
    assert mc01["summary"]


@pytest.mark.parametrize("rule", ["MC01", "mc01", "loss-activation-mismatch"])
def test_explain_by_code_or_name(tmp_path, rule):
    result = run_advisor("explain", rule, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("# MC01 loss-activation-mismatch\n")
    for heading in ("## What it does", "## Why is this bad?", "## Anti-pattern", "## Best practice"):
        assert heading in result.stdout


def test_explain_shows_options_with_defaults(tmp_path):
    result = run_advisor("explain", "ZZ01", cwd=tmp_path, env=PACK_ENV)
    assert result.returncode == 0, result.stderr
    assert re.search(r"\| `max_epochs` \| `100` \| .*The most epochs", result.stdout), result.stdout


@pytest.mark.parametrize("code", ["ADV100", "unused-suppression"])
def test_explain_findings_of_the_engine(tmp_path, code):
    result = run_advisor("explain", code, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("# ADV100 unused-suppression\n")


def test_explain_unknown_rule(tmp_path):
    result = run_advisor("explain", "loss-activation-mismatc", cwd=tmp_path)
    assert_clean_failure(result, "unknown rule 'loss-activation-mismatc'", "did you mean 'loss-activation-mismatch'")


def test_schema_prints_json_schema(tmp_path):
    result = run_advisor("schema", cwd=tmp_path)
    assert result.returncode == 0
    assert json.loads(result.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


# --- a third-party rule pack -----------------------------------------------------------------

def test_third_party_pack_rules_run_with_configured_options(tmp_path):
    write(tmp_path, "experiment.yaml", "model:\n  epochs: 150\n")
    default = run_advisor("lint", "--select", "ZZ01", "--format", "json", "experiment.yaml", cwd=tmp_path, env=PACK_ENV)
    finding = json.loads(default.stdout)["findings"][0]
    assert (finding["code"], finding["line"], finding["evidence"]) == ("ZZ01", 2, {"epochs": 150, "max_epochs": 100})
    write(tmp_path, "advisor.toml", "[rules.too-many-epochs]\nmax-epochs = 200\n")
    relaxed = run_advisor("lint", "--select", "ZZ01", "experiment.yaml", cwd=tmp_path, env=PACK_ENV)
    assert relaxed.returncode == 0, relaxed.stdout


def test_a_rule_that_raises_is_reported_and_the_others_still_run(tmp_path):
    write(tmp_path, "experiment.yaml", "model:\n  epochs: 500\n")
    result = run_advisor("lint", "--select", "ZZ", "--format", "json", "experiment.yaml", cwd=tmp_path, env=PACK_ENV)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert sorted(f["code"] for f in findings) == ["ADV001", "ZZ01"]
    internal = next(f for f in findings if f["code"] == "ADV001")
    assert "ZZ02 (always-raises) failed: ZeroDivisionError" in internal["message"]


def test_sniffed_record_sections_match_the_record_model():
    from advisor.readers.sniff import _RECORD_SECTIONS
    from advisor.record import Experiment

    assert _RECORD_SECTIONS == set(Experiment.model_fields)
