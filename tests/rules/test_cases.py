"""Rule tests as data: tests/rules/cases/<CODE>.yaml holds named pass and fail cases per rule.

A case file::

    rule: MC01
    cases:
      - name: relu-output-with-binary-crossentropy
        expect: fail                 # fail | pass
        options: {max_rate: 0.6}     # optional: the rule's options
        record: {...}                # the experiment record (YAML mapping)
        findings:                    # fail cases: the expected findings, in order
          - pointer: /model/layers/1/activation   # pointer or message (or both) required
            message: "expects probabilities"   # a substring of the message
            evidence: {activation: relu}        # optional: a subset of the evidence
            line: 7                             # optional

Only the rule under test runs. A pass case expects none of its findings; a fail case expects
exactly the listed findings. Files are validated as they load (tests/rules/case_file.py): an
unknown key or a fail case that does not say what it expects fails the run.
"""

from __future__ import annotations

import glob
import os

import pytest

from advisor.docs import example
from advisor.registry import load_registry
from tests.conftest import lint_record
from tests.rules.case_file import RuleCase, load_case_file

CASES_DIR = os.path.join(os.path.dirname(__file__), "cases")


def _load_cases():
    params = []
    for path in sorted(glob.glob(os.path.join(CASES_DIR, "*.yaml"))):
        document = load_case_file(path)
        assert os.path.basename(path) == f"{document.rule}.yaml", f"{path} holds the cases of {document.rule}"
        for case in document.cases:
            params.append(pytest.param(document.rule, case, id=f"{document.rule}-{case.expect}-{case.name}"))
    return params


CASES = _load_cases()


@pytest.mark.parametrize(("code", "case"), CASES)
def test_rule_case(tmp_path, code, case: RuleCase):
    options = {code: case.options} if case.options else None
    findings = [f for f in lint_record(tmp_path, case.record, select=[code], options=options) if f.code == code]
    if case.expect == "pass":
        assert findings == [], f"expected no {code} finding, got: {[f.message for f in findings]}"
        return
    assert findings, f"expected {code} to fire"
    expected = case.findings or []
    assert len(findings) == len(expected), [f.message for f in findings]
    for finding, want in zip(findings, expected):
        if want.pointer is not None:
            assert finding.pointer == want.pointer, finding
        if want.message is not None:
            assert want.message in finding.message, finding.message
        for key, value in (want.evidence or {}).items():
            assert finding.evidence.get(key) == value, (key, finding.evidence)
        if want.line is not None:
            assert finding.line == want.line, finding


def _cases_by_rule():
    counts: dict[str, dict[str, int]] = {}
    for param in CASES:
        code, case = param.values
        counts.setdefault(code, {"pass": 0, "fail": 0})[case.expect] += 1
    return counts


RULES = load_registry().rules


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_every_rule_has_cases(rule):
    counts = _cases_by_rule().get(rule.code, {"pass": 0, "fail": 0})
    assert counts["fail"] >= 2 and counts["pass"] >= 2, f"{rule.code} needs two fail and two pass cases, has {counts}"


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_documented_examples(tmp_path, rule):
    """The docs' anti-pattern fires and its best practice does not."""
    bad, good = example(rule, "Anti-pattern"), example(rule, "Best practice")
    assert bad and good, f"{rule.code}'s docstring needs yaml Anti-pattern and Best practice examples"
    (tmp_path / "bad").mkdir()
    (tmp_path / "good").mkdir()
    fired = [f for f in lint_record(tmp_path / "bad", bad, select=[rule.code]) if f.code == rule.code]
    assert fired, f"{rule.code}'s anti-pattern does not fire"
    silent = [f for f in lint_record(tmp_path / "good", good, select=[rule.code]) if f.code == rule.code]
    assert not silent, f"{rule.code}'s best practice fires: {[f.message for f in silent]}"
