"""Real training runs for the integration tests: scikit-learn's bundled datasets, tiny Keras
models on the JAX backend, a few epochs each."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras
import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def breast_cancer(scaled: bool = True, seed: int = 0):
    """(x_train, y_train), (x_val, y_val), (x_test, y_test), stratified 60/20/20."""
    x, y = load_breast_cancer(return_X_y=True)
    return _split(x.astype("float32"), y, scaled, seed)


def wine_one_hot(seed: int = 0):
    x, y = load_wine(return_X_y=True)
    (xt, yt), (xv, yv), (xs, ys) = _split(x.astype("float32"), y, True, seed)

    def hot(labels):
        return keras.utils.to_categorical(labels, 3)

    return (xt, hot(yt)), (xv, hot(yv)), (xs, hot(ys))


def digits(rows: int | None = None, seed: int = 0):
    x, y = load_digits(return_X_y=True)
    (xt, yt), (xv, yv), (xs, ys) = _split((x / 16.0).astype("float32"), y, False, seed)
    if rows is not None:
        xt, yt = xt[:rows], yt[:rows]
    return (xt, yt), (xv, yv), (xs, ys)


def _split(x, y, scaled: bool, seed: int):
    x_rest, x_test, y_rest, y_test = train_test_split(x, y, test_size=0.2, stratify=y, random_state=seed)
    x_train, x_val, y_train, y_val = train_test_split(x_rest, y_rest, test_size=0.25, stratify=y_rest, random_state=seed)
    if scaled:
        scaler = StandardScaler().fit(x_train)
        x_train, x_val, x_test = (scaler.transform(part).astype("float32") for part in (x_train, x_val, x_test))
    return (x_train, y_train), (x_val, y_val), (x_test, y_test)


def dense(inputs: int, units: int, activation: str, hidden: int = 8, loss: str = "binary_crossentropy",
          optimizer=None, metrics=("accuracy",), seed: int = 0) -> keras.Model:
    """A compiled Sequential model: one hidden relu layer (none when `hidden` is 0), then the output
    layer."""
    keras.utils.set_random_seed(seed)
    layers = [keras.layers.Dense(hidden, activation="relu")] if hidden else []
    model = keras.Sequential([keras.Input((inputs,)), *layers, keras.layers.Dense(units, activation=activation)])
    model.compile(optimizer=optimizer or keras.optimizers.Adam(0.01), loss=loss, metrics=list(metrics))
    return model


class Printed:
    """Collects what the callback prints, and when: before which epoch."""

    def __init__(self):
        self.events: list[tuple[str, object]] = []

    def __call__(self, text: str) -> None:
        self.events.append(("print", text))

    @property
    def text(self) -> str:
        return "\n".join(str(value) for kind, value in self.events if kind == "print")

    def epoch_marker(self) -> keras.callbacks.Callback:
        return keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: self.events.append(("epoch", epoch)))

    def before_first_epoch(self) -> str:
        first = next(i for i, (kind, _) in enumerate(self.events) if kind == "epoch")
        return "\n".join(str(value) for kind, value in self.events[:first] if kind == "print")


def codes(findings) -> set[str]:
    return {finding.code for finding in findings}


def same_weights(first: keras.Model, second: keras.Model) -> bool:
    return all(np.array_equal(a, b, equal_nan=True) for a, b in zip(first.get_weights(), second.get_weights()))
