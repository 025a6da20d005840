"""Inputs for the report tests, made by the real libraries: a run directory written by the
reference trainer, a diverging Keras fit logged by CSVLogger, per-fold Keras histories, data
exported from scikit-learn."""

from __future__ import annotations

import json
import os

import pytest

from tests.advisor_cli import run_advisor
from tests.trainer.conftest import tiny_record, write_data, write_yaml

os.environ.setdefault("KERAS_BACKEND", "jax")


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory) -> str:
    """A run directory from `advisor train`: 40 epochs with early stopping on val_loss, a baseline,
    a tuning trial, a final retrain with a test score."""
    folder = tmp_path_factory.mktemp("trained")
    write_data(folder, rows=200)
    record = tiny_record(model={"epochs": 40, "optimizer": {"name": "adam", "learning_rate": 0.05},
                                "early_stopping": {"monitor": "val_loss", "patience": 3}})
    write_yaml(folder, record)
    result = run_advisor("train", "experiment.yaml", "--out", "run", "--quiet", cwd=folder, timeout=600,
                         env={"KERAS_BACKEND": "jax"})
    assert result.returncode == 0, result.stderr[-3000:]
    return str(folder / "run")


@pytest.fixture(scope="session")
def diverged(tmp_path_factory) -> str:
    """A record naming the CSVLogger log of a regression whose loss turned inf, then NaN."""
    from tests.readers import keras_models

    folder = tmp_path_factory.mktemp("diverged")
    keras_models.diverging_training(folder)
    return write_yaml(folder, {"version": 1, "name": "diverged", "problem": {"type": "regression"},
                               "metric": {"name": "mae"}, "history": {"file": "history.csv"}})


FOLDS = 3
FOLD_EPOCHS = 6


@pytest.fixture(scope="session")
def per_fold(tmp_path_factory) -> str:
    """A record whose History JSON holds three K-fold fits by real Keras (`fold1_loss`, ...) and
    their mean (`loss`, `val_loss`, ...), as a K-fold script logs them."""
    import keras
    import numpy as np
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import KFold
    from sklearn.preprocessing import StandardScaler

    folder = tmp_path_factory.mktemp("folds")
    x, y = load_breast_cancer(return_X_y=True)
    x = StandardScaler().fit_transform(x[:240]).astype("float32")
    y = y[:240].astype("float32")
    keras.utils.set_random_seed(0)
    logged: dict[str, list[float]] = {}
    for fold, (train, validation) in enumerate(KFold(FOLDS, shuffle=True, random_state=0).split(x), 1):
        model = keras.Sequential([keras.Input((x.shape[1],)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
        history = model.fit(x[train], y[train], validation_data=(x[validation], y[validation]),
                            epochs=FOLD_EPOCHS, batch_size=32, verbose=0)
        for key, values in history.history.items():
            logged[f"fold{fold}_{key}"] = [float(v) for v in values]
    for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
        logged[key] = [float(np.mean([logged[f"fold{f}_{key}"][i] for f in range(1, FOLDS + 1)]))
                       for i in range(FOLD_EPOCHS)]
    with open(folder / "history.json", "w", encoding="utf-8") as handle:
        json.dump(logged, handle)
    return write_yaml(folder, {"version": 1, "name": "folds", "problem": {"type": "binary_classification"},
                               "protocol": {"type": "kfold", "folds": FOLDS}, "metric": {"name": "accuracy"},
                               "history": {"file": "history.json"}})
