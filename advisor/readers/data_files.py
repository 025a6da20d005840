"""Open the data files a record names (CSV, Parquet, NPZ) as columns of numpy blocks.

CSV is read with `pyarrow.csv` (multithreaded), Parquet with `pyarrow.parquet`, NPZ with numpy
(`allow_pickle=False`: nothing is ever unpickled). Every column remembers where it is in its file
(the CSV header line and character column, or a pointer naming the array/column), and every row
can be located (CSV line, or a row pointer), so a finding names the column or row a user must look
at.

NPZ layouts (decided here, documented in the README):

- X/y arrays: `X` (2-D, samples x features; more dimensions are flattened) and optionally `y`
  (1-D labels or values, or 2-D one-hot / multi-hot / multi-output targets) and `feature_names`
  (1-D text). Split arrays use suffixes, as `keras.datasets` writes them: `x_train`, `y_train`,
  `x_val` (or `_valid`, `_validation`), `x_test`, `y_test`. Names are case-insensitive.
- Named columns: any other NPZ is a table whose columns are its 1-D arrays of equal length
  (`np.savez(path, age=..., income=..., label=...)`); the target is `data.target_column`.
"""

from __future__ import annotations

import collections
import csv
import io
import math
import mmap
import os
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from advisor.errors import InputError
from advisor.locations import Location, join_pointer
from advisor.readers.columns import SEGMENT_ROWS, ColumnData, arrow_column, numpy_column

#: Data files larger than this are refused (the profile would not fit the memory budget).
MAX_DATA_BYTES = 1 << 30
#: Extensions of the data files the advisor reads.
DATA_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet", ".npz": "npz"}
#: CSV block size: fewer, larger blocks than pyarrow's 1 MB default mean less per-block overhead.
CSV_BLOCK_BYTES = 8 << 20
#: Memory the data of one record may take while it is read and profiled (all its files together):
#: with the interpreter and the libraries, a profile then stays under 1 GB.
MAX_DATA_MEMORY = 640 << 20
#: More columns than this are refused: each costs a fixed amount of work and memory, whatever its rows.
MAX_COLUMNS = 20_000
#: The longest CSV header line read.
MAX_HEADER_BYTES = 1 << 20
#: Rows per Parquet batch: memory is counted batch by batch, so a file that expands is refused
#: early; consecutive batches are then joined into blocks of up to SEGMENT_ROWS rows.
PARQUET_BATCH_ROWS = 1024
#: What the messages of a refused data file suggest.
SAMPLE_HINT = "profile a sample of it instead (a file of its first 100,000 rows, or of fewer columns)"

_NPZ_ARRAY = re.compile(r"^(x|y)(?:_(train|training|val|valid|validation|dev|test))?$", re.IGNORECASE)
SPLIT_ALIASES = {
    "train": "train", "training": "train",
    "val": "validation", "valid": "validation", "validation": "validation", "dev": "validation",
    "test": "test", "holdout": "test",
}


@dataclass(eq=False)
class DataFile:
    """One table read from a data file: equal-length columns, with their positions in the file.

    Args:
        path: The file as shown to the user (joined to the record's folder).
        kind: csv, parquet or npz.
        length: Number of rows.
        columns: Column name -> ColumnData, in file order.
        split: train, validation or test when the file itself says (NPZ `x_train` arrays).
        pointers: Column name -> pointer naming the column inside the file.
        header: CSV only: column name -> 1-based character column in the header line.
        row_pointer: Prefix of the pointer naming a row (`/rows`, or `/x_test/rows`).
        target_names: NPZ X/y layout: the columns holding `y` (several for a 2-D `y`).
    """

    path: str
    kind: str
    length: int
    columns: dict[str, ColumnData]
    split: str | None = None
    pointers: dict[str, str] = field(default_factory=dict)
    header: dict[str, int] = field(default_factory=dict)
    row_pointer: str = "/rows"
    target_names: list[str] | None = None

    def column_location(self, name: str) -> Location:
        """Where column `name` is declared: the CSV header cell, or a pointer naming the array."""
        pointer = self.pointers.get(name, join_pointer("columns", name))
        if self.kind == "csv":
            return Location(self.path, 1, self.header.get(name), pointer)
        return Location(self.path, None, None, pointer)

    def row_location(self, row: int) -> Location:
        """Where data row `row` (0-based) is: its CSV line (the header is line 1), or a pointer."""
        pointer = f"{self.row_pointer}/{row}"
        if self.kind == "csv":
            return Location(self.path, row + 2, 1, pointer)
        return Location(self.path, None, None, pointer)

    def file_location(self) -> Location:
        return Location(self.path, 1 if self.kind == "csv" else None, 1 if self.kind == "csv" else None, "")


