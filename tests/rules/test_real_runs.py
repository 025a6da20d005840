"""Curve and optimizer rules on logs and models written by real Keras 3 runs (JAX backend).

Each run is a correct piece of work on which an earlier version of a rule raised a false alarm,
or a real mistake it missed. The logs are written by Keras' own CSVLogger, the models saved by
`model.save`; every test first checks the premise (the shape of the curve that used to mislead
the rule) so it cannot pass on a run that no longer shows it.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import pytest

from advisor.curves import given_back, rising_epochs
from advisor.readers.history import read_history_file
from tests.conftest import lint_record


def _fit(directory, name, model, optimizer, loss, features, labels, epochs, batch_size, **fit_options):
    import keras

    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"] if "crossentropy" in loss else None)
    model.fit(features, labels, epochs=epochs, batch_size=batch_size, verbose=0,
              callbacks=[keras.callbacks.CSVLogger(os.path.join(str(directory), f"{name}.csv"))], **fit_options)
    model.save(os.path.join(str(directory), f"{name}.keras"))


def _slow_crossentropy(directory, rng) -> None:
    """Logistic regression from zero weights on a small binary problem: the sign of the weights
    is right after a few steps (accuracy 0.8-0.9) while the crossentropy falls slowly from ln 2."""
    import keras

    features = rng.normal(size=(64, 2)).astype("float32")
    labels = (features[:, 0] + 0.5 * rng.normal(size=64) > 0).astype("float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid", kernel_initializer="zeros")])
    _fit(directory, "slow_crossentropy", model, keras.optimizers.SGD(0.02), "binary_crossentropy",
         features, labels, epochs=8, batch_size=16)


def _minibatch_noise(directory, rng) -> None:
    """A small regression net trained for 200 epochs on batches of 4: the epoch loss falls more
    than 20x, with mini-batch noise of 5-30% around the trend once it is small."""
    import keras
    import numpy as np

    features = rng.normal(size=(32, 4)).astype("float32")
    targets = (features @ np.array([1.0, -1.0, 0.5, 0.2]) + 0.1 * rng.normal(size=32)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
    _fit(directory, "minibatch_noise", model, keras.optimizers.SGD(0.07), "mse", features, targets,
         epochs=200, batch_size=4)


def _saturated_validation(directory, rng) -> None:
    """Training rows with 10% flipped labels keep the training loss falling; the validation rows
    lie far from the boundary, so their predictions saturate at Keras' clipping epsilon and the
    validation loss is constant to every digit from the first epoch."""
    import keras
    import numpy as np

    features = rng.normal(size=(96, 2)).astype("float32")
    labels = (features[:, 0] > 0).astype("float32")
    flipped = rng.random(96) < 0.1
    labels[flipped] = 1 - labels[flipped]
    held_out = rng.normal(size=(32, 2)).astype("float32")
    held_out[:, 0] = np.sign(held_out[:, 0]) * (20 + abs(held_out[:, 0]))
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    _fit(directory, "saturated_validation", model, keras.optimizers.Adam(0.01), "binary_crossentropy",
         features * 10, labels, epochs=30, batch_size=16,
         validation_data=(held_out * 10, (held_out[:, 0] > 0).astype("float32")))


def _adam_at(directory, rng, name: str, optimizer) -> None:
    """A one-layer classifier compiled with `optimizer`, trained 2 epochs and saved."""
    import keras

    features = rng.normal(size=(32, 3)).astype("float32")
    labels = (features[:, 0] > 0).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    _fit(directory, name, model, optimizer, "binary_crossentropy", features, labels, epochs=2, batch_size=16)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    import keras
    import numpy as np

    directory = tmp_path_factory.mktemp("real_runs")
    rng = np.random.default_rng(0)
    keras.utils.set_random_seed(0)
    _slow_crossentropy(directory, rng)
    _minibatch_noise(directory, rng)
    _saturated_validation(directory, rng)
    _adam_at(directory, rng, "adam_0.1", keras.optimizers.Adam(0.1))
    _adam_at(directory, rng, "adam_0.01", keras.optimizers.Adam(0.01))
    _adam_at(directory, rng, "sgd_0.5", keras.optimizers.SGD(0.5, momentum=0.9))
    _adam_at(directory, rng, "sgd_1.0", keras.optimizers.SGD(1.0))
    return directory


def _log(runs, name: str) -> dict:
    return read_history_file(str(runs / f"{name}.csv"))[0]


def _lint(runs, record: dict, code: str):
    return [f for f in lint_record(runs, record, select=[code]) if f.code == code]


def test_of02_silent_when_accuracy_climbs_while_the_loss_falls_slowly(runs):
    history = _log(runs, "slow_crossentropy")
    loss, accuracy = history["loss"], history["accuracy"]
    assert sorted(loss[-3:])[1] / loss[0] >= 0.9  # the premise: the loss alone looks stuck
    assert accuracy[-1] >= 0.8
    record = {"metric": {"name": "accuracy"}, "history": {"file": "slow_crossentropy.csv"}}
    assert _lint(runs, record, "OF02") == []


def test_of02_still_fires_on_the_same_loss_without_the_metric(runs):
    """Near miss: with only the loss logged, nothing shows the learning; the rule still speaks."""
    history = _log(runs, "slow_crossentropy")
    record = {"history": {"loss": history["loss"]}}
    findings = _lint(runs, record, "OF02")
    assert [f.code for f in findings] == ["OF02"]


def test_td03_silent_on_minibatch_noise_around_a_falling_trend(runs):
    loss = _log(runs, "minibatch_noise")["loss"]
    rises, steps = rising_epochs(loss, 0.05)
    assert len(given_back(loss, rises)) / steps >= 0.25  # the premise: many 5% rises
    assert min(loss) < loss[0] / 20
    record = {"model": {"file": "minibatch_noise.keras"}, "history": {"file": "minibatch_noise.csv"}}
    assert _lint(runs, record, "TD03") == []


def test_td03_fires_when_the_same_run_swings_by_a_large_share_of_its_decrease(runs):
    """Near miss: the same run's loss with every third epoch thrown back up to half its start."""
    loss = _log(runs, "minibatch_noise")["loss"]
    swung = [value if epoch % 3 else max(value, loss[0] / 2) for epoch, value in enumerate(loss)]
    findings = _lint(runs, {"history": {"loss": swung}}, "TD03")
    assert [f.code for f in findings] == ["TD03"]


