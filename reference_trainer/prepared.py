"""An experiment made ready to train: data loaded, target encoded, rows split, preprocessing fit
per evaluation unit (the hold-out pair, or each fold), the model spec checked against the data."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from advisor.facts import inferred_problem_type, success_metric
from advisor.names import canonical_metric
from reference_trainer.data import Dataset, Targets, encode_targets, load_dataset
from reference_trainer.errors import TrainerError, located_error
from reference_trainer.model import ModelSpec, check_memory, check_model, spec_from_record
from reference_trainer.preprocess import Preprocessor, fit_preprocessor, steps_from_record
from reference_trainer.scoring import DEFAULT_METRICS, SCORED_METRICS
from reference_trainer.splits import RowSplit, fold_rows, split_rows

CATEGORICAL_LOSSES = ("categorical_crossentropy", "categorical_focal_crossentropy")


@dataclass
class Unit:
    """One (training rows, validation rows) pair with the preprocessing fit on its training rows."""

    name: str
    train: np.ndarray
    validation: np.ndarray
    preprocessor: Preprocessor
    x_train: np.ndarray
    x_val: np.ndarray


@dataclass
class Prepared:
    """Everything the stages share.

    Args:
        record_path: The record, for messages.
        kind: The problem type.
        metric: The success metric (canonical).
        dataset, targets, rows: The data, its encoded target and the train/validation/test rows.
        units: The evaluation units of the protocol (one for hold-out, one per fold).
        spec: The declared model.
        notes: What the trainer assumed where the record is silent.
    """

    record_path: str
    kind: str
    metric: str
    dataset: Dataset
    targets: Targets
    rows: RowSplit
    units: list[Unit]
    spec: ModelSpec
    seed: int
    steps: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def kfold(self) -> bool:
        return len(self.units) > 1

    def keras_targets(self, spec: ModelSpec, rows: np.ndarray) -> np.ndarray:
        """Targets in the shape the loss takes: one-hot for categorical crossentropy, class
        indices for sparse, 0/1 columns for a one-unit binary output, values for regression."""
        values = self.targets.values[rows]
        if self.kind in ("binary_classification", "multiclass_classification"):
            if spec.loss in CATEGORICAL_LOSSES:
                width = max(spec.output.units or 0, self.targets.class_count)
                return np.eye(width, dtype="float32")[values]
            if spec.loss == "sparse_categorical_crossentropy":
                return values
            return values.astype("float32")[:, None] if spec.output.units == 1 else values.astype("float32")
        if values.ndim == 1:
            return values[:, None]
        return values

    def final_inputs(self) -> tuple[Preprocessor, np.ndarray, np.ndarray]:
        """Preprocessing fit on train+validation, with the inputs of those rows and of the test rows."""
        pool = np.concatenate([self.rows.train, self.rows.validation])
        preprocessor = fit_preprocessor(self.steps, self.dataset.features, pool, pool[:0], self.dataset.source)
        frame = self.dataset.features
        return preprocessor, preprocessor.transform(frame.iloc[pool]), preprocessor.transform(frame.iloc[self.rows.test])


def prepare(experiment, record_path: str, seed: int) -> Prepared:
    """Load, encode, split and check the record's experiment.

    Raises:
        TrainerError: no data, no target, labels contradicting the type, a model that cannot be built.
    """
    notes: list[str] = []
    kind = inferred_problem_type(experiment)
    if kind is None:
        raise TrainerError(record_path, "the problem type is neither declared (problem.type) nor implied by the labels "
                                        "or the model; declare problem.type")
    dataset = load_dataset(experiment, record_path)
    _check_time_order(experiment, dataset, record_path)
    try:
        targets = encode_targets(dataset, kind, record_path)
    except TrainerError as exc:
        raise located_error(experiment, record_path, "/problem/type", exc.message) from None
    metric = success_metric(experiment)
    if metric is None or metric not in SCORED_METRICS:
        chosen = DEFAULT_METRICS[kind]
        notes.append(f"success metric {metric or '(none)'} replaced by {chosen}, which the trainer can compute")
        metric = chosen
    labels = targets.values if kind in ("binary_classification", "multiclass_classification") else None
    rows = split_rows(experiment, labels, dataset.groups, dataset.split, len(dataset.target), seed, record_path)
    if len(rows.train) == 0:
        raise TrainerError(record_path, "no training rows: the split column or split files name none")
    protocol = experiment.protocol.type if experiment.protocol is not None else None
    steps = steps_from_record(experiment)
    if protocol in ("kfold", "iterated_kfold"):
        pool = np.concatenate([rows.train, rows.validation])
        pairs = fold_rows(experiment, np.sort(pool), labels, dataset.groups, seed, record_path)
        names = [f"fold {i + 1}/{len(pairs)}" for i in range(len(pairs))]
    else:
        pairs, names = [(rows.train, rows.validation)], ["hold-out"]
    units = []
    for name, (train, validation) in zip(names, pairs):
        pre = fit_preprocessor(steps, dataset.features, train, validation, dataset.source)
        frame = dataset.features
        units.append(Unit(name, train, validation, pre, pre.transform(frame.iloc[train]), pre.transform(frame.iloc[validation])))
    try:
        spec = spec_from_record(experiment.model, (canonical_metric(metric) or metric,),
                                kind == "multilabel_classification")
        check_model(spec)
    except ValueError as exc:
        raise located_error(experiment, record_path, "/model", str(exc)) from None
    if experiment.model.epochs == 0:
        raise located_error(experiment, record_path, "/model/epochs",
                            "model.epochs is 0: nothing would be trained; declare 1 or more epochs")
    try:
        check_memory(spec, units[0].x_train.shape[1])
    except ValueError as exc:  # at the widest layer's units: the declaration to shrink
        widest = max(range(len(spec.layers)), key=lambda i: spec.layers[i].units or 0)
        raise located_error(experiment, record_path, f"/model/layers/{widest}/units", str(exc)) from None
    try:
        _check_output(spec, kind, targets, record_path)
    except TrainerError as exc:
        last = max(i for i, layer in enumerate(spec.layers) if layer.units is not None)
        raise located_error(experiment, record_path, f"/model/layers/{last}/units", exc.message) from None
    return Prepared(record_path, kind, metric, dataset, targets, rows, units, spec, seed, steps, notes)


def _check_output(spec: ModelSpec, kind: str, targets: Targets, record_path: str) -> None:
    """Refuse output layers whose shape cannot take the targets (Keras would fail mid-run)."""
    units = spec.output.units
    assert units is not None  # the output layer is the last layer with units
    classes = targets.class_count
    if kind == "multilabel_classification" and units != classes:
        raise TrainerError(record_path, f"the output layer has {units} units but the data has {classes} labels")
    if spec.loss in CATEGORICAL_LOSSES + ("sparse_categorical_crossentropy",) and kind != "multilabel_classification" \
            and units < classes:
        raise TrainerError(record_path, f"the output layer has {units} units but {spec.loss} over the data needs "
                                        f"{classes} (one per class)")
    if kind in ("regression", "bounded_regression"):
        width = 1 if targets.values.ndim == 1 else targets.values.shape[1]
        if units != width:
            raise TrainerError(record_path, f"the output layer has {units} units but the data has {width} target(s)")


def _check_time_order(experiment, dataset: Dataset, record_path: str) -> None:
    """Refuse a time split the trainer would draw without knowing the rows' time order."""
    splits, data = experiment.splits, experiment.data
    if splits is None or splits.method != "time" or (data is not None and data.time_column):
        return
    if data is not None and (data.ordered_by == "time" or data.time_ordered):
        return  # the file's row order is the time order
    kfold = experiment.protocol is not None and experiment.protocol.type in ("kfold", "iterated_kfold")
    if dataset.split is None or kfold:
        raise located_error(experiment, record_path, "/splits/method",
                            "splits.method is time but nothing gives the rows' time order: declare data.time_column "
                            "(the column to sort by), or data.ordered_by: time if the rows are already in time order")
