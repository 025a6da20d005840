"""A case file with a typo or a fail case that does not say what it expects is rejected at load."""

from __future__ import annotations

import pytest

from tests.rules.case_file import CaseFileError, load_case_file

FAIL_CASE = """\
rule: MC01
cases:
  - name: relu-output
    expect: fail
    record: {model: {layers: [{type: dense, units: 1, activation: relu}], loss: binary_crossentropy}}
"""


def _load(tmp_path, text: str):
    path = tmp_path / "MC01.yaml"
    path.write_text(text, encoding="utf-8")
    return load_case_file(str(path))


def test_a_well_formed_file_loads(tmp_path):
    document = _load(tmp_path, FAIL_CASE + "    findings:\n      - pointer: /model/layers/0/activation\n")
    assert document.rule == "MC01" and document.cases[0].findings[0].pointer == "/model/layers/0/activation"


@pytest.mark.parametrize(("text", "complaint"), [
    (FAIL_CASE + "    findngs:\n      - pointer: /model/layers/0\n", "cases.0.findngs: Extra inputs are not permitted"),
    (FAIL_CASE + "    findings:\n      - pointr: /model/layers/0\n", "cases.0.findings.0.pointr: Extra inputs"),
    (FAIL_CASE.replace("rule: MC01", "rule: MC01\nrules: MC02") + "    findings: [{message: relu}]\n", "rules: Extra"),
    (FAIL_CASE.replace("expect: fail", "expect: fial"), "cases.0.expect: Input should be 'pass' or 'fail'"),
    (FAIL_CASE, "a fail case needs `findings`"),
    (FAIL_CASE + "    findings: []\n", "a fail case needs `findings`"),
    (FAIL_CASE + "    findings:\n      - evidence: {activation: relu}\n", "needs its pointer or a fragment of its message"),
    (FAIL_CASE.replace("expect: fail", "expect: pass") + "    findings: [{message: relu}]\n", "a pass case expects no"),
    (FAIL_CASE + "    findings: [{message: relu}]\n" + FAIL_CASE.split("cases:\n")[1] + "    findings: [{message: x}]\n",
     "case names repeat: relu-output"),
])
def test_a_typo_or_a_missing_expectation_is_rejected(tmp_path, text, complaint):
    with pytest.raises(CaseFileError) as raised:
        _load(tmp_path, text)
    assert str(raised.value).startswith(str(tmp_path / "MC01.yaml") + ": ")
    assert complaint in str(raised.value)
