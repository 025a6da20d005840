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

import csv
import os
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from advisor.errors import InputError
from advisor.locations import Location, join_pointer
from advisor.readers.columns import ColumnData, arrow_column, numpy_column

#: Data files larger than this are refused (the profile would not fit the memory budget).
MAX_DATA_BYTES = 1 << 30
#: Extensions of the data files the advisor reads.
DATA_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet", ".npz": "npz"}
#: CSV block size: fewer, larger blocks than pyarrow's 1 MB default mean less per-block overhead.
CSV_BLOCK_BYTES = 8 << 20

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


def load_data_file(path: str) -> list[DataFile]:
    """Read one data file. NPZ files with split arrays give one DataFile per split.

    Raises:
        InputError: the file is missing, too large, malformed (ragged CSV rows, a corrupt archive,
            arrays of different lengths), or holds no rows.
    """
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
        files = {"csv": _read_csv, "parquet": _read_parquet, "npz": _read_npz}[kind](path)
    except PermissionError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror or exc}") from None
    for data_file in files:
        if data_file.length == 0:
            raise InputError(path, "holds no data rows")
    return files


# --- CSV ---------------------------------------------------------------------------------------

def _read_csv(path: str) -> list[DataFile]:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    delimiter = "\t" if path.lower().endswith(".tsv") else ","
    names, starts = _header(path, delimiter)
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        second = names.index(duplicates[0], names.index(duplicates[0]) + 1)
        raise InputError(path, f"the header names column '{duplicates[0]}' twice; column names must be unique",
                         1, starts[second])
    try:
        table = pcsv.read_csv(path, read_options=pcsv.ReadOptions(block_size=CSV_BLOCK_BYTES),
                              parse_options=pcsv.ParseOptions(delimiter=delimiter),
                              convert_options=pcsv.ConvertOptions(strings_can_be_null=True))
    except pa.ArrowInvalid as exc:
        raise _csv_error(path, str(exc), delimiter, len(names)) from None
    except (OSError, pa.ArrowException) as exc:
        raise InputError(path, f"cannot be read as CSV: {exc}") from None
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


def _header(path: str, delimiter: str) -> tuple[list[str], list[int]]:
    """Column names of the header line and the 1-based character column where each starts."""
    with open(path, "rb") as handle:
        raw = handle.readline(1 << 20)
    try:
        line = raw.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        raise InputError(path, "the header line is not UTF-8 text; save the file as UTF-8", 1) from None
    if not line.strip():
        raise InputError(path, "the first line is empty; expected a header row naming the columns", 1)
    names = next(csv.reader([line], delimiter=delimiter))
    if all(_is_number(name) for name in names):
        raise InputError(path, "the first line holds numbers, not column names; expected a header row "
                               "naming the columns", 1, 1)
    return names, _field_starts(line, delimiter)


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
    return InputError(path, f"cannot be read as CSV: {message.removeprefix('CSV parse error: ')}")


def _first_ragged_row(path: str, delimiter: str, expected: int) -> tuple[int | None, int]:
    """The first line whose field count differs from the header's (slow; only on the error path)."""
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        for row in reader:
            if row and len(row) != expected:
                return reader.line_num, len(row)
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

def _read_parquet(path: str) -> list[DataFile]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path).read()
    except (OSError, pa.ArrowException) as exc:
        raise InputError(path, f"is not a readable Parquet file: {exc}") from None
    columns = {name: arrow_column(name, table.column(name)) for name in table.column_names}
    if len(columns) != table.num_columns:
        raise InputError(path, "names a column twice; column names must be unique")
    pointers = {name: join_pointer("columns", name) for name in columns}
    return [DataFile(path, "parquet", table.num_rows, columns, pointers=pointers)]


# --- NPZ ---------------------------------------------------------------------------------------

def _read_npz(path: str) -> list[DataFile]:
    _check_archive(path)
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
    if any(match and match.group(1).lower() == "x" for match in matrix_names.values()):
        return _npz_xy(path, arrays, matrix_names)
    return [_npz_columns(path, arrays)]


def _check_archive(path: str) -> None:
    """Refuse corrupt archives and members that would expand past the size limit (zip bombs)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(member.file_size for member in members)
            if total > MAX_DATA_BYTES:
                raise InputError(path, f"expands to {total / 2**30:.1f} GiB; NPZ archives over "
                                       f"{MAX_DATA_BYTES // 2**30} GiB uncompressed are refused")
            for member in members:
                _check_member(path, archive, member)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(path, f"is not a readable NPZ (zip) archive: {exc}") from None


def _check_member(path: str, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
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
    declared = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
    if declared > member.file_size:
        raise InputError(path, f"array '{name}' declares {declared} bytes but its member holds {member.file_size}; "
                               "the archive is corrupt")


def _npz_columns(path: str, arrays: dict[str, np.ndarray]) -> DataFile:
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
    x = x.reshape(len(x), -1) if x.ndim != 2 else x
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
        y = y.reshape(len(y), -1) if y.ndim > 2 else y
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
            raise InputError(path, f"feature_names uses the target's name '{sorted(clash)[0]}'")
    return DataFile(path, "npz", len(x), columns, split=split, pointers=pointers,
                    row_pointer=join_pointer(x_name, "rows"), target_names=target_names or None)
