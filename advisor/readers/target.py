"""What the target column(s) hold: classes and their counts, or continuous values.

The label encoding follows scikit-learn's `type_of_target` convention: text, booleans and
integer-valued numbers are class labels ("integer" encoding for numbers); numbers with a fractional
part are continuous. A declared regression (`problem.type`, or `problem.labels: continuous`) reads
numbers as continuous. A 2-D NPZ `y` of 0/1 values is one-hot when every row has exactly one 1,
multi-hot otherwise; any other 2-D `y` is a continuous multi-output target.

Class codes are computed block by block (never as one array over all rows): counts per file come
from one pass, and `TargetSummary.codes_at` codes any rows on demand (a split's rows, a sample).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

import numpy as np

from advisor.readers.columns import TEXT_KINDS, ColumnData, gather

#: Class counts are listed in the record for at most this many classes.
MAX_LISTED_CLASSES = 1000
#: Integer labels spanning at most this range are counted with a table (else by sorting).
_TABLE_RANGE = 1 << 20
CONTINUOUS_TYPES = ("regression", "bounded_regression")
CLASSIFICATION_TYPES = ("binary_classification", "multiclass_classification", "multilabel_classification")

#: Maps label values (and their validity) to class codes, -1 where missing.
Coder = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Declared:
    """What the record itself says about the target (the data is read in that light)."""

    problem_type: str | None = None
    labels: str | None = None

    @property
    def continuous(self) -> bool:
        return self.problem_type in CONTINUOUS_TYPES or self.labels == "continuous"

    @property
    def classification(self) -> bool:
        return self.problem_type in CLASSIFICATION_TYPES or self.labels in ("integer", "one_hot", "multi_hot")


@dataclass
class TargetSummary:
    """The target as found in the data.

    Args:
        fields: The record's `data.target` profile (distinct, min, max, encoding, columns,
            multi_label_rows), without the unknown ones.
        kind: classes, multi_hot or continuous.
        labels: Class labels in code order (classification), else None.
        file_counts: Per file, rows per class (in label order).
        class_counts: Label -> rows, when there are at most MAX_LISTED_CLASSES classes.
        codes_at: (file number, rows) -> the class code of each row (-1 where missing).
    """

    fields: dict[str, Any]
    kind: str = "continuous"
    labels: list[str] | None = None
    file_counts: list[np.ndarray] | None = None
    class_counts: dict[str, int] | None = None
    codes_at: Callable[[int, np.ndarray], np.ndarray] | None = None

    def coding(self) -> ClassCoding | None:
        """The class coding of a single-label classification target.

        Returns:
            Its labels, per-file class counts and row coder (all three are set together for
            kind "classes"); None for a continuous or multi-hot target.
        """
        if self.kind != "classes" or self.labels is None or self.file_counts is None or self.codes_at is None:
            return None
        return ClassCoding(self.labels, self.file_counts, self.codes_at)


class ClassCoding(NamedTuple):
    """Labels in code order, rows per class for each file, and (file number, rows) -> class codes."""

    labels: list[str]
    file_counts: list[np.ndarray]
    codes_at: Callable[[int, np.ndarray], np.ndarray]


def summarize_target(columns_per_file: list[list[ColumnData]], kinds: list[str], ranges: list[tuple[float, float]],
                     declared: Declared) -> TargetSummary:
    """Summarise the target columns of every file.

    Args:
        columns_per_file: For each file, its target column(s) (one, or several for a 2-D NPZ y).
        kinds: The merged kind of each target column.
        ranges: (min, max) of each numeric target column over all files (NaN when unknown).
        declared: The record's declarations.
    """
    if len(kinds) > 1:
        return _multi_column(columns_per_file, ranges, declared)
    columns = [per_file[0] for per_file in columns_per_file]
    kind = kinds[0]
    low, high = ranges[0]
    if kind in TEXT_KINDS:
        labels = [str(v) for v in columns[0].labels.to_pylist()] if columns[0].labels is not None else []
        return _classes(columns, labels, _text_coder, None, {"columns": 1})
    numbers = {"min": _finite(low), "max": _finite(high), "columns": 1}
    integral = kind in ("int", "bool") or _integral(columns)
    if declared.continuous or not (integral or declared.classification):
        return TargetSummary({**numbers, "encoding": "continuous"})
    file_counts = None
    if integral and math.isfinite(low) and math.isfinite(high) and high - low <= _TABLE_RANGE:
        labels, coder, file_counts = _table_coder(columns, low, high)
    else:
        labels, coder = _sorted_coder(columns)
    return _classes(columns, labels, coder, "integer" if integral else "continuous", numbers, file_counts)


def _classes(columns: list[ColumnData], labels: list[str], coder: Coder, encoding: str | None,
             fields: dict[str, Any], file_counts: list[np.ndarray] | None = None) -> TargetSummary:
    """Count classes per file, block by block (unless the coder already did)."""
    if file_counts is None:
        file_counts = []
        for column in columns:
            counts = np.zeros(len(labels), dtype=np.int64)
            for block in column.blocks:
                codes = coder(block.values, _present(block.values, block.valid))
                counts += np.bincount(codes[codes >= 0], minlength=len(labels))
            file_counts.append(counts)
    return _class_summary(labels, file_counts, encoding, fields,
                          lambda number, rows: coder(*gather(columns[number], rows)))


def _class_summary(labels: list[str], file_counts: list[np.ndarray], encoding: str | None, fields: dict[str, Any],
                   codes_at: Callable[[int, np.ndarray], np.ndarray]) -> TargetSummary:
    totals = sum(file_counts, np.zeros(len(labels), dtype=np.int64))
    listed = {label: int(n) for label, n in zip(labels, totals)} if len(labels) <= MAX_LISTED_CLASSES else None
    summary_fields = {**fields, "distinct": len(labels)}
    if encoding:
        summary_fields["encoding"] = encoding
    return TargetSummary(summary_fields, "classes", labels, file_counts, listed, codes_at)


def _present(values: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
    present = np.ones(len(values), dtype=bool) if valid is None else valid
    if values.dtype.kind == "f":
        present = present & ~np.isnan(values)
    return present


def _text_coder(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    return np.where(present, values, -1).astype(np.int64, copy=False)


def _table_coder(columns: list[ColumnData], low: float, high: float) -> tuple[list[str], Coder, list[np.ndarray]]:
    """Integer labels in a compact range: offset from the minimum, then a lookup table. Also
    returns the rows per class of each file (counted on the way)."""
    size = int(high - low) + 1
    per_file = []
    for column in columns:
        counts = np.zeros(size, dtype=np.int64)
        for block in column.blocks:
            found = np.bincount(_offsets(block.values, _present(block.values, block.valid), low, size))
            counts[:min(len(found), size)] += found[:size]
        per_file.append(counts)
    present = np.flatnonzero(sum(per_file))
    remap = np.full(size + 1, -1, dtype=np.int64)  # the extra last slot is where missing values go
    remap[present] = np.arange(len(present))

    def coder(values: np.ndarray, present_rows: np.ndarray) -> np.ndarray:
        return remap[_offsets(values, present_rows, low, size, missing=size)]

    return [_label(low + p) for p in present], coder, [counts[present] for counts in per_file]


def _offsets(values: np.ndarray, present: np.ndarray, low: float, size: int, missing: int | None = None) -> np.ndarray:
    """values - low as int64; missing values become `missing` (or are dropped when it is None)."""
    if values.dtype.kind in "iub":
        offsets = values.astype(np.int64, copy=False) - np.int64(low)
    else:
        offsets = (np.where(present, values, low) - low).astype(np.int64)
    if missing is None:
        return offsets if present.all() else offsets[present]
    return np.where(present, offsets, missing)


def _sorted_coder(columns: list[ColumnData]) -> tuple[list[str], Coder]:
    """Any other labels (wide integers, fractions read as classes): the sorted distinct values."""
    found = [block.values[_present(block.values, block.valid)] for column in columns for block in column.blocks]
    unique = np.unique(np.concatenate(found).astype(np.float64)) if found else np.zeros(0)

    def coder(values: np.ndarray, present: np.ndarray) -> np.ndarray:
        if not len(unique):
            return np.full(len(values), -1, dtype=np.int64)
        return np.where(present, np.searchsorted(unique, np.where(present, values, unique[0])), -1)

    return [_label(v) for v in unique], coder


def _integral(columns: list[ColumnData]) -> bool:
    for column in columns:
        for block in column.blocks:
            values = block.values if block.valid is None else block.values[block.valid]
            if not np.array_equal(np.floor(values), values, equal_nan=True):
                return False
    return True


def _multi_column(columns_per_file: list[list[ColumnData]], ranges: list[tuple[float, float]],
                  declared: Declared) -> TargetSummary:
    """A 2-D target (NPZ `y` with several columns): one-hot, multi-hot or continuous multi-output."""
    width = len(ranges)
    fields: dict[str, Any] = {"columns": width, "min": _finite(min(low for low, _ in ranges)),
                              "max": _finite(max(high for _, high in ranges))}
    binary = all(low >= 0 and high <= 1 for low, high in ranges) and all(
        _integral(list(per_column)) for per_column in zip(*columns_per_file))
    if declared.continuous or not binary:
        return TargetSummary({**fields, "encoding": "continuous"})
    positives = np.zeros(width, dtype=np.int64)
    several = 0
    codes = []
    for per_file in columns_per_file:
        ones = np.column_stack([gather(column, np.arange(column.length))[0] == 1 for column in per_file])
        positives += ones.sum(axis=0)
        row_sums = ones.sum(axis=1)
        several += int((row_sums > 1).sum())
        codes.append(np.where(row_sums == 1, ones.argmax(axis=1), -1))
    labels = [str(j) for j in range(width)]
    if all((code >= 0).all() for code in codes):
        file_counts = [np.bincount(code, minlength=width) for code in codes]
        summary = _class_summary(labels, file_counts, "one_hot", fields, lambda number, rows: codes[number][rows])
        summary.fields["multi_label_rows"] = 0
        return summary
    counts = {label: int(n) for label, n in zip(labels, positives)}
    fields.update(encoding="multi_hot", distinct=width, multi_label_rows=several)
    return TargetSummary(fields, "multi_hot", labels, None, counts if width <= MAX_LISTED_CLASSES else None)


def _label(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _finite(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None
