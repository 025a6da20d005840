"""The measure-of-success and problem rules on artifacts of a real Keras 3 run (JAX backend).

A small classifier is trained on scikit-learn's breast cancer data (standardized on the training
rows), once compiled with accuracy only and once with accuracy and AUC. The records name the saved
`.keras` archive and the History JSON, so the rules judge what Keras really wrote.
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import pytest

from tests.conftest import lint_record


def _train(directory, with_auc: bool) -> None:
    import keras
    import numpy as np
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    features, labels = load_breast_cancer(return_X_y=True)
    train_x, _, train_y, _ = train_test_split(features, labels, test_size=0.2, stratify=labels, random_state=0)
    mean, std = train_x.mean(axis=0), train_x.std(axis=0)
    train_x = ((train_x - mean) / std).astype("float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((features.shape[1],)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    metrics = ["accuracy", keras.metrics.AUC(name="auc")] if with_auc else ["accuracy"]
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss="binary_crossentropy", metrics=metrics)
    history = model.fit(train_x, train_y.astype("float32"), epochs=4, batch_size=32, validation_split=0.2,
                        verbose=0)
    model.save(os.path.join(str(directory), "model.keras"))
    with open(os.path.join(str(directory), "history.json"), "w", encoding="utf-8") as handle:
        json.dump({name: [float(v) for v in values] for name, values in history.history.items()}, handle)
    assert np.isfinite(history.history["val_loss"]).all()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folders = {}
    for name, with_auc in (("accuracy_only", False), ("with_auc", True)):
        folder = tmp_path_factory.mktemp(name)
        _train(folder, with_auc)
        folders[name] = folder
    return folders


def _record(metric: str) -> dict:
    return {
        "problem": {"target": "diagnosis"},
        "data": {"samples": 569},
        "metric": {"name": metric},
        "model": {"file": "model.keras"},
        "history": {"file": "history.json"},
    }


def test_auc_not_logged_by_a_model_compiled_with_accuracy(runs):
    findings = lint_record(runs["accuracy_only"], _record("auc"), select=["MS05"])
    assert [f.code for f in findings] == ["MS05"]
    assert sorted(findings[0].evidence["validation_series"]) == ["val_accuracy", "val_loss"]
    assert "compile the model with auc" in findings[0].message


def test_auc_logged_when_compiled(runs):
    assert lint_record(runs["with_auc"], _record("auc"), select=["MS05"]) == []


def test_accuracy_logged_by_either_model(runs):
    for folder in runs.values():
        assert lint_record(folder, _record("accuracy"), select=["MS05"]) == []


def test_problem_type_inferred_from_the_saved_model(runs):
    """Sigmoid unit + binary crossentropy in the .keras archive: binary classification, so PD01 is
    silent and MS02 judges MAE against the inferred type."""
    findings = lint_record(runs["with_auc"], _record("mae"), select=["PD01", "MS02"])
    assert [f.code for f in findings] == ["MS02"]
    assert findings[0].evidence == {"metric": "mae", "problem_type": "binary_classification",
                                    "problem_type_source": "inferred"}
