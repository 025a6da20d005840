"""The record fields that name files, and one way to rewrite them all: a record moved to another
folder (a run directory, a record written beside a script, a record given to a callback) keeps
every reference valid only if each of these is rebased."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

#: (section, key) of each field holding one path, relative to the record's folder.
FILE_FIELDS = (("source",), ("data", "path"), ("model", "file"), ("history", "file"), ("tuning", "file"))


def map_file_paths(record: dict[str, Any], move: Callable[[str], str]) -> dict[str, Any]:
    """A copy of `record` with `move` applied to every path it names (`source`, `data.path`,
    `model.file`, `history.file`, `tuning.file` and each of `splits.files`).

    Args:
        record: Plain record data (as parsed, before validation).
        move: Takes a path as the record holds it, returns the path to hold instead.
    """
    record = copy.deepcopy(record)
    for keys in FILE_FIELDS:
        section = record if len(keys) == 1 else record.get(keys[0])
        if isinstance(section, dict) and isinstance(section.get(keys[-1]), str):
            section[keys[-1]] = move(section[keys[-1]])
    splits = record.get("splits")
    if isinstance(splits, dict) and isinstance(splits.get("files"), dict):
        splits["files"] = {name: move(value) if isinstance(value, str) else value
                           for name, value in splits["files"].items()}
    return record


def named_files(experiment: Any) -> list[str]:
    """Every path a validated record names (the fields `map_file_paths` rebases), as written.

    Args:
        experiment: An `advisor.record.Experiment`.

    Returns:
        The paths, relative to the record's folder unless absolute; unset fields are left out.
    """
    names: list[Any] = []
    for keys in FILE_FIELDS:
        node = experiment
        for key in keys:
            node = getattr(node, key, None)
        names.append(node)
    splits = getattr(experiment, "splits", None)
    files = splits.files if splits is not None else None
    if files is not None:
        names += [files.train, files.validation, files.test]
    return [name for name in names if isinstance(name, str) and name]
