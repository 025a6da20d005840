"""Read an experiment record file (YAML, JSON or TOML) into a validated `Experiment`."""

from __future__ import annotations

import os

from advisor.errors import InputError
from advisor.readers.record_validation import validate_record
from advisor.readers.references import names_files, resolve_references
from advisor.readers.structured import FORMATS, parse, read_text
from advisor.record import Experiment
from advisor.suppression import scan

__all__ = ["read_record", "validate_record"]


def read_record(path: str, text: str | None = None) -> Experiment:
    """Read and validate the record at `path`.

    Args:
        path: The record file; the files it names are read relative to it.
        text: The record's content when it is not (yet) the file's, as `advisor fix` and the
            trainer's `--fix` read an edited copy; None reads the file.

    Raises:
        InputError: when the file cannot be read, parsed or validated.
    """
    fmt = FORMATS.get(os.path.splitext(path)[1].lower())
    if fmt is None:
        raise InputError(path, "unknown record format; expected a .yaml, .yml, .json or .toml file")
    if text is None:
        text = read_text(path)
    data, sources = parse(path, text, fmt)
    if isinstance(data, dict) and names_files(data):
        resolve_references(path, data, sources)
    experiment = validate_record(path, data, sources)
    suppressions = scan(path, text)
    if isinstance(data, dict) and isinstance(data.get("source"), str):
        from advisor.readers.source import script_suppressions  # the script parser: only for records naming one

        suppressions += script_suppressions(path, data["source"])  # comments in the script it names
    return experiment.with_sources(sources, suppressions)


