"""What AdvisorCallback adds to the wall time of a training run.

The digits example's data (examples/digits/data/digits.csv), standardized, a 256-256-10 MLP
trained for 40 epochs with hold-out validation, in a fresh process per run: once as a plain Keras
script, once with `callbacks=[AdvisorCallback(data=..., validation=..., test=...)]` (the model
check before training, the loss checks each epoch, the data profile, the run directory with
model.keras, its lint). Runs alternate (plain, callback, plain, ...) so a busy machine slows both
alike; the figure is the ratio of the medians, and the median of the paired ratios. Budget: 1.02.

Run: `python benchmarks/callback_overhead.py [--runs N] [--epochs N]` (a few minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import ROOT, benchmark_env

DATA = os.path.join(ROOT, "examples", "digits", "data", "digits.csv")
BUDGET = 1.02


def train(epochs: int, with_callback: bool, out: str) -> None:
    """One training run, as a user's script would do it."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras
    import numpy as np
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    table = np.loadtxt(DATA, delimiter=",", skiprows=1, dtype="float32")
    x, y = table[:, :-1], table[:, -1].astype("int64")
    rest, x_test, y_rest, y_test = train_test_split(x, y, test_size=0.2, stratify=y, random_state=0)
    x_train, x_val, y_train, y_val = train_test_split(rest, y_rest, test_size=0.25, stratify=y_rest, random_state=1)
    scaler = StandardScaler().fit(x_train)
    x_train, x_val, x_test = (scaler.transform(part) for part in (x_train, x_val, x_test))
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((x.shape[1],)), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    callbacks = []
    if with_callback:
        from advisor.integrations.keras import AdvisorCallback

        callbacks.append(AdvisorCallback(data=(x_train, y_train), validation=(x_val, y_val), test=(x_test, y_test),
                                         run_dir=os.path.join(out, "run"), print_fn=lambda text: None))
    model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, batch_size=32, verbose=0,
              callbacks=callbacks)


def timed(epochs: int, with_callback: bool) -> tuple[float, float]:
    """(wall time, CPU time) of one fresh training process, in seconds."""
    import resource

    with tempfile.TemporaryDirectory() as out:
        argv = [sys.executable, os.path.abspath(__file__), "--train", "callback" if with_callback else "plain",
                "--epochs", str(epochs), "--out", out]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, env=benchmark_env(KERAS_BACKEND="jax"), check=True, stdout=subprocess.DEVNULL)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if with_callback and not os.path.isfile(os.path.join(out, "run", "experiment.yaml")):
            raise SystemExit("the callback wrote no run directory; the timing would be meaningless")
        return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--train", choices=("plain", "callback"))
    parser.add_argument("--out", default=".")
    args = parser.parse_args()
    if args.train:
        train(args.epochs, args.train == "callback", args.out)
        return
    timed(2, True)  # warm the bytecode and XLA caches of both paths
    timed(2, False)
    plain: list[tuple[float, float]] = []
    watched: list[tuple[float, float]] = []
    for _ in range(args.runs):
        plain.append(timed(args.epochs, False))
        watched.append(timed(args.epochs, True))
    print(f"{args.epochs}-epoch digits run, {args.runs} alternated runs each, fresh processes")
    for label, index in (("wall", 0), ("CPU", 1)):
        base = [run[index] for run in plain]
        added = [run[index] for run in watched]
        ratio = statistics.median(added) / statistics.median(base)
        paired = statistics.median(w / p for w, p in zip(added, base))
        print(f"{label:>4} time: plain Keras median {statistics.median(base):.3f} s, with AdvisorCallback "
              f"{statistics.median(added):.3f} s: ratio of medians {ratio:.3f}x, median of paired ratios "
              f"{paired:.3f}x (budget {BUDGET:.2f}x: {'within' if ratio <= BUDGET else 'over'})")
        print(f"      runs: plain {', '.join(f'{t:.2f}' for t in base)}; callback {', '.join(f'{t:.2f}' for t in added)}")

if __name__ == "__main__":
    main()