def data_kind(path: str) -> str | None:
    """csv, parquet or npz, from the file name; None for anything else."""
    return DATA_SUFFIXES.get(os.path.splitext(path)[1].lower())


class MemoryBudget:
    """The memory the data files of one record may take, counted as they are read.

    Each reader first reserves what it will need at most (known before reading: the header of an
    NPZ member, rows times columns of a CSV), then what it holds once read is kept against the
    budget, so the second file of a record is measured against what the first one left.

    Args:
        limit: Bytes the data may take in all.
    """

    def __init__(self, limit: int = MAX_DATA_MEMORY):
        self.limit = limit
        self.used = 0
        self.before = 0  # what the record's files read earlier hold

    def begin(self) -> None:
        """Start counting a new file."""
        self.before = self.used

    def check(self, path: str, needed: int) -> None:
        """Refuse `path` when `needed` more bytes would cross the limit.

        Raises:
            InputError: naming the limit and how to profile a sample instead.
        """
        if self.used + needed > self.limit:
            total = self.used - self.before + needed
            others = f", besides {_mebibytes(self.before)} for the record's other data files" if self.before else ""
            raise InputError(path, f"needs {'about' if self.used == self.before else 'over'} {_mebibytes(total)} of "
                                   f"memory once read{others}, over the {_mebibytes(self.limit)} limit of the data "
                                   f"profile; {SAMPLE_HINT}")

    def keep(self, size: int) -> None:
        """Count `size` bytes the data now holds."""
        self.used += size


def _mebibytes(count: int) -> str:
    return f"{count / (1 << 20):,.0f} MiB"


def _too_many_columns(path: str, count: int) -> InputError:
    return InputError(path, f"has {count:,} columns, over the limit of {MAX_COLUMNS:,}; {SAMPLE_HINT}")


def load_data_file(path: str, budget: MemoryBudget | None = None) -> list[DataFile]:
    """Read one data file. NPZ files with split arrays give one DataFile per split.

    Args:
        path: The file.
        budget: The memory the record's data may still take (a fresh budget when None).

    Raises:
        InputError: the file is missing, too large, malformed (ragged CSV rows, a corrupt archive,
            arrays of different lengths), holds no rows, or would not fit the memory budget.
    """
    budget = budget if budget is not None else MemoryBudget()
    budget.begin()
    kind = data_kind(path)
    if kind is None:
        raise InputError(path, "unknown kind of data file; expected .csv, .tsv, .parquet or .npz")
    from advisor.readers.artifacts import check_size

    size = check_size(path, None, "a CSV, Parquet or NPZ data file")  # missing, a folder, a FIFO
    if size > MAX_DATA_BYTES:
        raise InputError(path, f"is {size / 2**30:.1f} GiB; data files over {MAX_DATA_BYTES // 2**30} GiB are refused "
                               "(profile a sample of it instead)")
    if size == 0:
        raise InputError(path, "is empty; expected a header row and data rows" if kind == "csv" else "is empty")
    try:
        files = {"csv": _read_csv, "parquet": _read_parquet, "npz": _read_npz}[kind](path, budget)
    except PermissionError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror or exc}") from None
    for data_file in files:
        if data_file.length == 0:
            raise InputError(path, "holds no data rows")
    return files


# --- CSV ---------------------------------------------------------------------------------------

