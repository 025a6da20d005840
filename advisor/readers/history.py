"""Read training logs into the record's `history`: one value per epoch for each metric, under the
names Keras logs (`loss`, `val_loss`, `accuracy`, ...).

Three spellings are read:

- a Keras History JSON, as `json.dump(history.history, f)` writes it (Python writes a diverged loss
  as `NaN`, which is read as NaN); a pandas `DataFrame(history.history).to_json()` also reads;
- a Keras CSVLogger log: `epoch` first, then the metrics. CSVLogger writes `NA` for a metric an
  epoch did not log (every `val_*` column when `fit` had no validation data): a column that is `NA`
  (or empty) throughout was never logged and is left out; a column with some `NA` cells (say
  `val_loss` with `validation_freq=2`) reads them as NaN and lists their epochs in
  `history.not_logged`, so they are not taken for a diverged loss (`nan`);
- an MLflow file-store run directory: its metric series, by step;
- a TensorBoard log folder of Keras' TensorBoard callback (`train/`, `validation/` event files).

Every value keeps its position (line and column in the log) so a finding points at the epoch.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import sys
from typing import Any

from advisor.errors import InputError
from advisor.locations import Location, SourceMap, escape_token
from advisor.readers.artifacts import (
    MB, Locations, merge_section, named_by, named_file, read_artifact_text, section_sources,
)

#: Largest training log accepted (a log of 100,000 epochs of 20 metrics is about 40 MB).
MAX_HISTORY_BYTES = 64 * MB
#: Logs up to this size get a position for every value; larger ones for every metric name only
#: (a finding about an epoch then points at its metric), which keeps reading them fast and small.
MAX_POSITIONED_BYTES = 1 * MB
_WHAT_JSON = "a Keras History JSON ({\"loss\": [...], \"val_loss\": [...], ...})"
_WHAT_CSV = "a Keras CSVLogger log (epoch first, then one column per metric)"
#: Cells Keras' CSVLogger writes for a metric missing in an epoch.
_MISSING_CELLS = {"", "NA", "na", "N/A", "null", "None"}


# --- public entry points ----------------------------------------------------------------------

def read_history_input(path: str) -> list[tuple[str | None, Any]]:
    """Read a training log given alone: a record with only `history`.

    Raises:
        InputError: the log cannot be read.
    """
    from advisor.readers.record_validation import validate_record

    history, locations = read_history_file(path)
    sources = section_sources(path, "history", locations)
    return [(None, validate_record(path, {"history": history}, sources))]


def merge_history_file(record_path: str, base: str, data: dict[str, Any], sources: SourceMap) -> None:
    """Fill the record's `history` from the log named by `history.file` (series the record writes
    inline win).

    Raises:
        InputError: the log is missing or unreadable, reported at the record line naming it.
    """
    path, shown = named_file(record_path, base, data, sources, "history", "file")
    with named_by(record_path, sources, "/history/file"):
        history, locations = read_history_file(path, shown)
    merge_section(data, "history", history, locations, sources)


def read_history_file(path: str, shown: str | None = None) -> tuple[dict[str, Any], Locations]:
    """Read a History JSON, a CSVLogger log or an MLflow run directory.

    Args:
        path: The file (or run directory) to open.
        shown: The path findings name (default: `path`).

    Returns:
        The `history` fields (metric name -> values; `epoch` from a CSV log) and their locations.

    Raises:
        InputError: the log is missing, too large, malformed, or its metrics differ in length.
    """
    shown = shown or path
    if os.path.isdir(path):
        from advisor.readers.mlflow import read_run_history
        from advisor.readers.sniff import is_mlflow_run, is_tensorboard_logdir

        if is_tensorboard_logdir(path):
            from advisor.readers.tensorboard import read_logdir

            sections = read_logdir(path, shown)
            return sections.values["history"], sections.locations["history"]
        if not is_mlflow_run(path):
            raise InputError(shown, "is a directory but not an MLflow run (meta.yaml, metrics/); expected a "
                             "History JSON, a CSVLogger CSV or an MLflow run directory")
        return read_run_history(path, shown)
    if path.lower().endswith((".csv", ".tsv", ".log")):
        return _read_csv(path, shown)
    return _read_json(path, shown)


# --- History JSON -------------------------------------------------------------------------------

def _read_json(path: str, shown: str) -> tuple[dict[str, Any], Locations]:
    text = read_artifact_text(path, MAX_HISTORY_BYTES, _WHAT_JSON)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(shown, f"invalid JSON: {exc.msg}; expected {_WHAT_JSON}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise InputError(shown, f"nested too deeply; expected {_WHAT_JSON}") from None
    except ValueError:  # an integer over Python's digit limit for int conversion
        raise InputError(shown, f"holds a number of more than {sys.get_int_max_str_digits():,} digits; "
                         f"expected {_WHAT_JSON}") from None
    positions = _json_positions(shown, text)
    per_item = len(text) <= MAX_POSITIONED_BYTES
    if not isinstance(data, dict) or not data:
        raise InputError(shown, f"holds no metrics; expected {_WHAT_JSON}", 1, 1)
    history: dict[str, Any] = {}
    locations: Locations = {}
    for name, values in data.items():
        pointer = "/" + escape_token(name)
        where = positions.locate(pointer)
        if isinstance(values, dict):  # pandas' to_json: {"0": 0.69, "1": 0.41, ...}
            values = _indexed(shown, name, values, where)
        if not isinstance(values, list):
            raise InputError(shown, f"'{name}': expected a list of values, one per epoch, received "
                             f"{type(values).__name__}", where.line, where.column)
        series = []
        for index, value in enumerate(values):
            if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool)
                                      or (isinstance(value, int) and abs(value) >= 2 ** 1023)):  # no float holds it
                item = positions.locate(f"{pointer}/{index}")
                found = f"an integer of {len(str(value))} digits" if type(value) is int else repr(value)
                raise InputError(shown, f"'{name}' value {index + 1}: expected a number (or NaN), received "
                                 f"{found}", item.line, item.column)
            series.append(math.nan if value is None else float(value))
            if per_item:
                locations[f"{pointer}/{index}"] = _located(shown, positions, f"{pointer}/{index}")
        history[name] = series
        locations[pointer] = Location(shown, where.line, where.column, pointer)
    _same_lengths(shown, history, locations)
    return _with_epochs(history), locations


def _indexed(shown: str, name: str, values: dict[str, Any], where: Location) -> list[Any]:
    try:
        return [values[key] for key in sorted(values, key=int)]
    except ValueError:
        raise InputError(shown, f"'{name}': expected a list of values (or a mapping of epoch numbers to "
                         "values)", where.line, where.column) from None


def _json_positions(shown: str, text: str) -> SourceMap:
    """Positions of every value of a small log; of the top-level keys only for a large one."""
    from advisor.readers.structured import parse

    if len(text) <= MAX_POSITIONED_BYTES:
        try:
            return parse(shown, text, "json")[1]
        except InputError:
            pass
    positions = SourceMap(shown)
    for match in _JSON_KEY.finditer(text):
        pointer = "/" + escape_token(json.loads(match.group(1)))
        if pointer not in positions:
            start = match.start()
            line = text.count("\n", 0, start) + 1
            positions.add(pointer, Location(shown, line, start - text.rfind("\n", 0, start), pointer))
    return positions


_JSON_KEY = re.compile(r'("(?:[^"\\]|\\.)*")\s*:')


def _located(shown: str, positions: SourceMap, pointer: str) -> Location:
    found = positions.locate(pointer)
    return Location(shown, found.line, found.column, pointer)


def _with_epochs(history: dict[str, Any]) -> dict[str, Any]:
    """A JSON metric called `epoch` holds epoch numbers, not a metric."""
    epochs = history.get("epoch")
    if epochs is not None and all(math.isfinite(v) and v == int(v) for v in epochs):
        history["epoch"] = [int(v) for v in epochs]
    return history


# --- CSVLogger ------------------------------------------------------------------------------------

def _read_csv(path: str, shown: str) -> tuple[dict[str, Any], Locations]:
    text = read_artifact_text(path, MAX_HISTORY_BYTES, _WHAT_CSV)
    lines = text.splitlines()
    delimiter = _delimiter(lines[0])
    rows = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        header = [name.strip() for name in next(rows)]
    except csv.Error as exc:
        raise InputError(shown, f"invalid CSV header: {exc}; expected {_WHAT_CSV}", 1) from None
    if not header or any(not name for name in header) or len(set(header)) != len(header):
        raise InputError(shown, f"the header needs distinct, non-empty column names; expected {_WHAT_CSV}", 1, 1)
    columns = _columns(lines[0], delimiter)
    per_item = len(text) <= MAX_POSITIONED_BYTES
    history: dict[str, list[Any]] = {name: [] for name in header}
    locations: Locations = {}
    for index, name in enumerate(header):
        locations["/" + escape_token(name)] = Location(shown, 1, columns[index] if columns else None, "/" + escape_token(name))
    row_number = 0
    logged: set[str] = set()  # columns with at least one value that is not a missing cell
    unlogged: dict[str, list[int]] = {}  # column -> the epochs whose cell is a missing cell
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(shown, f"invalid CSV: {exc}", rows.line_num) from None
        line = rows.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(header):
            raise InputError(shown, f"row has {len(row)} fields but the header has {len(header)} "
                             f"({', '.join(header)}); every row needs one value per column", line)
        starts = _columns(lines[line - 1], delimiter) if per_item else None
        for index, (name, cell) in enumerate(zip(header, row)):
            if cell.strip() not in _MISSING_CELLS:
                logged.add(name)
            else:
                unlogged.setdefault(name, []).append(row_number)
            try:
                history[name].append(_cell(cell))
            except ValueError:
                starts = _columns(lines[line - 1], delimiter)
                column = starts[index] if starts and len(starts) == len(header) else None
                raise InputError(shown, f"'{name}': expected a number (or nan), received {cell.strip()[:40]!r}",
                                 line, column) from None
            if per_item:
                pointer = f"/{escape_token(name)}/{row_number}"
                column = starts[index] if starts and len(starts) == len(header) else None
                locations[pointer] = Location(shown, line, column, pointer)
        row_number += 1
    if row_number == 0:
        raise InputError(shown, f"holds a header but no epochs; expected {_WHAT_CSV}", 1)
    for name in [name for name in header if name not in logged]:
        _drop(history, locations, name)
    gaps = {name: epochs for name, epochs in unlogged.items() if name in logged and epochs}
    if header[0] == "epoch":
        epochs = history["epoch"]
        if all(value is not None and math.isfinite(value) and value == int(value) for value in epochs):
            history["epoch"] = [int(value) for value in epochs]
    read: dict[str, Any] = dict(history)  # the columns, and the epochs each column left empty
    if gaps:
        read["not_logged"] = gaps
    return read, locations


def _drop(history: dict[str, list[Any]], locations: Locations, name: str) -> None:
    """Leave out a column that logged nothing, with the positions of its cells."""
    del history[name]
    pointer = "/" + escape_token(name)
    for key in [key for key in locations if key == pointer or key.startswith(pointer + "/")]:
        del locations[key]


def _delimiter(header: str) -> str:
    for candidate in (",", "\t", ";"):
        if candidate in header:
            return candidate
    return ","


def _columns(line: str, delimiter: str) -> list[int] | None:
    """1-based start column of each cell, for lines without quoting."""
    if '"' in line:
        return None
    starts, position = [], 1
    for cell in line.split(delimiter):
        starts.append(position)
        position += len(cell) + 1
    return starts


def _cell(cell: str) -> float:
    """A CSVLogger cell as a number; `NA` and empty cells (not logged) are NaN. Raises ValueError
    otherwise."""
    text = cell.strip()
    return math.nan if text in _MISSING_CELLS else float(text)


# --- checks ----------------------------------------------------------------------------------------

def _same_lengths(shown: str, history: dict[str, list[Any]], locations: Locations) -> None:
    lengths = {name: len(values) for name, values in history.items()}
    if len(set(lengths.values())) <= 1:
        return
    longest = max(lengths.values())
    short = next(name for name, n in lengths.items() if n < longest)
    detail = ", ".join(f"{name}: {n}" for name, n in lengths.items())
    where = locations.get("/" + escape_token(short))
    raise InputError(shown, f"the metric lists differ in length ({detail}); a training log has one value per "
                     "epoch for every metric", where.line if where else None, where.column if where else None)
