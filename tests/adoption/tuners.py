"""Real tuning artifacts for the tests, made by the real libraries on tiny data (seconds each):
a KerasTuner search, an Optuna study in SQLite storage, and a TensorBoard log folder of a Keras
fit laid out as Keras' TensorBoard callback writes it.

Keras' TensorBoard callback needs TensorFlow for its writer; the tests write the same folders,
tags and TensorFlow-2-style tensor scalars with tensorboardX's event writer (no TensorFlow), from a
Keras callback fed the real epoch logs.
"""

from __future__ import annotations

import os
import struct

os.environ.setdefault("KERAS_BACKEND", "jax")


def tiny_data(samples: int = 60, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, 4)).astype("float32")
    y = (x[:, 0] + 0.3 * rng.normal(size=samples) > 0).astype("float32")
    return x, y


def kerastuner_search(directory, trials: int = 3, objective: str = "val_accuracy", on_test: bool = False) -> str:
    """Run a KerasTuner random search; with `on_test` the objective is scored on the test rows
    (the HyperModel's fit returns `test_accuracy`, which the tuner then maximizes).

    Returns:
        The project folder (holding oracle.json).
    """
    import keras
    import keras_tuner as kt

    x, y = tiny_data()
    x_train, y_train, x_val, y_val, x_test, y_test = x[:36], y[:36], x[36:48], y[36:48], x[48:], y[48:]

    class Search(kt.HyperModel):
        def build(self, hp):
            model = keras.Sequential([
                keras.Input((4,)),
                keras.layers.Dense(hp.Int("units", 4, 8, step=4), activation="relu"),
                keras.layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer=keras.optimizers.Adam(hp.Choice("learning_rate", [1e-2, 1e-3])),
                          loss="binary_crossentropy", metrics=["accuracy"])
            return model

        def fit(self, hp, model, *args, **kwargs):
            history = model.fit(*args, **kwargs)
            if on_test:
                return {"test_accuracy": model.evaluate(x_test, y_test, verbose=0)[1]}
            return history

    name = kt.Objective("test_accuracy", "max") if on_test else objective
    tuner = kt.RandomSearch(Search(), objective=name, max_trials=trials, directory=str(directory),
                            project_name="search", overwrite=True, seed=1)
    tuner.search(x_train, y_train, validation_data=(x_val, y_val), epochs=2, verbose=0)
    return os.path.join(str(directory), "search")


def optuna_study(path, trials: int = 4, metric: str | None = "val_accuracy", name: str = "mlp", steps: int = 3) -> str:
    """An Optuna study in SQLite storage at `path`; each trial reports `steps` intermediate values.

    Returns:
        The database path.
    """
    import warnings

    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name=name, storage=f"sqlite:///{path}", direction="maximize",
                                sampler=optuna.samplers.RandomSampler(seed=0), load_if_exists=True)
    if metric is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # set_metric_names is marked experimental
            study.set_metric_names([metric])

    def objective(trial):
        rate = trial.suggest_float("learning_rate", 1e-4, 1e-1, log=True)
        units = trial.suggest_int("units", 4, 32)
        trial.suggest_categorical("activation", ["relu", "tanh"])
        for step in range(steps):
            trial.report(min(1.0, 0.5 + 0.1 * step + rate), step)
        return min(1.0, 0.5 + rate + units / 100)

    study.optimize(objective, n_trials=trials)
    return str(path)


def tensorboard_logdir(directory, epochs: int = 4) -> tuple[str, dict[str, list[float]]]:
    """Fit a tiny Keras model, logging each epoch's metrics to `train/` and `validation/` event
    files under the tags Keras' TensorBoard callback uses (`epoch_loss`, `epoch_accuracy`, ...).

    Returns:
        The log folder and Keras' own History of the fit (what the reader must find).
    """
    import keras
    from tensorboardX import SummaryWriter
    from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboardX.proto.tensor_pb2 import TensorProto
    from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto

    class TensorBoardLayout(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.writers = {split: SummaryWriter(os.path.join(str(directory), split)) for split in ("train", "validation")}

        def on_epoch_end(self, epoch, logs=None):
            for key, value in (logs or {}).items():
                split = "validation" if key.startswith("val_") else "train"
                tensor = TensorProto(dtype=1, tensor_shape=TensorShapeProto(), tensor_content=struct.pack("<f", float(value)))
                metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
                tag = "epoch_" + key.removeprefix("val_")
                summary = Summary(value=[Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])
                self.writers[split].file_writer.add_summary(summary, epoch)

        def on_train_end(self, logs=None):
            for writer in self.writers.values():
                writer.close()

    x, y = tiny_data()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, validation_split=0.25, epochs=epochs, verbose=0, callbacks=[TensorBoardLayout()])
    return str(directory), history.history


def event_file(logdir: str, split: str = "train") -> str:
    folder = os.path.join(logdir, split)
    return os.path.join(folder, next(name for name in sorted(os.listdir(folder)) if name.startswith("events.out.tfevents.")))
