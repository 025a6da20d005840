"""Read runs from an MLflow file store: `mlruns/<experiment_id>/<run_id>/` holding `meta.yaml`,
`metrics/<key>` (lines of "timestamp value step"), `params/<key>` and `tags/<key>` (the value is the
file's text). Keys with slashes are nested folders. Deleted runs and experiments are skipped.
"""

from __future__ import annotations

import os
from typing import Any

from advisor.errors import InputError
from advisor.locations import Location
from advisor.readers.artifacts import read_artifact_text
from advisor.readers.mlflow_runs import (
    STATUS_NUMBERS, MAX_METRIC_FILE_BYTES, LoggedRun, MetricPoint, count_children, model_candidates, small_text,
)
from advisor.readers.sniff import experiment_dirs, is_mlflow_experiment, is_mlflow_root, is_mlflow_run

_WHAT_METRIC = "an MLflow metric file (lines of 'timestamp value step')"


def file_store_runs(path: str, shown: str | None = None) -> list[LoggedRun]:
    """The runs below a file store's root, an experiment folder, or one run folder.

    Raises:
        InputError: the folder is no MLflow file store, is a deleted run, or one of its files cannot
            be read.
    """
    shown = shown or path
    if is_mlflow_run(path):
        run = _read_run(path, shown, os.path.dirname(os.path.normpath(path)))
        if run is None:  # named on its own, a deleted run is an error, not an empty store
            raise InputError(shown, "is an MLflow run marked deleted (lifecycle_stage: deleted in its meta.yaml), "
                             "which the advisor skips; expected a live run")
        runs = [run]
    elif is_mlflow_experiment(path):
        runs = _experiment_runs(path, shown)
    elif is_mlflow_root(path):
        runs = []
        for experiment in experiment_dirs(path):
            if _meta(os.path.join(experiment, "meta.yaml")).get("lifecycle_stage") != "deleted":
                name = os.path.basename(experiment)
                runs.extend(_experiment_runs(experiment, os.path.join(shown, name)))
    else:
        raise InputError(shown, "is not an MLflow file store: expected an mlruns/ folder, an experiment folder "
                         "or a run folder (meta.yaml with metrics/, params/, tags/)")
    count_children(runs)
    return runs


def _experiment_runs(directory: str, shown: str) -> list[LoggedRun]:
    runs = []
    for name in sorted(os.listdir(directory)):
        child = os.path.join(directory, name)
        if not name.startswith(".") and is_mlflow_run(child):
            run = _read_run(child, os.path.join(shown, name), directory)
            if run is not None:
                runs.append(run)
    runs.sort(key=lambda run: (run.start_time or 0, run.run_id))
    return runs


def _read_run(directory: str, shown: str, experiment_dir: str) -> LoggedRun | None:
    meta_path = os.path.join(shown, "meta.yaml")
    meta = _meta(os.path.join(directory, "meta.yaml"), meta_path)
    if meta.get("lifecycle_stage") == "deleted":
        return None
    run_id = str(meta.get("run_id") or meta.get("run_uuid") or os.path.basename(os.path.normpath(directory)))
    status = meta.get("status")
    run = LoggedRun(
        run_id, meta_path, name=meta.get("run_name") or None,
        status=STATUS_NUMBERS.get(status) if isinstance(status, int) else status,
        start_time=meta.get("start_time"), end_time=meta.get("end_time"),
    )
    for key, file, shown_file in _keyed_files(directory, shown, "metrics"):
        run.metrics[key] = _metric_points(file, shown_file)
        run.metric_locations[key] = Location(shown_file, 1, 1, "")
    for folder, target in (("params", run.params), ("tags", run.tags)):
        for key, file, shown_file in _keyed_files(directory, shown, folder):
            target[key] = (small_text(file, f"an MLflow {folder[:-1]} file"), Location(shown_file, 1, 1, ""))
    if not run.name and "mlflow.runName" in run.tags:
        run.name = run.tags["mlflow.runName"][0]
    artifact_dirs = [os.path.join(experiment_dir, "models", model_id, "artifacts")
                     for model_id in _listdir(os.path.join(directory, "outputs"))]
    artifact_dirs.append(os.path.join(directory, "artifacts", "model"))
    if isinstance(meta.get("artifact_uri"), str):
        artifact_dirs.append(meta["artifact_uri"].rstrip("/") + "/model")
    run.model_files = model_candidates(artifact_dirs, os.path.dirname(os.path.dirname(experiment_dir)))
    return run


def _meta(path: str, shown: str | None = None) -> dict[str, Any]:
    import yaml

    shown = shown or path
    try:
        data = yaml.load(small_text(path, "an MLflow meta.yaml"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except InputError as exc:
        raise InputError(shown, exc.message, exc.line, exc.column) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(shown, f"invalid YAML in an MLflow meta.yaml: {getattr(exc, 'problem', None) or exc}",
                         mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    return data if isinstance(data, dict) else {}


def _listdir(directory: str) -> list[str]:
    try:
        return sorted(os.listdir(directory))
    except OSError:
        return []


def _keyed_files(directory: str, shown: str, folder: str):
    """(key, path, shown path) of each file below `folder`; nested folders make keys with slashes."""
    root = os.path.join(directory, folder)
    for base, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            relative = os.path.relpath(os.path.join(base, name), root)
            yield relative.replace(os.sep, "/"), os.path.join(base, name), os.path.join(shown, folder, relative)


def _metric_points(path: str, shown: str) -> list[MetricPoint]:
    try:
        text = read_artifact_text(path, MAX_METRIC_FILE_BYTES, _WHAT_METRIC)
    except InputError as exc:
        if exc.message.startswith("is empty"):
            return []
        raise InputError(shown, exc.message, exc.line, exc.column) from None
    points = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        try:
            if len(parts) not in (2, 3):
                raise ValueError
            timestamp, value = int(parts[0]), float(parts[1])
            step = int(parts[2]) if len(parts) == 3 else 0
        except ValueError:
            raise InputError(shown, f"expected 'timestamp value step' (as MLflow writes a metric), received "
                             f"{line.strip()[:60]!r}", number, 1) from None
        points.append(MetricPoint(step, timestamp, value, Location(shown, number, 1, "")))
    return points
