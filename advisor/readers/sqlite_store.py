"""Read runs from an MLflow SQLite store (`mlflow.db`, MLflow's default store since 3.7) with the
standard library's sqlite3, opened read-only: tables `runs`, `metrics`, `params`, `tags`, and
`experiments` and `logged_models` where present. Deleted runs and experiments are skipped.
"""

from __future__ import annotations

import math
import os
import sqlite3
from urllib.parse import quote

from advisor.errors import InputError
from advisor.locations import Location, escape_token
from advisor.readers.artifacts import check_size
from advisor.readers.mlflow import LoggedRun, MetricPoint, count_children, model_candidates
from advisor.readers.sniff import SQLITE_MAGIC, head

_WHAT = "an MLflow SQLite store (mlflow.db)"
_REQUIRED_TABLES = ("runs", "metrics", "params", "tags")


def sqlite_runs(path: str) -> list[LoggedRun]:
    """Every run of the store, oldest first.

    Raises:
        InputError: the file is not an SQLite database, not an MLflow store, or is corrupt.
    """
    check_size(path, None, _WHAT)
    if head(path, len(SQLITE_MAGIC)) != SQLITE_MAGIC:
        raise InputError(path, f"is not an SQLite database (no 'SQLite format 3' header); expected {_WHAT}")
    uri = "file:" + quote(os.path.abspath(path)) + "?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise InputError(path, f"cannot be opened as an SQLite database: {exc}") from None
    try:
        connection.row_factory = sqlite3.Row
        runs = _read_runs(connection, path)
    except sqlite3.DatabaseError as exc:
        raise InputError(path, f"cannot be read as an SQLite database ({exc}); the file may be corrupt or "
                         f"truncated; expected {_WHAT}") from None
    finally:
        connection.close()
    count_children(runs)
    return runs


def _read_runs(connection: sqlite3.Connection, path: str) -> list[LoggedRun]:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = [table for table in _REQUIRED_TABLES if table not in tables]
    if missing:
        raise InputError(path, f"is an SQLite database but not an MLflow tracking store (no {', '.join(missing)} "
                         f"table); expected {_WHAT}")
    deleted_experiments: set[str] = set()
    if "experiments" in tables:
        deleted_experiments = {str(row[0]) for row in connection.execute(
            "SELECT experiment_id FROM experiments WHERE lifecycle_stage = 'deleted'")}
    metric_columns = {row[1] for row in connection.execute("PRAGMA table_info(metrics)")}
    relative_to = os.path.dirname(os.path.abspath(path))
    runs = []
    for row in connection.execute("SELECT * FROM runs"):
        info = dict(row)
        if info.get("lifecycle_stage") == "deleted" or str(info.get("experiment_id")) in deleted_experiments:
            continue
        run_id = str(info["run_uuid"])
        run = LoggedRun(run_id, path, name=info.get("name") or None, status=info.get("status"),
                        start_time=info.get("start_time"), end_time=info.get("end_time"))
        _metrics(connection, run, path, "is_nan" in metric_columns)
        for table, target in (("params", run.params), ("tags", run.tags)):
            for key, value in connection.execute(f"SELECT key, value FROM {table} WHERE run_uuid = ?", (run_id,)):
                target[key] = ("" if value is None else str(value),
                               Location(path, None, None, f"/runs/{run_id}/{table}/{escape_token(key)}"))
        if not run.name and "mlflow.runName" in run.tags:
            run.name = run.tags["mlflow.runName"][0]
        artifact_dirs = []
        if "logged_models" in tables:
            artifact_dirs += [row[0] for row in connection.execute(
                "SELECT artifact_location FROM logged_models WHERE source_run_id = ? "
                "AND (lifecycle_stage IS NULL OR lifecycle_stage != 'deleted') ORDER BY creation_timestamp_ms", (run_id,))]
        if isinstance(info.get("artifact_uri"), str):
            artifact_dirs.append(info["artifact_uri"].rstrip("/") + "/model")
        run.model_files = model_candidates(artifact_dirs, relative_to)
        runs.append(run)
    runs.sort(key=lambda run: (run.start_time or 0, run.run_id))
    return runs


def _metrics(connection: sqlite3.Connection, run: LoggedRun, path: str, has_nan_flag: bool) -> None:
    nan_flag = "is_nan" if has_nan_flag else "0"
    query = f"SELECT key, value, timestamp, step, {nan_flag} FROM metrics WHERE run_uuid = ? ORDER BY key, step, timestamp"
    for key, value, timestamp, step, is_nan in connection.execute(query, (run.run_id,)):
        pointer = f"/runs/{run.run_id}/metrics/{escape_token(key)}"
        if key not in run.metrics:
            run.metrics[key] = []
            run.metric_locations[key] = Location(path, None, None, pointer)
        number = math.nan if is_nan or value is None else float(value)
        run.metrics[key].append(MetricPoint(int(step or 0), int(timestamp or 0), number,
                                            Location(path, None, None, f"{pointer}/{step}")))
