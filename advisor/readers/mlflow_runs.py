"""What an MLflow store holds for one run, as the file-store and SQLite-store readers find it, and
the helpers both share. `advisor.readers.mlflow` turns these runs into records.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from advisor.locations import Location
from advisor.readers.artifacts import MB, check_size, read_artifact_text

#: Largest metric file of a file store accepted (about a million logged values).
MAX_METRIC_FILE_BYTES = 64 * MB
#: Largest meta.yaml, param or tag file accepted (MLflow caps values at a few KB).
MAX_SMALL_FILE_BYTES = 1 * MB
#: The file store writes run status as RunStatus numbers.
STATUS_NUMBERS = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
PARENT_TAG = "mlflow.parentRunId"


@dataclass
class MetricPoint:
    step: int
    timestamp: int
    value: float
    location: Location


@dataclass
class LoggedRun:
    """What a store holds for one run, with where each value is."""

    run_id: str
    #: The file findings fall back to (the run's meta.yaml, or the SQLite store).
    main: str
    name: str | None = None
    status: str | None = None
    start_time: int | None = None
    end_time: int | None = None
    metrics: dict[str, list[MetricPoint]] = field(default_factory=dict)
    metric_locations: dict[str, Location] = field(default_factory=dict)
    params: dict[str, tuple[str, Location]] = field(default_factory=dict)
    tags: dict[str, tuple[str, Location]] = field(default_factory=dict)
    #: Candidate paths of the Keras model the run logged (`.../data/model.keras`).
    model_files: list[str] = field(default_factory=list)
    children: int = 0


def count_children(runs: list[LoggedRun]) -> None:
    """Set each run's `children`: the nested runs (trials) that name it as their parent."""
    counts: dict[str, int] = {}
    for run in runs:
        parent = run.tags.get(PARENT_TAG)
        if parent:
            counts[parent[0]] = counts.get(parent[0], 0) + 1
    for run in runs:
        run.children = counts.get(run.run_id, 0)


def small_text(path: str, what: str) -> str:
    """A meta.yaml, param or tag file, size-checked before reading ("" when empty)."""
    if check_size(path, MAX_SMALL_FILE_BYTES, what) == 0:
        return ""
    return read_artifact_text(path, MAX_SMALL_FILE_BYTES, what)


def model_candidates(artifact_dirs: list[str], relative_to: str) -> list[str]:
    """Where a run's logged Keras model may be: `<artifact dir>/data/model.keras` for each local
    artifact location (`file://` URIs and plain paths), first relative to `relative_to` from the
    location's `mlruns/` part on (so a store that was copied or moved reads its own artifacts)."""
    from urllib.parse import unquote, urlparse

    found: list[str] = []
    for location in artifact_dirs:
        if not location:
            continue
        if location.startswith("file:"):
            local = unquote(urlparse(location).path)
        elif "://" in location:
            continue  # a remote artifact store: not read
        else:
            local = location
        tries = [local]
        marker = local.replace("\\", "/").find("mlruns/")
        if marker >= 0:  # the store's own copy first: a store copied elsewhere reads its own artifacts
            from advisor.confine import is_allowed

            # A copied store's original location is another machine's folder: outside the project
            # root it is skipped without a word (any other location outside is refused when read).
            tries = [os.path.join(relative_to, local[marker:])] + ([local] if is_allowed(local) else [])
        found.extend(os.path.join(base, "data", "model.keras") for base in tries)
    return found
