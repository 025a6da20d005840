"""Helpers shared by the benchmark scripts: timing fresh processes, medians, the sample record."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

#: A typical, complete experiment record (no data file), used by the lint benchmarks.
SAMPLE_RECORD = """\
version: 1
name: breast-cancer-mlp
problem: {type: binary_classification, target: diagnosis, classes: 2, labels: integer}
data:
  samples: 569
  class_counts: {0: 212, 1: 357}
  features:
    - {name: mean_radius, dtype: float, min: 6.98, max: 28.11, mean: 14.13, std: 3.52, missing: 0}
    - {name: mean_area, dtype: float, min: 143.5, max: 2501.0, mean: 654.9, std: 351.9, missing: 0}
  preprocessing:
    - {step: standardize, fit_on: train}
splits: {method: stratified, shuffle: true, train: 364, validation: 91, test: 114}
protocol: {type: kfold, folds: 4}
metric: {name: accuracy, others: [precision, recall]}
baseline: {strategy: most_frequent, score: 0.627}
model:
  layers:
    - {type: dense, units: 16, activation: relu, l2: 0.001}
    - {type: dropout, rate: 0.5}
    - {type: dense, units: 1, activation: sigmoid}
  loss: binary_crossentropy
  optimizer: {name: rmsprop, learning_rate: 0.001}
  epochs: 50
  batch_size: 32
  early_stopping: {monitor: val_loss, patience: 5, restore_best_weights: true}
history:
  loss: [0.69, 0.41, 0.30, 0.24, 0.2, 0.18, 0.16]
  val_loss: [0.68, 0.45, 0.38, 0.33, 0.31, 0.32, 0.34]
  accuracy: [0.62, 0.88, 0.93, 0.94, 0.95, 0.96, 0.96]
  val_accuracy: [0.63, 0.86, 0.91, 0.93, 0.94, 0.94, 0.93]
final: {trained_on: train+validation, epochs: 5, validation_score: 0.94, test_score: 0.95}
"""


def tool(name: str) -> str:
    """A console script of this interpreter's environment (else from PATH)."""
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.exists(candidate):
        return candidate
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"benchmark needs `{name}`: pip install {name}")
    return found


def benchmark_env(**extra: str) -> dict[str, str]:
    """The environment for timed processes: compiled modules are cached, as in any installation
    (a shell with PYTHONDONTWRITEBYTECODE would make every run recompile every module)."""
    env = dict(os.environ, **extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def time_command(argv: list[str], cwd: str | None = None, env: dict[str, str] | None = None) -> float:
    """Wall time of one fresh process, in seconds."""
    env = benchmark_env() if env is None else env
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    return statistics.median(values)
