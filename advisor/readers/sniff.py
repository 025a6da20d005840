"""Cheap tests that recognise an input's kind: Keras models, training logs, MLflow stores and run
directories.

They run for every path `advisor lint` is given and every folder it walks, so they only look at
names, a few file-system entries and the first bytes of a file; they never parse a whole file and
import nothing beyond the standard library.
"""

from __future__ import annotations

import os
import re

#: Bytes read from the start of a file to recognise it.
HEAD_BYTES = 4096
RECORD_FILE_NAMES = ("experiment.yaml", "experiment.yml", "experiment.json", "experiment.toml")
#: Files beside a record that make its folder a run directory (as the reference trainer writes it).
RUN_ARTIFACT_NAMES = ("history.csv", "history.json", "model.keras")
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
#: SQLite stores found while walking a folder (any name is accepted when given explicitly).
STORE_FILE_NAMES = ("mlflow.db",)
SQLITE_MAGIC = b"SQLite format 3\x00"

_FIRST_KEY = re.compile(rb'^\s*\{\s*"((?:[^"\\]|\\.)*)"\s*:\s*(.)', re.DOTALL)
#: The record's top-level sections (advisor.record.Experiment's fields; a test keeps them equal).
#: Spelled out so that sniffing an input does not load pydantic.
_RECORD_SECTIONS = frozenset({
    "version", "name", "description", "source", "problem", "data", "splits", "protocol", "metric", "baseline",
    "model", "history", "tuning", "final", "run",
})


def head(path: str, count: int = HEAD_BYTES) -> bytes:
    """The first `count` bytes of a file; empty when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read(count)
    except OSError:
        return b""


def _first_key(path: str) -> tuple[str, str] | None:
    """The first key of a JSON object file and the first character of its value."""
    match = _FIRST_KEY.match(head(path).lstrip(b"\xef\xbb\xbf"))
    if match is None:
        return None
    return match.group(1).decode("utf-8", "replace"), match.group(2).decode("ascii", "replace")


# --- files ----------------------------------------------------------------------------------

def is_keras_archive(path: str) -> bool:
    """A `.keras` archive (zip: config.json, metadata.json, model.weights.h5)."""
    return path.lower().endswith(".keras") and os.path.isfile(path)


def is_model_json(path: str) -> bool:
    """A Keras model JSON (`model.to_json()`): an object that starts with `module` or `class_name`."""
    if not (path.lower().endswith(".json") and os.path.isfile(path)):
        return False
    found = _first_key(path)
    return found is not None and found[0] in ("module", "class_name")


def is_history_json(path: str) -> bool:
    """A Keras History JSON (`json.dump(history.history)`): metric names mapped to lists."""
    if not (path.lower().endswith(".json") and os.path.isfile(path)):
        return False
    found = _first_key(path)
    return found is not None and found[0] not in _RECORD_SECTIONS and found[1] in "[{"


def is_history_csv(path: str) -> bool:
    """A Keras CSVLogger log: a CSV whose first column is `epoch`."""
    return path.lower().endswith(".csv") and os.path.isfile(path) and starts_with_epoch_column(path)


def starts_with_epoch_column(path: str) -> bool:
    """Whether a file's first line starts with an `epoch` column, as CSVLogger writes it (also to
    `training.log`, the name Keras' own examples give it)."""
    first = head(path, 256).lstrip(b"\xef\xbb\xbf")
    return re.match(rb'\s*"?epoch"?\s*[,;\t\r\n]', first) is not None


def is_sqlite_store(path: str) -> bool:
    """An MLflow SQLite store given by name (`mlflow.db`, or any `.db`/`.sqlite` file)."""
    return path.lower().endswith(SQLITE_SUFFIXES) and os.path.isfile(path)


# --- directories ----------------------------------------------------------------------------

def _meta(directory: str) -> str:
    path = os.path.join(directory, "meta.yaml")
    return head(path).decode("utf-8", "replace") if os.path.isfile(path) else ""


def _has_key(meta: str, key: str) -> bool:
    return re.search(rf"^{key}:", meta, re.MULTILINE) is not None


def is_mlflow_run(path: str) -> bool:
    """An MLflow file-store run: `meta.yaml` with a run id, and metrics/, params/ or tags/."""
    if not os.path.isdir(path):
        return False
    meta = _meta(path)
    if not (_has_key(meta, "run_id") or _has_key(meta, "run_uuid")):
        return False
    return any(os.path.isdir(os.path.join(path, name)) for name in ("metrics", "params", "tags"))


def is_mlflow_experiment(path: str) -> bool:
    """An MLflow file-store experiment: `meta.yaml` with an experiment id and an artifact location."""
    if not os.path.isdir(path):
        return False
    meta = _meta(path)
    return (_has_key(meta, "experiment_id") and _has_key(meta, "artifact_location")
            and not _has_key(meta, "run_id") and not _has_key(meta, "model_id"))


