"""Every `--format` through the real console script, checked against what its consumer needs:
ruff-style text, the JSON contract, SARIF 2.1.0 validated with jsonschema against the official
schema (plus what GitHub code scanning requires), GitHub workflow commands, and JUnit XML."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET

import jsonschema
import numpy as np
import pytest

from advisor.finding import Finding
from advisor.reports import Report, render
from advisor.reports.github import escape_data, escape_property
from advisor.severity import Severity
from tests.advisor_cli import BAD_COLUMN, BAD_LINE, BAD_RECORD, GOOD_RECORD, run_advisor, write

SARIF_SCHEMA = os.path.join(os.path.dirname(__file__), "data", "sarif-schema-2.1.0.json")


@pytest.fixture
def project(tmp_path):
    """A folder with a bad record (in a sub-folder whose name has a space), a good one and a
    record with an unused suppression."""
    write(tmp_path, "runs/first run/experiment.yaml", BAD_RECORD)
    write(tmp_path, "runs/good/experiment.yaml", GOOD_RECORD)
    write(tmp_path, "runs/noted/experiment.yaml", GOOD_RECORD.replace("version: 1", "version: 1  # advisor: ignore[MC01]"))
    return tmp_path


def lint(project, fmt: str, *extra: str):
    return run_advisor("lint", "--select", "MC01", "--warn-unused-ignores", "--format", fmt, *extra, "runs", cwd=project)


def mc01_message(project) -> str:
    """MC01's message on the bad record, as the JSON report gives it (the rule owns its wording)."""
    findings = json.loads(lint(project, "json").stdout)["findings"]
    message = next(f["message"] for f in findings if f["code"] == "MC01")
    assert "relu" in message
    return message


# --- text ------------------------------------------------------------------------------------

def test_text_is_ruff_style_with_a_summary(project):
    result = lint(project, "text")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"runs/first run/experiment.yaml:{BAD_LINE}:{BAD_COLUMN}: MC01 {mc01_message(project)}"
    assert lines[1] == "  remedy: fix_output_layer (advisor fix)"
    assert re.fullmatch(r"runs/noted/experiment\.yaml:1:\d+: ADV100 unused suppression of 'MC01': .*", lines[2])
    assert lines[-2:] == ["Found 2 findings (1 error, 1 warning) in 3 files.", "[*] 1 fixable with `advisor fix`."]


# --- json ------------------------------------------------------------------------------------

def test_json_follows_the_contract(project):
    result = lint(project, "json")
    document = json.loads(result.stdout)
    assert set(document) == {"findings", "summary"}
    first = document["findings"][0]
    assert list(first) == ["code", "name", "severity", "message", "path", "line", "column", "pointer", "evidence", "remedy",
                           "fix"]
    assert first | {"message": None} == {
        "code": "MC01", "name": "loss-activation-mismatch", "severity": "error", "message": None,
        "path": "runs/first run/experiment.yaml", "line": BAD_LINE, "column": BAD_COLUMN,
        "pointer": "/model/layers/1/activation", "evidence": first["evidence"], "remedy": "fix_output_layer",
        "fix": "safe",
    }
    assert first["evidence"]["activation"] == "relu"
    assert document["summary"] == {"files": 3, "findings": 2, "by_severity": {"info": 0, "warning": 1, "error": 1},
                                   "fail_on": "warning"}


def test_json_stays_strict_with_nan_and_numpy_evidence():
    finding = Finding("TD01", "non-finite-loss", Severity.ERROR, "loss is not finite", "experiment.yaml", 3, 1, "/history/loss",
                      {"first": float("nan"), "epochs": np.int64(4), "losses": np.array([0.5, np.inf])})
    text = render("json", Report([finding], ["experiment.yaml"]))
    evidence = json.loads(text)["findings"][0]["evidence"]  # json.loads accepts NaN; check the text too
    assert "NaN" not in text and "Infinity" not in text
    assert evidence == {"first": "nan", "epochs": 4, "losses": [0.5, "inf"]}


