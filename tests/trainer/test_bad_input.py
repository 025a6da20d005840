"""Records the trainer cannot run: one clear message, exit 2, no run directory left."""

from __future__ import annotations

import os

import pytest

from tests.advisor_cli import assert_clean_failure, run_advisor
from tests.trainer.conftest import tiny_record, write_data, write_yaml

CASES = {
    "no data": (dict(data=None), ["names no data", "data.path"]),
    "missing target column": (dict(data={"target_column": "outcome"}), ["data.csv", "'outcome'", "f0, f1"]),
    "labels contradict the type": (dict(problem={"type": "binary_classification"}), ["3 distinct labels", "exactly 2"]),
    "unknown layer": (dict(model={"layers": [{"type": "dense", "units": 8, "activation": "relu"},
                                             {"type": "dense_of_doom", "units": 1}]}), ["unknown Keras layer", "dense_of_doom"]),
    "output too narrow": (dict(problem={"type": "multiclass_classification"},
                               model={"loss": "sparse_categorical_crossentropy"}), ["1 units", "3 (one per class)"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_record_is_refused_cleanly(tmp_path, case):
    changes, expected = CASES[case]
    write_data(tmp_path, labels=3 if "labels" in case or "narrow" in case else 2)
    record = write_yaml(tmp_path, tiny_record(**changes))
    result = run_advisor("train", record, "--quiet", cwd=tmp_path, timeout=120)
    assert_clean_failure(result, *expected)
    assert not os.path.exists(tmp_path / "runs") or not os.listdir(tmp_path / "runs")


def test_missing_record_file(tmp_path):
    result = run_advisor("train", str(tmp_path / "nothing.yaml"), cwd=tmp_path)
    assert_clean_failure(result, "nothing.yaml", "no such record file")
