"""Find the artifacts `advisor init` starts a record from, by the readers' cheap tests only (names
and first bytes; advisor/readers/sniff.py): nothing is parsed here and no user code runs."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from advisor.errors import InputError
from advisor.readers import SKIPPED_DIRS
from advisor.readers import sniff
from advisor.readers.data_files import SPLIT_ALIASES, data_kind

#: The record section (or field) each kind of artifact fills, in the order the record lists them.
ROLES = ("source", "data", "model", "history", "tuning", "mlflow")
_WHAT = ("a Keras model (.keras, model JSON), a training log (CSVLogger CSV, History JSON), a data file "
         "(.csv, .tsv, .parquet, .npz), a training script or notebook (.py, .ipynb), an MLflow run or store, "
         "a KerasTuner project, an Optuna SQLite study or a TensorBoard log folder")


@dataclass
class Found:
    """The artifacts found, by role (see ROLES), each list in the order found (shallowest first)."""

    paths: dict[str, list[str]] = field(default_factory=lambda: {role: [] for role in ROLES})

    def add(self, role: str, path: str) -> None:
        if path not in self.paths[role]:
            self.paths[role].append(path)

    def first(self, role: str) -> str | None:
        return self.paths[role][0] if self.paths[role] else None

    def __bool__(self) -> bool:
        return any(self.paths.values())


def find_artifacts(paths: list[str], skip: str | None = None) -> Found:
    """The artifacts in `paths`: files as given, folders searched (a folder an MLflow store, a
    KerasTuner project or a TensorBoard log claims is one artifact).

    Args:
        paths: The paths given on the command line.
        skip: A file never taken for an artifact (the record being written).

    Raises:
        InputError: a path does not exist, a named file is no artifact `init` reads, or nothing was found.
    """
    found = Found()
    for path in paths:
        if not os.path.exists(path):
            raise InputError(path, "no such file or directory")
        if os.path.isdir(path):
            if not _add_directory(found, path):
                _walk(found, path, skip)
        elif os.path.isfile(path):
            role = _file_role(path, given=True)
            if role is None:
                raise InputError(path, f"is not an artifact `advisor init` reads; expected {_WHAT}")
            found.add(role, path)
        else:
            raise InputError(path, "is not a regular file or a directory; expected " + _WHAT)
    if not found:
        shown = ", ".join(paths)
        raise InputError(shown, f"holds nothing to start a record from; expected {_WHAT}")
    return found


def _add_directory(found: Found, path: str) -> bool:
    """Add a folder that is one artifact; False for a folder to search."""
    if sniff.is_mlflow_run(path) or sniff.is_mlflow_experiment(path) or sniff.is_mlflow_root(path):
        found.add("mlflow", path)
    elif sniff.is_kerastuner_project(path) or sniff.is_tensorboard_logdir(path):
        found.add("tuning", path)
    else:
        return False
    return True


def _walk(found: Found, directory: str, skip: str | None) -> None:
    """Search `directory`, shallowest files first. Hidden folders (`.git`, Jupyter's
    `.ipynb_checkpoints`) are skipped, and a sub-folder holding a record of its own is another
    experiment, left alone."""
    skipped = os.path.realpath(skip) if skip else None
    level = [directory]
    while level:
        below = []
        for folder in level:
            try:
                entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
            except OSError as exc:
                raise InputError(folder, f"cannot be read: {exc.strerror or exc}") from None
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if not entry.name.startswith(".") and entry.name not in SKIPPED_DIRS \
                            and not _add_directory(found, entry.path) and sniff.record_file_in(entry.path) is None:
                        below.append(entry.path)
                elif entry.is_file() and os.path.realpath(entry.path) != skipped:
                    role = _file_role(entry.path, given=False)
                    if role is not None:
                        found.add(role, entry.path)
        level = below


def _file_role(path: str, given: bool) -> str | None:
    """The role of a file, or None when `init` does not read it (records, READMEs, other files).

    Scripts found in a folder count only when they import a training library and fit something;
    an SQLite file found in a folder only under MLflow's usual name or when it holds an Optuna study.
    """
    name = os.path.basename(path).lower()
    if name in sniff.RECORD_FILE_NAMES:
        return None
    if sniff.is_keras_archive(path) or sniff.is_model_json(path):
        return "model"
    if sniff.is_history_json(path) or sniff.is_history_csv(path) or (
            name.endswith(".log") and sniff.starts_with_epoch_column(path)):  # CSVLogger("training.log")
        return "history"
    if data_kind(path) is not None:
        return "data"
    if name.endswith(sniff.SOURCE_SUFFIXES):
        return "source" if (given or sniff.trains_something(path)) else None
    if sniff.is_optuna_storage(path):
        return "tuning"
    if sniff.is_sqlite_store(path) and (given or name in sniff.STORE_FILE_NAMES):
        return "mlflow"
    return None


def split_of_file(path: str) -> str | None:
    """The split a data file's name says it holds (`train.csv`, `wine_test.parquet`), else None."""
    stem = os.path.splitext(os.path.basename(path))[0].lower()
    splits = {SPLIT_ALIASES[word] for word in re.split(r"[^a-z0-9]+", stem) if word in SPLIT_ALIASES}
    return splits.pop() if len(splits) == 1 else None


def split_files(paths: list[str]) -> dict[str, str] | None:
    """Split -> file, when the data files are one training file and held-out files named by split."""
    if len(paths) < 2:
        return None
    splits = [split_of_file(path) for path in paths]
    if None in splits or len(set(splits)) != len(splits) or "train" not in splits:
        return None
    return dict(zip(splits, paths))  # type: ignore[arg-type]
