"""Readers turn every input into experiment records. A rule never opens a file.

`discover` expands the paths a user gives into inputs; `read_input` reads one input into one or
more `(subject, Experiment)` pairs (an MLflow store holds many runs; a record file holds one, with
subject None). Readers for other kinds of input register in `INPUT_KINDS`, most specific first.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from advisor.errors import InputError

if TYPE_CHECKING:  # the record models need pydantic; discovery must not load them
    from advisor.record import Experiment

RECORD_NAMES = ("experiment.yaml", "experiment.yml", "experiment.json", "experiment.toml")
RECORD_SUFFIXES = (".yaml", ".yml", ".json", ".toml")
#: Folders never searched for records.
SKIPPED_DIRS = {".git", ".hg", ".svn", "__pycache__", ".venv", "venv", "node_modules", ".tox", ".mypy_cache", ".pytest_cache"}


@dataclass(frozen=True)
class InputKind:
    """One kind of input: how to recognise it (file or directory) and how to read it."""

    name: str
    matches: Callable[[str], bool]
    read: Callable[[str], list[tuple[str | None, Experiment]]]
    #: When a directory matches, it is read whole instead of being searched for records.
    claims_directory: bool = False


def _read_record_file(path: str) -> list[tuple[str | None, Experiment]]:
    from advisor.readers.record import read_record

    return [(None, read_record(path))]


def _is_record_file(path: str) -> bool:
    return os.path.isfile(path) and path.lower().endswith(RECORD_SUFFIXES)


#: Input kinds, most specific first; the record file is the fallback for text files.
INPUT_KINDS: list[InputKind] = [
    InputKind("record", _is_record_file, _read_record_file),
]


def _lazy(module: str, function: str) -> Callable[[str], list[tuple[str | None, Experiment]]]:
    """A reader whose module is imported only when an input of its kind is read."""

    def read(path: str) -> list[tuple[str | None, Experiment]]:
        import importlib

        return getattr(importlib.import_module(module), function)(path)

    return read


def _artifact_kinds() -> list[InputKind]:
    """Keras models, training logs, MLflow stores and run directories (matchers in `sniff`: cheap)."""
    from advisor.readers import sniff

    return [
        InputKind("run-directory", sniff.is_run_directory, _lazy("advisor.readers.rundir", "read_run_directory"), True),
        InputKind("mlflow-run", sniff.is_mlflow_run, _lazy("advisor.readers.mlflow", "read_file_store"), True),
        InputKind("mlflow-experiment", sniff.is_mlflow_experiment, _lazy("advisor.readers.mlflow", "read_file_store"), True),
        InputKind("mlflow-file-store", sniff.is_mlflow_root, _lazy("advisor.readers.mlflow", "read_file_store"), True),
        InputKind("kerastuner-project", sniff.is_kerastuner_project, _lazy("advisor.readers.tuning", "read_tuning_input"), True),
        InputKind("tensorboard-logdir", sniff.is_tensorboard_logdir, _lazy("advisor.readers.tuning", "read_tuning_input"), True),
        InputKind("optuna-sqlite-storage", sniff.is_optuna_storage, _lazy("advisor.readers.tuning", "read_tuning_input")),
        InputKind("mlflow-sqlite-store", sniff.is_sqlite_store, _lazy("advisor.readers.mlflow", "read_sqlite_store")),
        InputKind("keras-archive", sniff.is_keras_archive, _lazy("advisor.readers.keras", "read_model_input")),
        InputKind("keras-model-json", sniff.is_model_json, _lazy("advisor.readers.keras", "read_model_input")),
        InputKind("keras-history-json", sniff.is_history_json, _lazy("advisor.readers.history", "read_history_input")),
        InputKind("keras-history-csv", sniff.is_history_csv, _lazy("advisor.readers.history", "read_history_input")),
        InputKind("training-source", sniff.is_training_source, _lazy("advisor.readers.script_input", "read_source_input")),
    ]


INPUT_KINDS[:0] = _artifact_kinds()
#: Files found while walking a folder besides records (an MLflow SQLite store).
DISCOVERED_FILE_NAMES = ("mlflow.db",)


def register(kind: InputKind, first: bool = True) -> None:
    """Add an input kind (readers call this on import of `advisor.readers.all`)."""
    if first:
        INPUT_KINDS.insert(0, kind)
    else:
        INPUT_KINDS.append(kind)


def kind_of(path: str) -> InputKind | None:
    for kind in INPUT_KINDS:
        if kind.matches(path):
            return kind
    return None


def discover(paths: list[str]) -> list[str]:
    """Expand user paths into inputs: files as given; directories into the inputs below them.

    Raises:
        InputError: a path does not exist, or a directory holds nothing to read.
    """
    found: list[str] = []
    for path in paths:
        if not os.path.exists(path):
            raise InputError(path, "no such file or directory")
        if os.path.isfile(path):
            found.append(path)
            continue
        if not os.path.isdir(path):  # a FIFO or a device: reading it could block forever
            raise _not_regular(path)
        kind = kind_of(path)
        if kind is not None and kind.claims_directory:
            found.append(path)
            continue
        if _only_mlflow_artifacts(path):  # its runs (and their logged models) are in the database
            found.append(_tracking_database_beside(path))
            continue
        below = list(_walk(path))
        if not below:
            raise InputError(path, "holds nothing to read; expected experiment.{yaml,yml,json,toml} files "
                             "(or a run directory, an MLflow store) below it")
        found.extend(below)
    return found


#: A folder MLflow writes for a database store's artifacts: <experiment id>/<32 hex run id>/artifacts
#: and, for MLflow 3's logged models, <experiment id>/models/m-<32 hex>/artifacts.
_ARTIFACT_PATH = re.compile(r"\d+(/([0-9a-f]{32}|models(/m-[0-9a-f]{32})?)(/artifacts(/.*)?)?)?")


def _tracking_database_beside(artifact_root: str) -> str:
    """The database store whose runs an artifact folder holds: `mlflow.db` beside it, where MLflow
    3 keeps them by default (`sqlite:///mlflow.db` with artifacts under `./mlruns`)."""
    database = os.path.join(os.path.dirname(os.path.normpath(artifact_root)), "mlflow.db")
    if not os.path.isfile(database):
        raise InputError(artifact_root, "holds only MLflow run artifacts; the runs are in the tracking database "
                         "(MLflow 3 keeps them in mlflow.db beside mlruns/ by default): lint the database file")
    return database


def _only_mlflow_artifacts(directory: str) -> bool:
    """Whether a folder holds nothing but the artifact folders MLflow writes beside a database
    store (`mlruns/` next to `mlflow.db`): folders of run ids, no `meta.yaml` of a file store."""
    seen = False
    for root, _dirs, files in os.walk(directory):
        relative = os.path.relpath(root, directory).replace(os.sep, "/")
        if relative == ".":
            if files:
                return False
            continue
        if "meta.yaml" in files or not _ARTIFACT_PATH.fullmatch(relative):
            return False
        seen = seen or relative.count("/") >= 1
    return seen


def _walk(directory: str):
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        keep = []
        for name in dirs:
            if name in SKIPPED_DIRS or _unfinished_run(name):
                continue
            child = os.path.join(root, name)
            if _artifacts_of_database_beside(child):
                continue  # the database beside it is read, artifacts included
            kind = kind_of(child)
            if kind is not None and kind.claims_directory:
                yield child
            else:
                keep.append(name)
        dirs[:] = keep
        for name in sorted(files):
            if _discovered(root, name):
                yield os.path.join(root, name)


def _artifacts_of_database_beside(directory: str) -> bool:
    """An `mlruns/` folder of artifacts next to the `mlflow.db` whose runs own them."""
    return (os.path.basename(directory) == "mlruns" and os.path.isfile(os.path.join(os.path.dirname(directory), "mlflow.db"))
            and _only_mlflow_artifacts(directory))


def _unfinished_run(name: str) -> bool:
    """A hidden `.<name>.<random>.partial` folder: a run directory still being written (or left by
    a run the kernel killed); it is renamed into place when complete, and then read."""
    return name.startswith(".") and name.endswith(".partial")


def _discovered(root: str, name: str) -> bool:
    """Files a folder walk reads: records, SQLite stores, scripts and notebooks that train, and the
    artifacts of a run folder that holds no record (each then lints alone, as when named)."""
    from advisor.readers import sniff

    lowered = name.lower()
    if lowered in RECORD_NAMES or lowered in DISCOVERED_FILE_NAMES:
        return True
    if lowered in sniff.RUN_ARTIFACT_NAMES:
        return sniff.record_file_in(root) is None
    return lowered.endswith(sniff.SOURCE_SUFFIXES) and sniff.trains_something(os.path.join(root, name))


def read_input(path: str) -> list[tuple[str | None, Experiment]]:
    """Read one input into (subject, experiment) pairs.

    Raises:
        InputError: the input cannot be read.
    """
    kind = kind_of(path)
    if kind is None:
        if not os.path.isfile(path) and not os.path.isdir(path):
            raise _not_regular(path)
        raise InputError(path, "unknown kind of input; expected an experiment record (.yaml, .yml, .json, "
                         ".toml), a Keras model (.keras, model JSON), a training log (History JSON, "
                         "CSVLogger CSV), an MLflow store (mlruns/, mlflow.db), a run directory, a KerasTuner "
                         "project folder, an Optuna SQLite study or a TensorBoard log folder")
    return kind.read(path)


def _not_regular(path: str) -> InputError:
    """The error for a path that exists but is neither a regular file nor a directory, or cannot
    be looked at (a folder without search permission)."""
    from advisor.readers.artifacts import file_type

    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return InputError(path, f"cannot be read: {exc.strerror or exc}")
    return InputError(path, f"is {file_type(mode)}, not a regular file or a directory; expected an experiment "
                      "record, an artifact or a directory of them")
