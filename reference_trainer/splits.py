"""Split rows as the record declares: train / validation / test by a split column, split files,
fractions or counts (random, stratified, time-ordered or by group), and the K-fold and iterated
K-fold partitions of the rows that are not test rows, with scikit-learn's splitters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reference_trainer.errors import TrainerError


@dataclass
class RowSplit:
    """Row indices of each split (validation and test may be empty)."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "validation": len(self.validation), "test": len(self.test)}


def _count(size, total: int) -> int:
    if size is None:
        return 0
    if isinstance(size, float) and size <= 1:
        return int(round(size * total))
    return int(size)


def split_rows(experiment, labels: np.ndarray | None, groups: np.ndarray | None, split: np.ndarray | None,
               total: int, seed: int, record_path: str) -> RowSplit:
    """The train / validation / test rows.

    Args:
        experiment: The record (splits, protocol).
        labels: Class indices for stratification (None for regression and multilabel).
        groups: Group ids for group splits.
        split: Per-row split labels the data carries, if any.
        total: Number of rows.
        seed: Random state of the shuffles.
        record_path: For messages.

    Raises:
        TrainerError: sizes that do not fit the data, a group split without a group column.
    """
    splits = experiment.splits
    kfold = experiment.protocol is not None and experiment.protocol.type in ("kfold", "iterated_kfold")
    rows = np.arange(total)
    if split is not None:
        result = RowSplit(rows[split == "train"], rows[split == "validation"], rows[split == "test"])
        if len(result.validation) == 0 and splits is not None and splits.validation and not kfold:
            train, validation = _cut(experiment, result.train, _count(splits.validation, total), labels, groups, seed, record_path)
            result = RowSplit(train, validation, result.test)
        return result
    if splits is None:
        return RowSplit(rows, rows[:0], rows[:0])
    test_n = _count(splits.test, total)
    validation_n = _count(splits.validation, total)
    if splits.train is not None and splits.validation is None and splits.test is not None and not kfold:
        validation_n = max(total - test_n - _count(splits.train, total), 0)
    if test_n + validation_n >= total:
        raise TrainerError(record_path, f"splits leave no training rows: validation {validation_n} + test {test_n} "
                                        f"of {total} samples")
    rest, test = _cut(experiment, rows, test_n, labels, groups, seed, record_path)
    train, validation = _cut(experiment, rest, validation_n, labels, groups, seed + 1, record_path)
    return RowSplit(train, validation, test)


def _cut(experiment, rows: np.ndarray, size: int, labels, groups, seed: int, record_path: str) -> tuple[np.ndarray, np.ndarray]:
    """Split `rows` into (kept, held out) with `size` held-out rows, as splits.method says."""
    if size <= 0:
        return rows, rows[:0]
    from sklearn.model_selection import GroupShuffleSplit, train_test_split

    splits = experiment.splits
    method = splits.method or "random"
    if method == "time":
        return rows[:-size], rows[-size:]
    if method == "group":
        if groups is None:
            raise TrainerError(record_path, "splits.method is group but no data.group_column names the groups")
        splitter = GroupShuffleSplit(n_splits=1, test_size=size, random_state=seed)
        kept, held = next(splitter.split(rows, groups=groups[rows]))
        return rows[kept], rows[held]
    shuffle = splits.shuffle if splits.shuffle is not None else True
    stratify = labels[rows] if method == "stratified" and labels is not None and shuffle else None
    try:
        kept, held = train_test_split(rows, test_size=size, shuffle=shuffle, stratify=stratify,
                                      random_state=seed if shuffle else None)
    except ValueError as exc:
        raise TrainerError(record_path, f"splits cannot be drawn as declared: {exc}") from None
    return np.sort(kept), np.sort(held)


def fold_rows(experiment, rows: np.ndarray, labels: np.ndarray | None, groups: np.ndarray | None,
              seed: int, record_path: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, validation) row indices of each fold of the protocol over `rows`.

    Raises:
        TrainerError: fewer than 2 folds, or more folds than rows.
    """
    from sklearn.model_selection import (
        GroupKFold, KFold, RepeatedKFold, RepeatedStratifiedKFold, StratifiedKFold, TimeSeriesSplit,
    )

    protocol = experiment.protocol
    folds = protocol.folds or 5
    if folds < 2 or folds > len(rows):
        raise TrainerError(record_path, f"protocol.folds is {folds}; K-fold needs 2 to {len(rows)} folds")
    method = experiment.splits.method if experiment.splits is not None else None
    shuffle_declared = experiment.splits.shuffle if experiment.splits is not None else None
    stratify = method == "stratified" and labels is not None
    y = labels[rows] if labels is not None else None
    if protocol.type == "iterated_kfold":
        cls = RepeatedStratifiedKFold if stratify else RepeatedKFold
        splitter = cls(n_splits=folds, n_repeats=protocol.repeats or 3, random_state=seed)
    elif method == "group":
        if groups is None:
            raise TrainerError(record_path, "splits.method is group but no data.group_column names the groups")
        splitter = GroupKFold(n_splits=folds)
    elif method == "time":
        splitter = TimeSeriesSplit(n_splits=folds)
    else:
        shuffle = shuffle_declared if shuffle_declared is not None else True
        cls = StratifiedKFold if stratify else KFold
        splitter = cls(n_splits=folds, shuffle=shuffle, random_state=seed if shuffle else None)
    try:
        pieces = list(splitter.split(rows, y, groups[rows] if groups is not None else None))
    except ValueError as exc:
        raise TrainerError(record_path, f"the folds cannot be drawn as declared: {exc}") from None
    return [(rows[train], rows[validation]) for train, validation in pieces]
