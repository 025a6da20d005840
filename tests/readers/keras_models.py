"""Tiny real Keras 3 models and training logs for the reader tests (JAX backend).

Everything is built by the real library, then saved the way users save it (`model.save`,
`model.to_json()`, `json.dump(history.history)`, `CSVLogger`), so the readers meet real artifacts.
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")


def keras():
    import keras as module

    return module


def relu_output_sequential():
    """Binary classifier whose last layer is relu under binary_crossentropy (MC01 fires)."""
    k = keras()
    model = k.Sequential([
        k.Input((4,)),
        # Explicit names: Keras numbers default names per process, so they depend on test order.
        k.layers.Dense(8, activation="relu", kernel_regularizer=k.regularizers.l2(0.01), name="dense"),
        k.layers.Dropout(0.3, name="dropout"),
        k.layers.Dense(1, activation="relu", name="dense_1"),
    ])
    model.compile(optimizer=k.optimizers.RMSprop(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def nested_functional():
    """Functional model with a nested Sequential block, L1L2, an Activation layer at the end and a
    loss object with from_logits."""
    k = keras()
    inputs = k.Input((4,), name="features")
    hidden = k.layers.Dense(8, activation=k.activations.relu,
                            kernel_regularizer=k.regularizers.L1L2(l1=0.001, l2=0.002), name="hidden")(inputs)
    block = k.Sequential([k.layers.Dense(6, activation="tanh", name="inner_dense"), k.layers.Dropout(0.2, name="inner_drop")],
                         name="block")
    logits = k.layers.Dense(3, name="logits")(block(hidden))
    outputs = k.layers.Activation("softmax", name="probabilities")(logits)
    model = k.Model(inputs, outputs)
    model.compile(optimizer=k.optimizers.Adam(learning_rate=0.01),
                  loss=k.losses.CategoricalCrossentropy(from_logits=True), metrics=["accuracy", k.metrics.AUC(name="auc")])  # named: a second AUC in one process is auc_1
    return model


def two_output_functional():
    """Two heads: the reader follows the first output (`main`) and leaves the other branch out."""
    k = keras()
    inputs = k.Input((4,), name="x")
    trunk = k.layers.Dense(8, activation="relu", name="trunk")(inputs)
    main = k.layers.Dense(1, activation="sigmoid", name="main")(trunk)
    side_hidden = k.layers.Dense(5, activation="relu", name="side_hidden")(trunk)
    side = k.layers.Dense(2, activation="softmax", name="side")(side_hidden)
    model = k.Model(inputs, [main, side])
    model.compile(optimizer="sgd", loss={"main": "binary_crossentropy", "side": "categorical_crossentropy"},
                  metrics={"main": ["accuracy"], "side": ["accuracy"]})
    return model


def nested_head_functional():
    """A Functional model whose output is a nested Sequential head."""
    k = keras()
    inputs = k.Input((4,), name="x")
    hidden = k.layers.Dense(8, activation="relu", name="body")(inputs)
    head = k.Sequential([k.layers.Dense(4, activation="relu", name="head_hidden"),
                         k.layers.Dense(1, activation="sigmoid", name="head_out")], name="head")
    model = k.Model(inputs, head(hidden))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def custom_objects_model():
    """A registered custom layer and activation, an activation layer object, a learning-rate
    schedule and a loss function: the reader keeps them by name and never runs them."""
    k = keras()

    @k.saving.register_keras_serializable(package="tests")
    class Doubling(k.layers.Layer):
        def call(self, inputs):
            return inputs * 2.0

    @k.saving.register_keras_serializable(package="tests")
    def shifted_relu(x):
        return k.ops.relu(x - 0.5)

    model = k.Sequential([
        k.Input((4,)),
        k.layers.Dense(8, activation=shifted_relu),
        Doubling(name="doubling"),
        k.layers.Dense(2, activation=k.layers.LeakyReLU()),
    ])
    schedule = k.optimizers.schedules.ExponentialDecay(0.05, decay_steps=100, decay_rate=0.9)
    model.compile(optimizer=k.optimizers.SGD(schedule, momentum=0.9), loss=k.losses.mean_squared_error,
                  metrics=[k.metrics.MeanAbsoluteError()])
    return model


def save_both(model, directory, stem: str) -> tuple[str, str]:
    """Save `model` as `<stem>.keras` and `<stem>.json`; return both paths."""
    archive = os.path.join(str(directory), stem + ".keras")
    model.save(archive)
    as_json = os.path.join(str(directory), stem + ".json")
    with open(as_json, "w", encoding="utf-8") as handle:
        handle.write(model.to_json())
    return archive, as_json


def diverging_training(directory) -> dict[str, list[float]]:
    """Train a regression with a learning rate far too high: the loss turns inf, then NaN.

    Writes `history.json` (`json.dump(history.history)`) and `history.csv` (CSVLogger) to
    `directory` and returns the history.
    """
    import numpy as np

    k = keras()
    k.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x @ np.array([1.0, 2.0, 3.0, 4.0]) * 100).astype("float32")
    model = k.Sequential([k.Input((4,)), k.layers.Dense(8, activation="relu"), k.layers.Dense(1)])
    model.compile(optimizer=k.optimizers.SGD(learning_rate=0.2), loss="mse", metrics=["mae"])
    csv_path = os.path.join(str(directory), "history.csv")
    history = model.fit(x, y, epochs=4, batch_size=16, validation_split=0.25, verbose=0,
                        callbacks=[k.callbacks.CSVLogger(csv_path)])
    with open(os.path.join(str(directory), "history.json"), "w", encoding="utf-8") as handle:
        json.dump(history.history, handle)
    return history.history


def train_and_save(directory, model=None) -> dict[str, list[float]]:
    """Train a small binary classifier (by default the relu-output one: MC01 fires) for 3 epochs,
    logging with CSVLogger to `history.csv`, and save it as `model.keras`, both in `directory`.
    Returns the history."""
    import numpy as np

    k = keras()
    k.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(80, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("float32")
    model = model or relu_output_sequential()
    history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0,
                        callbacks=[k.callbacks.CSVLogger(os.path.join(str(directory), "history.csv"))])
    model.save(os.path.join(str(directory), "model.keras"))
    return history.history
