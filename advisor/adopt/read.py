"""Read each artifact `advisor init` found with its own reader, so a corrupt one is reported as lint
reports it (one message naming the file), and say how the record names it.

Artifacts the record can name are named by path, relative to the record; what an MLflow database
run logs cannot be named, so its values are copied (as lint would read them from the run).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

from advisor.adopt.found import Found, split_files
from advisor.errors import InputError, reading
from advisor.escape import escape_control


@dataclass
class Named:
    """What the record will hold: fields naming artifacts, values copied, and notes for its header."""

    #: Record section -> fields (`{"model": {"file": "model.keras"}}`, `{"source": "train.py"}`).
    fields: dict[str, Any] = field(default_factory=dict)
    #: Artifacts the record names or copies, relative to the record, for its header.
    origins: list[str] = field(default_factory=list)
    #: One line each: artifacts found but left out (a record names one model, one log, ...).
    notes: list[str] = field(default_factory=list)


def name_artifacts(found: Found, record: str) -> Named:
    """Read the artifacts in `found` and name them in the record to be written at `record`.

    Raises:
        InputError: an artifact cannot be read, or a store holds several runs or studies.
    """
    base = os.path.dirname(os.path.abspath(record))
    named = Named()

    def relative(path: str) -> str:
        return os.path.relpath(os.path.abspath(path), base).replace(os.sep, "/")

    def take(role: str) -> str | None:
        """The first artifact of a role; the others are noted as left out."""
        paths = found.paths[role]
        if role == "source":  # a script over a notebook: notebooks are more often exploration
            paths = sorted(paths, key=lambda path: path.lower().endswith(".ipynb"))
        for other in paths[1:]:
            named.notes.append(f"{relative(other)} is also a {_ROLE_NAMES[role]}; a record names one")
        return paths[0] if paths else None

    script = take("source")
    script_files = _script_files(script) if script is not None else None
    if script is not None and script_files is not None:
        named.fields["source"] = relative(script)
        named.origins.append(relative(script))
        _rebase(script_files, named, relative)
        found = _without(found, script_files, named, relative)
    _name_data(found, named, relative)
    for role, section, reader in (("model", "model", _read_model), ("history", "history", _read_history),
                                  ("tuning", "tuning", _read_tuning)):
        path = take(role)
        if path is not None:
            with reading(path):
                reader(path)
            named.fields.setdefault(section, {})["file"] = relative(path)
            named.origins.append(relative(path))
    store = take("mlflow")
    if store is not None:
        with reading(store):
            _name_mlflow_run(store, named, relative)
    return named


_ROLE_NAMES = {"source": "training script", "data": "data file", "model": "Keras model",
               "history": "training log", "tuning": "tuning artifact", "mlflow": "MLflow store"}


#: Record fields a script fills with the path of a file it reads or writes, by role.
SCRIPT_FILE_FIELDS = {"data": ("data", "path"), "model": ("model", "file"), "history": ("history", "file"),
                      "tuning": ("tuning", "file")}


def _script_files(script: str) -> dict[tuple[str, ...], tuple[str, str]] | None:
    """The files a training script names: record field -> (the path as the script writes it,
    relative to its folder; the path from here). None when it trains nothing it shows statically (a
    note then says it is not named)."""
    from advisor.readers.source import extract

    with reading(script):
        data, _, _, trains = extract(script)
    if not (trains and data):
        print(f"advisor: note: {escape_control(script)}: trains nothing the advisor can read statically; "
              "not named as the record's source", file=sys.stderr)
        return None
    folder = os.path.dirname(script)
    fields: list[tuple[str, ...]] = [(section, key) for section, key in SCRIPT_FILE_FIELDS.values()]
    files = data.get("splits", {}).get("files") if isinstance(data.get("splits"), dict) else None
    fields += [("splits", "files", split) for split in (files if isinstance(files, dict) else ())]
    named: dict[tuple[str, ...], tuple[str, str]] = {}
    for keys in fields:
        value: Any = data
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str):
            named[keys] = (value, os.path.join(folder, value))
    return named


def _rebase(script_files: dict[tuple[str, ...], tuple[str, str]], named: Named, relative) -> None:
    """Name the files the script names relative to the record where the record is not beside the
    script (the script's paths are relative to its own folder)."""
    for keys, (written, path) in script_files.items():
        if relative(path) != written:
            section = named.fields
            for key in keys[:-1]:
                section = section.setdefault(key, {})
            section[keys[-1]] = relative(path)


def _without(found: Found, script_files: dict[tuple[str, ...], tuple[str, str]], named: Named, relative) -> Found:
    """`found` without the roles the script fills itself (the data it reads, the log it writes): the
    script says which file it uses; other files of that role are noted as left out."""
    kept = Found({role: list(paths) for role, paths in found.paths.items()})
    taken = {os.path.abspath(path) for _, path in script_files.values()}
    for role, field_keys in SCRIPT_FILE_FIELDS.items():
        if any(keys[0] == field_keys[0] or (role == "data" and keys[0] == "splits") for keys in script_files):
            for other in kept.paths[role]:
                if os.path.abspath(other) not in taken:
                    named.notes.append(f"{relative(other)} is also a {_ROLE_NAMES[role]}; the script names its own")
            kept.paths[role] = []
    return kept


def _name_data(found: Found, named: Named, relative) -> None:
    """`data.path`, or `splits.files` for files named by split (`train.csv`, `test.csv`)."""
    from advisor.readers.artifacts import check_size

    paths = found.paths["data"]
    by_split = split_files(paths)
    chosen = list(by_split.values()) if by_split else paths[:1]
    for path in chosen:
        # Outside the root, or not a regular file: said here, naming the file. The data itself is
        # read once, when the record is read back, and a malformed file is reported naming itself.
        check_size(path, None, "a CSV, Parquet or NPZ data file")
        named.origins.append(relative(path))
    if by_split:
        named.fields["splits"] = {"files": {split: relative(path) for split, path in by_split.items()}}
    elif paths:
        named.fields["data"] = {"path": relative(paths[0])}
        named.notes += [f"{relative(other)} is also a data file; a record names one (data.path), or one per "
                        "split (splits.files)" for other in paths[1:]]


def _read_model(path: str) -> None:
    from advisor.readers.keras import read_model_file

    read_model_file(path)


def _read_history(path: str) -> None:
    from advisor.readers.history import read_history_file

    read_history_file(path)


def _read_tuning(path: str) -> None:
    from advisor.readers.tuning import read_tuning_artifact

    found = read_tuning_artifact(path)
    if len(found) != 1:
        studies = ", ".join(str(subject) for subject, _ in found)
        raise InputError(path, f"holds {len(found)} studies ({studies}); a record describes one: keep one study "
                         "in the file, or lint the file alone")


def _name_mlflow_run(store: str, named: Named, relative) -> None:
    """Name a file-store run's folder as `history.file` and its logged model as `model.file`, and
    copy the fields it logs under record names (`problem.type`, the autologged optimizer, its
    status); a database run's history is copied too, since a record cannot name it."""
    from advisor.readers.mlflow import run_record

    database = os.path.isfile(store)
    if database:
        from advisor.readers.sqlite_store import sqlite_runs

        runs = sqlite_runs(store)
    else:
        from advisor.readers.file_store import file_store_runs

        runs = file_store_runs(store)
    if len(runs) != 1:
        where = ("lint the database itself, which reads every run" if database else
                 "name its run folder (mlruns/<experiment id>/<run id>)")
        raise InputError(store, f"holds {len(runs)} MLflow runs; a record describes one: {where}")
    run = runs[0]
    logged = run_record(run).model_dump(mode="json", exclude_none=True)
    named.origins.append(f"{relative(store)} (MLflow run {run.run_id})")
    if run.name and "name" not in named.fields:
        named.fields["name"] = run.name
    for section, values in logged.items():
        if section in ("version", "name"):
            continue
        if section == "history" and not database:
            values = {"file": relative(os.path.dirname(run.main))}
        if section == "model" and run.model_files:
            model_file = next((path for path in run.model_files if os.path.isfile(path)), None)
            if model_file is not None:
                values = {"file": relative(model_file), **{k: v for k, v in values.items() if k != "layers"}}
        current = named.fields.get(section)
        if current is None:
            named.fields[section] = values
        elif isinstance(current, dict) and isinstance(values, dict) and section != "history":
            # A model or log found beside the store wins: the run's copy of what that file holds goes.
            kept = {k: v for k, v in values.items() if not ("file" in current and k == "layers")}
            named.fields[section] = {**kept, **current}
