"""Read Optuna studies from SQLite storage (`optuna.create_study(storage="sqlite:///optuna.db")`)
with the standard library's sqlite3, opened read-only; Optuna is never imported.

Each study becomes one record, reported under the study's name:

- `tuning.trials`: the completed and pruned trials (both were scored on the data the search
  compares on), each with `name` (`trial <number>`), `score` (the first objective's value) and
  `params` (categorical choices decoded from their distribution).
- `tuning.selected_on`: the split the objective was measured on, from the metric name the study
  declares (`study.set_metric_names(["val_accuracy"])`), when it names one.
- `history`: the best trial's intermediate values (`trial.report(value, step)`), one per step,
  under the metric's name, when the study names a validation metric (`val_accuracy`). They are
  the objective only, not the whole training log, so a history of another split is not claimed:
  the rules would read a training log without validation curves.

Values point at `/studies/<name>/trials/<number>/...` inside the database. Storage written by an
Optuna whose schema this reader does not know is refused with the version it found.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from typing import Any
from urllib.parse import quote

from advisor.errors import InputError
from advisor.locations import Location, escape_token
from advisor.readers.artifacts import check_size
from advisor.readers.sniff import SQLITE_MAGIC, head
from advisor.readers.tuning_sections import Sections, split_of_metric

_WHAT = "an Optuna SQLite storage (optuna.create_study(storage=\"sqlite:///optuna.db\"))"
#: Optuna's storage schema versions this reader knows (version_info.schema_version; 12 since 3.0).
KNOWN_SCHEMA_VERSIONS = range(10, 13)
_REQUIRED_TABLES = ("studies", "study_directions", "trials", "trial_values", "trial_params", "version_info")
#: Largest database accepted: studies of a million trials are under 1 GB.
MAX_STORAGE_BYTES = 2 * 1024 * 1024 * 1024
#: Most trials read from one study.
MAX_TRIALS = 1_000_000
_COMPARED_STATES = ("COMPLETE", "PRUNED")


def read_studies(path: str, shown: str | None = None) -> list[tuple[str | None, Sections]]:
    """Read every study of the SQLite storage at `path`, in creation order.

    Args:
        path: The database file.
        shown: The path findings name (default: `path`).

    Returns:
        (study name, sections) pairs.

    Raises:
        InputError: the file is not SQLite, not Optuna's schema, of an unknown schema version,
            corrupt or too large.
    """
    shown = shown or path
    try:
        check_size(path, MAX_STORAGE_BYTES, _WHAT)
    except InputError as exc:
        raise InputError(shown, exc.message) from None
    if head(path, len(SQLITE_MAGIC)) != SQLITE_MAGIC:
        raise InputError(shown, f"is not an SQLite database (no 'SQLite format 3' header); expected {_WHAT}")
    uri = "file:" + quote(os.path.abspath(path)) + "?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise InputError(shown, f"cannot be opened as an SQLite database: {exc}") from None
    try:
        return _read(connection, shown)
    except sqlite3.DatabaseError as exc:
        raise InputError(shown, f"cannot be read as an SQLite database ({exc}); the file may be corrupt or "
                         f"truncated; expected {_WHAT}") from None
    finally:
        connection.close()


def _read(connection: sqlite3.Connection, shown: str) -> list[tuple[str | None, Sections]]:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = [table for table in _REQUIRED_TABLES if table not in tables]
    if missing:
        raise InputError(shown, f"is an SQLite database but not an Optuna storage (no {', '.join(missing)} "
                         f"table); expected {_WHAT}")
    version = connection.execute("SELECT schema_version, library_version FROM version_info").fetchone()
    if version is None or version[0] not in KNOWN_SCHEMA_VERSIONS:
        found = "none" if version is None else f"{version[0]!r} (Optuna {version[1]})"
        raise InputError(shown, f"holds an Optuna storage of schema version {found}; this reader knows versions "
                         f"{KNOWN_SCHEMA_VERSIONS.start} to {KNOWN_SCHEMA_VERSIONS.stop - 1} (Optuna 3.0 and later)")
    studies: list[tuple[str | None, Sections]] = []
    for study_id, name in connection.execute("SELECT study_id, study_name FROM studies ORDER BY study_id").fetchall():
        studies.append((str(name), _study(connection, shown, study_id, str(name), tables)))
    if not studies:
        raise InputError(shown, "holds an Optuna storage with no study; expected at least one study")
    return studies


def _study(connection: sqlite3.Connection, shown: str, study_id: int, name: str, tables: set[str]) -> Sections:
    base = f"/studies/{escape_token(name)}"
    direction = connection.execute("SELECT direction FROM study_directions WHERE study_id = ? ORDER BY objective",
                                   (study_id,)).fetchone()
    maximize = direction is not None and direction[0] == "MAXIMIZE"
    metric = _metric_name(connection, study_id, tables)
    trials: list[dict[str, Any]] = []
    locations: dict[str, Location] = {"/trials": Location(shown, None, None, f"{base}/trials")}
    best: tuple[float, int, int] | None = None  # (score, trial id, index)
    query = ("SELECT trial_id, number, state FROM trials WHERE study_id = ? AND state IN (?, ?) ORDER BY number")
    for trial_id, number, state in connection.execute(query, (study_id, *_COMPARED_STATES)).fetchall():
        if len(trials) >= MAX_TRIALS:
            raise InputError(shown, f"study '{name}' holds more than {MAX_TRIALS:,} trials; refusing to read them all")
        pointer = f"{base}/trials/{number}"
        entry: dict[str, Any] = {"name": f"trial {number}"}
        locations[f"/trials/{len(trials)}"] = Location(shown, None, None, pointer)
        value = connection.execute("SELECT value, value_type FROM trial_values WHERE trial_id = ? ORDER BY objective",
                                   (trial_id,)).fetchone()
        if value is not None and value[1] == "FINITE" and value[0] is not None and math.isfinite(value[0]):
            entry["score"] = float(value[0])
            locations[f"/trials/{len(trials)}/score"] = Location(shown, None, None, f"{pointer}/value")
            if state == "COMPLETE" and (best is None or (entry["score"] > best[0] if maximize else entry["score"] < best[0])):
                best = (entry["score"], trial_id, len(trials))
        params = _params(connection, trial_id)
        if params:
            entry["params"] = params
            locations[f"/trials/{len(trials)}/params"] = Location(shown, None, None, f"{pointer}/params")
        trials.append(entry)
    sections = Sections()
    tuning: dict[str, Any] = {"trials": trials}
    split = split_of_metric(metric)
    if split is not None:
        tuning["selected_on"] = split
        locations["/selected_on"] = Location(shown, None, None, f"{base}/system_attrs/study:metric_names")
    sections.set("tuning", tuning, locations)
    if split == "validation" and metric is not None and best is not None:
        history, history_locations = _intermediate_values(connection, shown, best[1], metric,
                                                          f"{base}/trials/{trials[best[2]]['name'].split()[-1]}")
        sections.set("history", history, history_locations)
    return sections


def _metric_name(connection: sqlite3.Connection, study_id: int, tables: set[str]) -> str | None:
    """The first objective's name, as `study.set_metric_names` stores it (a system attribute)."""
    if "study_system_attributes" not in tables:
        return None
    row = connection.execute("SELECT value_json FROM study_system_attributes WHERE study_id = ? AND key = ?",
                             (study_id, "study:metric_names")).fetchone()
    if row is None:
        return None
    try:
        names = json.loads(row[0])
    except (TypeError, ValueError, RecursionError):
        return None
    return names[0] if isinstance(names, list) and names and isinstance(names[0], str) else None