def _read_csv(path: str, budget: MemoryBudget) -> list[DataFile]:
    import pyarrow as pa

    delimiter = "\t" if path.lower().endswith(".tsv") else ","
    names, starts = _header(path, delimiter)
    if len(names) > MAX_COLUMNS:
        raise _too_many_columns(path, len(names))
    seen = collections.Counter(names)
    duplicate = next((name for name in names if seen[name] > 1), None)
    if duplicate is not None:
        second = names.index(duplicate, names.index(duplicate) + 1)
        raise InputError(path, f"the header names column '{duplicate}' twice; column names must be unique",
                         1, starts[second])
    # At most 8 bytes a value once parsed (text: its offsets, and its characters, which the file
    # holds), plus the file itself while pyarrow parses it.
    size = os.path.getsize(path)
    lines, nul = _scan_lines(path)
    if nul is not None:
        raise _nul_error(path, nul, names, delimiter)
    budget.check(path, lines * len(names) * 8 + 2 * size)
    try:
        try:
            table = _arrow_csv(path, delimiter, newlines_in_values=False)
        except pa.ArrowInvalid as exc:
            if not _quoted_line_breaks(path, str(exc), delimiter, len(names)):
                raise _csv_error(path, str(exc), delimiter, len(names)) from None
            # Quoted values span lines: pyarrow splits rows at every line break unless told
            # otherwise, which costs its parallel parse, so only such files pay for it.
            table = _arrow_csv(path, delimiter, newlines_in_values=True)
    except pa.ArrowInvalid as exc:
        raise _csv_error(path, str(exc), delimiter, len(names)) from None
    except (OSError, pa.ArrowException) as exc:
        raise InputError(path, f"cannot be read as CSV: {exc}") from None
    budget.keep(table.nbytes)
    columns: dict[str, ColumnData] = {}
    for name in table.column_names:
        chunked = table.column(name)
        if pa.types.is_binary(chunked.type) or pa.types.is_large_binary(chunked.type):
            line = _first_undecodable_line(path)
            raise InputError(path, f"column '{name}' holds text that is not UTF-8; save the file as UTF-8", line)
        columns[name] = arrow_column(name, chunked)
    header = dict(zip(names, starts))
    pointers = {name: join_pointer("columns", name) for name in names}
    return [DataFile(path, "csv", table.num_rows, columns, header=header, pointers=pointers)]


def _arrow_csv(path: str, delimiter: str, newlines_in_values: bool):
    import pyarrow.csv as pcsv

    return pcsv.read_csv(path, read_options=pcsv.ReadOptions(block_size=CSV_BLOCK_BYTES),
                         parse_options=pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=newlines_in_values),
                         convert_options=pcsv.ConvertOptions(strings_can_be_null=True))


def _quoted_line_breaks(path: str, message: str, delimiter: str, expected: int) -> bool:
    """Whether a field-count error of pyarrow comes from quoted values holding line breaks: the
    csv module, which follows quotes across lines, then finds every row complete. pyarrow says
    so itself when a block boundary falls inside such a value."""
    if "newlines_in_values" in message:
        return True
    if not re.search(r"Expected \d+ columns?, got \d+", message):
        return False
    line, _ = _first_ragged_row(path, delimiter, expected)
    return line is None


def _scan_lines(path: str) -> tuple[int, int | None]:
    """Line breaks in the file (an upper bound of its rows) and the offset of its first NUL byte
    (None when it holds none).

    The file is mapped, not read: the counting runs on the page cache's copy, 8 MiB at a time,
    instead of copying every byte into Python first.
    """
    if os.path.getsize(path) == 0:  # an empty file cannot be mapped
        return 1, None
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        nul = mapped.find(b"\0")
        end = len(mapped) if nul < 0 else nul
        data = np.frombuffer(mapped, dtype=np.uint8, count=end)
        count = sum(int(np.count_nonzero(data[start:start + CSV_BLOCK_BYTES] == ord("\n")))
                    for start in range(0, end, CSV_BLOCK_BYTES))
        del data  # the mapping cannot close while an array still views it
    return (count + 1, None) if nul < 0 else (count, nul)


def _nul_error(path: str, offset: int, names: list[str], delimiter: str) -> InputError:
    """A NUL byte at `offset`: no text holds one (pyarrow would keep it inside a value, and every
    category or name shown after would carry it)."""
    line, remaining = 1, offset
    window = min(offset, MAX_HEADER_BYTES)  # the line's start is looked for this far back
    with open(path, "rb") as handle:
        while remaining:
            chunk = handle.read(min(CSV_BLOCK_BYTES, remaining))
            line += chunk.count(b"\n")
            remaining -= len(chunk)
        handle.seek(offset - window)
        before = handle.read(window)
    where, column = "", None
    if b"\n" in before or window == offset:
        prefix = before[before.rfind(b"\n") + 1:].decode("utf-8", errors="replace")
        column = len(prefix) + 1
        field = len(_field_starts(prefix, delimiter)) - 1
        where = f" in column '{names[field]}'" if line > 1 and field < len(names) else ""
    return InputError(path, f"holds a NUL byte{where}; a CSV file holds text, and text holds no NUL: remove it "
                            "(or, if the file is not UTF-8 text, save it as UTF-8)", line, column)


