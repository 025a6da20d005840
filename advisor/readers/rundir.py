"""Read a run directory as one experiment: the folder the reference trainer writes, holding the
experiment record with `history.csv` and `model.keras` beside it.

The record names its artifacts (`history.file: history.csv`, `model.file: model.keras`), so they
merge into it as for any record (record fields win) and findings point into them.
"""

from __future__ import annotations

from typing import Any

from advisor.errors import InputError
from advisor.readers.sniff import RECORD_FILE_NAMES, record_file_in


def read_run_directory(path: str) -> list[tuple[str | None, Any]]:
    """Read the run directory at `path` into one experiment.

    Raises:
        InputError: the folder holds no record, or the record or an artifact it names is unreadable.
    """
    from advisor.readers.record import read_record

    record = record_file_in(path)
    if record is None:
        raise InputError(path, f"is not a run directory: it holds none of {', '.join(RECORD_FILE_NAMES)}")
    return [(None, read_record(record))]
