"""Profile the data of one experiment: per-feature statistics, the target, split sizes, duplicate
rows across splits, single features that predict the target, and time ordering.

One pass over each file's blocks computes every feature's moments and every row's hash (numpy,
vectorised per block of up to 65,536 rows); class codes, feature scores (on a sample), the overlap
and the time order follow from what that pass left behind. Nothing here knows about file formats:
it reads `ColumnData` (advisor/readers/columns.py).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from advisor.errors import InputError
from advisor.readers.columns import NUMERIC_KINDS, TEXT_KINDS, encode_text, every, segments
from advisor.readers.data_files import DataFile
from advisor.readers.feature_scores import (
    MAX_SCORED_CLASSES, MIN_ROWS_PER_BIN, SAMPLE_ROWS, bin_count, correlation, lookup_accuracy, numeric_bins,
)
from advisor.readers.moments import Moments, center
from advisor.readers.overlap import Overlap, RowHasher, RowSet, find_overlap
from advisor.readers.target import Declared, TargetSummary, summarize_target

#: The record's `dtype` for each kind of column.
RECORD_DTYPES = {"float": "float", "int": "int", "bool": "bool", "string": "string", "category": "category",
                 "datetime": "datetime"}
_DESCRIBED = {"float": "numbers", "int": "numbers", "bool": "booleans", "string": "text", "category": "text",
              "datetime": "dates", "unsupported": "values of an unsupported type"}


@dataclass
class Part:
    """Rows of one split: a whole file (`rows` None) or the rows of a file its split column names."""

    split: str | None
    file: DataFile
    rows: np.ndarray | None = None


@dataclass
class FeatureProfile:
    """One feature as the record's `data.features` entry describes it."""

    name: str
    dtype: str | None
    missing: int
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    std: float | None = None
    categories: int | None = None
    distinct: int | None = None
    target_score: float | None = None

    def record_fields(self) -> dict:
        distinct = self.distinct if self.distinct is not None else self.categories
        fields = {"name": self.name, "dtype": self.dtype, "min": self.min, "max": self.max, "mean": self.mean,
                  "std": self.std, "missing": self.missing, "categories": self.categories,
                  "distinct": distinct, "target_score": self.target_score}
        return {key: value for key, value in fields.items() if value is not None}


@dataclass
class Profile:
    """Everything the data says, ready to fill the record."""

    samples: int
    features: list[FeatureProfile]
    target: TargetSummary | None
    split_sizes: dict[str, int] = field(default_factory=dict)
    split_class_counts: dict[str, dict[str, int]] | None = None
    overlap: Overlap | None = None
    time_ordered: bool | None = None


def profile_data(parts: list[Part], features: list[str], targets: list[str], time_column: str | None,
                 declared: Declared, find_duplicates: bool) -> Profile:
    """Profile the files behind `parts`.

    Args:
        parts: The splits (or the one whole dataset) and where their rows are.
        features: Columns to profile as features (present in every file).
        targets: The target column(s) (present in every file), or none.
        time_column: A column that orders rows in time, or None.
        declared: What the record declares about the problem (how to read the target).
        find_duplicates: Hash rows and count held-out rows that also appear in training.

    Raises:
        InputError: a column holds different kinds of values in different files, or the target
            holds no usable labels.
    """
    files = list({id(part.file): part.file for part in parts}.values())
    columns = list(dict.fromkeys(features + targets))
    kinds = _merged_kinds(files, columns + ([time_column] if time_column else []))
    for name, kind in kinds.items():
        if kind in TEXT_KINDS:
            encode_text([f.columns[name] for f in files if f.columns[name].text is not None])
    features = [name for name in features if kinds[name] != "unsupported"]
    hashed = [name for name in columns if kinds[name] != "unsupported"]
    moments = {name: Moments() for name in columns if kinds[name] in NUMERIC_KINDS}
    missing = dict.fromkeys(columns, 0)
    hashes: dict[int, np.ndarray] = {}
    for data_file in files:
        hasher = RowHasher(data_file.length) if find_duplicates else None
        _scan(data_file, hashed, kinds, moments, missing, hasher)
        if hasher is not None:
            hashes[id(data_file)] = hasher.finish()
    for name, column_moments in moments.items():
        if column_moments.needs_centering():
            center(files, name, column_moments)
    target = _target(files, targets, kinds, moments, declared) if targets else None
    profiles = [_feature(name, kinds[name], moments.get(name), missing[name], files) for name in features]
    sample = _Sample(files)
    scores = _scores(sample, files, features, kinds, moments, target, targets)
    for feature in profiles:
        feature.target_score = scores.get(feature.name)
        if feature.name in moments:
            feature.distinct = _few_distinct(sample, files, feature.name, moments[feature.name])
    result = Profile(sum(f.length for f in files), profiles, target)
    _splits(parts, files, target, result)
    if find_duplicates:
        result.overlap = _overlap(parts, hashes, hashed, kinds)
    if time_column:
        result.time_ordered = _time_ordered(files, time_column, kinds[time_column])
    return result


