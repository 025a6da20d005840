"""False alarms are bugs: complete, correct experiments must lint without an error or a warning.

tests/records/clean_*.yaml describe one experiment per kind of problem, done the way the universal
workflow of machine learning asks (normalized on train, stratified, a baseline beaten clearly,
early stopping with restored weights, retrained on train+validation, test within noise of
validation). Every registered rule runs on them; info findings are allowed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from advisor.config import Settings, resolve
from advisor.engine import Linter
from advisor.readers.record import read_record
from advisor.registry import load_registry
from advisor.rule import Severity

RECORDS_DIR = os.path.join(os.path.dirname(__file__), "records")
CLEAN_RECORDS = ["clean_binary.yaml", "clean_multiclass.yaml", "clean_multilabel.yaml", "clean_regression.yaml"]


def _all_rules_linter() -> Linter:
    registry = load_registry()
    every_code = [rule.code for rule in registry.rules]
    return Linter(resolve(Settings(select=every_code), registry))


@pytest.mark.parametrize("name", CLEAN_RECORDS)
def test_clean_record_has_no_error_or_warning(name):
    findings = _all_rules_linter().lint(read_record(os.path.join(RECORDS_DIR, name)))
    loud = [f"{f.code} {f.severity.value} at {f.pointer}: {f.message}" for f in findings
            if f.severity.rank >= Severity.WARNING.rank]
    assert loud == []


@pytest.mark.parametrize("name", CLEAN_RECORDS)
def test_clean_record_declares_a_full_workflow(name):
    """The records stay complete, so every family of rules has something to judge on them."""
    experiment = read_record(os.path.join(RECORDS_DIR, name))
    for section in ("problem", "data", "splits", "protocol", "metric", "baseline", "model", "history", "tuning", "final"):
        assert getattr(experiment, section) is not None, f"{name} lacks {section}"
    assert experiment.history.epochs >= 15
    assert experiment.model.early_stopping.restore_best_weights
    assert experiment.final.trained_on == "train+validation"


def test_lint_cli_exits_zero_on_clean_records(tmp_path):
    paths = [os.path.join(RECORDS_DIR, name) for name in CLEAN_RECORDS]
    completed = subprocess.run(
        [sys.executable, "-c", "from advisor.cli import main; main()", "lint", "--format", "json", *paths],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(completed.stdout)
    assert all(finding["severity"] == "info" for finding in report["findings"]), report["findings"]


def _without_each_field(record: dict):
    """The record less one section, or less one field of one section, in turn."""
    for section, body in record.items():
        yield f"-{section}", {key: value for key, value in record.items() if key != section}
        if isinstance(body, dict):
            for field in body:
                trimmed = dict(record)
                trimmed[section] = {key: value for key, value in body.items() if key != field}
                yield f"-{section}.{field}", trimmed


@pytest.mark.parametrize("name", CLEAN_RECORDS)
def test_no_rule_fails_on_a_partial_record(tmp_path, name):
    """Rules must cope with any field missing: no rule raises (the engine reports that as ADV001)."""
    import yaml

    from tests.conftest import write_record

    with open(os.path.join(RECORDS_DIR, name), encoding="utf-8") as handle:
        record = yaml.safe_load(handle)
    linter = _all_rules_linter()
    crashes = []
    for label, partial in _without_each_field(record):
        findings = linter.lint(read_record(write_record(tmp_path, partial)))
        crashes += [f"{label}: {f.message}" for f in findings if f.code == "ADV001"]
    assert crashes == []


def test_an_essentially_empty_record_gets_only_missing_findings(tmp_path):
    """A record that declares nothing gets a handful of *-missing findings, and no noise."""
    from tests.conftest import write_record

    findings = _all_rules_linter().lint(read_record(write_record(tmp_path, {"name": "draft"})))
    assert findings and all(f.name.endswith("-missing") for f in findings), [f.code for f in findings]
    assert {"PD01", "MS01", "EP01"} <= {f.code for f in findings}
    assert len(findings) <= 8


def test_a_lone_history_gets_no_missing_findings(tmp_path):
    """An artifact alone (here a History JSON) does not claim to describe a whole experiment."""
    import json

    from advisor.readers import read_input

    path = tmp_path / "history.json"
    path.write_text(json.dumps({"loss": [0.9, 0.7, 0.6, 0.55, 0.5], "val_loss": [0.95, 0.8, 0.7, 0.68, 0.7]}))
    findings = _all_rules_linter().lint(read_input(str(path))[0][1])
    assert not [f.code for f in findings if f.name.endswith("-missing")]
