"""Read a run directory as one experiment: the folder the reference trainer writes, holding the
experiment record with `history.csv` and `model.keras` beside it.

The artifacts merge into the record as for any record (record fields win) and findings point into
them. The trainer's record names them (`history.file: history.csv`, `model.file: model.keras`); a
record that leaves one unnamed, and does not describe that section itself (no layers, no logged
series), gets the one beside it, since the folder is the experiment.
"""

from __future__ import annotations

import os
from typing import Any

from advisor.errors import InputError
from advisor.readers.sniff import RECORD_FILE_NAMES, record_file_in

#: The artifacts a run directory holds, by the record section they fill, in order of preference.
BESIDE = (("model", ("model.keras",)), ("history", ("history.csv", "history.json")))


def read_run_directory(path: str) -> list[tuple[str | None, Any]]:
    """Read the run directory at `path` into one experiment.

    Raises:
        InputError: the folder holds no record, or the record or an artifact is unreadable.
    """
    record = record_file_in(path)
    if record is None:
        raise InputError(path, f"is not a run directory: it holds none of {', '.join(RECORD_FILE_NAMES)}")
    return [(None, _record_with_artifacts(record, artifacts_beside(path)))]


def artifacts_beside(directory: str) -> dict[str, str]:
    """Record section -> the artifact file in `directory` that fills it (`model.keras`, the
    history log), for those present."""
    found = {}
    for section, names in BESIDE:
        present = [name for name in names if os.path.isfile(os.path.join(directory, name))]
        if present:
            found[section] = present[0]
    return found


def _record_with_artifacts(record: str, beside: dict[str, str]) -> Any:
    """The record, with the artifacts it leaves unnamed read from beside it."""
    from advisor.readers.record import read_record, validate_record
    from advisor.readers.references import resolve_references
    from advisor.readers.structured import FORMATS, parse, read_text
    from advisor.suppression import scan

    text = read_text(record)
    data, sources = parse(record, text, FORMATS[os.path.splitext(record)[1].lower()])
    unnamed = {section: name for section, name in beside.items()
               if isinstance(data, dict) and _leaves_to_artifact(section, data.get(section))}
    if not unnamed:
        return read_record(record, text)
    for section, name in unnamed.items():
        if data.get(section) is None:
            data[section] = {}
        data[section]["file"] = name
    resolve_references(record, data, sources)
    _locate_sections(sources, os.path.dirname(record), unnamed)
    return validate_record(record, data, sources).with_sources(sources, scan(record, text))


def _leaves_to_artifact(section: str, written: Any) -> bool:
    """Whether the record leaves a section to the artifact beside it: it names no file there and
    does not describe the section itself (a model's layers, a history's series)."""
    if written is None:
        return True
    if not isinstance(written, dict) or written.get("file"):
        return False
    if section == "model":
        return not written.get("layers")
    return not any(key not in ("file", "epoch", "not_logged") for key in written)


def _locate_sections(sources, directory: str, files: dict[str, str]) -> None:
    """Findings about a whole section read from a file beside the record (OF01 on the history)
    point at the top of that file, not at a record line that says nothing about it."""
    from advisor.locations import Location

    for section, name in files.items():
        if f"/{section}" not in sources:
            sources.add(f"/{section}", Location(os.path.join(directory, name), 1, 1, ""))