def _header(path: str, delimiter: str) -> tuple[list[str], list[int]]:
    """Column names of the header row and the 1-based character column where each starts.

    Raises:
        InputError: the header is longer than MAX_HEADER_BYTES, not UTF-8, empty, not CSV (a
            field over the csv module's limit), or holds only numbers.
    """
    with open(path, "rb") as handle:
        raw = handle.read(MAX_HEADER_BYTES)
    whole = len(raw) < MAX_HEADER_BYTES  # the read reached the end of the file
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # bad bytes, or a character cut at the end of the read
        text, whole = raw[:exc.start].decode("utf-8-sig"), False
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        names = next(reader, [])
    except csv.Error as exc:  # a field over the csv module's limit
        if "line contains NUL" in str(exc):  # Python 3.10's csv module (3.11+ reads it; the NUL check reports it)
            raise _nul_error(path, raw.find(b"\0"), [], delimiter) from None
        limit = f"{csv.field_size_limit():,}"
        problem = f"a column name longer than {limit} characters" if "field limit" in str(exc) else str(exc)
        raise InputError(path, f"the header row is not valid CSV ({problem}); expected a line of column names",
                         1) from None
    header = "".join(text.splitlines(keepends=True)[:reader.line_num])
    if not whole and not header.endswith(("\n", "\r")):  # the row goes on past what was read
        if len(raw) < MAX_HEADER_BYTES or len(text.encode("utf-8")) < len(raw) - 4:
            raise InputError(path, "the header line is not UTF-8 text; save the file as UTF-8", 1)
        raise InputError(path, f"the header row is longer than {MAX_HEADER_BYTES // (1 << 20)} MiB; expected a line "
                               f"of column names; {SAMPLE_HINT}", 1)
    if not "".join(names).strip():
        raise InputError(path, "the first line is empty; expected a header row naming the columns", 1)
    if all(_is_number(name) for name in names):
        raise InputError(path, "the first line holds numbers, not column names; expected a header row "
                               "naming the columns", 1, 1)
    return names, _field_starts(header.rstrip("\r\n"), delimiter)


def _field_starts(line: str, delimiter: str) -> list[int]:
    """1-based character columns where each field of a CSV line starts (quotes respected)."""
    starts, position, quoted = [1], 0, False
    while position < len(line):
        char = line[position]
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            starts.append(position + 2)
        position += 1
    return starts


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_error(path: str, message: str, delimiter: str, expected: int) -> InputError:
    """Turn a pyarrow parse error into a message with the line at fault."""
    if "Empty CSV file" in message:
        return InputError(path, "is empty; expected a header row and data rows")
    found = re.search(r"Expected (\d+) columns?, got (\d+)", message)
    if found:
        line, fields = _first_ragged_row(path, delimiter, expected)
        got = fields if line is not None else int(found.group(2))
        return InputError(path, f"ragged row: {got} fields where the header has {expected}; every row needs one "
                                "value per column", line)
    if "straddling" in message or "straddles" in message:  # pyarrow's "(try to increase block size)": not the user's
        line, length = _first_long_line(path, CSV_BLOCK_BYTES)
        what = f"a line of {length / 2**20:.0f} MiB" if line is not None else "a row spanning many lines"
        return InputError(path, f"holds {what}; the advisor reads rows of up to {CSV_BLOCK_BYTES >> 20} MiB; "
                                f"{SAMPLE_HINT}", line)
    return InputError(path, f"cannot be read as CSV: {message.removeprefix('CSV parse error: ')}")


def _first_long_line(path: str, limit: int) -> tuple[int | None, int]:
    """The first line longer than `limit` bytes and its length (None: no such line). Read in
    chunks of `limit` bytes: a line inside one chunk is shorter, so only lines crossing chunks count."""
    line, length = 1, 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(limit), b""):
            first = chunk.find(b"\n")
            if first < 0:
                length += len(chunk)
                continue
            if length + first > limit:
                return line, length + first
            line += chunk.count(b"\n")
            length = len(chunk) - chunk.rfind(b"\n") - 1
    return (line, length) if length > limit else (None, length)


