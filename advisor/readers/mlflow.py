"""Read MLflow runs, from a file store (`mlruns/<experiment>/<run>/`) or a SQLite store
(`mlflow.db`), with the standard library: MLflow is never imported and nothing is written.

Each run becomes one record, reported under its run id:

- `history`: the metric series, one value per step (the last logged value of a step), under the
  names Keras autologging writes (`loss`, `val_loss`, `accuracy`, ...). Series of another length
  than the run's epochs (a final test score logged once) stay out of the history, and so do
  autologging's `validation_*` copies of the `val_*` series.
- `model`: `epochs`, `batch_size` and the optimizer (`optimizer_name`, `optimizer_learning_rate`,
  ...) from the params `mlflow.keras.autolog()` logs, then the layers, loss and metrics from the
  Keras model the run logged (its `model.keras`, read as JSON only).
- any section field the record's own names spell, as a param, tag or metric: `problem.type`,
  `model.loss`, `metric.name`, `final.test_score`, `tuning.selected_on`, ... (params win over
  tags, and both over autologging).
- `name` (the run name), `run` (status, start and end), and `tuning.trials` for a parent run of
  nested runs (one per trial).

Every value points at its source: the metric, param or tag file of a file store, or
`/runs/<run_id>/metrics/<key>` inside a SQLite store.
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections import Counter
from datetime import datetime, timezone
from typing import Any, Callable

from advisor.errors import InputError
from advisor.locations import Location, SourceMap, escape_token
from advisor.readers.artifacts import Locations, float32_value, merge_section
from advisor.readers.mlflow_runs import LoggedRun, MetricPoint

_STATUS = {"FINISHED": "completed", "FAILED": "failed", "KILLED": "interrupted", "RUNNING": "running"}
#: Record sections a dotted param, tag or metric name may fill (`model.loss`, `problem.type`).
_DOTTED_SECTIONS = {"problem", "data", "splits", "protocol", "metric", "baseline", "model", "tuning", "final", "run"}


# --- public entry points ------------------------------------------------------------------------

def read_file_store(path: str) -> list[tuple[str | None, Any]]:
    """Read every run of a file-store root, experiment or single run directory.

    Raises:
        InputError: a file of the store cannot be read, or the store holds no run.
    """
    from advisor.readers.file_store import file_store_runs

    return _records(path, file_store_runs(path))


def read_sqlite_store(path: str) -> list[tuple[str | None, Any]]:
    """Read every run of a SQLite store (`mlflow.db`).

    Raises:
        InputError: the file is not a readable MLflow SQLite store, or it holds no run.
    """
    from advisor.readers.sqlite_store import sqlite_runs

    return _records(path, sqlite_runs(path))


def read_run_history(path: str, shown: str) -> tuple[dict[str, Any], Locations]:
    """The history of one file-store run directory (for `history.file`).

    Raises:
        InputError: the run cannot be read or logged no metric series.
    """
    from advisor.readers.file_store import file_store_runs

    runs = file_store_runs(path, shown)
    history, locations = run_history(runs[0])
    if not history:
        raise InputError(shown, "the MLflow run logged no metric series; expected per-epoch metrics such as loss")
    return history, locations


def _records(path: str, runs: list[LoggedRun]) -> list[tuple[str | None, Any]]:
    if not runs:
        raise InputError(path, "the MLflow store holds no runs")
    return [(run.run_id, run_record(run)) for run in runs]


# --- one run -> one record -------------------------------------------------------------------------

def run_record(run: LoggedRun) -> Any:
    """The experiment record of one run.

    Raises:
        InputError: a value the run logs under a record field name is invalid, or its logged model
            cannot be read.
    """
    from advisor.readers.record_validation import validate_record

    data: dict[str, Any] = {}
    sources = SourceMap(run.main)
    _dotted_fields(run, data, sources)
    history, locations = run_history(run)
    if history:
        merge_section(data, "history", history, locations, sources)
    model, locations = _autolog_model(run)
    if model:
        merge_section(data, "model", model, locations, sources)
    _logged_model(run, data, sources)
    _run_fields(run, data, sources)
    try:
        return validate_record(run.main, data, sources)
    except InputError as exc:
        # The line validation found belongs to the param or tag file, not to the run's main file.
        raise InputError(exc.path, f"run {run.run_id}: {exc.message}") from None


def run_history(run: LoggedRun) -> tuple[dict[str, Any], Locations]:
    """Metric series, one value per step, all of the run's epoch count."""
    series: dict[str, list[MetricPoint]] = {}
    for name, points in run.metrics.items():
        if _dotted_section(name) or (name.startswith("validation_") and "val_" + name[11:] in run.metrics):
            continue
        series[name] = _per_step(points)
    if not series:
        return {}, {}
    if "loss" in series:
        epochs = len(series["loss"])
    else:  # the most common length (the longer one on a tie)
        lengths = Counter(len(points) for points in series.values())
        epochs = max(lengths, key=lambda n: (lengths[n], n))
    history: dict[str, Any] = {}
    locations: Locations = {}
    for name, points in series.items():
        if len(points) != epochs:
            continue
        pointer = "/" + escape_token(name)
        history[name] = [point.value for point in points]
        locations[pointer] = run.metric_locations[name]
        for index, point in enumerate(points):
            locations[f"{pointer}/{index}"] = point.location
    return history, locations


