"""Edits read a rule's options and evidence as typed values, not by string keys.

A rule declares what its findings carry for an edit as a NamedTuple (`Rule.Evidence`);
`Rule.violation` refuses a finding without one of its fields; `FixContext.evidence(Rule.Evidence)`
gives instances of it and `FixContext.options(Rule.Options)` the rule's resolved options, so a
renamed evidence key or option fails where it is made instead of silently giving the edit nothing.
"""

from __future__ import annotations

import json
import pathlib
import re
from typing import NamedTuple

import pytest

from advisor.config import Settings, resolve
from advisor.engine import Linter
from advisor.finding import Finding
from advisor.fix.backends import open_document
from advisor.fix.context import FixContext
from advisor.readers.record import read_record
from advisor.registry import load_registry
from advisor.toml_compat import tomllib
from rules.data import ConstantFeature, MissingValues
from rules.leakage import TestSetUsedForTuning
from rules.model import DropoutOptions, LinearHiddenLayers
from rules.protocol import FoldOptions

ROOT = pathlib.Path(__file__).resolve().parents[1]

#: Two features with missing values, one constant feature, a linear hidden layer feeding another
#: dense layer, and the test set used to select the configuration.
RECORD = """\
problem: {type: binary_classification}
data:
  samples: 400
  features:
    - {name: age, dtype: float, min: 18, max: 90, missing: 4}
    - {name: income, dtype: float, min: 0, max: 1, missing: 9}
    - {name: site, dtype: float, min: 1, max: 1, std: 0}
model:
  layers:
    - {type: dense, units: 16}
    - {type: dense, units: 1, activation: sigmoid}
  loss: binary_crossentropy
tuning: {selected_on: test, test_evaluations: 3}
"""


def _context(tmp_path, rules_table: str = "") -> FixContext:
    path = tmp_path / "experiment.yaml"
    path.write_text(RECORD, encoding="utf-8")
    experiment = read_record(str(path))
    config = resolve(Settings(rules=tomllib.loads(rules_table) if rules_table else {}), load_registry())
    findings = Linter(config).lint(experiment)
    options = {setup.rule.code: setup.options for setup in config.rules}
    return FixContext(open_document(str(path), RECORD), experiment, findings, options)


def test_evidence_comes_as_the_rules_dataclass_in_finding_order(tmp_path):
    ctx = _context(tmp_path)
    missing = ctx.evidence(MissingValues.Evidence)
    assert missing == [MissingValues.Evidence(feature="age"), MissingValues.Evidence(feature="income")]
    assert ctx.evidence(ConstantFeature.Evidence) == [ConstantFeature.Evidence(constant_features=["site"])]
    assert [found.layer for found in ctx.evidence(LinearHiddenLayers.Evidence)] == [0]
    tuning = ctx.evidence(TestSetUsedForTuning.Evidence)
    assert [(found.selected_on, found.test_evaluations) for found in tuning] == [("test", None), (None, 3)]


def test_evidence_read_back_from_the_lint_cache_is_the_same(tmp_path):
    """Findings served from the cache went through JSON: the typed view must not change."""
    ctx = _context(tmp_path)
    fresh = ctx.evidence(ConstantFeature.Evidence) + ctx.evidence(MissingValues.Evidence)
    ctx.findings = [Finding.from_dict(json.loads(json.dumps(f.to_dict(full=True)))) for f in ctx.findings]
    assert ctx.evidence(ConstantFeature.Evidence) + ctx.evidence(MissingValues.Evidence) == fresh


def test_options_are_the_resolved_ones_typed(tmp_path):
    assert _context(tmp_path).options(FoldOptions).min_fold_samples == FoldOptions().min_fold_samples
    configured = _context(tmp_path, "[EP04]\nmin_fold_samples = 50\n[MC09]\nmax_rate = 0.3\n")
    assert configured.options(FoldOptions).min_fold_samples == 50
    assert configured.options(DropoutOptions).max_rate == 0.3


def test_a_class_no_rule_declares_is_refused(tmp_path):
    class Stray(NamedTuple):
        layer: int

    ctx = _context(tmp_path)
    with pytest.raises(KeyError, match="no registered rule declares .*Stray as its Evidence"):
        ctx.evidence(Stray)


def test_a_violation_lacking_a_declared_field_is_refused():
    rule = MissingValues()
    with pytest.raises(TypeError, match="DP04's Evidence needs feature; the violation carries missing"):
        rule.violation("message", "/data/features/0", missing=3)
    assert rule.violation("message", "/data/features/0", feature="age").evidence == {"feature": "age"}


def test_every_declared_evidence_is_an_immutable_named_tuple():
    declared = [rule for rule in load_registry().rules if rule.Evidence is not None]
    assert len(declared) >= 7
    for rule in declared:
        assert issubclass(rule.Evidence, tuple) and rule.Evidence._fields, rule.code  # type: ignore[attr-defined]


def test_no_edit_reads_evidence_or_options_by_string_key():
    """The typed views are the only way the built-in edits read findings and options."""
    untyped = re.compile(r"\.evidence\[|\.evidence\.get\(|\.evidence\(\s*[\"']|\.option\(")
    offenders = [f"{path.name}:{number}" for path in sorted((ROOT / "rules" / "fixes").glob("*.py"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if untyped.search(line)]
    assert offenders == []
