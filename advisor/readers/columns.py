"""Columns of a data file as numpy blocks, whatever file they came from.

The profiler and the overlap check work on `ColumnData`: a column's values as a list of numpy blocks
(views of Arrow buffers or of NPZ arrays, never copies of whole columns), each with an optional
validity mask. Text columns are held as Arrow strings until `encode_text` gives every value an
integer code shared by all files of a dataset, so equal strings get equal codes across splits.

Arrow buffers are read through the buffer protocol: `pyarrow.Array.to_numpy` would import pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

#: Kinds of column the profiler knows. "null" holds no value at all; "unsupported" (nested lists,
#: structs, binary, durations) is left out of the profile.
NUMERIC_KINDS = ("float", "int", "bool")
TEXT_KINDS = ("string", "category")
#: Rows per block the profiler processes at once (blocks stay in the CPU cache).
SEGMENT_ROWS = 1 << 16


@dataclass
class Block:
    """Rows `start .. start + len(values)` of a column. `valid` is None when every value is present;
    text columns hold integer codes (see `encode_text`)."""

    start: int
    values: np.ndarray
    valid: np.ndarray | None = None


@dataclass(eq=False)
class ColumnData:
    """One column of one data file.

    Args:
        name: The column name.
        kind: float, int, bool, string, category, datetime, null or unsupported.
        length: Number of rows.
        blocks: The values, in row order.
        text: Text columns before `encode_text`: an Arrow ChunkedArray of strings.
        labels: Text columns after `encode_text`: the code -> value dictionary (an Arrow array).
    """

    name: str
    kind: str
    length: int
    blocks: list[Block] = field(default_factory=list)
    text: Any = None
    labels: Any = None

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS


# --- from Arrow --------------------------------------------------------------------------------

def arrow_column(name: str, chunked: Any) -> ColumnData:
    """A ColumnData over an Arrow ChunkedArray, sharing its memory where the type allows."""
    import pyarrow as pa

    kind = arrow_kind(chunked.type)
    column = ColumnData(name, kind, len(chunked))
    if kind in TEXT_KINDS:
        if pa.types.is_dictionary(chunked.type):
            chunked = chunked.cast(chunked.type.value_type)
        if not pa.types.is_string(chunked.type):
            chunked = chunked.cast(pa.string())
        column.text = chunked
        return column
    if kind in ("null", "unsupported"):
        return column
    if pa.types.is_decimal(chunked.type) or pa.types.is_date64(chunked.type):
        chunked = chunked.cast(pa.float64() if pa.types.is_decimal(chunked.type) else pa.timestamp("ms"))
    start = 0
    for chunk in chunked.chunks:
        if len(chunk):
            values, valid = arrow_values(chunk)
            column.blocks.append(Block(start, values, valid))
        start += len(chunk)
    return column


def arrow_kind(arrow_type: Any) -> str:
    """The profiler's kind of an Arrow type."""
    import pyarrow as pa

    if pa.types.is_boolean(arrow_type):
        return "bool"
    if pa.types.is_integer(arrow_type):
        return "int"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "float"
    if pa.types.is_dictionary(arrow_type):
        return "category"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "string"
    if pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type):
        return "datetime"
    if pa.types.is_null(arrow_type):
        return "null"
    return "unsupported"


