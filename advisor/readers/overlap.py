"""Exact duplicate rows between the training split and the validation/test splits.

Every row gets a 64-bit hash of its whole feature+target values (computed block by block while the
profile is taken: `RowHasher`). Rows of validation/test whose hash occurs in training are
candidates; each candidate is then compared with its training row value by value, so a hash
collision never counts as a duplicate. Matching is vectorised and stays in the CPU cache: a bitmap
over the high hash bits of the held-out rows filters the training rows block by block, a bitmap of
the surviving training hashes filters the held-out rows, and a sort of the few survivors pairs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from advisor.readers.columns import SEGMENT_ROWS, Block, gather

if TYPE_CHECKING:
    from advisor.readers.data_files import DataFile

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
#: The bits a missing value hashes to: a missing number hashes like NaN, so null and NaN agree.
_MISSING_NUMBER = np.uint64(0x7FF8000000000000)
_MISSING_CODE = np.uint64(0xA5A5_5A5A_DEAD_BEEF)


class RowHasher:
    """Accumulates one hash per row of a file over the columns fed to it, in a fixed order.

    Args:
        length: Rows in the file.
    """

    def __init__(self, length: int):
        self.hashes = np.zeros(length, dtype=np.uint64)
        self._numbers = np.empty(SEGMENT_ROWS, dtype=np.float64)
        self._integers = np.empty(SEGMENT_ROWS, dtype=np.int64)

    def add(self, start: int, block: Block | None, kind: str, length: int) -> None:
        """Fold one column's values for rows start..start+length into their hashes.

        `kind` is the column's kind across all files (float when any file has floats), so equal
        values hash equally whatever file they came from.
        """
        target = self.hashes[start:start + length]
        target *= _MULTIPLIER
        if block is None:
            target += _MISSING_NUMBER if kind == "float" else _MISSING_CODE
            return
        if kind == "float":  # as float64, with -0.0 turned into 0.0 (+ 0.0)
            bits = np.add(block.values, 0.0, out=self._scratch(self._numbers, length)).view(np.uint64)
            missing = _MISSING_NUMBER
        elif block.values.dtype.itemsize == 8:
            bits = block.values.view(np.uint64)
            missing = _MISSING_CODE
        else:
            scratch = self._scratch(self._integers, length)
            scratch[:] = block.values
            bits = scratch.view(np.uint64)
            missing = _MISSING_CODE
        if block.valid is not None:
            bits = np.where(block.valid, bits, missing)
        target += bits

    def _scratch(self, buffer: np.ndarray, length: int) -> np.ndarray:
        return buffer[:length] if length <= len(buffer) else np.empty(length, dtype=buffer.dtype)

    def finish(self) -> np.ndarray:
        """The row hashes. A last multiplication carries the last column's bits into the high bits,
        which the matching filters on."""
        self.hashes *= _MULTIPLIER
        return self.hashes


@dataclass(frozen=True)
class RowSet:
    """Rows of one split within one file (`rows` None: every row, in order), and their hashes."""

    split: str
    file: "DataFile"
    rows: np.ndarray | None
    hashes: np.ndarray

    def file_rows(self, index: np.ndarray) -> np.ndarray:
        """Rows of the file at positions `index` of this set."""
        return index if self.rows is None else self.rows[index]


@dataclass
class Overlap:
    """Validation/test rows that also appear, value for value, in the training split.

    Args:
        rows: Rows counted (each held-out row once, however many training copies it has).
        by_split: The same count per held-out split.
        first: The first such row: (its file, its 0-based row in that file).
    """

    rows: int
    by_split: dict[str, int]
    first: tuple["DataFile", int] | None


def find_overlap(train: list[RowSet], held_out: list[RowSet], columns: list[str], kinds: dict[str, str]) -> Overlap:
    """Count held-out rows identical to some training row over `columns`."""
    by_split = {part.split: 0 for part in held_out}
    if not train or not held_out:
        return Overlap(0, by_split, None)
    train_hashes = _joined([part.hashes for part in train])
    other_hashes = _joined([part.hashes for part in held_out])
    other_index, train_index = _hash_pairs(train_hashes, other_hashes)
    if len(other_index):
        same = _same_rows(train, train_index, held_out, other_index, columns, kinds)
        retry = ~same
        if retry.any():  # a collision, or a training row duplicated under the same hash: try the others
            same[retry] = _retry(train_hashes, train, held_out, other_hashes, other_index[retry], columns, kinds)
        other_index = other_index[same]
    offsets = _offsets(held_out)
    owners = np.searchsorted(offsets, other_index, side="right") - 1
    first = None
    for number, part in enumerate(held_out):
        local = other_index[owners == number] - offsets[number]
        by_split[part.split] += len(local)
        if len(local) and first is None:
            first = (part.file, int(part.file_rows(local.min())))
    return Overlap(int(len(other_index)), by_split, first)


def _joined(arrays: list[np.ndarray]) -> np.ndarray:
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def _offsets(parts: list[RowSet]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum([len(part.hashes) for part in parts])])[:-1].astype(np.int64)


def _hash_pairs(train_hashes: np.ndarray, other_hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Held-out rows whose hash occurs in training, each with a training row of that hash."""
    empty = np.array([], dtype=np.int64)
    candidates = _filter(train_hashes, other_hashes, skip=0)
    if not len(candidates):
        return empty, empty
    candidate_hashes = train_hashes[candidates]
    others = _filter(other_hashes, candidate_hashes, skip=_FILTER_BITS)  # the next bits down: independent
    if not len(others):
        return empty, empty
    order = np.argsort(candidate_hashes)
    ordered = candidate_hashes[order]
    probes = other_hashes[others]
    position = np.minimum(np.searchsorted(ordered, probes), len(ordered) - 1)
    found = ordered[position] == probes
    return others[found], candidates[order[position[found]]]


