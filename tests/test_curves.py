"""The curve rules (TD, OF, RG01, RG02) on histories of real Keras 3 training runs.

Each fixture trains a tiny model with the JAX backend (a few hundred samples, a few epochs) in a way
that produces one kind of curve: a learning rate so large the loss overflows or diverges, a big
model overfitting a small noisy dataset, a well-posed run with early stopping, a model whose inputs
carry no signal. The curve helpers and the rules then judge `history.history` exactly as Keras
returned it, NaN and all.
"""

from __future__ import annotations

import math
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras
import numpy as np
import pytest

from advisor.curves import (
    best_epoch, first_non_finite, largest_growth, rise_after_minimum, tail_improvement,
)
from tests.conftest import lint_record

CURVE_RULES = ["TD01", "TD02", "TD03", "TD04", "OF01", "OF02", "OF03", "OF04", "RG01", "RG02"]
DENSE_RELU = {"type": "dense", "activation": "relu"}


def history_of(fit_result) -> dict[str, list[float]]:
    """Keras' `History.history` as plain floats (NaN kept)."""
    return {key: [float(value) for value in values] for key, values in fit_result.history.items()}


def codes(findings, severities=("error", "warning", "info")) -> set[str]:
    return {finding.code for finding in findings if finding.severity.value in severities}


def lint_curves(tmp_path, record):
    return lint_record(tmp_path, record, select=CURVE_RULES)


@pytest.fixture(scope="module")
def regression_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4)).astype("float32")
    y = (x @ np.array([1.0, 2.0, -1.0, 0.5]) + rng.normal(scale=0.1, size=200)).astype("float32")
    return x, y


@pytest.fixture(scope="module")
def overflowing(regression_data):
    """SGD at learning rate 10 on unscaled inputs: the weights overflow in the first epoch."""
    keras.utils.set_random_seed(0)
    x, y = regression_data
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(10.0), "mse")
    return history_of(model.fit(x * 1000, y * 1000, validation_split=0.25, epochs=4, batch_size=32, verbose=0))


@pytest.fixture(scope="module")
def diverging_run(regression_data, tmp_path_factory):
    """Full-batch SGD just past the stable step size: every step overshoots further. Logged by
    Keras' CSVLogger too; returns the history and the log's folder."""
    keras.utils.set_random_seed(0)
    x, y = regression_data
    folder = tmp_path_factory.mktemp("diverging")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(1.5), "mse", metrics=["mae"])
    logger = keras.callbacks.CSVLogger(str(folder / "log.csv"))
    fit = model.fit(x, y, validation_split=0.25, epochs=8, batch_size=150, verbose=0, callbacks=[logger])
    return history_of(fit), folder


@pytest.fixture(scope="module")
def diverging(diverging_run):
    return diverging_run[0]


@pytest.fixture(scope="module")
def overfitting():
    """A 256x256 network on 80 noisy samples for 30 epochs, no regularization."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(120, 10)).astype("float32")
    y = ((x[:, 0] + rng.normal(scale=1.0, size=120)) > 0).astype("float32")
    model = keras.Sequential([
        keras.Input((10,)),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(keras.optimizers.Adam(3e-3), "binary_crossentropy", metrics=[keras.metrics.BinaryAccuracy()])
    return history_of(model.fit(x[:80], y[:80], validation_data=(x[80:], y[80:]), epochs=30, batch_size=16, verbose=0))


@pytest.fixture(scope="module")
def clean():
    """Standardized, informative features; dropout; early stopping that restores the best epoch."""
    from sklearn.datasets import make_classification

    keras.utils.set_random_seed(0)
    x, y = make_classification(n_samples=400, n_features=8, n_informative=5, flip_y=0.1, class_sep=1.2, random_state=0)
    x = ((x - x[:300].mean(axis=0)) / x[:300].std(axis=0)).astype("float32")
    model = keras.Sequential([
        keras.Input((8,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(keras.optimizers.RMSprop(1e-2), "binary_crossentropy", metrics=["accuracy"])
    stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=4, restore_best_weights=True)
    fit = model.fit(x[:300], y[:300].astype("float32"), validation_data=(x[300:], y[300:].astype("float32")),
                    epochs=60, batch_size=32, verbose=0, callbacks=[stopping])
    counts = np.bincount(y[:300].astype(int))
    return history_of(fit), stopping, {"0": int(counts[0]), "1": int(counts[1])}


@pytest.fixture(scope="module")
def no_signal():
    """Inputs that are all zero: the model can only learn the class prior."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(2)
    y = (rng.random(300) < 0.2).astype("float32")
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("rmsprop", "binary_crossentropy", metrics=["accuracy"])
    fit = model.fit(np.zeros((300, 5), "float32"), y, validation_split=0.2, epochs=5, verbose=0)
    train = y[:240]
    return history_of(fit), {"0": int((train == 0).sum()), "1": int((train == 1).sum())}


def test_overflowing_loss_is_non_finite(tmp_path, overflowing):
    assert first_non_finite(overflowing["loss"]) is not None
    record = {
        "model": {"layers": [{**DENSE_RELU, "units": 16}, {"type": "dense", "units": 1}],
                  "loss": "mse", "optimizer": {"name": "sgd", "learning_rate": 10.0}},
        "history": overflowing,
    }
    findings = lint_curves(tmp_path, record)
    td01 = [f for f in findings if f.code == "TD01"]
    assert len(td01) == 1
    assert td01[0].pointer == f"/history/loss/{first_non_finite(overflowing['loss'])}"  # the value judged
    assert td01[0].evidence["key"] == "loss"
    assert td01[0].evidence["epoch"] == first_non_finite(overflowing["loss"]) + 1
    assert td01[0].remedy == "lower_learning_rate"