def _merged_kinds(files: list[DataFile], names: list[str]) -> dict[str, str]:
    """The kind of each column across files: numbers mix (float wins), text mixes; nothing else."""
    kinds: dict[str, str] = {}
    for name in names:
        seen: dict[str, DataFile] = {}
        for data_file in files:
            seen.setdefault(data_file.columns[name].kind, data_file)
        found = set(seen) - {"null"}
        if not found:
            kinds[name] = "null"
        elif found <= set(NUMERIC_KINDS):
            kinds[name] = next(k for k in NUMERIC_KINDS if k in found)
        elif found <= set(TEXT_KINDS):
            kinds[name] = "category" if found == {"category"} else "string"
        elif len(found) == 1:
            kinds[name] = found.pop()
        else:
            (first_kind, first_file), (other_kind, other_file) = [(k, f) for k, f in seen.items() if k != "null"][:2]
            location = other_file.column_location(name)
            raise InputError(other_file.path, f"column '{name}' holds {_DESCRIBED[other_kind]} here but "
                             f"{_DESCRIBED[first_kind]} in {first_file.path}; a column needs the same kind of values "
                             "in every file", location.line, location.column)
    return kinds


def _scan(data_file: DataFile, names: list[str], kinds: dict[str, str], moments: dict[str, Moments],
          missing: dict[str, int], hasher: RowHasher | None) -> None:
    """One pass over a file: moments of numeric columns, missing values of the others, row hashes."""
    columns = [data_file.columns[name] for name in names]
    for name, column in zip(names, columns):
        if not column.blocks:
            missing[name] += column.length
    for start, stop, blocks in segments(columns, data_file.length):
        for name, _column, block in zip(names, columns, blocks):
            kind = kinds[name]
            if block is not None:
                if name in moments:
                    moments[name].add(block)
                elif block.valid is not None:
                    missing[name] += len(block.valid) - int(block.valid.sum())
            if hasher is not None:
                hasher.add(start, block, kind, stop - start)


def _feature(name: str, kind: str, moments: Moments | None, missing: int, files: list[DataFile]) -> FeatureProfile:
    feature = FeatureProfile(name, RECORD_DTYPES.get(kind), missing)
    if moments is not None:
        feature.missing = missing + moments.missing
        for key, value in moments.summary().items():
            setattr(feature, key, value)
    elif kind in TEXT_KINDS:
        labels = files[0].columns[name].labels
        feature.categories = 0 if labels is None else len(labels)
    return feature


def _target(files: list[DataFile], targets: list[str], kinds: dict[str, str], moments: dict[str, Moments],
            declared: Declared) -> TargetSummary:
    for name in targets:
        if kinds[name] in ("datetime", "unsupported", "null") or (name in moments and not moments[name].count):
            location = files[0].column_location(name)
            what = "no values" if kinds[name] == "null" or name in moments else _DESCRIBED[kinds[name]]
            raise InputError(files[0].path, f"target column '{name}' holds {what}; expected class labels or numbers",
                             location.line, location.column)
    ranges = [(moments[n].low, moments[n].high) if n in moments else (math.nan, math.nan) for n in targets]
    return summarize_target([[f.columns[n] for n in targets] for f in files], [kinds[n] for n in targets], ranges, declared)


