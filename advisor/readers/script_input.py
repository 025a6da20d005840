"""A training script or notebook given alone, read as one record with the files it names.

It sits above both the script reader (`advisor.readers.source`) and the readers of the files a
record names (`advisor.readers.references`), since a script names such files as a record does.
"""

from __future__ import annotations

import sys
from typing import Any

from advisor.escape import escape_control
from advisor.locations import SourceMap
from advisor.readers.record_validation import validate_record
from advisor.readers.references import names_files, resolve_references
from advisor.readers.source import extract


def read_source_input(path: str) -> list[tuple[str | None, Any]]:
    """Read a script or notebook given alone: one record, or none when it trains nothing.

    Raises:
        InputError: the file cannot be read as Python 3 or as a notebook.
    """
    data, locations, suppressions, trains = extract(path)
    if not trains or not data:
        why = ("trains nothing (no Keras or scikit-learn fit found)" if not trains else
               "trains a model, but its settings are computed at run time: nothing to judge statically")
        print(f"advisor: note: {escape_control(path)}: {why}", file=sys.stderr)
        return []
    sources = SourceMap(path)
    for pointer, location in locations.items():
        sources.add(pointer, location)
    if names_files(data):
        resolve_references(path, data, sources)
    return [(None, validate_record(path, data, sources).with_sources(sources, suppressions))]

