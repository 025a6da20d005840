"""One definition of "the output head fits the problem": `rules.output_head.measure_output`.

MC01-MC06 fire exactly when the measurement says their part of the head does not fit, and
`fix_output_layer` writes a head that the same measurement then calls valid. The records are the
output table's valid rows and their single-edit mutations (tests/rules/test_model_table.py, whose
hand-written expectations the measurement must also meet) and the MC rules' case files.
"""

from __future__ import annotations

import copy
import glob
import os

import pytest
from click.testing import CliRunner

from advisor.cli import cli
from advisor.facts import inferred_problem_type, problem_type
from advisor.readers.record import read_record
from advisor.registry import load_registry
from rules.output_head import OutputFit, measure_output
from tests.conftest import lint_record, write_record
from tests.rules.case_file import load_case_file
from tests.rules.test_model_table import OUTPUT_MUTATIONS, VALID_ROWS, experiment

#: The rules that judge the output head, and the part of the measurement each one reports.
HEAD_RULES = ("MC01", "MC02", "MC03", "MC04", "MC05", "MC06")
CASES_DIR = os.path.join(os.path.dirname(__file__), "rules", "cases")


def failing_parts(fit: OutputFit | None) -> set[str]:
    """The codes of the rules whose part of the head the measurement says does not fit."""
    if fit is None:
        return set()
    parts = {
        "MC01": fit.pairing is not None,
        "MC02": fit.activation_fits is False,
        "MC03": fit.loss_fits is False,
        "MC04": fit.units_fit is False,
        "MC05": fit.loss_for_labels is not None,
        "MC06": fit.squashed_twice,
    }
    return {code for code, failed in parts.items() if failed}


def owning(codes: set[str]) -> set[str]:
    """`codes` less those another of them supersedes: what a lint of all of them reports."""
    rules = {rule.code: rule for rule in load_registry().rules}
    return {code for code in codes if not any(code in rules[other].supersedes for other in codes)}


def measure(path: str, problem=problem_type) -> OutputFit | None:
    experiment = read_record(path)
    return measure_output(experiment, problem(experiment))


def _mutated(row, edit) -> dict:
    record = copy.deepcopy(VALID_ROWS[row])
    edit(record)
    return record


def _records():
    params = [pytest.param(record, set(), id=f"valid {row}") for row, record in VALID_ROWS.items()]
    params += [pytest.param(_mutated(row, edit), expected, id=f"{row}: {what}")
               for row, what, edit, expected in OUTPUT_MUTATIONS]
    for path in sorted(glob.glob(os.path.join(CASES_DIR, "MC0[1-6].yaml"))):
        document = load_case_file(path)
        params += [pytest.param(case.record, None, id=f"{document.rule}-{case.expect}-{case.name}")
                   for case in document.cases]
    return params


RECORDS = _records()


@pytest.mark.parametrize(("record", "expected"), RECORDS)
def test_each_rule_fires_exactly_when_its_part_of_the_measurement_fails(tmp_path, record, expected):
    fit = measure(write_record(tmp_path, record))
    fired = {code for code in HEAD_RULES
             if any(finding.code == code for finding in lint_record(tmp_path, record, select=[code]))}
    assert fired == failing_parts(fit), fit
    if expected is not None:  # a table row: the owning rules the table test expects, from the measurement
        assert owning(failing_parts(fit)) == expected, fit
        assert fit is not None and fit.valid is (not expected), fit


#: Every mutation of the head: each is a finding of MC01-MC06, whose remedy is `fix_output_layer`.
FIXABLE = [pytest.param(_mutated(row, edit), id=f"{row}: {what}") for row, what, edit, _ in OUTPUT_MUTATIONS]


@pytest.mark.parametrize("record", FIXABLE)
def test_the_fixed_head_is_valid_by_the_same_measurement(tmp_path, monkeypatch, record):
    monkeypatch.chdir(tmp_path)  # no configuration of the repository applies
    path = write_record(tmp_path, record)
    before = measure(path, inferred_problem_type)
    assert before is not None and before.valid is False, before

    result = CliRunner().invoke(cli, ["fix", "--select", ",".join(HEAD_RULES), path], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    after = measure(path, inferred_problem_type)
    assert after is not None and after.valid is True, after
    out, fact = after.output, after.loss
    assert out is not None and fact is not None
    assert (out.activation, out.units, fact.name, fact.from_logits) == (
        before.target_activation, before.target_units, before.target_loss, before.target_from_logits)


def test_units_needed_by_the_head_as_written_and_by_the_head_the_fix_writes(tmp_path):
    """The two unit counts the rule and the fix used to derive apart: a binary softmax over 1 unit
    needs 2 units as written (MC04's message), while the fix writes a sigmoid over 1."""
    record = experiment("binary_classification", 1, "softmax", "binary_crossentropy", labels="integer", classes=2)
    fit = measure(write_record(tmp_path, record))
    assert fit is not None
    assert (fit.units_needed, fit.softmax_over_one_unit, fit.units_fit) == (2, True, False)
    assert (fit.target_activation, fit.target_units, fit.target_loss) == ("sigmoid", 1, "binary_crossentropy")
    assert fit.valid is False


def test_without_a_problem_type_only_the_problem_free_parts_are_judged(tmp_path):
    record = experiment("binary_classification", 1, "relu", "binary_crossentropy", declared=False)
    fit = measure(write_record(tmp_path, record))
    assert fit is not None and fit.problem is None
    assert (fit.activation_fits, fit.loss_fits, fit.units_needed, fit.target_loss) == (None, None, None, None)
    assert fit.pairing is not None and fit.valid is False
    assert failing_parts(fit) == {"MC01"}
