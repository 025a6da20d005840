"""Keras' CSVLogger writes `NA` for a metric an epoch did not log: with no validation data, every
`val_*` column is `NA` throughout. Such a column was never logged, so the advisor must not read
it as a NaN loss (TD01), as logged validation values (MS05), or as validation that hides EP01 and
OF01. The logs here are written by the real CSVLogger during real `fit` calls."""

from __future__ import annotations

import math
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import pytest

from advisor.readers.history import read_history_file
from tests.conftest import lint_record


def _fit(directory, name: str, **fit_options) -> str:
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    features = rng.normal(size=(64, 3)).astype("float32")
    labels = (features[:, 0] > 0).astype("float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    path = os.path.join(str(directory), name)
    model.fit(features, labels, epochs=6, batch_size=16, verbose=0,
              callbacks=[keras.callbacks.CSVLogger(path)], **fit_options)
    return path


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("csvlogger")
    return directory, {
        "no_validation": _fit(directory, "no_validation.csv"),
        "validation": _fit(directory, "validation.csv", validation_split=0.25),
        "every_other": _fit(directory, "every_other.csv", validation_split=0.25, validation_freq=2),
    }


def test_keras_writes_na_columns_without_validation(logs):
    """The premise: CSVLogger itself writes the val_* columns, NA in every epoch."""
    _, paths = logs
    with open(paths["no_validation"], encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    header = lines[0].split(",")
    assert "val_loss" in header and "val_accuracy" in header
    column = header.index("val_loss")
    assert {line.split(",")[column] for line in lines[1:]} == {"NA"}


def test_all_na_columns_are_not_read(logs):
    _, paths = logs
    history, locations = read_history_file(paths["no_validation"])
    assert sorted(history) == ["accuracy", "epoch", "loss"]
    assert not any(pointer.startswith("/val_") for pointer in locations)
    assert all(math.isfinite(value) for value in history["loss"])


def test_logged_validation_columns_are_kept(logs):
    """Near miss: with validation data the val_* columns hold numbers and stay."""
    _, paths = logs
    history, _ = read_history_file(paths["validation"])
    assert sorted(history) == ["accuracy", "epoch", "loss", "val_accuracy", "val_loss"]
    assert all(math.isfinite(value) for value in history["val_loss"])


def _record(log: str) -> dict:
    return {"problem": {"type": "binary_classification", "target": "y"}, "data": {"samples": 64},
            "splits": {"train": 64}, "metric": {"name": "accuracy"}, "history": {"file": log}}


def test_na_is_no_nan_loss_and_no_validation(logs):
    directory, paths = logs
    findings = lint_record(directory, _record(os.path.basename(paths["no_validation"])),
                           select=["TD01", "MS05", "EP01", "OF01"])
    # No NaN loss; no validation, so EP01 and OF01 speak (MS05 leaves a history without any
    # validation series to OF01).
    assert sorted(f.code for f in findings) == ["EP01", "OF01"], [f.message for f in findings]
    of01 = next(f for f in findings if f.code == "OF01")
    assert sorted(of01.evidence["logged"]) == ["accuracy", "loss"]


def test_logged_validation_silences_the_validation_rules(logs):
    directory, paths = logs
    findings = lint_record(directory, _record(os.path.basename(paths["validation"])),
                           select=["TD01", "MS05", "OF01"])
    assert findings == [], [f.message for f in findings]


def test_epochs_without_validation_are_not_logged_not_nan(logs):
    """validation_freq=2: CSVLogger writes NA for val_* in epochs 1, 3, 5 (0-based 0, 2, 4)."""
    directory, paths = logs
    history, _ = read_history_file(paths["every_other"])
    assert history["not_logged"] == {"val_accuracy": [0, 2, 4], "val_loss": [0, 2, 4]}
    findings = lint_record(directory, _record("every_other.csv"), select=["TD01", "OF01"])
    assert findings == [], [f.message for f in findings]


def test_a_fully_logged_column_lists_no_gaps(logs):
    _, paths = logs
    history, _ = read_history_file(paths["validation"])
    assert "not_logged" not in history


def test_fix_of_a_lone_log_offers_no_unsafe_fix(logs):
    """A log is never edited: `advisor fix` must not suggest `--unsafe-fixes` for its OF01."""
    from tests.advisor_cli import run_advisor

    directory, paths = logs
    result = run_advisor("fix", "--diff", os.path.basename(paths["no_validation"]), cwd=directory)
    assert result.returncode in (0, 1), result.stderr
    assert "OF01" in run_advisor("lint", os.path.basename(paths["no_validation"]), cwd=directory).stdout
    assert "--unsafe-fixes" not in result.stdout + result.stderr
    assert "not an experiment record file; `advisor fix` edits records only." in result.stdout + result.stderr