def test_rg02_silent_on_a_flat_validation_loss(runs):
    history = _log(runs, "saturated_validation")
    assert len(set(history["val_loss"])) == 1  # the premise: constant to every digit
    assert history["loss"][-1] < history["loss"][0]
    record = {"model": {"file": "saturated_validation.keras", "epochs": 30},
              "history": {"file": "saturated_validation.csv"}}
    assert _lint(runs, record, "RG02") == []


def test_rg02_fires_when_the_validation_loss_of_that_run_turns_up(runs):
    """Near miss: the same run with a validation loss that turns up after epoch 6."""
    history = _log(runs, "saturated_validation")
    rising = [0.2 - 0.01 * epoch if epoch < 5 else 0.15 * (1 + 0.03 * (epoch - 4)) for epoch in range(30)]
    record = {"model": {"epochs": 30}, "history": {"loss": history["loss"], "val_loss": rising}}
    findings = _lint(runs, record, "RG02")
    assert [f.evidence["best_epoch"] for f in findings] == [6]


@pytest.mark.parametrize(("name", "fires"), [
    ("adam_0.1", True), ("adam_0.01", False), ("sgd_0.5", False), ("sgd_1.0", True),
])
def test_mc07_reads_the_saved_optimizer(runs, name, fires):
    findings = _lint(runs, {"model": {"file": f"{name}.keras"}}, "MC07")
    assert bool(findings) == fires, [f.message for f in findings]
    if fires:
        assert findings[0].evidence["optimizer"] == name.split("_")[0]
