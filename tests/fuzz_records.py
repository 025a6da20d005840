"""Generated experiment records for the property test and `benchmarks/fuzz.py`.

A record is a real one (the clean templates of `tests/records/`, the examples, the benchmarks'
sample) with a few values replaced, removed or added: shaped like the schema where it counts, with
the values a fuzzer finds (wrong types, NaN and infinity, integers no float holds, control
characters, empty and nested containers). The random source is passed in, so hypothesis can drive
and shrink it (`st.randoms()`), and the long fuzz can use a seeded `random.Random`.
"""

from __future__ import annotations

import copy
import glob
import json
import math
import os
import random
import shutil
from typing import Any

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: Words the rules and the schema know, so mutations often stay valid.
VOCABULARY = [
    "binary_classification", "multiclass_classification", "multilabel_classification", "regression",
    "accuracy", "auc", "f1", "precision", "recall", "mse", "mae", "val_loss", "loss",
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "relu", "sigmoid", "softmax", "linear", "tanh", "dense", "dropout", "adam", "sgd", "rmsprop",
    "train", "validation", "test", "all", "random", "stratified", "time", "kfold", "iterated_kfold",
    "holdout", "standardize", "normalize", "one_hot", "impute", "most_frequent", "mean", "integer",
    "one_hot", "train+validation", "completed", "interrupted", "label", "target",
]
#: Text a hostile record holds: control characters, forged CI annotations, NUL, long names.
HOSTILE_TEXT = [
    "", " ", "\x00", "a\x00b", "\n", "x\n::error file=README.md,line=1::INJECTED", "\x1b[31mred\x1b[0m", "\x07",
    "../../etc/passwd", "/etc/hostname", "é", "\u202e", "a" * 300, "~", "null", "1e400", "NaN", "-inf",
]
SPECIAL_NUMBERS = [0, -1, 1, 2, 10 ** 6, 10 ** 400, -(10 ** 400), 0.0, -0.0, 1e-300, 1e300,
                   math.inf, -math.inf, math.nan, 0.5, 1.5, 2 ** 63, 2 ** 31 - 1]


def seeds() -> list[tuple[str, dict[str, Any], str | None]]:
    """(name, record, folder holding its data or None) of every seed record."""
    found = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "records", "clean_*.yaml"))):
        found.append((os.path.basename(path), _load(path), None))
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "*", "experiment.yaml"))):
        found.append((os.path.basename(os.path.dirname(path)), _load(path), os.path.dirname(path)))
    return found


def _load(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def value(rng: random.Random, depth: int = 0) -> Any:
    """One value a fuzzed field may take."""
    kind = rng.randrange(10 if depth < 2 else 7)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind in (2, 3):
        return rng.choice(SPECIAL_NUMBERS) if rng.random() < 0.6 else rng.uniform(-5, 5)
    if kind == 4:
        return rng.choice(VOCABULARY)
    if kind == 5:
        return rng.choice(HOSTILE_TEXT)
    if kind == 6:
        return rng.randint(-3, 100_000)
    if kind == 7:
        return [value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 8:
        return [rng.uniform(0, 2) for _ in range(rng.randrange(12))]
    return {rng.choice(VOCABULARY + HOSTILE_TEXT[:6]): value(rng, depth + 1) for _ in range(rng.randrange(3))}


def _containers(node: Any, trail: tuple = ()) -> list[tuple[tuple, Any]]:
    """Every mapping and list of a record, with the keys that lead to it."""
    found = [(trail, node)] if isinstance(node, (dict, list)) else []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        found.extend(_containers(child, (*trail, key)))
    return found


def like(old: Any, rng: random.Random) -> Any:
    """A value of the same kind as `old` (a number for a number, a known word for a string), so
    the record mostly stays valid and its rules, not its validation, get exercised."""
    if isinstance(old, bool):
        return not old
    if isinstance(old, int):
        return rng.choice([0, 1, 2, 3, 5, 10, 100, 1000, 10 ** 6, old * 2, max(old // 2, 1)])
    if isinstance(old, float):
        return rng.choice([0.0, 1e-7, 1e-3, 0.1, 0.5, 0.9, 0.99, 1.0, 2.0, 100.0, old * 10, old / 10])
    if isinstance(old, str):
        return rng.choice(VOCABULARY)
    if isinstance(old, list):
        return old[: rng.randrange(len(old) + 1)] + old[: rng.randrange(3)]
    return value(rng)


def mutate(record: dict[str, Any], rng: random.Random, edits: int | None = None,
           gentle: bool = False) -> dict[str, Any]:
    """A copy of `record` with 1-4 values replaced, removed or added (or `edits` of them).

    Args:
        gentle: Only remove values or replace them with values of the same kind.
    """
    record = copy.deepcopy(record)
    for _ in range(edits if edits is not None else rng.randint(1, 4)):
        _, container = rng.choice(_containers(record))
        if gentle:
            _gently(container, rng)
            continue
        action = rng.random()
        if isinstance(container, dict):
            if container and action < 0.6:
                container[rng.choice(list(container))] = value(rng)
            elif container and action < 0.8:
                del container[rng.choice(list(container))]
            else:
                container[rng.choice(VOCABULARY)] = value(rng)
        elif container and action < 0.6:
            container[rng.randrange(len(container))] = value(rng)
        elif container and action < 0.8:
            container.pop(rng.randrange(len(container)))
        else:
            container.append(value(rng))
    return record


def _gently(container: dict[str, Any] | list[Any], rng: random.Random) -> None:
    if not container:
        return
    key = rng.choice(list(container)) if isinstance(container, dict) else rng.randrange(len(container))
    if rng.random() < 0.35:
        del container[key]
    else:
        container[key] = like(container[key], rng)


def dump(record: Any, fmt: str) -> str:
    """The record as YAML or JSON text (JSON with NaN and Infinity, as Python writes them)."""
    if fmt == "json":
        return json.dumps(record, indent=2, default=str)
    return yaml.dump(record, Dumper=_DUMPER, sort_keys=False, allow_unicode=False, default_flow_style=None, width=100)


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def write_case(folder: str, record: Any, fmt: str, data_from: str | None) -> str:
    """Write `record` as `folder/experiment.<fmt>` with its seed's data files beside it.

    Returns:
        The record's path.
    """
    os.makedirs(folder, exist_ok=True)
    if data_from and os.path.isdir(os.path.join(data_from, "data")):
        shutil.copytree(os.path.join(data_from, "data"), os.path.join(folder, "data"), dirs_exist_ok=True)
    path = os.path.join(folder, f"experiment.{fmt}")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(dump(record, fmt))
    return path