def _first_ragged_row(path: str, delimiter: str, expected: int) -> tuple[int | None, int]:
    """The first line whose field count differs from the header's (slow; only on the error path)."""
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            for row in reader:
                if row and len(row) != expected:
                    return reader.line_num, len(row)
        except csv.Error:  # a field over the csv module's limit: the line is not known
            return None, expected
    return None, expected


def _first_undecodable_line(path: str) -> int | None:
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


# --- Parquet -----------------------------------------------------------------------------------

def _read_parquet(path: str, budget: MemoryBudget) -> list[DataFile]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        if parquet.metadata.num_columns > MAX_COLUMNS:
            raise _too_many_columns(path, parquet.metadata.num_columns)
        blocks, pending = [], []
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):  # counted as it expands
            size = _expanded_bytes(batch)
            budget.check(path, size + batch.nbytes)  # the batch, and its copy in a block
            budget.keep(size)
            pending.append(batch)
            if sum(len(item) for item in pending) >= SEGMENT_ROWS:
                blocks.append(pa.concat_batches(pending))
                pending = []
        if pending:
            blocks.append(pa.concat_batches(pending))
        table = pa.Table.from_batches(blocks, schema=parquet.schema_arrow)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(path, f"is not a readable Parquet file: {exc}") from None
    columns = {name: arrow_column(name, table.column(name)) for name in table.column_names}
    if len(columns) != table.num_columns:
        raise InputError(path, "names a column twice; column names must be unique")
    pointers = {name: join_pointer("columns", name) for name in columns}
    return [DataFile(path, "parquet", table.num_rows, columns, pointers=pointers)]


def _expanded_bytes(batch) -> int:
    """The memory a Parquet batch takes once its dictionary columns are expanded (the profile
    reads text as plain strings): a tiny file can hold one long value repeated a million times."""
    import pyarrow as pa
    import pyarrow.compute as pc

    size = batch.nbytes
    for column in batch.columns:
        if pa.types.is_dictionary(column.type) and len(column):
            values = column.dictionary
            lengths = pc.binary_length(values) if pa.types.is_string(values.type) or pa.types.is_binary(values.type) \
                else pa.array([8] * len(values), pa.int64())
            size += (pc.sum(pc.take(lengths, column.indices)).as_py() or 0) + 4 * len(column)
    return size


# --- NPZ ---------------------------------------------------------------------------------------

def _read_npz(path: str, budget: MemoryBudget) -> list[DataFile]:
    declared = _check_archive(path)
    budget.check(path, 2 * declared)  # the arrays, and their columns copied out
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except ValueError as exc:
        if "allow_pickle" in str(exc) or "Object arrays" in str(exc):
            raise InputError(path, "holds Python objects (pickles); the advisor reads numeric and text arrays only "
                                   "and never unpickles") from None
        raise InputError(path, f"is not a readable NPZ file: {exc}") from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise InputError(path, f"is not a readable NPZ file: {exc}") from None
    if not arrays:
        raise InputError(path, "holds no arrays")
    matrix_names = {name: _NPZ_ARRAY.match(name) for name in arrays}
    budget.keep(declared)
    if any(match and match.group(1).lower() == "x" for match in matrix_names.values()):
        return _npz_xy(path, arrays, matrix_names)
    return [_npz_columns(path, arrays)]


def _check_archive(path: str) -> int:
    """Refuse corrupt archives and members that would expand past the size limit (zip bombs).

    Returns:
        The bytes the arrays declare (what loading them takes).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(member.file_size for member in members)
            if total > MAX_DATA_BYTES:
                raise InputError(path, f"expands to {total / 2**30:.1f} GiB; NPZ archives over "
                                       f"{MAX_DATA_BYTES // 2**30} GiB uncompressed are refused")
            return sum(_check_member(path, archive, member) for member in members)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(path, f"is not a readable NPZ (zip) archive: {exc}") from None


def _check_member(path: str, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> int:
    """Read one member's .npy header: refuse pickled objects and arrays larger than the member."""
    name = member.filename.removesuffix(".npy")
    with archive.open(member) as handle:
        try:
            version = np.lib.format.read_magic(handle)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, _, dtype = read_header(handle)
        except ValueError as exc:
            raise InputError(path, f"member '{member.filename}' is not a numpy array: {exc}") from None
    if dtype.hasobject:
        raise InputError(path, f"array '{name}' holds Python objects (pickles); the advisor reads numeric and text "
                               "arrays only and never unpickles")
    declared = math.prod(shape) * dtype.itemsize
    if declared > member.file_size:
        raise InputError(path, f"array '{name}' declares {declared} bytes but its member holds {member.file_size}; "
                               "the archive is corrupt")
    if len(shape) > 1 and math.prod(shape[1:]) > MAX_COLUMNS:
        raise InputError(path, f"array '{name}' has shape {shape}: {math.prod(shape[1:]):,} features a sample, over "
                               f"the limit of {MAX_COLUMNS:,}; {SAMPLE_HINT}")
    return declared