def test_too_large_step_diverges(tmp_path, diverging):
    growth = largest_growth(diverging["loss"])
    assert growth is not None and growth[0] > 10 and all(math.isfinite(v) for v in diverging["loss"])
    record = {
        "problem": {"type": "regression"},
        "model": {"layers": [{"type": "dense", "units": 1}], "loss": "mse",
                  "optimizer": {"name": "sgd", "learning_rate": 1.5}},
        "history": diverging,
    }
    findings = lint_curves(tmp_path, record)
    # Only the divergence: not "oscillating" (it only climbs), not "trained past its best epoch"
    # (the training loss rose too), not "not decreasing" (TD02 says more).
    assert codes(findings) == {"TD02"}, [f"{f.code}: {f.message}" for f in findings]
    td02 = findings[0]
    assert td02.evidence["growth"] == pytest.approx(growth[0])
    assert "threshold 10x" in td02.message
    assert td02.pointer == f"/history/loss/{growth[2]}"  # the highest value, the one judged


def test_divergence_in_a_csv_logger_file_points_at_its_row(diverging_run):
    history, folder = diverging_run
    findings = lint_record(folder, {"history": {"file": "log.csv"}}, select=CURVE_RULES)
    assert codes(findings) == {"TD02"}, [f"{f.code}: {f.message}" for f in findings]
    peak = findings[0].evidence["high_epoch"]
    assert findings[0].path.endswith("log.csv")
    assert findings[0].line == peak + 1  # the header, then one row per epoch
    assert findings[0].evidence["end"] == pytest.approx(sorted(history["loss"][-3:])[1], rel=1e-6)


def test_big_unregularized_model_overfits(tmp_path, overfitting):
    rise = rise_after_minimum(overfitting["val_loss"])
    best = best_epoch(overfitting["val_loss"])
    assert rise.relative > 0.1 and best < len(overfitting["val_loss"]) - 4
    assert "binary_accuracy" in overfitting  # a Keras 3 metric name
    layers = [{**DENSE_RELU, "units": 256}, {**DENSE_RELU, "units": 256}, {"type": "dense", "units": 1, "activation": "sigmoid"}]
    record = {
        "problem": {"type": "binary_classification"},
        "metric": {"name": "accuracy"},
        "model": {"layers": layers, "loss": "binary_crossentropy", "epochs": 30},
        "history": overfitting,
    }
    findings = lint_curves(tmp_path, record)
    assert codes(findings) == {"RG01", "RG02"}, [f.message for f in findings]
    rg02 = next(f for f in findings if f.code == "RG02")
    assert rg02.evidence["best_epoch"] == best + 1 and rg02.evidence["kept_epoch"] == 30


def test_same_curve_regularized_and_restored_is_not_flagged(tmp_path, overfitting):
    layers = [{**DENSE_RELU, "units": 256}, {"type": "dropout", "rate": 0.5}, {"type": "dense", "units": 1, "activation": "sigmoid"}]
    record = {
        "model": {"layers": layers, "loss": "binary_crossentropy",
                  "early_stopping": {"monitor": "val_loss", "patience": 3, "restore_best_weights": True}},
        "history": overfitting,
    }
    assert not codes(lint_curves(tmp_path, record))


def test_clean_run_with_early_stopping_is_silent(tmp_path, clean):
    history, stopping, counts = clean
    assert stopping.stopped_epoch > 0, "early stopping should have ended the run"
    assert best_epoch(history["val_loss"]) == stopping.best_epoch  # the epoch Keras restored
    improvement = tail_improvement(history["loss"])
    assert improvement is not None
    record = {
        "problem": {"type": "binary_classification"},
        "data": {"class_counts": counts},
        "metric": {"name": "accuracy"},
        "baseline": {"strategy": "most_frequent", "score": max(counts.values()) / sum(counts.values())},
        "model": {
            "layers": [{**DENSE_RELU, "units": 64}, {"type": "dropout", "rate": 0.3}, {"type": "dense", "units": 1, "activation": "sigmoid"}],
            "loss": "binary_crossentropy",
            "optimizer": {"name": "rmsprop", "learning_rate": 0.01},
            "early_stopping": {"monitor": "val_loss", "patience": 4, "restore_best_weights": True},
        },
        "history": history,
    }
    findings = lint_curves(tmp_path, record)
    assert not codes(findings), [f"{f.code}: {f.message}" for f in findings]


def test_first_epochs_are_too_short_to_judge(tmp_path, overfitting, diverging):
    for history in (overfitting, diverging):
        short = {key: values[:3] for key, values in history.items()}
        record = {"model": {"layers": [{"type": "dense", "units": 1}]}, "history": short}
        assert not codes(lint_curves(tmp_path, record))


def test_inputs_without_signal_are_stuck_at_chance(tmp_path, no_signal):
    history, counts = no_signal
    record = {
        "problem": {"type": "binary_classification"},
        "splits": {"class_counts": {"train": counts}},
        "history": history,
    }
    findings = lint_curves(tmp_path, record)
    td04 = [f for f in findings if f.code == "TD04"]
    assert len(td04) == 1, [f.message for f in findings]
    assert td04[0].evidence["majority_share"] == pytest.approx(counts["0"] / 240, abs=1e-4)
    assert td04[0].pointer == "/history/accuracy"