# --- sarif -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sarif_validator():
    with open(SARIF_SCHEMA, encoding="utf-8") as handle:
        schema = json.load(handle)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def test_sarif_validates_and_carries_what_github_code_scanning_needs(project, sarif_validator):
    result = lint(project, "sarif")
    assert result.returncode == 1
    log = json.loads(result.stdout)
    sarif_validator.validate(log)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "ml-advisor" and driver["version"] and driver["informationUri"].startswith("https://")
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert set(rules) == {"MC01", "ADV100"}
    mc01 = rules["MC01"]
    assert mc01["name"] == "LossActivationMismatch"
    assert mc01["shortDescription"]["text"] == "Last-layer activation and loss are no valid pair."
    assert mc01["fullDescription"]["text"].startswith("Checks that the loss")
    assert mc01["help"]["markdown"].startswith("# MC01 loss-activation-mismatch")
    assert "## Best practice" in mc01["help"]["markdown"] and mc01["help"]["text"]
    assert mc01["defaultConfiguration"]["level"] == "error"
    assert mc01["properties"]["precision"] in {"very-high", "high", "medium", "low"}
    assert "machine-learning" in mc01["properties"]["tags"]
    assert rules["ADV100"]["defaultConfiguration"]["level"] == "warning"
    by_rule = {r["ruleId"]: r for r in run["results"]}
    for result_ in run["results"]:
        assert driver["rules"][result_["ruleIndex"]]["id"] == result_["ruleId"]
        assert result_["message"]["text"]
        assert result_["level"] in {"error", "warning", "note"}
    location = by_rule["MC01"]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "runs/first%20run/experiment.yaml", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": BAD_LINE, "startColumn": BAD_COLUMN}
    assert by_rule["MC01"]["partialFingerprints"]
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_sarif_fingerprint_survives_moving_lines(tmp_path):
    write(tmp_path, "experiment.yaml", BAD_RECORD)
    before = json.loads(run_advisor("lint", "--select", "MC01", "--format", "sarif", ".", cwd=tmp_path).stdout)
    write(tmp_path, "experiment.yaml", "# a comment added above\n" + BAD_RECORD)
    after = json.loads(run_advisor("lint", "--select", "MC01", "--format", "sarif", ".", cwd=tmp_path).stdout)
    first, second = before["runs"][0]["results"][0], after["runs"][0]["results"][0]
    assert second["locations"][0]["physicalLocation"]["region"]["startLine"] == BAD_LINE + 1
    assert first["partialFingerprints"] == second["partialFingerprints"]


def test_sarif_reports_unreadable_inputs_as_failed_execution(project, sarif_validator):
    write(project, "runs/broken/experiment.yaml", "model: {layers: [\n")
    result = lint(project, "sarif")
    assert result.returncode == 2
    log = json.loads(result.stdout)
    sarif_validator.validate(log)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    location = notification["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "runs/broken/experiment.yaml"
    assert location["region"]["startLine"] == 2
    assert {r["ruleId"] for r in log["runs"][0]["results"]} == {"MC01", "ADV100"}


def test_sarif_with_no_findings_lists_the_rules_that_ran(tmp_path, sarif_validator):
    write(tmp_path, "experiment.yaml", GOOD_RECORD)
    result = run_advisor("lint", "--select", "MC", "--format", "sarif", ".", cwd=tmp_path)
    assert result.returncode == 0
    log = json.loads(result.stdout)
    sarif_validator.validate(log)
    assert log["runs"][0]["results"] == []
    assert {rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]} >= {"MC01"}


# --- github ----------------------------------------------------------------------------------

def test_github_workflow_commands(project):
    result = lint(project, "github")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (f"::error file=runs/first run/experiment.yaml,line={BAD_LINE},col={BAD_COLUMN},"
                        f"title=MC01 loss-activation-mismatch::{mc01_message(project)} (remedy: fix_output_layer; apply with advisor fix)")
    assert re.fullmatch(r"::warning file=runs/noted/experiment\.yaml,line=1,col=\d+,title=ADV100 unused-suppression::.*",
                        lines[1])
    assert len(lines) == 2


def test_github_escaping():
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


# --- junit -----------------------------------------------------------------------------------

def test_junit_is_parseable_with_one_failure_per_finding(project):
    write(project, "runs/broken/experiment.yaml", "model: {layers: [\n")
    result = lint(project, "junit")
    assert result.returncode == 2
    root = ET.fromstring(result.stdout)
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert suite.get("tests") == str(len(cases)) == "4"  # good file, 2 findings, 1 unreadable file
    assert suite.get("failures") == "2" and suite.get("errors") == "1"
    passing = [c for c in cases if not list(c)]
    assert [c.get("classname") for c in passing] == ["runs/good/experiment.yaml"]
    failed = {c.get("classname"): c for c in cases if c.find("failure") is not None}
    mc01 = failed["runs/first run/experiment.yaml"]
    assert mc01.get("name") == f"MC01 loss-activation-mismatch at runs/first run/experiment.yaml:{BAD_LINE}:{BAD_COLUMN}"
    assert mc01.find("failure").get("type") == "error"
    assert mc01.find("failure").get("message") == mc01_message(project)
    errored = [c for c in cases if c.find("error") is not None]
    assert [c.get("classname") for c in errored] == ["runs/broken/experiment.yaml"]


def test_junit_survives_control_characters():
    finding = Finding("MC01", "loss-activation-mismatch", Severity.ERROR, "bad \x07 bell & <tag>", "e.yaml", 1, 1)
    root = ET.fromstring(render("junit", Report([finding], ["e.yaml"])))
    assert root.find("testsuite/testcase/failure").get("message") == "bad \\x07 bell & <tag>"  # escaped, as everywhere


def test_every_format_handles_no_findings(tmp_path):
    write(tmp_path, "experiment.yaml", GOOD_RECORD)
    for fmt in ("text", "json", "sarif", "github", "junit"):
        result = run_advisor("lint", "--select", "MC01", "--format", fmt, "experiment.yaml", cwd=tmp_path)
        assert result.returncode == 0, (fmt, result.stderr)
        assert "Traceback" not in result.stderr
