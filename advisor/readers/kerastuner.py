"""Read a KerasTuner project folder (`<directory>/<project_name>/`) into the record's `tuning`.

KerasTuner writes `oracle.json` (the search space and the order trials ran in) and one
`trial_<id>/trial.json` per trial: its hyperparameter values, the best value of each metric it
logged (`accuracy`, `val_accuracy`, ...), its `score` (the objective's best value) and its status.
Only the JSON files are read; checkpoints (`checkpoint.weights.h5`) are never opened.

- `tuning.trials`: one entry per completed trial: `name` (`trial_<id>`), `score` and `params`.
- `tuning.selected_on`: the split the objective was measured on. KerasTuner does not store the
  objective's name, so it is the metric whose best value equals the trial scores; its name says the
  split (`val_accuracy`: validation; a `test_accuracy` objective returned by `HyperModel.fit`: test).

KerasTuner keeps only each metric's best epoch, not the curves, so no `history` is read.
Each trial's values point into its own `trial.json`; the trial count points at `oracle.json`.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any

from advisor.errors import InputError
from advisor.locations import Location, SourceMap
from advisor.readers.artifacts import MB, Locations, read_artifact_text
from advisor.readers.tuning_sections import Sections, split_of_metric

#: Largest oracle.json or trial.json accepted (a trial's file is a few KB; an oracle of 100,000
#: trials is about 10 MB).
MAX_JSON_BYTES = 32 * MB
#: Most trials read from one project.
MAX_TRIALS = 100_000
_TRIAL_DIR = re.compile(r"^trial_([A-Za-z0-9_-]+)$")
_WHAT_ORACLE = "a KerasTuner oracle.json (hyperparameters, start_order, end_order, ...)"
_WHAT_TRIAL = "a KerasTuner trial.json (trial_id, hyperparameters, metrics, score, status)"
#: Trial states whose score took part in the comparison.
_COMPARED = {"COMPLETED"}


def read_project(path: str, shown: str | None = None) -> Sections:
    """Read the KerasTuner project folder at `path`.

    Args:
        path: The project folder (it holds oracle.json).
        shown: The path findings name (default: `path`).

    Returns:
        The `tuning` section and its locations.

    Raises:
        InputError: oracle.json or a trial.json is missing, too large, not JSON, or not shaped
            as KerasTuner writes it.
    """
    shown = shown or path
    oracle_path = os.path.join(shown, "oracle.json")
    oracle, oracle_positions = _json(os.path.join(path, "oracle.json"), oracle_path, _WHAT_ORACLE)
    if not isinstance(oracle, dict) or not isinstance(oracle.get("hyperparameters"), dict):
        raise InputError(oracle_path, f"has no 'hyperparameters' object; expected {_WHAT_ORACLE}", 1, 1)
    trials: list[dict[str, Any]] = []
    locations: Locations = {"/trials": _at(oracle_positions, oracle_path, "/end_order")}
    objective: dict[str, int] = {}
    objective_at: dict[str, Location] = {}
    for index, trial_dir in enumerate(_trial_dirs(path, shown)):
        trial_file = os.path.join(shown, trial_dir, "trial.json")
        trial, positions = _json(os.path.join(path, trial_dir, "trial.json"), trial_file, _WHAT_TRIAL)
        entry = _trial(trial, trial_file, trial_dir)
        if entry is None:
            continue
        entry_pointer = f"/trials/{len(trials)}"
        locations[entry_pointer] = _at(positions, trial_file, "/trial_id")
        if "score" in entry:
            locations[f"{entry_pointer}/score"] = _at(positions, trial_file, "/score")
            for metric in _metrics_scoring(trial, entry["score"]):
                objective[metric] = objective.get(metric, 0) + 1
                objective_at.setdefault(metric, _at(positions, trial_file, f"/metrics/metrics/{metric}"))
        if entry.get("params"):
            locations[f"{entry_pointer}/params"] = _at(positions, trial_file, "/hyperparameters/values")
        trials.append(entry)
        if index >= MAX_TRIALS:
            raise InputError(shown, f"holds more than {MAX_TRIALS:,} trials; refusing to read them all")
    tuning: dict[str, Any] = {"trials": trials}
    scored = sum(1 for trial in trials if "score" in trial)
    name = _objective_name(objective, scored)
    split = split_of_metric(name)
    if name is not None and split is not None:
        tuning["selected_on"] = split
        locations["/selected_on"] = objective_at[name]
    sections = Sections()
    sections.set("tuning", tuning, locations)
    return sections


def _trial_dirs(path: str, shown: str) -> list[str]:
    """The `trial_<id>` folders, in the order the trials ran (oracle start order when it names
    them all, else by name)."""
    try:
        names = [name for name in os.listdir(path) if _TRIAL_DIR.match(name)
                 and os.path.isdir(os.path.join(path, name))]
    except OSError as exc:
        raise InputError(shown, f"cannot be read: {exc.strerror or exc}") from None
    return sorted(names, key=lambda name: _natural(name))


def _natural(name: str) -> tuple[Any, ...]:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def _json(path: str, shown: str, what: str) -> tuple[Any, SourceMap]:
    from advisor.readers.structured import parse

    try:
        text = read_artifact_text(path, MAX_JSON_BYTES, what)
    except InputError as exc:
        raise InputError(shown, exc.message, exc.line, exc.column) from None
    return parse(shown, text, "json")


def _at(positions: SourceMap, shown: str, pointer: str) -> Location:
    found = positions.locate(pointer)
    return Location(shown, found.line, found.column, pointer)


def _trial(trial: Any, shown: str, trial_dir: str) -> dict[str, Any] | None:
    """A `tuning.trials` entry, or None for a trial that did not complete (it compared nothing)."""
    if not isinstance(trial, dict) or "trial_id" not in trial or not isinstance(trial.get("metrics"), dict):
        raise InputError(shown, f"has no trial_id or metrics; expected {_WHAT_TRIAL}", 1, 1)
    status = trial.get("status")
    if not isinstance(status, str):
        raise InputError(shown, f"'status' must be a string, received {status!r}; expected {_WHAT_TRIAL}", 1, 1)
    if status not in _COMPARED:
        return None
    entry: dict[str, Any] = {"name": trial_dir}
    score = trial.get("score")
    if isinstance(score, (int, float)) and not isinstance(score, bool) and math.isfinite(score):
        entry["score"] = float(score)
    hyperparameters = trial.get("hyperparameters")
    values = hyperparameters.get("values") if isinstance(hyperparameters, dict) else None
    if isinstance(values, dict):
        entry["params"] = {str(key): value for key, value in values.items()
                           if isinstance(value, (str, int, float, bool)) or value is None}
    return entry


def _metrics_scoring(trial: dict[str, Any], score: float) -> list[str]:
    """The metrics of a trial whose best logged value is its score (objective candidates)."""
    found: list[str] = []
    metrics = trial["metrics"].get("metrics")
    if not isinstance(metrics, dict):
        return found
    for name, history in metrics.items():
        observations = history.get("observations") if isinstance(history, dict) else None
        values = [value for item in observations or [] if isinstance(item, dict)
                  for value in (item.get("value") or []) if isinstance(value, (int, float))]
        if any(math.isclose(value, score, rel_tol=1e-9, abs_tol=1e-12) for value in values):
            found.append(str(name))
    return found


def _objective_name(candidates: dict[str, int], scored: int) -> str | None:
    """The metric that scored every scored trial, if exactly one split is consistent with them."""
    always = [name for name, count in candidates.items() if scored and count == scored]
    splits = {split_of_metric(name) for name in always}
    if len(always) == 0 or len(splits) != 1:
        return None  # no metric, or metrics of different splits (say equal loss and val_loss)
    return always[0]
