"""Facts derived from a record that several rules share: the output layer, the loss in canonical
form, the problem type (declared or inferred), the label encoding, the number of classes.

Rule packs use these instead of re-deriving them, so every rule reads a record the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.names import (
    ACTIVATION_LAYER_TYPES, BINARY_CROSSENTROPY_LOSSES, CATEGORICAL_CROSSENTROPY_LOSSES, DENSE_LAYER_TYPES,
    REGRESSION_LOSSES,
    canonical_activation, canonical_layer_type, canonical_loss,
)
from advisor.record import DataSplit, Experiment, Feature, Layer


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
    """The last dense layer, with a trailing activation layer (`Activation`, `Softmax`, `ReLU`, ...)
    folded in; None without layers."""
    model = experiment.model
    if model is None or not model.layers:
        return None
    trailing_activation: tuple[int, str] | None = None
    for index in range(len(model.layers) - 1, -1, -1):
        layer = model.layers[index]
        kind = canonical_layer_type(layer.type)
        applied = applied_activation(kind, layer)
        if applied is not None:
            if trailing_activation is None:
                trailing_activation = (index, applied)
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


def applied_activation(kind: str, layer: Layer) -> str | None:
    """The activation an activation layer (`Activation`, `Softmax`, `ReLU`, ...) applies, canonical.

    Args:
        kind: the layer's canonical type (`canonical_layer_type(layer.type)`).
        layer: the layer.

    Returns:
        The canonical activation, or None when the layer is no activation layer.
    """
    if kind not in ACTIVATION_LAYER_TYPES:
        return None
    return ACTIVATION_LAYER_TYPES[kind] or canonical_activation(layer.activation)


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


def target_count(experiment: Experiment) -> int | None:
    """Regression targets: the target columns found in the data, else 1 when one target column is
    named (data.target_column or problem.target); None when nothing says."""
    data = experiment.data
    if data is not None and data.target is not None and data.target.columns:
        return data.target.columns
    if (data is not None and data.target_column) or (experiment.problem is not None and experiment.problem.target):
        return 1
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
    #: The epoch (1-based) the score was taken from, when it came from the history.
    epoch: int | None = None


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
    final = experiment.final
    if final is not None and final.validation_score is not None:
        return ScoreFact(final.validation_score, "final.validation_score", "/final/validation_score")
    metric = experiment.metric
    goal = metric_goal_of(experiment)
    if metric is None or metric.name is None or goal is None:
        return None
    key = history_key(experiment, metric.name, validation=True)
    if key is not None and experiment.history is not None:
        from advisor.curves import best_epoch

        values = experiment.history.get(key) or []
        epoch = best_epoch(values, goal)
        if epoch is not None:
            return ScoreFact(values[epoch], f"history.{key}", f"/history/{key}/{epoch}", epoch + 1)
    trial = best_trial(experiment, goal)
    if trial is not None:
        return ScoreFact(trial[0], "tuning.trials", f"/tuning/trials/{trial[1]}/score")
    return None


def best_trial(experiment: Experiment, goal: str) -> tuple[float, int] | None:
    """The best finite score among the listed tuning trials.

    Args:
        experiment: the record.
        goal: "maximize" or "minimize", the success metric's goal.

    Returns:
        `(score, trial_index)`, or None when no listed trial has a finite score.
    """
    import math

    trials = experiment.tuning.trials if experiment.tuning is not None else None
    if not isinstance(trials, list):
        return None
    scored = [(trial.score, index) for index, trial in enumerate(trials)
              if trial.score is not None and math.isfinite(trial.score)]
    if not scored:
        return None
    return (max if goal == "maximize" else min)(scored, key=lambda pair: pair[0])


def metric_of_key(key: str) -> str | None:
    """The canonical metric a history key logs, on training or validation data:
    `val_binary_accuracy` -> accuracy, `auc_1` -> auc (Keras numbers a second instance)."""
    import re

    from advisor.names import canonical_metric

    return canonical_metric(re.sub(r"_\d+$", "", key[4:] if key.startswith("val_") else key))


def history_key(experiment: Experiment, metric: str | None, validation: bool) -> str | None:
    """The history key that logs `metric` on the training (`validation=False`) or validation data.

    Matches Keras 3 spellings: the exact name (`val_accuracy`), an alias (`binary_accuracy`,
    `mean_absolute_error`), a numbered instance (`auc_1`). Keras 3 may log the compiled metrics
    under `compile_metrics`; that key is taken only for the success metric (`metric.name`), when it
    is the sole metric the history logs on that data and the model declares no other metric.

    Args:
        experiment: the record.
        metric: a metric name as written in the record (`accuracy`, `loss`...).
        validation: whether to look for the `val_` series.

    Returns:
        The key, or None when the history does not log the metric.
    """
    history = experiment.history
    if history is None or not metric:
        return None
    keys = [key for key in history.names if key.startswith("val_") == validation]
    prefix = "val_" if validation else ""
    if prefix + metric in keys:
        return prefix + metric
    from advisor.names import canonical_metric

    wanted = canonical_metric(metric)
    for key in keys:
        if metric_of_key(key) == wanted:
            return key
    metric_keys = [key for key in keys if metric_of_key(key) not in ("loss", "learning_rate", "lr")]
    if metric_keys != [prefix + "compile_metrics"] or wanted == "loss":
        return None
    success = canonical_metric(experiment.metric.name) if experiment.metric is not None else None
    compiled = experiment.model.metrics if experiment.model is not None else None
    if wanted == success and (compiled is None or [canonical_metric(m) for m in compiled] == [wanted]):
        return metric_keys[0]
    return None


def class_counts_in(experiment: Experiment, split: DataSplit) -> dict[str, int] | None:
    """Samples per class in `split` (`splits.class_counts`), else in the whole data
    (`observed_class_counts`); None when neither is known.

    Args:
        split: "train", "validation" or "test".
    """
    if experiment.splits is not None and experiment.splits.class_counts:
        counts = experiment.splits.class_counts.get(split)
        if counts:
            return dict(counts)
    return observed_class_counts(experiment)


def majority_share(experiment: Experiment, split: DataSplit = "train") -> float | None:
    """The share of the largest class in `split` (class counts per split when known, else the
    whole data's class counts): the accuracy of always predicting the majority class."""
    counts = class_counts_in(experiment, split)
    total = sum(counts.values()) if counts else 0
    if counts is None or total <= 0:
        return None
    return max(counts.values()) / total


def input_features(experiment: Experiment) -> list[tuple[int, Feature]]:
    """The profiled features a model takes as input, with their index in data.features: every
    feature except the target, split, time and group columns."""
    data = experiment.data
    if data is None or not data.features:
        return []
    problem_target = experiment.problem.target if experiment.problem is not None else None
    excluded = {data.target_column, problem_target, data.split_column, data.time_column, data.group_column}
    return [(index, feature) for index, feature in enumerate(data.features) if feature.name not in excluded]


def regularization(experiment: Experiment) -> list[str] | None:
    """What regularizes the model: dropout layers, L1/L2 penalties, weight decay, early stopping.

    Returns:
        Descriptions such as "dropout 0.3 (layer 1)", "early stopping"; an empty list when the model
        is described and nothing regularizes it; None when the record does not describe the model's
        layers (nothing can be said).
    """
    from advisor.names import DROPOUT_LAYER_TYPES

    model = experiment.model
    if model is None:
        return None
    found: list[str] = []
    if model.early_stopping is not None:
        found.append("early stopping")
    if model.optimizer is not None and model.optimizer.weight_decay:
        found.append(f"weight decay {model.optimizer.weight_decay:g}")
    for index, layer in enumerate(model.layers or []):
        if canonical_layer_type(layer.type) in DROPOUT_LAYER_TYPES and (layer.rate is None or layer.rate > 0):
            found.append(f"dropout {layer.rate if layer.rate is not None else ''} (layer {index})".replace("  ", " "))
        for penalty in ("l1", "l2"):
            if getattr(layer, penalty):
                found.append(f"{penalty} {getattr(layer, penalty):g} (layer {index})")
    if not found and not model.layers:
        return None
    return found


def present_pointer(experiment: Experiment, *candidates: str) -> str:
    """The first of `candidates` whose value the record holds (so a finding lands on the line a
    user edits), else the last candidate, which the engine locates at its closest enclosing value."""
    sources = experiment.sources
    for pointer in candidates:
        if pointer in sources:
            return pointer
    return candidates[-1]


# --- the plan: splits, sample counts, classes, logged metrics ------------------------------------

#: Record sections that describe an experiment's plan rather than one of its artifacts.
PLAN_SECTIONS = ("problem", "data", "splits", "protocol", "metric", "baseline", "tuning", "final")
SPLIT_NAMES = ("train", "validation", "test")


def declares_plan(experiment: Experiment) -> bool:
    """Whether the record describes an experiment, not only artifacts of one.

    A lone `.keras` archive or training log becomes a record with just `model` or `history`; the
    *-missing rules stay silent on it, since it never claimed to describe a whole experiment (an
    MLflow run that logs nothing but metrics and a model is read the same way). A record file
    always claims to describe one, however little it declares (say only `model: {epochs: 10}`),
    and so does a record with neither artifacts nor plan: everything missing is then worth saying.

    Returns:
        False only when the record holds a model, a history or a tuning section read from a
        tuner's files, none of the other `PLAN_SECTIONS`, and its `model`, `history` and
        `tuning` sections were not written in the record's own file.
    """
    if any(getattr(experiment, section) is not None for section in PLAN_SECTIONS if section != "tuning"):
        return True
    if experiment.model is None and experiment.history is None and experiment.tuning is None:
        return True
    for section in ("/model", "/history", "/tuning"):  # a tuner's own files only fill `tuning`
        written = experiment.sources.exact(section)
        if written is not None and written.path == experiment.path:
            return True
    return False


def success_metric(experiment: Experiment) -> str | None:
    """The success metric's canonical name (`metric.name`), or None when none is declared."""
    from advisor.names import canonical_metric

    if experiment.metric is None or not experiment.metric.name:
        return None
    return canonical_metric(experiment.metric.name)


def split_samples(experiment: Experiment) -> dict[str, int]:
    """Samples in each split that the record lets one count.

    `splits.<name>` is a count, or a fraction of `data.samples` when it is a float in (0, 1]; when
    it is absent, the split's `splits.class_counts` are summed.

    Returns:
        Split name ("train", "validation", "test") -> samples, for the splits that can be counted.
    """
    splits = experiment.splits
    if splits is None:
        return {}
    total = experiment.data.samples if experiment.data is not None else None
    counted: dict[str, int] = {}
    for name in SPLIT_NAMES:
        size = getattr(splits, name)
        if isinstance(size, float) and 0 < size <= 1:
            if total is not None:
                counted[name] = _share_of(size, total)
        elif size is not None:
            counted[name] = int(size)
        elif splits.class_counts and name in splits.class_counts:
            counted[name] = sum(splits.class_counts[name].values())
    return counted


def _share_of(fraction: float, total: int) -> int:
    """`fraction` of `total` samples, rounded; exact for counts too large for a float."""
    if total < 2 ** 53:
        return round(fraction * total)
    from fractions import Fraction

    return round(Fraction(fraction) * total)


def total_samples(experiment: Experiment) -> int | None:
    """`data.samples`, else the sum of the countable splits (None when nothing can be counted)."""
    if experiment.data is not None and experiment.data.samples is not None:
        return experiment.data.samples
    counted = split_samples(experiment)
    return sum(counted.values()) if counted else None


def observed_class_counts(experiment: Experiment) -> dict[str, int] | None:
    """Samples per class (labels: positives per label): `data.class_counts`, else the per-split
    counts of `splits.class_counts` added up; None when neither is known."""
    if experiment.data is not None and experiment.data.class_counts:
        return dict(experiment.data.class_counts)
    if experiment.splits is not None and experiment.splits.class_counts:
        summed: dict[str, int] = {}
        for counts in experiment.splits.class_counts.values():
            for label, count in counts.items():
                summed[label] = summed.get(label, 0) + count
        return summed
    return None


@dataclass(frozen=True)
class Imbalance:
    """How much the largest class outnumbers the smallest."""

    ratio: float
    largest: str
    largest_count: int
    smallest: str
    smallest_count: int


def class_imbalance(counts: dict[str, int] | None) -> Imbalance | None:
    """The largest/smallest ratio over classes with at least one sample.

    Args:
        counts: samples per class, as from `observed_class_counts`.

    Returns:
        None with fewer than two non-empty classes.
    """
    present = {label: count for label, count in (counts or {}).items() if count > 0}
    if len(present) < 2:
        return None
    largest = max(present, key=present.__getitem__)
    smallest = min(present, key=present.__getitem__)
    return Imbalance(present[largest] / present[smallest], largest, present[largest], smallest, present[smallest])


def validation_series_keys(experiment: Experiment) -> list[str]:
    """History keys that hold validation values (`val_loss`, `val_accuracy`, ...)."""
    if experiment.history is None:
        return []
    return [key for key in experiment.history.names if key.startswith("val_")]


def has_split(experiment: Experiment, name: DataSplit) -> bool:
    """Whether the record shows a split with samples in it (its size, file or class counts).

    Args:
        name: "train", "validation" or "test".
    """
    splits = experiment.splits
    if splits is None:
        return False
    size = getattr(splits, name)
    if size is not None:
        return size > 0
    if splits.files is not None and getattr(splits.files, name):
        return True
    return bool(splits.class_counts and sum(splits.class_counts.get(name, {}).values()) > 0)


def lists_splits(experiment: Experiment) -> bool:
    """Whether the record enumerates its splits (sizes, files or class counts): a split it leaves
    out of that list does not exist."""
    splits = experiment.splits
    if splits is None:
        return False
    sized = any(getattr(splits, name) is not None for name in SPLIT_NAMES)
    return sized or splits.files is not None or bool(splits.class_counts)


def uses_holdout(experiment: Experiment) -> bool:
    """Hold-out validation: `protocol.type: holdout`, or a validation split with no protocol type."""
    kind = experiment.protocol.type if experiment.protocol is not None else None
    return kind == "holdout" or (kind is None and has_split(experiment, "validation"))


def validation_plan(experiment: Experiment) -> str | None:
    """How the record plans to validate: "K-fold validation", "a validation split", or None."""
    if uses_kfold(experiment):
        return "K-fold validation"
    splits = experiment.splits
    if has_split(experiment, "validation") or (splits is not None and splits.keras_validation_split):
        return "a validation split"
    return None


def uses_kfold(experiment: Experiment) -> bool:
    """K-fold or iterated K-fold validation (`protocol.type`)."""
    return experiment.protocol is not None and experiment.protocol.type in ("kfold", "iterated_kfold")


def kfold_pool(experiment: Experiment) -> int | None:
    """Samples K-fold folds are cut from: train + validation, else all samples but the test split;
    None when neither can be counted."""
    counted = split_samples(experiment)
    if "train" in counted:
        return counted["train"] + counted.get("validation", 0)
    total = experiment.data.samples if experiment.data is not None else None
    if total is None:
        return None
    return total - counted.get("test", 0)


def holdout_validation_samples(experiment: Experiment) -> int | None:
    """The validation samples of a hold-out protocol (see `uses_holdout`); None for other protocols
    or when the validation split cannot be counted."""
    if not uses_holdout(experiment):
        return None
    return split_samples(experiment).get("validation")


def in_time_order(experiment: Experiment) -> bool:
    """Whether the samples are ordered in time: `data.time_column`, `data.time_ordered`, or a split
    by time (`splits.method: time`)."""
    data, splits = experiment.data, experiment.splits
    if data is not None and (data.time_column or data.time_ordered):
        return True
    return splits is not None and splits.method == "time"


def curve_to_judge(experiment: Experiment, key: str) -> list[float] | None:
    """The history series `key` when it is logged and long enough to judge a trend on
    (`advisor.curves.long_enough`), else None."""
    from advisor.curves import long_enough

    values = experiment.history.get(key) if experiment.history is not None else None
    return values if long_enough(values) else None


def untrained_loss(experiment: Experiment) -> float | None:
    """The loss of a model that knows nothing (uniform predictions), a natural scale for a loss's
    moves: ln 2 for binary crossentropy, ln K for a categorical crossentropy over K classes, and
    at least ln 2 for a classifier whose loss is not declared but whose history logs accuracy.

    Returns:
        None for other losses, or when neither the loss nor the class count says.
    """
    import math

    fact = loss(experiment)
    if fact is None:
        # No loss declared, but accuracy logged: a classifier, whose untrained loss (a
        # crossentropy's ln K, a hinge's 1) is at least ln 2.
        return math.log(2) if history_key(experiment, "accuracy", validation=False) else None
    if fact.name == "binary_crossentropy":
        return math.log(2)
    classes = class_count(experiment)
    if fact.name in ("categorical_crossentropy", "sparse_categorical_crossentropy") and classes and classes >= 2:
        return math.log(classes)
    return None


def learning_rate_pointer(experiment: Experiment, fallback: str) -> str:
    """The record field that sets the learning rate, or `fallback` when the record has none."""
    return present_pointer(experiment, "/model/optimizer/learning_rate", "/model/optimizer", fallback)