def _npz_columns(path: str, arrays: dict[str, np.ndarray]) -> DataFile:
    if len(arrays) > MAX_COLUMNS:
        raise _too_many_columns(path, len(arrays))
    lengths = {}
    for name, values in arrays.items():
        if values.ndim != 1:
            raise InputError(path, f"array '{name}' has shape {values.shape}; an NPZ of named columns holds 1-D arrays "
                                   "of equal length (or use the X/y layout: arrays 'X' and 'y')")
        lengths[name] = len(values)
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{name}: {n}" for name, n in lengths.items())
        raise InputError(path, f"column arrays differ in length ({detail}); every column needs one value per row")
    columns = {name: numpy_column(name, values) for name, values in arrays.items()}
    pointers = {name: join_pointer(name) for name in arrays}
    return DataFile(path, "npz", next(iter(lengths.values())), columns, pointers=pointers)


def _npz_xy(path: str, arrays: dict[str, np.ndarray], matches: dict[str, Any]) -> list[DataFile]:
    by_split: dict[str | None, dict[str, str]] = {}
    for name, match in matches.items():
        if match:
            split = SPLIT_ALIASES[match.group(2).lower()] if match.group(2) else None
            by_split.setdefault(split, {})[match.group(1).lower()] = name
    names_key = next((name for name in arrays if name.lower() == "feature_names"), None)
    feature_names = [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                     for v in arrays[names_key].tolist()] if names_key else None
    files = []
    for split, keys in by_split.items():
        if "x" not in keys:
            raise InputError(path, f"has array '{keys['y']}' but no matching X array")
        files.append(_npz_split(path, arrays, keys, split, feature_names))
    return files


def _npz_split(path: str, arrays: dict[str, np.ndarray], keys: dict[str, str], split: str | None,
               feature_names: list[str] | None) -> DataFile:
    x_name = keys["x"]
    x = arrays[x_name]
    if x.ndim == 0:
        raise InputError(path, f"array '{x_name}' is a scalar; expected samples x features")
    x = x.reshape(len(x), math.prod(x.shape[1:])) if x.ndim != 2 else x
    if feature_names is not None and len(feature_names) != x.shape[1]:
        raise InputError(path, f"feature_names has {len(feature_names)} names but '{x_name}' has {x.shape[1]} features")
    names = feature_names or [f"x{j}" for j in range(x.shape[1])]
    columns = {name: numpy_column(name, np.ascontiguousarray(x[:, j])) for j, name in enumerate(names)}
    pointers = {name: join_pointer(x_name, "columns", j) for j, name in enumerate(names)}
    target_names: list[str] = []
    if "y" in keys:
        y_name = keys["y"]
        y = arrays[y_name]
        if y.ndim == 0 or len(y) != len(x):
            raise InputError(path, f"'{y_name}' has {y.size if y.ndim == 0 else len(y)} rows but '{x_name}' has {len(x)}; "
                                   "X and y need one row per sample")
        y = y.reshape(len(y), math.prod(y.shape[1:])) if y.ndim > 2 else y
        if y.ndim == 1:
            target_names = ["y"]
            columns["y"] = numpy_column("y", y)
            pointers["y"] = join_pointer(y_name)
        else:
            for j in range(y.shape[1]):
                name = f"y[{j}]"
                target_names.append(name)
                columns[name] = numpy_column(name, np.ascontiguousarray(y[:, j]))
                pointers[name] = join_pointer(y_name, "columns", j)
        clash = set(names) & set(target_names)
        if clash:
            raise InputError(path, f"feature_names uses the target's name '{min(clash)}'")
    return DataFile(path, "npz", len(x), columns, split=split, pointers=pointers,
                    row_pointer=join_pointer(x_name, "rows"), target_names=target_names or None)
