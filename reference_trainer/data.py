"""Load the data a record names and turn its target into arrays Keras and scikit-learn take.

Data comes from `data.path` (CSV, Parquet or NPZ) or from `splits.files`; tables are read with
pandas (pyarrow underneath), NPZ archives with numpy and `allow_pickle=False`, in the two layouts
the advisor's readers accept (X/y arrays with optional split suffixes, or one 1-D array per column).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from advisor.readers.data_files import SPLIT_ALIASES, data_kind
from reference_trainer.errors import TrainerError

if TYPE_CHECKING:
    import pandas as pd

CLASSIFICATION = ("binary_classification", "multiclass_classification")


@dataclass
class Dataset:
    """Every row the experiment may use.

    Args:
        features: The feature columns (a pandas DataFrame).
        target: The raw target (1-D, or 2-D for multi-hot and multi-output targets).
        target_name: The target column's name, for messages.
        split: Per row, train / validation / test when the data itself says (split column, split
            files, NPZ split arrays); None otherwise.
        groups: The group column's values, for group splits.
        source: The data file as named to the user.
    """

    features: pd.DataFrame
    target: np.ndarray
    target_name: str
    split: np.ndarray | None
    groups: np.ndarray | None
    source: str


@dataclass
class Targets:
    """The target as the model learns it.

    Args:
        kind: The problem type.
        values: Class indices (n,), multi-hot rows (n, labels), or values (n,) / (n, targets).
        classes: The original labels of the class indices (single-label classification).
    """

    kind: str
    values: np.ndarray
    classes: list

    @property
    def class_count(self) -> int:
        if self.kind == "multilabel_classification":
            return self.values.shape[1]
        return len(self.classes)


def _read_table(path: str, shown: str):
    import pandas as pd

    kind = data_kind(path)
    if kind is None:
        raise TrainerError(shown, "unknown kind of data file; expected .csv, .tsv, .parquet or .npz")
    if not os.path.isfile(path):
        raise TrainerError(shown, "no such data file")
    try:
        if kind == "csv":
            return pd.read_csv(path, sep=None if path.lower().endswith((".tsv", ".txt")) else ",",
                               engine="python" if path.lower().endswith((".tsv", ".txt")) else "c"), None, None
        if kind == "parquet":
            return pd.read_parquet(path), None, None
        return _read_npz(path)
    except TrainerError:
        raise
    except Exception as exc:  # pandas and numpy name the defect; one message, no traceback
        raise TrainerError(shown, f"cannot be read as {kind.upper()}: {exc}") from None


def _read_npz(path: str):
    """An NPZ archive as (features, target or None, split labels or None)."""
    import pandas as pd

    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    lower = {name.lower(): name for name in arrays}
    xs = [(name, SPLIT_ALIASES.get(name.lower().partition("_")[2], None)) for name in arrays
          if name.lower() == "x" or name.lower().split("_")[0] == "x"]
    if not xs:
        return pd.DataFrame({name: values for name, values in arrays.items() if values.ndim == 1}), None, None
    names = [str(n) for n in arrays[lower["feature_names"]]] if "feature_names" in lower else None
    frames, targets = [], []
    splits: list[np.ndarray | None] = []  # per x array, its split label on every row (None: unnamed)
    for name, split in xs:
        x = arrays[name].reshape(len(arrays[name]), -1)
        y_name = "y" + name[1:]
        y_key = lower.get(y_name.lower())
        frames.append(pd.DataFrame(x, columns=names if names and len(names) == x.shape[1] else [f"x{i}" for i in range(x.shape[1])]))
        if y_key is not None:
            targets.append(arrays[y_key])
        splits.append(np.full(len(x), split, dtype=object) if split else None)
    features = pd.concat(frames, ignore_index=True)
    target = np.concatenate(targets) if len(targets) == len(frames) else None
    labelled = [s for s in splits if s is not None]
    split_labels = np.concatenate(labelled) if len(labelled) == len(splits) else None
    return features, target, split_labels


def load_dataset(experiment, record_path: str) -> Dataset:
    """Read the data the record names, with its target and split labels.

    Raises:
        TrainerError: no data named, a missing file, a target or split column that does not exist.
    """
    import pandas as pd

    data = experiment.data
    base = os.path.dirname(os.path.abspath(record_path))
    files = experiment.splits.files if experiment.splits is not None and experiment.splits.files else None
    parts: list[tuple[str, str | None]] = []
    if data is not None and data.path:
        parts.append((data.path, None))
    elif files is not None:
        parts.extend((getattr(files, name), name) for name in ("train", "validation", "test") if getattr(files, name))
    if not parts:
        raise TrainerError(record_path, "the record names no data: declare data.path (a CSV, Parquet or NPZ file) "
                                        "or splits.files")
    target_name = (data.target_column if data is not None else None) or (
        experiment.problem.target if experiment.problem is not None else None)
    frames, targets, split_labels = [], [], []
    shown = parts[0][0]
    for relative, split_name in parts:
        shown = relative
        frame, target, labels = _read_table(os.path.join(base, relative), relative)
        if target is None:
            if not target_name:
                raise TrainerError(record_path, "nothing names the target: declare data.target_column or problem.target")
            if target_name not in frame.columns:
                listed = ", ".join(map(str, list(frame.columns)[:12]))
                raise TrainerError(relative, f"has no column {target_name!r} (the target named by "
                                             f"data.target_column / problem.target); its columns: {listed}")
            target = frame[target_name].to_numpy()
            frame = frame.drop(columns=[target_name])
        if split_name is not None:
            labels = np.full(len(frame), split_name, dtype=object)
        frames.append(frame)
        targets.append(target)
        split_labels.append(labels)
    features = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    for (relative, _), frame in zip(parts, frames):
        _check_finite(frame, relative)
    target = np.concatenate(targets) if len(targets) > 1 else targets[0]
    split = np.concatenate(split_labels) if all(s is not None for s in split_labels) else None
    groups = None
    if data is not None:
        split = _split_column(features, data.split_column, shown, split)
        groups = _pop_column(features, data.group_column, shown, "data.group_column")
        if data.time_column:
            order = _take_column(features, data.time_column, shown, "data.time_column")
            sort = np.argsort(order, kind="stable")
            features = features.iloc[sort].reset_index(drop=True)
            target = target[sort]
            split = split[sort] if split is not None else None
            groups = groups[sort] if groups is not None else None
    if features.shape[1] == 0:
        raise TrainerError(shown, f"holds no feature column besides the target {target_name or 'y'!r} (and the "
                                  "split, group or time columns): there is nothing to learn from")
    return Dataset(features, target, target_name or "y", split, groups, shown)


def _check_finite(frame, shown: str) -> None:
    """Refuse infinite feature values (Keras would turn them into a NaN loss without a word).

    Raises:
        TrainerError: naming the first column and row holding one (the CSV line: row + 2).
    """
    for column in frame.columns:
        values = frame[column]
        if values.dtype.kind != "f":
            continue
        infinite = np.isinf(values.to_numpy())
        if infinite.any():
            row = int(np.argmax(infinite))
            line = row + 2 if shown.lower().endswith((".csv", ".tsv", ".txt")) else None
            where = "" if line is not None else f" (row {row + 1})"
            raise TrainerError(shown, f"feature {str(column)!r} holds {int(infinite.sum())} infinite value(s){where}; "
                                      "replace or drop them before training", line)


def _pop_column(features, name: str | None, shown: str, field: str) -> np.ndarray | None:
    """The values of the column `name` names, removed from `features` (None when no name)."""
    return _take_column(features, name, shown, field) if name else None


def _take_column(features, name: str, shown: str, field: str) -> np.ndarray:
    if name not in features.columns:
        raise TrainerError(shown, f"has no column {name!r} (named by {field})")
    values = features[name].to_numpy()
    features.drop(columns=[name], inplace=True)
    return values


def _split_column(features, name: str | None, shown: str, split: np.ndarray | None) -> np.ndarray | None:
    values = _pop_column(features, name, shown, "data.split_column")
    if values is None:
        return split
    labels = np.array([SPLIT_ALIASES.get(str(value).strip().lower()) for value in values], dtype=object)
    unknown = sorted({str(v) for v, label in zip(values, labels) if label is None})
    if unknown:
        raise TrainerError(shown, f"column {name!r} (data.split_column) holds {', '.join(unknown[:5])}; "
                                  "expected train, validation or test")
    return labels


def encode_targets(dataset: Dataset, kind: str, record_path: str) -> Targets:
    """Class indices, multi-hot rows or float values, checked against the problem type.

    Raises:
        TrainerError: the labels contradict the problem type.
    """
    raw = dataset.target
    where = f"{dataset.source}: target {dataset.target_name!r}"
    if kind == "multilabel_classification":
        if raw.ndim != 2 or not np.isin(raw, (0, 1)).all():
            raise TrainerError(record_path, f"{where} is not multi-hot (rows of 0/1 per label); "
                                            "problem.type multilabel_classification needs one")
        return Targets(kind, raw.astype("float32"), [])
    if kind in ("regression", "bounded_regression"):
        try:
            values = raw.astype("float32")
        except (TypeError, ValueError):
            raise TrainerError(record_path, f"{where} holds text; problem.type {kind} needs numbers") from None
        if np.isnan(values).any():
            raise TrainerError(record_path, f"{where} has missing values; every row needs a target")
        if kind == "bounded_regression" and (values.min() < 0 or values.max() > 1):
            raise TrainerError(record_path, f"{where} spans [{values.min():g}, {values.max():g}]; "
                                            "bounded_regression needs targets in [0, 1]")
        return Targets(kind, values, [])
    if raw.ndim == 2:  # one-hot rows
        if not np.isin(raw, (0, 1)).all() or (raw.sum(axis=1) != 1).any():
            raise TrainerError(record_path, f"{where} has rows that are not one-hot; {kind} needs one label per row")
        raw = raw.argmax(axis=1)
    if raw.dtype.kind == "f":
        if np.isnan(raw).any():
            raise TrainerError(record_path, f"{where} has missing values; every row needs a label")
        if not np.all(np.mod(raw, 1) == 0):
            raise TrainerError(record_path, f"{where} holds continuous values; problem.type {kind} needs class labels "
                                            "(is this a regression?)")
    classes, values = np.unique(raw.astype(str) if raw.dtype.kind in "OUS" else raw, return_inverse=True)
    if kind == "binary_classification" and len(classes) != 2:
        raise TrainerError(record_path, f"{where} holds {len(classes)} distinct labels; "
                                        "problem.type binary_classification needs exactly 2")
    if kind == "multiclass_classification" and len(classes) < 2:
        raise TrainerError(record_path, f"{where} holds a single label; classification needs at least 2")
    return Targets(kind, values.astype("int64"), [c.item() if hasattr(c, "item") else c for c in classes])