def arrow_values(chunk: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Values and validity mask of one Arrow array of a fixed-width type, without copying numbers."""
    import pyarrow as pa

    buffers = chunk.buffers()
    offset, length = chunk.offset, len(chunk)
    valid = _bits(buffers[0], offset, length) if chunk.null_count else None
    if pa.types.is_boolean(chunk.type):
        return _bits(buffers[1], offset, length), valid
    dtype = _numpy_dtype(chunk.type)
    values = np.frombuffer(buffers[1], dtype=dtype, count=length, offset=offset * dtype.itemsize)
    return values, valid


def _numpy_dtype(arrow_type: Any) -> np.dtype:
    import pyarrow as pa

    if pa.types.is_floating(arrow_type):
        return np.dtype(f"float{arrow_type.bit_width}")
    if pa.types.is_timestamp(arrow_type) or pa.types.is_date64(arrow_type):
        return np.dtype(np.int64)
    if pa.types.is_date32(arrow_type):
        return np.dtype(np.int32)
    signed = pa.types.is_signed_integer(arrow_type)
    return np.dtype(f"{'int' if signed else 'uint'}{arrow_type.bit_width}")


def _bits(buffer: Any, offset: int, length: int) -> np.ndarray:
    """An Arrow bitmap (least significant bit first) as a boolean array."""
    raw = np.frombuffer(buffer, dtype=np.uint8, count=(offset + length + 7) // 8)
    return np.unpackbits(raw, count=offset + length, bitorder="little")[offset:].view(bool)


# --- from numpy --------------------------------------------------------------------------------

def numpy_column(name: str, values: np.ndarray) -> ColumnData:
    """A ColumnData over a 1-D numpy array (NPZ files). Text becomes an Arrow string array."""
    kind = numpy_kind(values.dtype)
    column = ColumnData(name, kind, len(values))
    if kind == "string":
        column.text = _arrow_strings(values)
    elif kind == "datetime":
        column.blocks.append(Block(0, values.view(np.int64), values != np.datetime64("NaT")))
    elif kind != "unsupported" and len(values):
        column.blocks.append(Block(0, values))
    return column


def numpy_kind(dtype: np.dtype) -> str:
    if dtype.kind == "b":
        return "bool"
    if dtype.kind in "iu":
        return "int"
    if dtype.kind == "f":
        return "float"
    if dtype.kind in "US":
        return "string"
    if dtype.kind == "M":
        return "datetime"
    return "unsupported"


def _arrow_strings(values: np.ndarray) -> Any:
    """Build an Arrow string array from a numpy text array (pyarrow.array would import pandas)."""
    import pyarrow as pa

    encoded = [v if isinstance(v, bytes) else v.encode("utf-8") for v in values.tolist()]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(v) for v in encoded], out=offsets[1:])
    arrow_type, offset_type = (pa.string(), np.int32) if offsets[-1] < 2**31 else (pa.large_string(), np.int64)
    array = pa.Array.from_buffers(arrow_type, len(encoded),
                                  [None, pa.py_buffer(offsets.astype(offset_type)), pa.py_buffer(b"".join(encoded))])
    return pa.chunked_array([array.cast(pa.string())] if arrow_type != pa.string() else [array])


# --- shared text codes -------------------------------------------------------------------------

def encode_text(columns: list[ColumnData]) -> None:
    """Give the values of same-named text columns of several files one shared code dictionary.

    Fills each column's blocks with int32 codes (nulls masked) and `labels` with the dictionary.
    """
    import pyarrow as pa

    chunks = [chunk for column in columns for chunk in column.text.chunks]
    encoded = pa.chunked_array(chunks, type=pa.string()).dictionary_encode()
    position = 0
    labels = None
    for column in columns:
        start = 0
        for _ in column.text.chunks:
            chunk = encoded.chunk(position)
            position += 1
            labels = chunk.dictionary
            if len(chunk):
                values, valid = arrow_values(chunk.indices)
                column.blocks.append(Block(start, values, valid))
            start += len(chunk)
    for column in columns:
        column.labels = labels
        column.text = None


# --- reading rows ------------------------------------------------------------------------------

def segments(columns: list[ColumnData], length: int, rows: int = SEGMENT_ROWS) -> Iterator[tuple[int, int, list[Block | None]]]:
    """Walk several columns of one file together, in row ranges no longer than `rows`.

    Yields:
        (start, stop, blocks): for each column, a Block holding exactly rows start..stop (a view),
        or None for a column without values.
    """
    layouts = [[(block.start, len(block.values)) for block in column.blocks] for column in columns]
    if layouts and all(layout == layouts[0] for layout in layouts) \
            and all(size <= rows for _, size in layouts[0]) and sum(size for _, size in layouts[0]) == length:
        for aligned in zip(*(column.blocks for column in columns)):  # every column cut alike (CSV, Parquet)
            yield aligned[0].start, aligned[0].start + len(aligned[0].values), list(aligned)
        return
    cuts = {0, length}
    for column in columns:
        cuts.update(block.start for block in column.blocks)
    bounds = sorted(cut for cut in cuts if 0 <= cut <= length)
    cursor = [0] * len(columns)
    for low, high in zip(bounds, bounds[1:]):
        for start in range(low, high, rows):
            stop = min(start + rows, high)
            views: list[Block | None] = []
            for index, column in enumerate(columns):
                blocks = column.blocks
                while cursor[index] < len(blocks) and blocks[cursor[index]].start + len(blocks[cursor[index]].values) <= start:
                    cursor[index] += 1
                if cursor[index] >= len(blocks):
                    views.append(None)
                    continue
                block = blocks[cursor[index]]
                a, b = start - block.start, stop - block.start
                views.append(Block(start, block.values[a:b], None if block.valid is None else block.valid[a:b]))
            yield start, stop, views


def gather(column: ColumnData, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values (float64 for float columns, else int64: integers, codes, times) and validity of
    `column` at `rows`."""
    dtype = np.float64 if column.kind == "float" else np.int64
    values = np.zeros(len(rows), dtype=dtype)
    valid = np.zeros(len(rows), dtype=bool)
    if not column.blocks or not len(rows):
        return values, valid
    ordered = bool((rows[1:] >= rows[:-1]).all())
    order = None if ordered else np.argsort(rows, kind="stable")
    sorted_rows = rows if order is None else rows[order]
    starts = np.array([block.start for block in column.blocks])
    cuts = np.append(np.searchsorted(sorted_rows, starts), len(rows))
    for number, block in enumerate(column.blocks):
        low, high = cuts[number], cuts[number + 1]
        if low == high:
            continue
        local = sorted_rows[low:high] - block.start
        into = slice(low, high) if order is None else order[low:high]
        values[into] = block.values[local]
        valid[into] = True if block.valid is None else block.valid[local]
    if column.kind == "float":
        valid &= ~np.isnan(values)
    return values, valid


def every(column: ColumnData, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Values and validity at rows 0, step, 2 * step, ... (as `gather` returns them), read through
    strided views instead of an index."""
    dtype = np.float64 if column.kind == "float" else np.int64
    length = len(range(0, column.length, step))
    values = np.zeros(length, dtype=dtype)
    valid = np.zeros(length, dtype=bool)
    for block in column.blocks:
        first = -block.start % step
        picked = block.values[first::step]
        if not len(picked):
            continue
        into = slice((block.start + first) // step, (block.start + first) // step + len(picked))
        values[into] = picked
        valid[into] = True if block.valid is None else block.valid[first::step]
    if column.kind == "float":
        valid &= ~np.isnan(values)
    return values, valid