def _params(connection: sqlite3.Connection, trial_id: int) -> dict[str, Any]:
    """A trial's parameters as the objective saw them: categorical indices decoded to their choice,
    integer distributions as integers."""
    params: dict[str, Any] = {}
    query = "SELECT param_name, param_value, distribution_json FROM trial_params WHERE trial_id = ? ORDER BY param_id"
    for name, value, distribution in connection.execute(query, (trial_id,)):
        params[str(name)] = _decoded(value, distribution)
    return params


def _decoded(value: Any, distribution: Any) -> Any:
    try:
        spec = json.loads(distribution) if isinstance(distribution, str) else {}
    except (ValueError, RecursionError):
        spec = {}
    kind = spec.get("name") if isinstance(spec, dict) else None
    attributes = spec.get("attributes") if isinstance(spec, dict) else None
    if kind == "CategoricalDistribution" and isinstance(attributes, dict):
        choices = attributes.get("choices")
        if isinstance(choices, list) and isinstance(value, (int, float)) and 0 <= int(value) < len(choices):
            choice = choices[int(value)]
            return choice if isinstance(choice, (str, int, float, bool)) or choice is None else str(choice)
    if kind in ("IntDistribution", "IntUniformDistribution", "IntLogUniformDistribution") and isinstance(value, float):
        return int(value) if math.isfinite(value) else value
    return value


def _intermediate_values(connection: sqlite3.Connection, shown: str, trial_id: int, metric: str,
                         pointer: str) -> tuple[dict[str, Any], dict[str, Location]]:
    """The best trial's reported values by step, as a one-metric history."""
    rows = connection.execute("SELECT step, intermediate_value, intermediate_value_type FROM "
                              "trial_intermediate_values WHERE trial_id = ? ORDER BY step", (trial_id,)).fetchall()
    if not rows:
        return {}, {}
    values = [float(value) if kind == "FINITE" and value is not None else _special(kind) for _, value, kind in rows]
    key = "/" + escape_token(metric)
    locations = {key: Location(shown, None, None, f"{pointer}/intermediate_values")}
    for index, (step, _, _) in enumerate(rows):
        locations[f"{key}/{index}"] = Location(shown, None, None, f"{pointer}/intermediate_values/{step}")
    return {metric: values, "epoch": [int(step) for step, _, _ in rows]}, locations


def _special(kind: str) -> float:
    return {"INF_POS": math.inf, "INF_NEG": -math.inf}.get(kind, math.nan)
