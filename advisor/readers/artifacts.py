"""Helpers shared by the artifact readers (Keras models, training logs, MLflow stores).

An artifact reader produces one record section (say `model`) as plain data, with a location for
every value it fills, keyed by the value's pointer inside that section. `merge_section` adds such a
section to a record's parsed data before validation, keeping every field the record sets itself.
Named files are resolved against the record's folder, and an artifact that cannot be read is
reported with the record line that names it.
"""

from __future__ import annotations

import contextlib
import math
import os
import stat
import struct
from typing import Any, Iterator

from advisor.errors import InputError
from advisor.locations import Location, SourceMap

#: Pointer inside a record section (e.g. "/layers/0/activation") -> where the value came from.
Locations = dict[str, Location]

MB = 1024 * 1024


def check_size(path: str, limit: int | None, what: str) -> int:
    """Refuse a file larger than `limit` bytes without reading it.

    Args:
        path: The file.
        limit: The largest size accepted, in bytes; None checks only that the file exists.
        what: What the file should be, for the message (e.g. "a Keras model JSON").

    Returns:
        The file's size in bytes.

    Raises:
        InputError: the file is missing, not a regular file, or over the limit.
    """
    from advisor.confine import check_read

    check_read(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except ValueError:  # a NUL character in the path
        raise InputError(path, f"the path holds a NUL character; expected {what}") from None
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror or exc}") from None
    if os.path.isdir(path):
        raise InputError(path, f"is a directory; expected {what}")
    if not stat.S_ISREG(info.st_mode):  # a FIFO would block the read forever
        raise InputError(path, f"is {file_type(info.st_mode)}, not a regular file; expected {what}")
    if limit is not None and info.st_size > limit:
        raise InputError(path, f"is {_size(info.st_size)}, over the {_size(limit)} limit for {what}; refusing to read it")
    return info.st_size


def file_type(mode: int) -> str:
    """What a path that is not a regular file is, for messages ("a FIFO", "a device")."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a directory" if stat.S_ISDIR(mode) else "a special file"


def read_artifact_text(path: str, limit: int, what: str) -> str:
    """Read a UTF-8 text artifact of at most `limit` bytes (checked before reading).

    Raises:
        InputError: the file is missing, too large, empty or not UTF-8 text.
    """
    check_size(path, limit, what)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror or exc}") from None
    if len(raw) > limit:  # the file grew after the size check
        raise InputError(path, f"is over the {_size(limit)} limit for {what}; refusing to read it")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(path, f"is not UTF-8 text; expected {what}", line) from None
    if not text.strip():
        raise InputError(path, f"is empty; expected {what}")
    return text


def _size(count: int) -> str:
    if count >= 1024 * MB:
        return f"{count / (1024 * MB):.1f} GB"
    if count >= MB:
        return f"{count / MB:.0f} MB"
    return f"{count:,} bytes"


def float32_value(value: float) -> float:
    """The shortest decimal that reads back as the same float32.

    Keras keeps hyperparameters such as the learning rate in float32 variables and writes them back
    as doubles (0.001 becomes 0.0010000000474974513); this recovers the value the user wrote.
    """
    if not math.isfinite(value):
        return value
    try:
        target = struct.pack("<f", value)
    except OverflowError:
        return value
    for digits in range(1, 10):
        candidate = float(f"{value:.{digits}g}")
        if struct.pack("<f", candidate) == target:
            return candidate
    return value


def merge_section(data: dict[str, Any], section: str, values: dict[str, Any], locations: Locations,
                  sources: SourceMap) -> None:
    """Add `values` to `data[section]`, keeping every field the record sets (record fields win), and
    add the locations of the added values to `sources` under `/<section>`.

    A field the record sets to null counts as unset. Mappings merge field by field; anything else
    (a list of layers, a loss given by name) is kept whole as the record writes it.
    """
    current = data.get(section)
    if current is None:
        current = data[section] = {}
    if not isinstance(current, dict):
        return  # validation reports the record's own mistake
    added = _merge_missing(current, values, "")
    if not added:
        return
    prefix = "/" + section
    for pointer, location in locations.items():
        if any(pointer == root or pointer.startswith(root + "/") for root in added):
            sources.add(prefix + pointer, location)


def _merge_missing(target: dict[str, Any], extra: dict[str, Any], pointer: str) -> list[str]:
    added: list[str] = []
    for key, value in extra.items():
        child = f"{pointer}/{key}"
        if target.get(key) is None:
            target[key] = value
            added.append(child)
        elif isinstance(target[key], dict) and isinstance(value, dict):
            added.extend(_merge_missing(target[key], value, child))
    return added


def section_sources(path: str, section: str, locations: Locations) -> SourceMap:
    """A SourceMap for a record read from one artifact alone: `/<section>/...` -> locations."""
    sources = SourceMap(path)
    for pointer, location in locations.items():
        sources.add("/" + section + pointer, location)
    return sources


def named_file(record_path: str, base: str, data: dict[str, Any], sources: SourceMap, section: str,
               key: str) -> tuple[str, str]:
    """Resolve the file a record names at `section.key`.

    Returns:
        (path to open, path to show): the second keeps the record path's own style (relative when
        the record was given as a relative path).

    Raises:
        InputError: the value is not a string, or names a file outside the project root (at the
            record line that names it).
    """
    value = data[section][key]
    if not isinstance(value, str):
        location = sources.locate(f"/{section}/{key}")
        raise InputError(record_path, f"{section}.{key}: expected a path (a string), received {type(value).__name__}",
                         location.line, location.column)
    if "\0" in value:
        location = sources.locate(f"/{section}/{key}")
        raise InputError(record_path, f"{section}.{key}: the path holds a NUL character; expected the path of a file",
                         location.line, location.column)
    shown = os.path.normpath(os.path.join(os.path.dirname(record_path), value))
    path = os.path.join(base, value)
    from advisor.confine import check_named

    location = sources.locate(f"/{section}/{key}")
    check_named(path, value, record_path, f"{section}.{key}", location.line, location.column)
    return path, shown


@contextlib.contextmanager
def named_by(record_path: str, sources: SourceMap, pointer: str) -> Iterator[None]:
    """Report an artifact that cannot be read at the record line that names it.

    The message keeps the artifact's own file and position: `experiment.yaml:12:9: model.file:
    model.keras: is not a valid .keras archive ...`.
    """
    try:
        yield
    except InputError as exc:
        raise named_error(record_path, sources, pointer, exc) from None


def named_error(record_path: str, sources: SourceMap, pointer: str, error: InputError) -> InputError:
    """`error` of an artifact, reported at the record line (`pointer`) that names the artifact."""
    location = sources.locate(pointer)
    field = pointer.strip("/").replace("/", ".")
    return InputError(record_path, f"{field}: {error.format(details=False)}", location.line, location.column,
                      error.details)
