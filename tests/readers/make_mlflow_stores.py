"""Create real MLflow tracking stores for the reader tests, with the real `mlflow` package.

    python tests/readers/make_mlflow_stores.py DIRECTORY

writes DIRECTORY/file/mlruns (a file store) and DIRECTORY/sqlite/mlflow.db (a SQLite store), each
holding the same runs, and DIRECTORY/summary.json describing them:

- `autolog`: a tiny Keras binary classifier (relu output under binary_crossentropy) trained for 3
  epochs with `mlflow.keras.autolog()`, its model logged with the run; it also logs `problem.type` as a param, `metric.name` as a
  tag and `final.test_score` as a metric, under the record's own field names;
- `parent` with two nested `children` (a hyperparameter search: the parent has 2 trials);
- `deleted`: a run deleted afterwards, which readers skip.

Runs in its own process: autologging patches Keras for the life of the process.
"""

from __future__ import annotations

import json
import os
import sys


def make_runs(mlflow, keras, np) -> dict:
    mlflow.set_experiment("reader-tests")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="relu")])
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    # Autologging logs the model too, but first infers its pip requirements in a subprocess (about
    # 10 s); logging it ourselves without that gives the same model artifact, linked to the run.
    mlflow.keras.autolog(log_models=False)
    with mlflow.start_run(run_name="autolog") as run:
        history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0)
        mlflow.keras.log_model(model, name="model", pip_requirements=[])
        mlflow.log_param("problem.type", "binary_classification")
        mlflow.set_tag("metric.name", "accuracy")
        mlflow.log_metric("final.test_score", 0.75)
    mlflow.keras.autolog(disable=True)
    summary = {"autolog": run.info.run_id, "history": history.history, "children": []}
    with mlflow.start_run(run_name="search") as parent:
        for trial in range(2):
            with mlflow.start_run(run_name=f"trial-{trial}", nested=True) as child:
                mlflow.log_param("model.optimizer.learning_rate", 10.0 ** -(trial + 2))
                for step, loss in enumerate([0.9, 0.6, 0.5]):
                    mlflow.log_metric("loss", loss + trial, step=step)
                summary["children"].append(child.info.run_id)
    summary["parent"] = parent.info.run_id
    with mlflow.start_run(run_name="deleted") as deleted:
        mlflow.log_metric("loss", 1.0)
    mlflow.delete_run(deleted.info.run_id)
    summary["deleted"] = deleted.info.run_id
    return summary


def main(directory: str) -> None:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # MLflow 3 keeps the file store behind this switch
    import keras
    import mlflow
    import numpy as np

    summary = {}
    for kind, uri in (("file", "file:{}/mlruns"), ("sqlite", "sqlite:///{}/mlflow.db")):
        folder = os.path.abspath(os.path.join(directory, kind))
        os.makedirs(folder, exist_ok=True)
        os.chdir(folder)  # the SQLite store keeps artifacts in ./mlruns
        mlflow.set_tracking_uri(uri.format(folder))
        summary[kind] = make_runs(mlflow, keras, np)
    with open(os.path.join(directory, "summary.json"), "w", encoding="utf-8") as handle:
        json.dump(summary, handle, indent=2)


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]))
