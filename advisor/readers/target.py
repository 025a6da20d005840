"""What the target column(s) hold: classes and their counts, or continuous values.

The label encoding follows scikit-learn's `type_of_target` convention: text, booleans and
integer-valued numbers are class labels ("integer" encoding for numbers); numbers with a fractional
part are continuous. A declared regression (`problem.type`, or `problem.labels: continuous`) reads
numbers as continuous. A 2-D NPZ `y` of 0/1 values is one-hot when every row has exactly one 1,
multi-hot otherwise; any other 2-D `y` is a continuous multi-output target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from advisor.readers.columns import TEXT_KINDS, ColumnData

#: Class counts are listed in the record for at most this many classes.
MAX_LISTED_CLASSES = 1000
#: Integer labels spanning at most this range are counted with a table (else by sorting).
_TABLE_RANGE = 1 << 20
CONTINUOUS_TYPES = ("regression", "bounded_regression")
CLASSIFICATION_TYPES = ("binary_classification", "multiclass_classification", "multilabel_classification")


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
        labels: Class labels in code order (classification), else None.
        codes: Per file, the class code of every row (-1 where the target is missing).
        class_counts: Label -> rows, when there are at most MAX_LISTED_CLASSES classes.
    """

    fields: dict[str, Any]
    labels: list[str] | None = None
    codes: list[np.ndarray] | None = None
    class_counts: dict[str, int] | None = None
    kind: str = "continuous"


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
        labels, codes = _text_codes(columns)
        return _classes(labels, codes, None, {"columns": 1})
    numbers = {"min": _finite(low), "max": _finite(high), "columns": 1}
    if kind == "int" or kind == "bool":
        integral = True
    else:
        integral = _integral(columns)
    if declared.continuous or not (integral or declared.classification):
        return TargetSummary({**numbers, "encoding": "continuous"})
    labels, codes = _numeric_codes(columns, low, high, integral)
    return _classes(labels, codes, "integer" if integral else "continuous", numbers)


def _classes(labels: list[str], codes: list[np.ndarray], encoding: str | None, fields: dict[str, Any]) -> TargetSummary:
    counts = sum(np.bincount(c[c >= 0], minlength=len(labels)) for c in codes) if labels else np.zeros(0, dtype=np.int64)
    listed = {label: int(n) for label, n in zip(labels, counts)} if len(labels) <= MAX_LISTED_CLASSES else None
    summary_fields = {**fields, "distinct": len(labels)}
    if encoding:
        summary_fields["encoding"] = encoding
    return TargetSummary(summary_fields, labels, codes, listed, kind="classes")


def _text_codes(columns: list[ColumnData]) -> tuple[list[str], list[np.ndarray]]:
    labels = [str(v) for v in columns[0].labels.to_pylist()] if columns[0].labels is not None else []
    return labels, [_full_codes(column, lambda values, ok: values) for column in columns]


def _full_codes(column: ColumnData, code_of) -> np.ndarray:
    """A code per row of `column` (-1 where missing), from `code_of(values, present)` per block."""
    codes = np.full(column.length, -1, dtype=np.int64)
    for block in column.blocks:
        values = block.values
        present = np.ones(len(values), dtype=bool) if block.valid is None else block.valid.copy()
        if values.dtype.kind == "f":
            present &= ~np.isnan(values)
        block_codes = np.asarray(code_of(values, present), dtype=np.int64)
        codes[block.start:block.start + len(values)] = np.where(present, block_codes, -1)
    return codes


def _integral(columns: list[ColumnData]) -> bool:
    for column in columns:
        for block in column.blocks:
            values = block.values if block.valid is None else block.values[block.valid]
            if not np.array_equal(np.floor(values), values, equal_nan=True):
                return False
    return True


def _numeric_codes(columns: list[ColumnData], low: float, high: float, integral: bool) -> tuple[list[str], list[np.ndarray]]:
    """Class codes for numeric labels: a lookup table for compact integers, else a sort."""
    if integral and math.isfinite(low) and math.isfinite(high) and high - low <= _TABLE_RANGE:
        size = int(high - low) + 1
        offsets = [_full_codes(column, lambda v, ok: np.where(ok, v, low) - low) for column in columns]
        counts = sum(np.bincount(o[o >= 0], minlength=size) for o in offsets)
        present = np.flatnonzero(counts)
        remap = np.full(size + 1, -1, dtype=np.int64)  # the extra last slot maps -1 to -1
        remap[present] = np.arange(len(present))
        return [_label(low + p) for p in present], [remap[o] for o in offsets]
    found = [block.values[(block.valid if block.valid is not None else slice(None))]
             for column in columns for block in column.blocks]
    values = np.concatenate(found).astype(np.float64) if found else np.zeros(0)
    unique = np.unique(values[~np.isnan(values)])
    codes = [_full_codes(column, lambda v, ok: np.searchsorted(unique, np.where(ok, v, unique[0] if len(unique) else 0)))
             for column in columns]
    return [_label(v) for v in unique], codes


def _multi_column(columns_per_file: list[list[ColumnData]], ranges: list[tuple[float, float]], declared: Declared) -> TargetSummary:
    """A 2-D target: one-hot, multi-hot or continuous multi-output."""
    width = len(ranges)
    lows = [low for low, _ in ranges]
    highs = [high for _, high in ranges]
    fields: dict[str, Any] = {"columns": width, "min": _finite(min(lows)), "max": _finite(max(highs))}
    binary = all(low >= 0 and high <= 1 for low, high in ranges) and all(
        _integral(per_file) for per_file in zip(*columns_per_file))
    if declared.continuous or not binary:
        return TargetSummary({**fields, "encoding": "continuous"})
    positives = np.zeros(width, dtype=np.int64)
    rows_with = {"none": 0, "several": 0}
    codes = []
    one_hot = True
    for per_file in columns_per_file:
        length = per_file[0].length
        row_sums = np.zeros(length, dtype=np.int64)
        code = np.full(length, -1, dtype=np.int64)
        for j, column in enumerate(per_file):
            ones = _full_codes(column, lambda v, ok: v) == 1
            positives[j] += int(ones.sum())
            row_sums += ones
            code[ones] = j
        rows_with["several"] += int((row_sums > 1).sum())
        rows_with["none"] += int((row_sums == 0).sum())
        one_hot = one_hot and bool((row_sums == 1).all())
        codes.append(code)
    labels = [str(j) for j in range(width)]
    if one_hot:
        summary = _classes(labels, codes, "one_hot", fields)
        summary.fields["multi_label_rows"] = 0
        return summary
    counts = {label: int(n) for label, n in zip(labels, positives)}
    fields.update(encoding="multi_hot", distinct=width, multi_label_rows=rows_with["several"])
    return TargetSummary(fields, labels, None, counts if width <= MAX_LISTED_CLASSES else None, kind="multi_hot")


def _label(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _finite(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None