def _per_step(points: list[MetricPoint]) -> list[MetricPoint]:
    """The last value logged at each step, by step. A series logged at one step over and over
    (autologging's `validation_*` copies) is ordered by time instead."""
    steps = {point.step for point in points}
    key: Callable[[MetricPoint], int] = (lambda p: p.timestamp) if len(steps) == 1 else (lambda p: p.step)
    latest: dict[int, MetricPoint] = {}
    for point in points:
        current = latest.get(key(point))
        if current is None or point.timestamp >= current.timestamp:
            latest[key(point)] = point
    return [latest[k] for k in sorted(latest)]


def _dotted_section(name: str) -> str | None:
    head, dot, _ = name.partition(".")
    return head if dot and head in _DOTTED_SECTIONS else None


def _dotted_fields(run: LoggedRun, data: dict[str, Any], sources: SourceMap) -> None:
    """Fields the run logs under the record's own names: params first, then tags, then metrics."""
    entries: list[tuple[str, Any, Location]] = []
    for store in (run.params, run.tags):
        entries.extend((key, parse_value(text), location) for key, (text, location) in store.items())
    for key, points in run.metrics.items():
        if points:
            last = max(points, key=lambda p: (p.step, p.timestamp))
            entries.append((key, last.value, last.location))
    for key, value, location in entries:
        tokens = key.split(".")
        if value is None or not _dotted_section(key) or not _is_record_field(tokens):
            continue  # the run's own names (`model.hidden_units`) are not the record's
        parent = data
        for token in tokens[:-1]:
            parent = parent.setdefault(token, {})
            if not isinstance(parent, dict):
                break
        else:
            if parent.get(tokens[-1]) is None:
                parent[tokens[-1]] = value
                for depth in range(1, len(tokens) + 1):  # the sections too, where nothing else is
                    pointer = "".join("/" + escape_token(t) for t in tokens[:depth])
                    if depth == len(tokens) or pointer not in sources:
                        sources.add(pointer, location)


def _is_record_field(tokens: list[str]) -> bool:
    from advisor.readers.record_validation import _fields_at

    return all(token in _fields_at(tokens[:depth]) for depth, token in enumerate(tokens))


