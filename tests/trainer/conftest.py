"""Tiny experiments for the trainer tests: real data from scikit-learn, real Keras, few epochs."""

from __future__ import annotations

import os

import numpy as np
import pytest
import yaml

os.environ.setdefault("KERAS_BACKEND", "jax")


def tiny_record(**changes) -> dict:
    """A binary experiment on 160 rows: hold-out validation, a test split, 3 epochs."""
    record = {
        "version": 1,
        "name": "tiny",
        "problem": {"type": "binary_classification", "target": "label"},
        "data": {"path": "data.csv", "target_column": "label",
                 "preprocessing": [{"step": "standardize", "fit_on": "train"}]},
        "splits": {"method": "stratified", "shuffle": True, "train": 0.6, "validation": 0.2, "test": 0.2},
        "protocol": {"type": "holdout"},
        "metric": {"name": "accuracy"},
        "model": {"layers": [{"type": "dense", "units": 8, "activation": "relu"},
                             {"type": "dense", "units": 1, "activation": "sigmoid"}],
                  "loss": "binary_crossentropy", "optimizer": {"name": "adam", "learning_rate": 0.01},
                  "epochs": 3, "batch_size": 16},
    }
    for section, value in changes.items():
        if value is None:
            record.pop(section, None)
        elif isinstance(value, dict) and isinstance(record.get(section), dict):
            merged = {**record[section], **value}
            record[section] = {key: item for key, item in merged.items() if item is not None}
        else:
            record[section] = value
    return record


def write_data(directory, rows: int = 160, labels: int = 2, seed: int = 0, name: str = "data.csv") -> str:
    """A CSV of 4 features on different scales and an integer `label`."""
    from sklearn.datasets import make_classification

    x, y = make_classification(n_samples=rows, n_features=4, n_informative=3, n_redundant=0, n_classes=labels,
                               random_state=seed)
    x = x * np.array([1.0, 10.0, 100.0, 1000.0]) + np.array([0.0, 5.0, 50.0, 500.0])
    path = os.path.join(str(directory), name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("f0,f1,f2,f3,label\n")
        for features, label in zip(x, y):
            handle.write(",".join(f"{v:.6g}" for v in features) + f",{label}\n")
    return path


def write_yaml(directory, record: dict, name: str = "experiment.yaml") -> str:
    path = os.path.join(str(directory), name)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(record, handle, sort_keys=False)
    return path


@pytest.fixture
def experiment_dir(tmp_path):
    """A folder with the tiny data and record; returns (folder, record path)."""
    write_data(tmp_path)
    return tmp_path, write_yaml(tmp_path, tiny_record())
