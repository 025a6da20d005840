"""The reference trainer's overhead and its parallel speed-up.

1. Overhead: the same model, data and epochs (the digits example's data, standardized, a 256-256-10
   MLP, hold-out validation) trained by `advisor train --stage fit` and by a plain Keras script
   (`python trainer_overhead.py --plain ...`: pandas, scikit-learn's split and scaler, Keras
   `fit`, `predict`, `save`), each in a fresh process, alternated, medians of several runs. Budget:
   wall-time ratio at most 1.05.
2. Parallel speed-up: a 5-fold run (`advisor train --stage fit`) with `--jobs 1` and `--jobs 2`
   (joblib's loky processes), medians of a few runs.

Run: `python benchmarks/trainer_overhead.py [--runs N] [--epochs N]` (a few minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import ROOT, benchmark_env, tool  # noqa: E402

DATA = os.path.join(ROOT, "examples", "digits", "data", "digits.csv")
LAYERS = [{"type": "dense", "units": 256, "activation": "relu"}, {"type": "dense", "units": 256, "activation": "relu"},
          {"type": "dense", "units": 10, "activation": "softmax"}]


def record(epochs: int, protocol: dict) -> dict:
    return {
        "version": 1, "name": "overhead",
        "problem": {"type": "multiclass_classification", "target": "digit", "classes": 10, "labels": "integer"},
        "data": {"path": DATA, "target_column": "digit", "preprocessing": [{"step": "standardize", "fit_on": "train"}]},
        "splits": {"method": "stratified", "shuffle": True, "train": 0.6, "validation": 0.2, "test": 0.2},
        "protocol": protocol, "metric": {"name": "accuracy"},
        "model": {"layers": LAYERS, "loss": "sparse_categorical_crossentropy",
                  "optimizer": {"name": "rmsprop", "learning_rate": 0.001}, "epochs": epochs, "batch_size": 32},
    }


def plain_keras(epochs: int, out: str) -> None:
    """What a user would write by hand for the same experiment."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras
    import pandas as pd
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    frame = pd.read_csv(DATA)
    y = frame.pop("digit").to_numpy()
    x = frame.to_numpy(dtype="float32")
    rest, _, y_rest, _ = train_test_split(x, y, test_size=0.2, stratify=y, random_state=0)
    x_train, x_val, y_train, y_val = train_test_split(rest, y_rest, test_size=0.25, stratify=y_rest, random_state=1)
    scaler = StandardScaler().fit(x_train)
    x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(x.shape[1],)), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.001), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, batch_size=32, verbose=0)
    accuracy = float((model.predict(x_val, verbose=0).argmax(axis=1) == y_val).mean())
    os.makedirs(out, exist_ok=True)
    model.save(os.path.join(out, "model.keras"))
    print(f"validation accuracy {accuracy:.4f}")


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=benchmark_env())
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plain", metavar="OUT", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each side")
    parser.add_argument("--epochs", type=int, default=40)
    args = parser.parse_args()
    if args.plain:
        plain_keras(args.epochs, args.plain)
        return
    advisor = tool("advisor")
    with tempfile.TemporaryDirectory(prefix="advisor-overhead-") as scratch:
        holdout = os.path.join(scratch, "holdout.yaml")
        kfold = os.path.join(scratch, "kfold.yaml")
        with open(holdout, "w", encoding="utf-8") as handle:
            yaml.safe_dump(record(args.epochs, {"type": "holdout"}), handle, sort_keys=False)
        with open(kfold, "w", encoding="utf-8") as handle:
            yaml.safe_dump(record(args.epochs // 2, {"type": "kfold", "folds": 5}), handle, sort_keys=False)
        trainer, plain = [], []
        for run in range(args.runs + 1):  # the first pair warms caches and is not counted
            t = _timed([advisor, "train", holdout, "--stage", "fit", "--quiet", "--out", os.path.join(scratch, f"a{run}")])
            p = _timed([sys.executable, __file__, "--plain", os.path.join(scratch, f"p{run}"), "--epochs", str(args.epochs)])
            if run:
                trainer.append(t)
                plain.append(p)
        ratio = statistics.median(trainer) / statistics.median(plain)
        print(f"overhead: advisor train median {statistics.median(trainer):.2f} s, plain Keras median "
              f"{statistics.median(plain):.2f} s over {args.runs} alternated runs of {args.epochs} epochs: "
              f"ratio {ratio:.3f} (budget 1.05: {'ok' if ratio <= 1.05 else 'OVER'})")
        sequential, parallel = [], []
        for run in range(max(2, args.runs // 2)):
            sequential.append(_timed([advisor, "train", kfold, "--stage", "fit", "--quiet", "--jobs", "1",
                                      "--out", os.path.join(scratch, f"s{run}")]))
            parallel.append(_timed([advisor, "train", kfold, "--stage", "fit", "--quiet", "--jobs", "2",
                                    "--out", os.path.join(scratch, f"j{run}")]))
        speedup = statistics.median(sequential) / statistics.median(parallel)
        print(f"parallel: 5-fold run ({args.epochs // 2} epochs each), --jobs 1 median {statistics.median(sequential):.2f} s, "
              f"--jobs 2 median {statistics.median(parallel):.2f} s: speed-up {speedup:.2f}x on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