def is_mlflow_root(path: str) -> bool:
    """An MLflow file store's root (`mlruns/`): a folder of experiment folders."""
    if not os.path.isdir(path):
        return False
    if os.path.basename(os.path.normpath(path)) != "mlruns" and not os.path.isdir(os.path.join(path, ".trash")):
        return False
    return bool(experiment_dirs(path))


def experiment_dirs(root: str) -> list[str]:
    """The experiment folders of an MLflow file store's root, in name order."""
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return []
    return [os.path.join(root, name) for name in names
            if not name.startswith(".") and is_mlflow_experiment(os.path.join(root, name))]


def record_file_in(directory: str) -> str | None:
    """The experiment record directly inside `directory`, if any."""
    for name in RECORD_FILE_NAMES:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            return candidate
    return None


def is_run_directory(path: str) -> bool:
    """A run directory: a record with `history.csv` or `model.keras` beside it, and no sub-folder
    holding a record of its own (a folder of experiments is searched, not read as one)."""
    if not os.path.isdir(path) or record_file_in(path) is None:
        return False
    if not any(os.path.isfile(os.path.join(path, name)) for name in RUN_ARTIFACT_NAMES):
        return False
    try:
        with os.scandir(path) as entries:
            return not any(entry.is_dir() and record_file_in(entry.path) for entry in entries)
    except OSError:
        return False


# --- training code --------------------------------------------------------------------------

SOURCE_SUFFIXES = (".py", ".ipynb")
#: Largest script read while walking a folder to decide whether it trains something.
_SNIFF_SOURCE_BYTES = 8 * 1024 * 1024
_TRAINING_IMPORT = re.compile(rb"^\s*(?:from|import)\s+(?:keras|tensorflow|tf_keras|sklearn)\b|"
                              rb"\"\s*(?:from|import)\s+(?:keras|tensorflow|tf_keras|sklearn)\b", re.MULTILINE)
_TRAINING_CALL = re.compile(rb"\.(?:fit|fit_transform|fit_generator)\s*\(|\bcross_val(?:idate|_score|_predict)\s*\(")


def is_training_source(path: str) -> bool:
    """A `.py` script or `.ipynb` notebook given explicitly (it says itself when it trains nothing)."""
    return path.lower().endswith(SOURCE_SUFFIXES) and os.path.isfile(path)


def trains_something(path: str) -> bool:
    """A script or notebook found while walking a folder: it imports Keras, TensorFlow or
    scikit-learn and fits something. A cheap text test; the reader decides for real."""
    if not is_training_source(path):
        return False
    text = head(path, _SNIFF_SOURCE_BYTES)
    return _TRAINING_IMPORT.search(text) is not None and _TRAINING_CALL.search(text) is not None


# --- tuning tools ---------------------------------------------------------------------------

#: Bytes of an SQLite file searched for Optuna's table names when its schema cannot be read.
OPTUNA_SCHEMA_BYTES = 1024 * 1024
_OPTUNA_TABLES = ("studies", "trials", "trial_intermediate_values")
TENSORBOARD_RUN_FOLDERS = ("train", "validation")
TENSORBOARD_EVENT_PREFIX = "events.out.tfevents."


def is_kerastuner_project(path: str) -> bool:
    """A KerasTuner project folder: `oracle.json` beside `trial_*` folders (or none yet)."""
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, "oracle.json"))


def is_optuna_storage(path: str) -> bool:
    """An Optuna study in SQLite storage: an SQLite file with Optuna's tables (read from its schema,
    read-only; a file too damaged for that is recognised by the table names in its first pages,
    so its reader can say what is wrong)."""
    if not is_sqlite_store(path) or head(path, len(SQLITE_MAGIC)) != SQLITE_MAGIC:
        return False
    import sqlite3
    from urllib.parse import quote

    try:
        connection = sqlite3.connect("file:" + quote(os.path.abspath(path)) + "?mode=ro", uri=True)
        try:
            names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            connection.close()
    except sqlite3.Error:
        start = head(path, OPTUNA_SCHEMA_BYTES)
        return all(f"CREATE TABLE {name} (".encode() in start for name in _OPTUNA_TABLES)
    return all(name in names for name in _OPTUNA_TABLES) and "runs" not in names


def has_event_files(directory: str) -> bool:
    try:
        with os.scandir(directory) as entries:
            return any(entry.name.startswith(TENSORBOARD_EVENT_PREFIX) and entry.is_file() for entry in entries)
    except OSError:
        return False


def is_tensorboard_logdir(path: str) -> bool:
    """A log folder of Keras' TensorBoard callback: `train/` or `validation/` holding event files."""
    return os.path.isdir(path) and any(has_event_files(os.path.join(path, name)) for name in TENSORBOARD_RUN_FOLDERS)