#: Bits of the hash a filter table is indexed by, at most (a table that stays in the CPU cache).
_FILTER_BITS = 22


def _filter(hashes: np.ndarray, keys: np.ndarray, skip: int) -> np.ndarray:
    """Positions in `hashes` that agree with some key on the bits below the top `skip` ones (a
    superset of the exact matches)."""
    bits = int(np.clip(len(keys).bit_length() + 4, 10, _FILTER_BITS))
    left, right = np.uint64(skip), np.uint64(64 - bits)
    seen = np.zeros(1 << bits, dtype=bool)
    for start in range(0, len(keys), SEGMENT_ROWS):
        seen[(keys[start:start + SEGMENT_ROWS] << left) >> right] = True
    found = [np.flatnonzero(seen[(hashes[start:start + SEGMENT_ROWS] << left) >> right]) + start
             for start in range(0, len(hashes), SEGMENT_ROWS)]
    return np.concatenate(found) if found else np.array([], dtype=np.int64)


def _same_rows(train: list[RowSet], train_index: np.ndarray, held_out: list[RowSet], other_index: np.ndarray,
               columns: list[str], kinds: dict[str, str]) -> np.ndarray:
    """Compare pairs of rows value by value (missing equals missing)."""
    order = np.argsort(train_index, kind="stable")  # read each side in row order: sort once, not per column
    train_sorted = train_index[order]
    same = np.ones(len(train_index), dtype=bool)
    for name in columns:
        left_sorted, left_valid_sorted = _values(train, train_sorted, name, kinds[name])
        left, left_valid = np.empty_like(left_sorted), np.empty_like(left_valid_sorted)
        left[order], left_valid[order] = left_sorted, left_valid_sorted
        right, right_valid = _values(held_out, other_index, name, kinds[name])
        same &= ((left == right) & left_valid & right_valid) | (~left_valid & ~right_valid)
    return same


def _values(parts: list[RowSet], index: np.ndarray, name: str, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Values of column `name` at positions `index` of the concatenated parts."""
    offsets = _offsets(parts)
    owners = np.searchsorted(offsets, index, side="right") - 1
    values = np.zeros(len(index), dtype=np.float64 if kind == "float" else np.int64)
    valid = np.zeros(len(index), dtype=bool)
    for number, part in enumerate(parts):  # not np.unique: it imports numpy.ma
        where = np.flatnonzero(owners == number)
        if not len(where):
            continue
        part_values, part_valid = gather(part.file.columns[name], part.file_rows(index[where] - offsets[number]))
        values[where] = part_values
        valid[where] = part_valid
    return values, valid


def _retry(train_hashes: np.ndarray, train: list[RowSet], held_out: list[RowSet], other_hashes: np.ndarray,
           other_index: np.ndarray, columns: list[str], kinds: dict[str, str]) -> np.ndarray:
    """For pairs that failed the exact comparison, compare with every training row of that hash."""
    found = np.zeros(len(other_index), dtype=bool)
    for number, other in enumerate(other_index):
        for train_row in np.flatnonzero(train_hashes == other_hashes[other]):
            if _same_rows(train, np.array([train_row]), held_out, np.array([other]), columns, kinds)[0]:
                found[number] = True
                break
    return found
