"""Read runs from an MLflow SQLite store (`mlflow.db`, MLflow's default store since 3.7) with the
standard library's sqlite3, opened read-only: tables `runs`, `metrics`, `params`, `tags`, and
`experiments` and `logged_models` where present. Deleted runs and experiments are skipped.
"""

from __future__ import annotations

import math
import os
import sqlite3
import sys
from urllib.parse import quote

from advisor.errors import InputError
from advisor.locations import Location, escape_token
from advisor.readers.artifacts import check_size
from advisor.readers.mlflow_runs import (
    LoggedRun,
    MetricPoint,
    count_children,
    model_candidates,
)
from advisor.readers.sniff import SQLITE_MAGIC, head

_WHAT = "an MLflow SQLite store (mlflow.db)"
_REQUIRED_TABLES = ("runs", "metrics", "params", "tags")
#: Metric values one store may hold: beyond, reading and judging its histories would take minutes
#: and gigabytes (every value is checked, with its location).
MAX_METRIC_VALUES = 250_000
#: Runs, and params plus tags, one store may hold.
MAX_RUNS = 10_000
MAX_PARAMS_AND_TAGS = 500_000
#: Longest value read (MLflow keeps params and tags under 8,000 characters): SQLite refuses to
#: build a longer one, so a generated zeroblob(900000000) column costs nothing.
MAX_VALUE_BYTES = 1 << 20
_SAMPLE = ("lint a store holding fewer runs (a record's history.file may also name one run folder of a file "
           "store)")
_RUN_COLUMNS = ("run_uuid", "name", "status", "start_time", "end_time", "lifecycle_stage", "experiment_id",
                "artifact_uri")


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
        if sys.version_info >= (3, 11):  # Connection.setlimit and the SQLITE_LIMIT_* constants
            connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        runs = _read_runs(connection, path)
    except sqlite3.DataError as exc:  # a value over SQLITE_LIMIT_LENGTH
        raise InputError(path, f"holds a value longer than {MAX_VALUE_BYTES:,} bytes ({exc}); MLflow keeps params "
                         f"and tags under 8,000 characters; expected {_WHAT}") from None
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
    _check_counts(connection, path)
    metric_columns = {row[1] for row in connection.execute("PRAGMA table_info(metrics)")}
    run_columns = {row[1] for row in connection.execute("PRAGMA table_info(runs)")}
    if "run_uuid" not in run_columns:
        raise InputError(path, f"has a runs table without a run_uuid column; expected {_WHAT}")
    selected = ", ".join(column if column in run_columns else f"NULL AS {column}" for column in _RUN_COLUMNS)
    relative_to = os.path.dirname(os.path.abspath(path))
    metrics = _metrics(connection, path, "is_nan" in metric_columns)
    values = {table: _values(connection, table, path) for table in ("params", "tags")}
    runs = []
    for row in connection.execute(f"SELECT {selected} FROM runs"):
        info = dict(zip(_RUN_COLUMNS, row))
        if info.get("lifecycle_stage") == "deleted" or str(info.get("experiment_id")) in deleted_experiments:
            continue
        run_id = str(info["run_uuid"])
        run = LoggedRun(run_id, path, name=info.get("name") or None, status=info.get("status"),
                        start_time=info.get("start_time"), end_time=info.get("end_time"))
        run.metrics, run.metric_locations = metrics.get(run_id, ({}, {}))
        run.params, run.tags = values["params"].get(run_id, {}), values["tags"].get(run_id, {})
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


def _check_counts(connection: sqlite3.Connection, path: str) -> None:
    """Refuse a store too large to read in bounded time and memory, before reading it."""
    counts = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
              for table in ("runs", "metrics", "params", "tags")}
    for what, count, limit in (("runs", counts["runs"], MAX_RUNS),
                               ("metric values", counts["metrics"], MAX_METRIC_VALUES),
                               ("params and tags", counts["params"] + counts["tags"], MAX_PARAMS_AND_TAGS)):
        if count > limit:
            raise InputError(path, f"holds {count:,} {what}, over the limit of {limit:,} for one store; {_SAMPLE}")


Metrics = dict[str, tuple[dict[str, list[MetricPoint]], dict[str, Location]]]


def _metrics(connection: sqlite3.Connection, path: str, has_nan_flag: bool) -> Metrics:
    """Every run's metric series, in one ordered pass over the table: run id -> (series, locations)."""
    nan_flag = "is_nan" if has_nan_flag else "0"
    query = (f"SELECT run_uuid, key, value, timestamp, step, {nan_flag} FROM metrics "
             "ORDER BY run_uuid, key, step, timestamp")
    by_run: Metrics = {}
    series: list[MetricPoint] = []
    current = None
    for run_id, key, value, timestamp, step, is_nan in connection.execute(query):
        if (run_id, key) != current:
            current = (run_id, key)
            metrics, locations = by_run.setdefault(str(run_id), ({}, {}))
            pointer = f"/runs/{run_id}/metrics/{escape_token(str(key))}"
            series = metrics.setdefault(str(key), [])
            locations.setdefault(str(key), Location(path, None, None, pointer))
        number = math.nan if is_nan or value is None else _number(value)
        series.append(MetricPoint(_integer(step), _integer(timestamp), number,
                                  Location(path, None, None, f"{pointer}/{step}")))
    return by_run


def _values(connection: sqlite3.Connection, table: str, path: str) -> dict[str, dict[str, tuple[str, Location]]]:
    """Every run's params or tags: run id -> key -> (value, location)."""
    by_run: dict[str, dict[str, tuple[str, Location]]] = {}
    for run_id, key, value in connection.execute(f"SELECT run_uuid, key, value FROM {table}"):
        by_run.setdefault(str(run_id), {})[str(key)] = (
            "" if value is None else str(value),
            Location(path, None, None, f"/runs/{run_id}/{table}/{escape_token(str(key))}"))
    return by_run


def _number(value: object) -> float:
    """A metric value as a float; text or a blob where a number belongs reads as NaN."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return math.nan


def _integer(value: object) -> int:
    try:
        return int(value or 0)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return 0