class _Sample:
    """An evenly spaced sample of rows (every k-th row of each file, at most about SAMPLE_ROWS),
    gathered once per column."""

    def __init__(self, files: list[DataFile]):
        self.files = files
        self.step = max(1, math.ceil(sum(f.length for f in files) / SAMPLE_ROWS))
        self.rows = [np.arange(0, f.length, self.step) for f in files]
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def column(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Values and validity of column `name` at the sampled rows."""
        if name not in self._cache:
            pieces = [every(f.columns[name], self.step) for f in self.files]
            self._cache[name] = (np.concatenate([p[0] for p in pieces]), np.concatenate([p[1] for p in pieces]))
        return self._cache[name]


def _scores(sample: _Sample, files: list[DataFile], features: list[str], kinds: dict[str, str],
            moments: dict[str, Moments], target: TargetSummary | None, targets: list[str]) -> dict[str, float | None]:
    """Each feature's target_score, on the sample. Features are scored on every core: the work is
    numpy's, which releases the GIL."""
    if target is None:
        return {}
    score = None
    coding = target.coding()
    if coding is not None and 2 <= len(coding.labels) <= MAX_SCORED_CLASSES:
        classes = np.concatenate([coding.codes_at(number, rows) for number, rows in enumerate(sample.rows)])
        labelled = int((classes >= 0).sum())
        bins = bin_count(labelled)
        class_total = len(coding.labels)

        def score(name: str) -> float | None:
            kind = kinds[name]
            if kind in NUMERIC_KINDS and moments[name].count and math.isfinite(moments[name].high - moments[name].low):
                values, valid = sample.column(name)
                index = numeric_bins(values, valid, moments[name].low, moments[name].high, bins)
                return lookup_accuracy(index, bins + 1, classes, class_total)
            if kind in TEXT_KINDS:
                categories = len(files[0].columns[name].labels or [])
                if 0 < categories <= max(2, labelled // MIN_ROWS_PER_BIN):
                    codes, valid = sample.column(name)
                    return lookup_accuracy(np.where(valid, codes, categories), categories + 1, classes, class_total)
            return _UNSCORED
    elif target.kind == "continuous" and len(targets) == 1 and kinds[targets[0]] in NUMERIC_KINDS:
        y, y_valid = sample.column(targets[0])

        def score(name: str) -> float | None:
            if kinds[name] not in NUMERIC_KINDS:
                return _UNSCORED
            values, valid = sample.column(name)
            return correlation(values, valid, y, y_valid)
    if score is None:
        return {}
    with ThreadPoolExecutor(max_workers=min(len(features), os.cpu_count() or 1) or 1) as pool:
        found = dict(zip(features, pool.map(score, features)))
    return {name: (None if value is None else round(value, 6)) for name, value in found.items() if value is not _UNSCORED}


#: What a feature that cannot be scored gets (its target_score stays unset).
_UNSCORED: Any = object()


def _few_distinct(sample: _Sample, files: list[DataFile], name: str, moments: Moments) -> int | None:
    """1 for a constant column, 2 for a two-valued one (a binary indicator), else None (not
    counted: counting distinct numbers would cost a sort per column). The sample proposes, a pass
    over the column confirms."""
    if not moments.count:
        return None
    low, high = moments.low, moments.high
    if low == high:
        return 1
    values, valid = sample.column(name)
    if not ((values == low) | (values == high) | ~valid).all():
        return None
    for data_file in files:
        for block in data_file.columns[name].blocks:
            present = block.values if block.valid is None else block.values[block.valid]
            if not ((present == low) | (present == high) | np.isnan(present.astype(np.float64))).all():
                return None
    return 2


def _splits(parts: list[Part], files: list[DataFile], target: TargetSummary | None, result: Profile) -> None:
    """Rows per split, and class counts per split for classification."""
    coding = target.coding() if target is not None and target.class_counts is not None else None
    file_number = {id(data_file): number for number, data_file in enumerate(files)}
    per_split: dict[str, dict[str, int]] = {}
    for part in parts:
        if part.split is None:
            continue
        result.split_sizes[part.split] = result.split_sizes.get(part.split, 0) + (
            part.file.length if part.rows is None else len(part.rows))
        if coding is not None:
            number = file_number[id(part.file)]
            if part.rows is None:
                counts = coding.file_counts[number]
            else:
                codes = coding.codes_at(number, part.rows)
                counts = np.bincount(codes[codes >= 0], minlength=len(coding.labels))
            into = per_split.setdefault(part.split, dict.fromkeys(coding.labels, 0))
            for label, count in zip(coding.labels, counts):
                into[label] += int(count)
    if per_split:
        result.split_class_counts = per_split


def _overlap(parts: list[Part], hashes: dict[int, np.ndarray], columns: list[str], kinds: dict[str, str]) -> Overlap | None:
    def row_set(part: Part, split: str) -> RowSet:
        file_hashes = hashes[id(part.file)]
        return RowSet(split, part.file, part.rows, file_hashes if part.rows is None else file_hashes[part.rows])

    train = [row_set(p, p.split) for p in parts if p.split == "train"]
    held_out = [row_set(p, p.split) for p in sorted(parts, key=lambda p: p.split == "test")
                if p.split in ("validation", "test")]
    if not train or not held_out:
        return None
    return find_overlap(train, held_out, columns, kinds)


def _time_ordered(files: list[DataFile], name: str, kind: str) -> bool | None:
    """True when every file's rows are sorted by the time column (missing times skipped). Text is
    compared as text, which orders ISO 8601 dates correctly."""
    if kind == "null":
        return None
    if kind not in NUMERIC_KINDS + TEXT_KINDS + ("datetime",):
        location = files[0].column_location(name)
        raise InputError(files[0].path, f"time column '{name}' holds {_DESCRIBED[kind]}; expected dates, times or "
                                        "numbers", location.line, location.column)
    for data_file in files:
        column = data_file.columns[name]
        rank = None
        if kind in TEXT_KINDS:
            labels = column.labels.to_pylist() if column.labels is not None else []
            rank = np.empty(len(labels), dtype=np.int64)
            rank[sorted(range(len(labels)), key=labels.__getitem__)] = np.arange(len(labels))
        previous = None
        for block in column.blocks:
            values = block.values if block.valid is None else block.values[block.valid]
            if rank is not None:
                values = rank[values]
            elif values.dtype.kind == "f":
                values = values[~np.isnan(values)]
            if not len(values):
                continue
            if (previous is not None and values[0] < previous) or bool((values[1:] < values[:-1]).any()):
                return False
            previous = values[-1]
    return True
