"""Training-code budgets: linting a 300-line training script costs at most 1.2x linting the
equivalent record, and a tree of 1,000 scripts lints at 300 or more scripts per second.

The script is a realistic Keras workflow (data loading, a split, a scaler, a model-building
function, a tuning loop, plotting and argument-parsing helpers) padded to 300 lines with more such
helpers; the equivalent record is the one the advisor writes from it (without `source:`, so it does
not read the script back). Both are linted in fresh processes, alternated, median of the runs. The
tree holds copies of the test corpus scripts (Keras, tf.keras, Keras 2, scikit-learn).

    python benchmarks/source_lint.py [--runs 15] [--scripts 1000]
"""

from __future__ import annotations

import argparse
import glob
import os
import resource
import shutil
import subprocess
import tempfile
import time

from _common import ROOT, benchmark_env, median, time_command, tool

SCRIPT_HEAD = '''"""Train a churn classifier."""
import argparse
import logging

import keras
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

logger = logging.getLogger(__name__)
EPOCHS = 40
BATCH = 64
'''

SCRIPT_WORK = '''
df = pd.read_csv("churn.csv")
y = df.pop("churned")
X = StandardScaler().fit_transform(df)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)


def build(units, rate):
    model = keras.Sequential([
        keras.Input(shape=(X.shape[1],)),
        keras.layers.Dense(units, activation="relu", kernel_regularizer=keras.regularizers.l2(1e-4)),
        keras.layers.Dropout(rate),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="binary_crossentropy",
                  metrics=["accuracy", keras.metrics.AUC(name="auc")])
    return model


for units in [16, 64]:
    model = build(units, 0.2)
    stop = keras.callbacks.EarlyStopping(monitor="val_auc", mode="max", patience=5, restore_best_weights=True)
    model.fit(X_train, y_train, epochs=EPOCHS, batch_size=BATCH, validation_data=(X_test, y_test), callbacks=[stop])
    logger.info("units %d: %s", units, model.evaluate(X_test, y_test))
'''

HELPER = '''

def plot_history_{n}(history, path="curves_{n}.png"):
    """Plot the loss curves of one run."""
    figure, axis = plt.subplots(figsize=(6, 4))
    for key in ("loss", "val_loss"):
        if key in history.history:
            axis.plot(history.history[key], label=key)
    axis.set_xlabel("epoch")
    axis.legend()
    figure.savefig(path)
    plt.close(figure)
    return path


def parse_arguments_{n}(argv=None):
    parser = argparse.ArgumentParser(description="helper {n}")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--batch-size", type=int, default=BATCH)
    return parser.parse_args(argv)
'''


def training_script(lines: int = 300) -> str:
    text = SCRIPT_HEAD + SCRIPT_WORK
    number = 0
    while text.count("\n") + HELPER.count("\n") <= lines:
        text += HELPER.format(n=number)
        number += 1
    return text + "\n" * (lines - text.count("\n"))


def compare_script_and_record(advisor: str, folder: str, runs: int) -> None:
    script = os.path.join(folder, "train.py")
    with open(script, "w", encoding="utf-8") as handle:
        handle.write(training_script())
    from advisor.readers.source.record_writer import record_text

    record = os.path.join(folder, "experiment.yaml")
    with open(record, "w", encoding="utf-8") as handle:
        handle.write("".join(line for line in record_text(script).splitlines(keepends=True)
                             if not line.startswith("source:")))
    for path in (script, record):  # sanity: both lint, with the same findings
        done = subprocess.run([advisor, "lint", "--no-cache", "--exit-zero", path], capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            raise SystemExit(f"advisor lint {path} failed: {done.stderr.strip()}")
    env = benchmark_env()
    script_times, record_times = [], []
    for _ in range(runs):  # alternated, so load on the machine hits both alike
        script_times.append(time_command([advisor, "lint", "--no-cache", "--exit-zero", script], folder, env))
        record_times.append(time_command([advisor, "lint", "--no-cache", "--exit-zero", record], folder, env))
    lines = training_script().count("\n")
    ratio = median(script_times) / median(record_times)
    print(f"{lines}-line script: {median(script_times) * 1000:.0f} ms, equivalent record: "
          f"{median(record_times) * 1000:.0f} ms, ratio {ratio:.2f}x (budget 1.2x; medians of {runs} alternated runs)")


def lint_tree(advisor: str, folder: str, count: int, runs: int) -> None:
    corpus = sorted(glob.glob(os.path.join(ROOT, "tests", "readers", "source_corpus", "*.py")))
    tree = os.path.join(folder, "tree")
    for index in range(count):
        sub = os.path.join(tree, f"{index // 100:02d}")
        os.makedirs(sub, exist_ok=True)
        shutil.copy(corpus[index % len(corpus)], os.path.join(sub, f"train_{index:04d}.py"))
    argv = [advisor, "lint", "--no-cache", "--exit-zero", "--format", "json", "-o", os.path.join(folder, "out.json"), tree]
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, env=benchmark_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    seconds, busy = median(times), median(cpu)
    load = os.getloadavg()[0]
    print(f"tree of {count} scripts: {seconds:.2f} s, {count / seconds:.0f} scripts/s on {os.cpu_count()} cores "
          f"(budget 300/s; median of {runs} runs, cache off); {busy:.2f} CPU-seconds, {count / busy:.0f} scripts "
          f"per CPU-second (the wall figure is only meaningful on a quiet machine: load average {load:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--scripts", type=int, default=1000)
    args = parser.parse_args()
    advisor = tool("advisor")
    with tempfile.TemporaryDirectory() as folder:
        compare_script_and_record(advisor, folder, args.runs)
        lint_tree(advisor, folder, args.scripts, max(3, args.runs // 5))


if __name__ == "__main__":
    main()
