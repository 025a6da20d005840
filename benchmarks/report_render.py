"""Report budget: `advisor report` of a run with 1,000 epochs and 200 features renders in under 2 s
and weighs under 1 MB. Prints the median wall time of fresh processes (alternated with
`advisor lint` of the same run, the anchor: the report's own cost is the difference), and the page's
size.

The run is real: 1,000 one-batch epochs of a small Keras model on 1,000 rows and 200 features from
scikit-learn's make_classification (features on scales from 1 to 10,000), logged by CSVLogger.

    python benchmarks/report_render.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

from _common import benchmark_env, median, time_command, tool

EPOCHS, FEATURES, ROWS = 1000, 200, 1000

RECORD = """\
version: 1
name: wide-and-long
problem: {type: binary_classification, target: label}
data:
  path: data.csv
  target_column: label
  preprocessing:
    - {step: standardize, fit_on: train}
splits: {method: stratified, shuffle: true, train: 0.6, validation: 0.2, test: 0.2}
protocol: {type: holdout}
metric: {name: accuracy}
baseline: {strategy: most_frequent, score: 0.5}
model:
  file: model.keras
  epochs: EPOCHS
history: {file: history.csv}
""".replace("EPOCHS", str(EPOCHS))


def make_run(folder: str) -> str:
    """Write the data, train and log the model, write the record; return the record's path."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras
    import numpy as np
    from sklearn.datasets import make_classification

    x, y = make_classification(n_samples=ROWS, n_features=FEATURES, n_informative=20, random_state=0)
    x = x * np.logspace(0, 4, FEATURES)
    header = ",".join([f"f{i}" for i in range(FEATURES)] + ["label"])
    np.savetxt(os.path.join(folder, "data.csv"), np.column_stack([x, y]), delimiter=",", header=header,
               comments="", fmt=["%.6g"] * FEATURES + ["%d"])
    keras.utils.set_random_seed(0)
    scaled = ((x - x.mean(axis=0)) / x.std(axis=0)).astype("float32")
    model = keras.Sequential([keras.Input((FEATURES,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(scaled[:800], y[:800], validation_data=(scaled[800:], y[800:]), epochs=EPOCHS, batch_size=800,
              verbose=0, callbacks=[keras.callbacks.CSVLogger(os.path.join(folder, "history.csv"))])
    model.save(os.path.join(folder, "model.keras"))
    path = os.path.join(folder, "experiment.yaml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(RECORD)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    advisor = tool("advisor")
    env = benchmark_env()
    with tempfile.TemporaryDirectory() as folder:
        print(f"training {EPOCHS} epochs on {ROWS} rows x {FEATURES} features ...", file=sys.stderr)
        record = make_run(folder)
        page = os.path.join(folder, "report.html")
        report = [advisor, "report", "--exit-zero", record, "-o", page]
        lint = [advisor, "lint", "--exit-zero", "--no-cache", record]
        time_command(report, cwd=folder, env=env)  # warm the bytecode and file caches
        report_times, lint_times = [], []
        for _ in range(args.runs):
            report_times.append(time_command(report, cwd=folder, env=env))
            lint_times.append(time_command(lint, cwd=folder, env=env))
        size = os.path.getsize(page)
        with open(page, encoding="utf-8") as handle:
            charts = handle.read().count("<svg ")
    rendered, linted = median(report_times), median(lint_times)
    print(f"advisor report, {EPOCHS} epochs x {FEATURES} features: {rendered:.2f} s median of {args.runs} "
          f"(budget 2 s); page {size / 1e6:.2f} MB (budget 1 MB), {charts} charts")
    print(f"advisor lint of the same run: {linted:.2f} s median; the report adds {rendered - linted:.2f} s "
          f"({rendered / linted:.2f}x)")


if __name__ == "__main__":
    main()
