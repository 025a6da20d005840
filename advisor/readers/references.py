"""Fill a record from the files it names: `source` (a training script), `model.file`, `history.file`, `tuning.file`, `data.path` and
`splits.files`. Runs on the parsed data before validation, so record fields win and every value
read from an artifact keeps its position inside that artifact.

Each kind of file is read by its own module, imported only when a record names such a file, so a
record without artifacts pays nothing for them.
"""

from __future__ import annotations

import os
from typing import Any

from advisor.locations import SourceMap


def names_files(data: dict[str, Any]) -> bool:
    """Cheap test: does the record name any file to read?"""
    model, history, dataset, splits = (data.get(k) for k in ("model", "history", "data", "splits"))
    return bool(data.get("source")) or any((
        isinstance(model, dict) and model.get("file"),
        isinstance(history, dict) and history.get("file"),
        isinstance(data.get("tuning"), dict) and data["tuning"].get("file"),
        isinstance(dataset, dict) and dataset.get("path"),
        isinstance(splits, dict) and splits.get("files"),
    ))


def resolve_references(record_path: str, data: dict[str, Any], sources: SourceMap) -> None:
    """Merge what the named files hold into `data` (record fields win) and their positions into
    `sources`. Paths are relative to the record's folder.

    Raises:
        InputError: a named file is missing or unreadable (naming the record line that names it).
    """
    base = os.path.dirname(os.path.abspath(record_path))
    if data.get("source") and not record_path.lower().endswith((".py", ".ipynb")):
        from advisor.readers.source import merge_source_file

        merge_source_file(record_path, base, data, sources)
    model, history, dataset, splits = (data.get(k) for k in ("model", "history", "data", "splits"))
    if isinstance(model, dict) and model.get("file"):
        from advisor.readers.keras import merge_model_file

        merge_model_file(record_path, base, data, sources)
    if isinstance(history, dict) and history.get("file"):
        from advisor.readers.history import merge_history_file

        merge_history_file(record_path, base, data, sources)
    tuning = data.get("tuning")
    if isinstance(tuning, dict) and tuning.get("file"):
        from advisor.readers.tuning import merge_tuning_file

        merge_tuning_file(record_path, base, data, sources)
    if (isinstance(dataset, dict) and dataset.get("path")) or (isinstance(splits, dict) and splits.get("files")):
        from advisor.readers.data import merge_data_files

        merge_data_files(record_path, base, data, sources)
