"""A run directory whose record does not name its artifacts.

The README's run directory is a record with `history.csv` and `model.keras` beside it: the folder
is the experiment, so artifacts the record leaves unnamed are read from beside it, unless the
record describes that section itself. The artifacts come from a real Keras run.
"""

from __future__ import annotations

import json
import shutil

import pytest

from advisor.readers import read_input
from tests.advisor_cli import run_advisor, write
from tests.readers import keras_models

#: A record that declares the plan and names neither artifact.
RECORD = {"version": 1, "problem": {"type": "binary_classification", "target": "label"},
          "metric": {"name": "accuracy"}}


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    """model.keras (a relu output: MC01 fires) and history.csv from a real fit: (folder, history)."""
    directory = tmp_path_factory.mktemp("artifacts")
    history = keras_models.train_and_save(directory)
    _fit_without_validation(directory / "no_validation")
    return directory, history


def _fit_without_validation(folder) -> None:
    """A CSVLogger log of a fit without validation data (OF01 fires on it)."""
    import keras
    import numpy as np

    folder.mkdir()
    rng = np.random.default_rng(2)
    features = rng.normal(size=(32, 4)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy")
    model.fit(features, (features[:, 0] > 0).astype("float32"), epochs=4, verbose=0,
              callbacks=[keras.callbacks.CSVLogger(str(folder / "history.csv"))])


def _folder(artifacts, tmp_path, record=None, names=("model.keras", "history.csv")):
    source, _ = artifacts
    folder = tmp_path / "run"
    folder.mkdir()
    for name in names:
        shutil.copy(source / name, folder / name)
    if record is not None:
        write(folder, "experiment.yaml", record)
    return folder


def _codes(folder) -> list[str]:
    result = run_advisor("lint", "--no-cache", "--format", "json", folder.name, cwd=folder.parent)
    assert result.returncode == 1, result.stdout + result.stderr
    return sorted({finding["code"] for finding in json.loads(result.stdout)["findings"]})


def test_unnamed_artifacts_beside_the_record_are_read(artifacts, tmp_path):
    folder = _folder(artifacts, tmp_path, RECORD)
    [(_, experiment)] = read_input(str(folder))
    assert experiment.model.loss.name == "binary_crossentropy"  # from model.keras
    assert experiment.history.get("val_loss") == pytest.approx(artifacts[1]["val_loss"], rel=1e-12)
    assert experiment.problem.type == "binary_classification"  # from the record
    assert "MC01" in _codes(folder)


def test_a_history_the_record_writes_wins_over_the_log_beside_it(artifacts, tmp_path):
    """Near miss: the record writes its history inline; history.csv beside it is not read."""
    folder = _folder(artifacts, tmp_path, {**RECORD, "history": {"loss": [0.7, 0.6, 0.5, 0.45]}})
    [(_, experiment)] = read_input(str(folder))
    assert experiment.history.names == ["loss"]
    assert experiment.model.loss.name == "binary_crossentropy"


def test_a_record_naming_its_artifacts_reads_them_as_named(artifacts, tmp_path):
    """Near miss: the trainer's own layout, both files named; nothing changes."""
    folder = _folder(artifacts, tmp_path, {**RECORD, "model": {"file": "model.keras"},
                                           "history": {"file": "history.csv"}})
    [(_, experiment)] = read_input(str(folder))
    assert experiment.history.epochs == 3 and experiment.model.loss.name == "binary_crossentropy"


def test_findings_on_the_unnamed_history_point_into_it(artifacts, tmp_path):
    """A finding about the whole history (OF01) lands on the log beside the record, not on line 1
    of the record."""
    source, _ = artifacts
    folder = _folder(artifacts, tmp_path, RECORD, names=("model.keras",))
    shutil.copy(source / "no_validation" / "history.csv", folder / "history.csv")
    result = run_advisor("lint", "--no-cache", "--format", "json", "--select", "OF01", folder.name,
                         cwd=folder.parent)
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["path"], finding["line"]) == ("run/history.csv", 1)
