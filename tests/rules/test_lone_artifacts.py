"""The *-missing rules (PD01, PD02, PD04, MS01, EP01, EP05) on a record that declares almost
nothing, and on lone artifacts. A record file always claims to describe an experiment, so what it
leaves out is worth saying; a `.keras` model or a training log linted alone never claimed that
and stays exempt. The artifacts are written by a real Keras run."""

from __future__ import annotations

import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import pytest

from tests.advisor_cli import run_advisor, write

MISSING_RULES = ["EP01", "EP05", "MS01", "PD01", "PD02", "PD04"]


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    import keras
    import numpy as np

    directory = tmp_path_factory.mktemp("lone")
    rng = np.random.default_rng(0)
    features = rng.normal(size=(32, 3)).astype("float32")
    labels = (features[:, 0] > 0).astype("float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(features, labels, epochs=3, batch_size=8, verbose=0, validation_split=0.25,
              callbacks=[keras.callbacks.CSVLogger(str(directory / "history.csv"))])
    model.save(str(directory / "model.keras"))
    return directory


def _codes(directory, *paths: str) -> list[str]:
    result = run_advisor("lint", "--no-cache", "--format", "json", "--select", ",".join(MISSING_RULES), *paths,
                         cwd=directory)
    assert result.returncode in (0, 1), result.stderr
    return sorted(finding["code"] for finding in json.loads(result.stdout)["findings"])


@pytest.mark.parametrize("name", ["model.keras", "history.csv"])
def test_a_lone_artifact_is_exempt(artifacts, name):
    assert _codes(artifacts, name) == []


def test_a_record_declaring_only_epochs_gets_the_missing_rules(tmp_path):
    write(tmp_path, "experiment.yaml", "model: {epochs: 10}\n")
    result = run_advisor("lint", "--no-cache", "experiment.yaml", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "All checks passed" not in result.stdout
    assert _codes(tmp_path, "experiment.yaml") == MISSING_RULES


def test_a_record_naming_only_the_artifacts_gets_the_missing_rules(artifacts):
    """The same artifacts, named by a record file: now the record claims an experiment. The
    logged validation series is a validation protocol (EP01 silent); the rest is missing."""
    write(artifacts, "experiment.yaml", "model: {file: model.keras}\nhistory: {file: history.csv}\n")
    assert _codes(artifacts, "experiment.yaml") == ["EP05", "MS01", "PD02", "PD04"]


def test_a_complete_record_is_silent(tmp_path):
    """Near miss: a record that declares the plan gets none of them."""
    write(tmp_path, "experiment.yaml", (
        "problem: {type: binary_classification, target: churned}\n"
        "data: {samples: 5000}\n"
        "splits: {train: 3000, validation: 1000, test: 1000}\n"
        "metric: {name: auc}\n"
        "model: {epochs: 10}\n"))
    assert _codes(tmp_path, "experiment.yaml") == []