def _autolog_model(run: LoggedRun) -> tuple[dict[str, Any], Locations]:
    """`model` fields from the params `mlflow.keras.autolog()` (or the older TensorFlow
    autologging, `opt_*`) logs."""
    model: dict[str, Any] = {}
    locations: Locations = {}

    def take(names: tuple[str, ...], field_pointer: str, convert: Callable[[Any], Any]) -> None:
        for name in names:
            if name in run.params:
                text, location = run.params[name]
                value = convert(parse_value(text))
                if value is not None:
                    *parents, last = field_pointer.strip("/").split("/")
                    target = model
                    for parent in parents:
                        target = target.setdefault(parent, {})
                    target[last] = value
                    locations[field_pointer] = location
                    for depth in range(1, len(parents) + 1):
                        locations.setdefault("/" + "/".join(parents[:depth]), location)
                return

    take(("epochs",), "/epochs", _positive_int)
    take(("batch_size",), "/batch_size", _positive_int)
    take(("optimizer_name", "opt_name"), "/optimizer/name", _optimizer_name)
    take(("optimizer_learning_rate", "opt_learning_rate"), "/optimizer/learning_rate", _positive_float)
    take(("optimizer_momentum", "opt_momentum"), "/optimizer/momentum", _non_negative_float)
    take(("optimizer_weight_decay", "opt_weight_decay"), "/optimizer/weight_decay", _non_negative_float)
    take(("monitor",), "/early_stopping/monitor", lambda v: v if isinstance(v, str) else None)
    take(("patience",), "/early_stopping/patience", lambda v: v if isinstance(v, int) and v >= 0 else None)
    take(("min_delta",), "/early_stopping/min_delta", lambda v: float(v) if isinstance(v, (int, float)) else None)
    take(("restore_best_weights",), "/early_stopping/restore_best_weights", lambda v: v if isinstance(v, bool) else None)
    return model, locations


def _optimizer_name(value: Any) -> str | None:
    """Autologging logs the optimizer's own name, which Keras makes unique per process: `rm_sprop`,
    then `rm_sprop_1`, ...; the class is what counts."""
    from advisor.readers.keras_config import optimizer_name

    return optimizer_name(re.sub(r"_\d+$", "", value)) if isinstance(value, str) else None


def _positive_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _positive_float(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float32_value(float(value))
    return None


def _non_negative_float(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float32_value(float(value))
    return None


def _logged_model(run: LoggedRun, data: dict[str, Any], sources: SourceMap) -> None:
    """Layers, loss and metrics from the Keras model the run logged, if it is on this machine."""
    from advisor.readers.keras import read_model_file

    from advisor.confine import is_allowed, refusal

    for path in run.model_files:
        if not is_allowed(path):  # checked before it is even looked for: no read outside the root
            raise InputError(run.main, f"run {run.run_id}: artifact_uri: the logged model {refusal(path)}")
        if os.path.isfile(path):
            model, locations = read_model_file(path)
            merge_section(data, "model", model, locations, sources)
            return


def _run_fields(run: LoggedRun, data: dict[str, Any], sources: SourceMap) -> None:
    main = Location(run.main, None, None, "")
    if run.name and data.get("name") is None:
        data["name"] = run.name
        sources.add("/name", main)
    fields: dict[str, Any] = {}
    status = _STATUS.get(run.status or "")
    if status:
        fields["status"] = status
    for key, millis in (("started", run.start_time), ("finished", run.end_time)):
        if isinstance(millis, int) and millis > 0:
            fields[key] = datetime.fromtimestamp(millis / 1000, tz=timezone.utc).isoformat(timespec="seconds")
    if fields:
        merge_section(data, "run", fields, {"/" + key: main for key in fields}, sources)
    if run.children:
        merge_section(data, "tuning", {"trials": run.children}, {"/trials": main}, sources)


def parse_value(text: str) -> Any:
    """A param or tag value (MLflow keeps them as text): numbers, booleans, None, and Python or JSON
    lists and mappings become values (as literals: nothing is evaluated); anything else stays text."""
    value = text.strip()
    if value in ("", "None", "null"):
        return None
    if value in ("True", "true"):
        return True
    if value in ("False", "false"):
        return False
    for convert in (int, float):
        try:
            return convert(value)
        except ValueError:
            pass
    if value[:1] in "[{(":
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            pass
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return value
    return value
