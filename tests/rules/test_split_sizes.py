"""Split sizes that are no sizes are bad values: one message with the line, exit 2, never a
traceback. Fractions adding up to more than the data would make the trainer silently train on the
rows left over; infinity (YAML's `.inf`, or `1e400`, which overflows to it) crashed the rules that
count split samples."""

from __future__ import annotations

import pytest

from tests.advisor_cli import run_advisor, write

#: Every rule that counts split samples.
COUNTING_RULES = "EP02,EP03,EP04,DP04,DP06,RG03,RG04,LK04"


def _lint(tmp_path, splits: str):
    write(tmp_path, "experiment.yaml", "version: 1\ndata: {samples: 400}\nprotocol: {type: holdout}\n"
          f"splits: {splits}\nfinal: {{trained_on: train, test_score: 0.8}}\n"
          "metric: {name: accuracy}\n")
    return run_advisor("lint", "--no-cache", "--select", COUNTING_RULES, "experiment.yaml", cwd=tmp_path)


def test_fractions_over_one_are_a_bad_value(tmp_path):
    result = _lint(tmp_path, "{train: 0.9, validation: 0.5, test: 0.3}")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == (
        "advisor: error: experiment.yaml:4:1: splits: split fractions add up to 1.7 (train 0.9 + validation "
        "0.5 + test 0.3), more than all the samples; expected fractions that sum to at most 1")


@pytest.mark.parametrize("size", [".inf", "1e400", "-.inf", ".nan"])
def test_infinite_split_sizes_are_a_bad_value(tmp_path, size):
    result = _lint(tmp_path, f"{{train: {size}, validation: 80, test: 80}}")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr + result.stdout
    assert result.stderr.startswith("advisor: error: experiment.yaml:4:10: splits.train: ")


@pytest.mark.parametrize("splits", [
    "{train: 0.6, validation: 0.2, test: 0.2}",  # adds up to 1 in floating point only approximately
    "{train: 0.7, validation: 0.3}",
    "{train: 240, validation: 80, test: 80}",
    "{train: 12345678901234567890, validation: 80, test: 80}",  # a count larger than a C long, still finite
])
def test_sizes_that_fit_the_data_lint(tmp_path, splits):
    result = _lint(tmp_path, splits)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert "internal error" not in result.stdout + result.stderr


def test_a_count_past_what_a_float_holds_is_a_bad_value(tmp_path):
    result = _lint(tmp_path, f"{{train: {2 ** 1100}, validation: 80, test: 80}}")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "splits.train: expected a sample count or a fraction of the samples, received a count of about " \
        "2^1101" in result.stderr


@pytest.mark.parametrize("record", [
    # Fractions of a sample count past a float's range, with every rule that counts split samples.
    (f"data: {{samples: {10 ** 400}, features: [{{name: a, missing: 3}}]}}\n"
     "splits: {train: 0.6, validation: 0.2, test: 0.2}\nprotocol: {type: kfold, folds: 5}\n"),
    # Split counts near a float's largest value.
    f"data: {{samples: 1000}}\nsplits: {{train: {10 ** 300}, validation: {10 ** 300}, test: {10 ** 300}}}\n",
])
def test_huge_sample_counts_are_judged_without_an_internal_error(tmp_path, record):
    import json

    write(tmp_path, "experiment.yaml", "version: 1\nproblem: {type: binary_classification, target: y}\n" + record
          + "tuning: {trials: 20}\nbaseline: {score: 0.6}\nmetric: {name: accuracy}\n"
          "final: {trained_on: train, test_score: 0.5, validation_score: 0.9}\n")
    result = run_advisor("lint", "--no-cache", "--format", "json", "experiment.yaml", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    codes = {finding["code"] for finding in json.loads(result.stdout)["findings"]}
    assert "ADV001" not in codes and "RG03" in codes
