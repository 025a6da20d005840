"""Facts derived from a record that several rules share: the output layer, the loss in canonical
form, the problem type (declared or inferred), the label encoding, the number of classes.

Rule packs use these instead of re-deriving them, so every rule reads a record the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.names import (
    BINARY_CROSSENTROPY_LOSSES, CATEGORICAL_CROSSENTROPY_LOSSES, DENSE_LAYER_TYPES, REGRESSION_LOSSES,
    canonical_activation, canonical_layer_type, canonical_loss,
)
from advisor.record import Experiment, Layer


@dataclass(frozen=True)
class OutputLayer:
    """The model's last weighted layer and the activation applied after it."""

    index: int
    layer: Layer
    units: int | None
    activation: str  # canonical; "linear" when absent
    #: Record pointers: the layer, and the field that sets its activation.
    pointer: str
    activation_pointer: str


@dataclass(frozen=True)
class LossFact:
    name: str  # canonical
    from_logits: bool
    pointer: str


def output_layer(experiment: Experiment) -> OutputLayer | None:
    """The last dense layer, with a trailing `activation` layer folded in; None without layers."""
    model = experiment.model
    if model is None or not model.layers:
        return None
    trailing_activation: tuple[int, str] | None = None
    for index in range(len(model.layers) - 1, -1, -1):
        layer = model.layers[index]
        kind = canonical_layer_type(layer.type)
        if kind == "activation" and trailing_activation is None:
            trailing_activation = (index, canonical_activation(layer.activation))
            continue
        if kind in DENSE_LAYER_TYPES:
            pointer = f"/model/layers/{index}"
            activation = canonical_activation(layer.activation)
            activation_pointer = f"{pointer}/activation"
            if trailing_activation is not None and activation == "linear":
                activation = trailing_activation[1]
                activation_pointer = f"/model/layers/{trailing_activation[0]}/activation"
            return OutputLayer(index, layer, layer.units, activation, pointer, activation_pointer)
    return None


def hidden_dense_layers(experiment: Experiment) -> list[tuple[int, Layer]]:
    """Dense layers before the output layer."""
    out = output_layer(experiment)
    if out is None or experiment.model is None or not experiment.model.layers:
        return []
    return [(i, layer) for i, layer in enumerate(experiment.model.layers[: out.index])
            if canonical_layer_type(layer.type) in DENSE_LAYER_TYPES]


def loss(experiment: Experiment) -> LossFact | None:
    model = experiment.model
    if model is None or model.loss is None:
        return None
    return LossFact(canonical_loss(model.loss.name) or "", bool(model.loss.from_logits), "/model/loss")


def label_encoding(experiment: Experiment) -> str | None:
    """How targets are encoded: declared in problem.labels, else found in the data."""
    if experiment.problem and experiment.problem.labels:
        return experiment.problem.labels
    if experiment.data and experiment.data.target and experiment.data.target.encoding:
        return experiment.data.target.encoding
    return None


def class_count(experiment: Experiment) -> int | None:
    """Classes (single-label) or labels (multilabel): declared, else counted in the data."""
    if experiment.problem and experiment.problem.classes:
        return experiment.problem.classes
    data = experiment.data
    if data is not None:
        if data.class_counts:
            return len(data.class_counts)
        if data.target is not None:
            if data.target.encoding in ("one_hot", "multi_hot") and data.target.columns:
                return data.target.columns
            if data.target.encoding == "integer" and data.target.distinct:
                return data.target.distinct
    return None


def problem_type(experiment: Experiment) -> str | None:
    """The declared problem type, else one the labels imply. Never inferred from the model, so the
    model rules can judge the model against it."""
    if experiment.problem and experiment.problem.type:
        return experiment.problem.type
    encoding = label_encoding(experiment)
    if encoding == "multi_hot":
        return "multilabel_classification"
    if encoding == "one_hot":
        return "multiclass_classification"
    if encoding == "continuous":
        return None  # regression or bounded regression: the labels alone cannot say which
    if encoding == "integer" or (experiment.data and experiment.data.class_counts):
        classes = class_count(experiment)
        if classes == 2:
            return "binary_classification"
        if classes is not None and classes > 2:
            return "multiclass_classification"
    return None


def problem_type_from_model(experiment: Experiment) -> str | None:
    """The problem type a model's output layer and loss imply, when they agree on one."""
    out = output_layer(experiment)
    fact = loss(experiment)
    if out is None or fact is None:
        return None
    act, units = out.activation, out.units
    if fact.name in CATEGORICAL_CROSSENTROPY_LOSSES and (act == "softmax" or fact.from_logits) and (units or 0) >= 2:
        return "multiclass_classification"
    if fact.name in BINARY_CROSSENTROPY_LOSSES and (act == "sigmoid" or fact.from_logits):
        if units == 1:
            return "binary_classification"
        if units and units > 1:
            return "multilabel_classification"
    if fact.name in REGRESSION_LOSSES and act == "linear":
        return "regression"
    if fact.name in REGRESSION_LOSSES and act == "sigmoid":
        return "bounded_regression"
    return None


def inferred_problem_type(experiment: Experiment) -> str | None:
    """Declared, else implied by the labels, else by the model."""
    return problem_type(experiment) or problem_type_from_model(experiment)


@dataclass(frozen=True)
class ScoreFact:
    """A score in the success metric, and where it came from."""

    value: float
    #: What the score was taken from: "final.validation_score", "history.<key>" or "tuning.trials".
    source: str
    pointer: str


def metric_goal_of(experiment: Experiment) -> str | None:
    """"maximize" or "minimize": declared in metric.goal, else known for the metric's name."""
    from advisor.names import metric_goal

    metric = experiment.metric
    if metric is None:
        return None
    return metric.goal or metric_goal(metric.name)


def validation_score(experiment: Experiment) -> ScoreFact | None:
    """The model's validation score in the success metric: final.validation_score, else the best
    epoch of the metric's validation series in the history, else the best tuning trial.

    Returns None when none of them is there, or when picking "the best" needs a metric goal that
    is neither declared nor known.
    """
    import math

    from advisor.names import canonical_metric

    final = experiment.final
    if final is not None and final.validation_score is not None:
        return ScoreFact(final.validation_score, "final.validation_score", "/final/validation_score")
    metric = experiment.metric
    goal = metric_goal_of(experiment)
    if metric is None or metric.name is None or goal is None:
        return None
    best = max if goal == "maximize" else min
    wanted = canonical_metric(metric.name)
    if experiment.history is not None:
        for key, values in experiment.history.series.items():
            finite = [v for v in values if math.isfinite(v)]
            if key.startswith("val_") and finite and canonical_metric(key[4:]) == wanted:
                return ScoreFact(best(finite), f"history.{key}", f"/history/{key}")
    trials = experiment.tuning.trials if experiment.tuning is not None else None
    if isinstance(trials, list):
        scored = [(trial.score, index) for index, trial in enumerate(trials)
                  if trial.score is not None and math.isfinite(trial.score)]
        if scored:
            score, index = best(scored, key=lambda pair: pair[0])
            return ScoreFact(score, "tuning.trials", f"/tuning/trials/{index}/score")
    return None
