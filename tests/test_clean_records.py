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
