"""The facts a training script shows, gathered while it is read, and the record they make.

Each fact keeps the location of the code that shows it. Facts that depend on what comes later are
settled at the end: a step fit on all rows leaks only if the rows are split afterwards (into a
hold-out test set: `all`; by Keras `validation_split` or cross-validation: `train+validation`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from advisor.locations import Location
from advisor.readers.source import keras_calls as kc
from advisor.readers.source.values import (
    Callback,
    Estimator,
    Items,
    KerasModel,
    Origin,
    Rows,
    Splitter,
    grid_size,
)

#: Which rows a fit saw -> the record's `fit_on` (validation rows alone make no `fit_on` value).
_FIT_ON = {"train": "train", "test": "test", "train+validation": "train+validation"}
_BASELINE_STRATEGIES = {"prior": "most_frequent", "most_frequent": "most_frequent", "stratified": "stratified",
                        "uniform": "uniform", "constant": "constant", "mean": "mean", "median": "median"}


@dataclass(eq=False)
class LoopFrame:
    """An enclosing loop: its iterations when known, and whether it repeats one configuration
    (cross-validation folds, seeds) rather than trying several."""

    count: int | None
    folds: bool = False


@dataclass
class _Pending:
    """A fit on all rows, settled by the first split that follows it."""

    sequence: int
    pointer: str
    location: Location


@dataclass
class Facts:
    values: dict[str, Any] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)
    sequence: int = 0
    splits_seen: list[tuple[int, str]] = field(default_factory=list)
    pending: list[_Pending] = field(default_factory=list)
    model: KerasModel | None = None
    compiled_models: list[KerasModel] = field(default_factory=list)
    evaluations: dict[Any, int] = field(default_factory=dict)
    evaluation_location: Location | None = None
    data_files: dict[str, Origin] = field(default_factory=dict)
    history_files: list[tuple[str, Location]] = field(default_factory=list)
    target_names: list[str] = field(default_factory=list)
    trials: int | None = None
    trials_location: Location | None = None
    test_share: float | None = None
    locate: Any = None
    fit_calls: int = 0
    last_fitted: Any = None

    # --- recording ---

    def set(self, pointer: str, value: Any, location: Location, replace: bool = False) -> None:
        """Set the record field at `pointer` (first fact wins unless `replace`)."""
        if value is None or (pointer in self.values and not replace):
            return
        self.values[pointer] = value
        self.locations[pointer] = location

    def tick(self) -> int:
        self.sequence += 1
        return self.sequence

    def split_event(self, kind: str) -> None:
        """Rows were split: `holdout` (a test or validation set set aside), `keras` or `cv`."""
        self.splits_seen.append((self.tick(), kind))

    def add_step(self, step: str, location: Location) -> int:
        self.steps.append({"step": step})
        index = len(self.steps) - 1
        self.locations[f"/data/preprocessing/{index}"] = location
        self.locations[f"/data/preprocessing/{index}/step"] = location
        return index

    def fitted_step(self, index: int | None, rows: Any, location: Location, loops: list[LoopFrame],
                    role: str | None = None) -> None:
        if index is None:
            return
        role = role or (rows.role if isinstance(rows, Rows) else None)
        self._fit_on(f"/data/preprocessing/{index}/fit_on", role, location)

    def _fit_on(self, pointer: str, role: str | None, location: Location) -> None:
        if role == "all":
            self.pending.append(_Pending(self.tick(), pointer, location))
        elif role in _FIT_ON:
            self.set(pointer, _FIT_ON[role], location, replace=role == "test")

    def baseline(self, cls: str, strategy: str | None, location: Location) -> None:
        default = "prior" if cls == "DummyClassifier" else "mean"
        chosen = _BASELINE_STRATEGIES.get(strategy or default)
        self.set("/baseline/strategy", chosen, location)

    def bundled_dataset(self, name: str, known: dict[str, Any], location: Location) -> None:
        self.set("/problem/type", known["problem"], location)
        self.set("/problem/target", "target", location)  # the bundle's name for its labels
        self.set("/data/samples", known["samples"], location)
        if "class_counts" in known:
            self.set("/data/class_counts", dict(known["class_counts"]), location)

    def data_file(self, origin: Origin, role: str) -> None:
        self.data_files.setdefault(role, origin)

    # --- fits and evaluations ---

    def compiled(self, model: KerasModel) -> None:
        self.compiled_models.append(model)

    def model_fit(self, model: KerasModel, x: Any, args: kc.Args, location: Location, loops: list[LoopFrame]) -> None:
        model.fits += 1
        model.fit_frames = tuple(loops)
        self.last_fitted = model
        self._count_trials(loops, location)
        if self.model is None:
            self.model = model
        self._fit_on("/model/fit_on", _model_role(x), self.locate(args.node("x", 0)))
        if model is self.model:
            for key, position in (("epochs", 3), ("batch_size", 2)):
                value = kc.integer(args.get(key, position))
                if value is not None and value >= (0 if key == "epochs" else 1):
                    self.set(f"/model/{key}", value, self.locate(args.node(key, position)))
        share = kc.number(args.get("validation_split", 7))
        if share is not None and 0 < share < 1:
            where = self.locate(args.node("validation_split", 7))
            self.set("/splits/keras_validation_split", share, where)
            self.split_event("keras")
            ordered = x.ordered_by if isinstance(x, Rows) else None
            if ordered is not None:
                self.set("/data/ordered_by", ordered, where)
        validation = args.get("validation_data", 8)
        first = validation.items[0] if isinstance(validation, Items) and validation.items else validation
        if isinstance(first, Rows) and first.role in ("test", "validation"):
            self.set("/tuning/validation_data", first.role, self.locate(args.node("validation_data", 8)),
                     replace=first.role == "test")
        callbacks = args.get("callbacks", 5)
        for callback in callbacks.items if isinstance(callbacks, Items) else []:
            if isinstance(callback, Callback):
                self._callback(callback)

    def _callback(self, callback: Callback) -> None:
        if callback.kind == "early_stopping":
            for key, value in callback.fields.items():
                self.set(f"/model/early_stopping/{key}", value, callback.locations[key])
            monitor = callback.fields.get("monitor")
            if isinstance(monitor, str) and monitor.startswith("val_") and monitor != "val_loss":
                self.set("/metric/name", monitor[len("val_"):], callback.locations["monitor"])
        elif callback.kind == "csv_logger" and callback.fields.get("file"):
            self.history_files.append((callback.fields["file"], callback.locations["file"]))

    def estimator_fit(self, estimator: Estimator, rows: Any, args: kc.Args, location: Location,
                      loops: list[LoopFrame]) -> None:
        estimator.fits += 1
        estimator.fit_frames = tuple(loops)
        if estimator.kind != "step":
            self.last_fitted = estimator
        role = rows.role if isinstance(rows, Rows) else None
        location = self.locate(args.node("X", 0))
        if estimator.kind == "step":
            self.fitted_step(estimator.step_index, rows, location, loops)
        elif estimator.kind == "pipeline":
            self._pipeline_fit(estimator, role, location, loops)
        elif estimator.kind == "model":
            self._count_trials(loops, location)
            self._fit_on("/model/fit_on", role if role != "all" else None, location)
        elif estimator.kind == "search":
            self._search(estimator, role, location, loops)

    def _pipeline_fit(self, pipeline: Estimator, role: str | None, location: Location, loops: list[LoopFrame]) -> None:
        for step in pipeline.steps:
            if step.kind == "step":
                self.fitted_step(step.step_index, None, location, loops, role)
            elif step.kind == "pipeline":
                self._pipeline_fit(step, role, location, loops)
            elif step.kind == "model":
                self._fit_on("/model/fit_on", role if role != "all" else None, location)

    def _search(self, search: Estimator, role: str | None, location: Location, loops: list[LoopFrame]) -> None:
        params = search.params
        self._protocol(params.get("cv"), location)
        self.scoring(params.get("scoring"), params.get("scoring_location") or location)
        grid = params.get("grid")
        trials = grid_size(grid) if grid is not None else (kc.integer(params.get("n_iter")) or 10)
        if trials:
            self.set("/tuning/trials", trials, location)
        self.split_event("cv")
        for inner in search.steps:
            if inner.kind == "pipeline":
                self._pipeline_fit(inner, "test" if role == "test" else "train", location, loops)
            elif role == "test":
                self._fit_on("/model/fit_on", "test", location)

    def cross_validation(self, estimator: Any, rows: Any, cv: Any, cv_node: Any, location: Location,
                         loops: list[LoopFrame]) -> None:
        role = rows.role if isinstance(rows, Rows) else None
        self._protocol(cv, location)
        self.split_event("cv")
        if isinstance(estimator, Estimator) and estimator.kind == "pipeline":
            self._pipeline_fit(estimator, "test" if role == "test" else "train", location, loops)
        elif role == "test":
            self._fit_on("/model/fit_on", "test", location)

    def scoring(self, scoring: Any, location: Location) -> None:
        """scikit-learn's `scoring="roc_auc"` names the success metric (`neg_` losses as errors)."""
        name = kc.text(scoring)
        if name:
            self.set("/metric/name", name.removeprefix("neg_"), location)

    def _protocol(self, cv: Any, location: Location) -> None:
        if isinstance(cv, Splitter):
            self.set("/protocol/type", cv.protocol, cv.location)
            if cv.folds is not None:
                self.set("/protocol/folds", cv.folds, cv.location)
            if cv.method == "time":
                self.set("/splits/method", "time", cv.location)
            return
        folds = kc.integer(cv) if cv is not None else 5
        if folds is not None and folds >= 2:
            self.set("/protocol/type", "kfold", location)
            self.set("/protocol/folds", folds, location)

    def _count_trials(self, loops: list[LoopFrame], location: Location) -> None:
        count = _repetitions(loops)
        if count > 1 and count > (self.trials or 0):
            self.trials, self.trials_location = count, location

    def evaluated(self, scored: Any, rows: Any, call: Any, location: Location, loops: list[LoopFrame],
                  scoring: bool = True) -> None:
        """A model scored on (or, `scoring` False, predicting) `rows`. Test rows count once per model
        and fit; a score inside a loop that also refits the model counts once per iteration, while
        predictions alone never multiply (an ensemble averages them and is scored once)."""
        if not isinstance(rows, Rows) or rows.role != "test":
            return
        self._count_evaluation(scored, location, loops if scoring else [])

    def metric_on_test(self, location: Location, loops: list[LoopFrame]) -> None:
        """A `sklearn.metrics` function given the test labels: it scores the model fit last."""
        self._count_evaluation(self.last_fitted, location, loops)

    def _count_evaluation(self, scored: Any, location: Location, loops: list[LoopFrame]) -> None:
        key = (id(scored), getattr(scored, "fits", 0)) if scored is not None else "unknown"
        repeated = 1
        if scored is not None:
            shared = [frame for frame in getattr(scored, "fit_frames", ()) if frame in loops]
            repeated = _repetitions(shared)
        self.evaluations[key] = max(self.evaluations.get(key, 0), repeated)
        if sum(self.evaluations.values()) > 1 and self.evaluation_location is None:
            self.evaluation_location = location

    # --- splits ---

    def train_test_split(self, args: kc.Args, arrays: list[Any], locate: Any) -> str:
        """Record a `train_test_split`; returns the role of the rows it holds out."""
        first = next((value for value in arrays if isinstance(value, Rows)), None)
        parent = first.role if first is not None else None
        named = {role for role in map(_name_role, self.target_names[1::2]) if role is not None}
        held_out = named.pop() if len(named) == 1 else ("validation" if parent == "train" else "test")
        where = locate(args.call)
        size_node = "test_size" if args.has("test_size") else "train_size" if args.has("train_size") else None
        share = kc.number(args.get(size_node)) if size_node else 0.25
        if size_node == "train_size" and share is not None and share < 1:
            share = 1 - share
        location = locate(args.node(size_node)) if size_node else where
        if share is not None and 0 < share < 1:
            if held_out == "test":
                self.test_share = share
                self.set("/splits/test", round(share, 6), location)
            elif held_out == "validation":
                of_rest = 1 - self.test_share if parent == "train" and self.test_share is not None else (
                    1.0 if parent != "train" else None)
                if of_rest is not None:
                    self.set("/splits/validation", round(share * of_rest, 6), location)
        stratify = args.get("stratify")
        shuffle = kc.boolean(args.get("shuffle"))
        if shuffle is False:
            self.set("/splits/shuffle", False, locate(args.node("shuffle")))
        elif args.has("stratify") and not (stratify is not None and getattr(stratify, "value", 0) is None):
            self.set("/splits/method", "stratified", locate(args.node("stratify")))
        else:
            self.set("/splits/method", "random", where)
        self.split_event("holdout")
        return held_out

    # --- the record ---

    def record(self, base: str) -> tuple[dict[str, Any], dict[str, Location]]:
        """The record's data (nested sections) and the location of each field, by record pointer."""
        self._settle_pending()
        model = self.model or (self.compiled_models[-1] if self.compiled_models else None)
        if model is not None:
            self._model_fields(model)
        total = sum(self.evaluations.values())
        if total > 0 and self.evaluation_location is not None:
            self.set("/tuning/test_evaluations", total, self.evaluation_location)
        if self.trials and self.trials_location is not None:  # both are set together
            self.set("/tuning/trials", self.trials, self.trials_location)
        self._shares()
        self._files(base)
        data: dict[str, Any] = {}
        for pointer, value in sorted(self.values.items()):
            _put(data, pointer, value)
        if self.steps:
            data.setdefault("data", {})["preprocessing"] = [
                {**step, **({"fit_on": self.values[f"/data/preprocessing/{i}/fit_on"]}
                            if f"/data/preprocessing/{i}/fit_on" in self.values else {})}
                for i, step in enumerate(self.steps)]
        return data, dict(self.locations)

    def _settle_pending(self) -> None:
        for pending in self.pending:
            after = [kind for sequence, kind in self.splits_seen if sequence > pending.sequence]
            if after:
                self.set(pending.pointer, "all" if after[0] == "holdout" else "train+validation", pending.location)

    def _model_fields(self, model: KerasModel) -> None:
        if model.layers:
            self.locations["/model/layers"] = model.location
            for index, layer in enumerate(model.layers):
                for key, location in layer.locations.items():
                    self.locations[f"/model/layers/{index}" + (f"/{key}" if key else "")] = location
            self.values["/model/layers"] = [dict(layer.fields) for layer in model.layers]
        for key in ("loss", "optimizer", "metrics"):
            if key in model.compiled:
                self.values[f"/model/{key}"] = model.compiled[key]
        for pointer, location in model.locations.items():
            self.locations["/model" + pointer] = location

    def _shares(self) -> None:
        """The train share as what the hold-out splits leave; Keras' validation split of the rest."""
        test = self.values.get("/splits/test")
        validation = self.values.get("/splits/validation")
        keras = self.values.get("/splits/keras_validation_split")
        if not all(isinstance(v, float) or v is None for v in (test, validation)):
            return
        rest = 1 - (test or 0) - (validation or 0)
        if keras is not None and validation is None:
            self.set("/splits/validation", round(rest * keras, 6), self.locations["/splits/keras_validation_split"])
            rest *= 1 - keras
        if test is not None or "/splits/validation" in self.values:
            anchor = self.locations.get("/splits/test") or self.locations["/splits/validation"]
            self.set("/splits/train", round(rest, 6), anchor)

    def _files(self, base: str) -> None:
        """Data and history files named by literal paths, kept only when they exist beside the script."""
        def exists(path: str) -> bool:
            return os.path.isfile(os.path.join(base, path))

        everything = self.data_files.get("all")
        if everything is not None and everything.path and everything.path_location is not None \
                and exists(everything.path):
            self.set("/data/path", everything.path, everything.path_location)
        elif "all" not in self.data_files:
            for role in ("train", "validation", "test"):
                origin = self.data_files.get(role)
                if origin is not None and origin.path and origin.path_location is not None and exists(origin.path):
                    self.set(f"/splits/files/{role}", origin.path, origin.path_location)
        named = next((origin for origin in self.data_files.values() if origin.target), None)
        if named is not None and named.target_location is not None:  # set with the target
            self.set("/problem/target", named.target, named.target_location)
        for path, location in self.history_files:
            if exists(path):
                self.set("/history/file", path, location)
                break


def _model_role(x: Any) -> str | None:
    role = x.role if isinstance(x, Rows) else None
    return None if role == "all" else role


def _repetitions(frames: list[LoopFrame]) -> int:
    """How often code inside `frames` runs: the product of known loop counts (cross-validation folds
    and loops of unknown length count once)."""
    count = 1
    for frame in frames:
        if frame.folds or frame.count is None:
            continue
        count *= frame.count
    return count


def _name_role(name: str) -> str | None:
    from advisor.readers.source.values import role_of_name

    role = role_of_name(name)
    return role if role in ("validation", "test") else None


def _put(data: dict[str, Any], pointer: str, value: Any) -> None:
    parts = pointer.strip("/").split("/")
    if parts[:2] == ["data", "preprocessing"]:
        return
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
