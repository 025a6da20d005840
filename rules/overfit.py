"""OF: scale up until the model overfits (stage 6).

Once a model beats the baseline, the next question is whether it has enough capacity: the way to
find out is to make it overfit (more units, more layers, more epochs) and watch the validation
loss turn. These rules read that from the logged history; curves of 1-3 epochs are too short to
show a trend and are not judged (OF01 needs no trend and judges any length).
"""

from __future__ import annotations

from pydantic import Field

from advisor import Measurement, Rule, RuleOptions, Severity
from advisor.curves import best_epoch, end_value, finite_points, start_and_end, tail_improvement
from advisor.facts import (
    curve_to_judge, history_key, metric_goal_of, present_pointer, validation_score,
)
from advisor.names import perfect_score
from advisor.remedy import TRAINING, Advice, Remedy


class ValidationNotMonitored(Rule):
    """The history logs nothing on validation data: overfitting cannot be seen.

    ## What it does
    Fires when a history is logged and none of its series is a validation one (`val_loss`,
    `val_accuracy`, ...: Keras prefixes them with `val_` when `fit` gets `validation_data` or
    `validation_split`). A history without validation is expected from the final retraining on
    train+validation, so a record with `final.trained_on: train+validation` and a
    `final.validation_score` (validation was measured, during development) is not judged, unless
    `final.epochs` differs from the history's epoch count: then the history is not the final
    retraining's but a development run without validation.

    ## Why is this bad?
    The training loss always goes down. Only the validation curve shows where the model stops
    generalizing and starts memorizing, which decides the capacity, the regularization and the
    number of epochs.

    ## Anti-pattern
    ```yaml
    history:
      loss: [0.69, 0.52, 0.44, 0.39, 0.36]
      accuracy: [0.61, 0.75, 0.80, 0.83, 0.85]
    ```

    ## Best practice
    ```yaml
    splits: {method: stratified, train: 0.8, validation: 0.2}
    history:
      loss: [0.69, 0.52, 0.44, 0.39, 0.36]
      val_loss: [0.68, 0.55, 0.47, 0.43, 0.41]
      accuracy: [0.61, 0.75, 0.80, 0.83, 0.85]
      val_accuracy: [0.62, 0.73, 0.78, 0.80, 0.81]
    ```

    ## Fix
    `add_validation`: pass `validation_data` (or `validation_split`) to `fit` so Keras logs
    `val_loss` and the validation metrics.
    """

    code = "OF01"
    name = "validation-not-monitored"
    stage = 6
    severity = Severity.WARNING
    remedy = "add_validation"

    def check(self, experiment, options):
        history = experiment.history
        if history is None or history.epochs == 0:
            return
        names = history.names
        if any(name.startswith("val_") for name in names):
            return
        if self._final_retrain_log(experiment.final, history.epochs):
            return
        yield self.violation(
            f"the history logs {', '.join(names)} over {history.epochs} epochs and no validation "
            "series (val_loss, val_<metric>; threshold: at least one): overfitting cannot be seen; "
            "pass validation data to fit",
            "/history",
            logged=names, epochs=history.epochs,
        )

    @staticmethod
    def _final_retrain_log(final, epochs: int) -> bool:
        """Whether the history may be the final retraining's (train+validation, validation measured
        during development): not when the retraining ran for another number of epochs."""
        if final is None or final.trained_on != "train+validation" or final.validation_score is None:
            return False
        return final.epochs is None or final.epochs == epochs


class TrainingLossNotDecreasing(Rule):
    """The training loss barely goes down: the model is not learning.

    ## What it does
    Compares where the training loss ends (the median of its last three epochs) with its first
    epoch and fires when the end is not below `max_ratio` (0.9) of the start. Needs 4 or more
    epochs and a positive loss (the ratio of a loss that can be negative, such as cosine
    similarity, means nothing). A loss that ends above its start is diverging: when TD02 reports
    it, this finding is folded into TD02's.

    Learning is judged by the success metric too, when its training series is logged (accuracy's
    when no metric is declared): if its distance from a perfect score (1 for accuracy, AUC, F1...;
    0 for an error metric) ends below `max_ratio` of where it started, the model learns and the
    rule is silent. On small binary problems a crossentropy near 0.6 often ends at 92-95% of its
    start while training accuracy climbs from 0.5 to 0.8 and beyond.

    ## Why is this bad?
    Any model with enough capacity can at least fit its training data. A loss that stays where it
    started says the optimization is broken (learning rate too small or too large, dead units,
    labels that do not match the inputs) long before capacity or regularization matter.

    ## Anti-pattern
    ```yaml
    model:
      optimizer: {name: sgd, learning_rate: 0.000001}
    history:
      loss: [0.693, 0.692, 0.692, 0.691, 0.691, 0.690]
    ```

    ## Best practice
    ```yaml
    model:
      optimizer: {name: rmsprop, learning_rate: 0.001}
    history:
      loss: [0.693, 0.61, 0.55, 0.50, 0.47, 0.45]
    ```

    ## Fix
    `lower_learning_rate`: a learning rate too large can stall the loss near where it started;
    `advisor train --fix` trains again at a tenth of it (up to 3 times) and keeps the declared rate
    when that does not help. If the loss still does not move, check the output layer and the
    labels, and whether the rate is far too small (MC07).
    """

    code = "OF02"
    name = "training-loss-not-decreasing"
    stage = 6
    severity = Severity.ERROR
    advice_why = (
        "A training loss that does not fall means the model is not learning at all: the last layer and the "
        "loss may not fit the problem, or the learning rate is far off; no model can overfit before it "
        "learns.")
    remedy = "lower_learning_rate"

    class Options(RuleOptions):
        max_ratio: float = Field(0.9, gt=0, description="The end of the training loss must be below this share of its start.")

    def check(self, experiment, options):
        values = curve_to_judge(experiment, "loss")
        ends = start_and_end(values) if values is not None else None
        if values is None or ends is None:
            return
        start, end = ends
        if start <= 0 or end < 0:
            return
        ratio = end / start
        if ratio < options.max_ratio:
            return
        if _metric_improved(experiment, options.max_ratio):
            return
        yield self.violation(
            f"training loss ends at {end:.4g}, {ratio:.0%} of its start {start:.4g} "
            f"(threshold: below {options.max_ratio:.0%}): the model is not learning; fix the "
            "optimization (learning rate, output layer, labels) before anything else",
            "/history/loss",
            start=start, end=end, ratio=round(ratio, 4), max_ratio=options.max_ratio, epochs=len(values),
        )


def _metric_improved(experiment, max_ratio: float) -> bool:
    """Whether the training series of the success metric (of accuracy when no metric is declared)
    shows learning: its distance from a perfect score (from 0 for an error metric) ends below
    `max_ratio` of where it started. A crossentropy near 0.6 can fall slowly while the predictions
    already sort most samples right."""
    name = experiment.metric.name if experiment.metric is not None and experiment.metric.name else "accuracy"
    key = history_key(experiment, name, validation=False)
    values = curve_to_judge(experiment, key) if key is not None else None
    perfect = perfect_score(name)
    ends = start_and_end(values) if values is not None else None
    if ends is None or perfect is None:
        return False
    start, end = ends
    distance = abs(perfect - start)
    return distance > 0 and abs(perfect - end) < max_ratio * distance


class NotYetOverfitting(Rule):
    """The validation loss is still at its best in the last epochs: the model has not overfit yet.

    ## What it does
    Finds the epoch of the lowest validation loss and fires when it lies within the last
    `patience` (2) epochs of the history. Needs `val_loss` with 4 or more epochs. A run stopped by
    early stopping has its best epoch `patience` epochs before the end and is not judged.

    ## Why is this bad?
    Until the validation loss turns, nobody knows whether the model has enough capacity: it may
    still be improving, or it may be too small to ever fit the data. The workflow's next step is to
    cross the border, with more epochs, units or layers, and then regularize back.

    ## Anti-pattern
    ```yaml
    model: {epochs: 8}
    history:
      loss: [0.69, 0.55, 0.47, 0.42, 0.39, 0.37, 0.35, 0.34]
      val_loss: [0.68, 0.56, 0.49, 0.45, 0.43, 0.41, 0.40, 0.39]
    ```

    ## Best practice
    ```yaml
    model: {epochs: 12}
    history:
      loss: [0.69, 0.55, 0.47, 0.42, 0.39, 0.37, 0.35, 0.34, 0.32, 0.30, 0.29, 0.28]
      val_loss: [0.68, 0.56, 0.49, 0.45, 0.43, 0.41, 0.40, 0.41, 0.42, 0.44, 0.45, 0.47]
    ```

    ## Fix
    `scale_up`: train for more epochs, then add units or layers, until the validation loss rises.
    """

    code = "OF03"
    name = "not-yet-overfitting"
    stage = 6
    severity = Severity.INFO
    evidence = "overfitting"
    remedy = "scale_up"

    class Options(RuleOptions):
        patience: int = Field(2, ge=1, description="Epochs at the end of training in which a best validation loss counts as still improving.")

    def measure(self, experiment, options):
        """Whether training crossed the overfitting border: validation loss was best `patience` or
        more epochs before the end, or early stopping ended training before its declared epochs.
        None when neither the curve (too short) nor early stopping says."""
        model, history = experiment.model, experiment.history
        stopped_early = bool(model is not None and model.early_stopping is not None and model.epochs is not None
                             and history is not None and 0 < history.epochs < model.epochs)
        values = curve_to_judge(experiment, "val_loss")
        best = best_epoch(values) if values is not None else None
        if values is None or best is None:
            return Measurement(True, {"stopped_early": True}) if stopped_early else None
        last = finite_points(values)[-1][0]
        past_best = best <= last - options.patience
        return Measurement(stopped_early or past_best,
                           {"best_epoch": best + 1, "epochs": last + 1, "past_best": past_best,
                            "stopped_early": stopped_early, "patience": options.patience})

    def check(self, experiment, options):
        measured = self.measure(experiment, options)
        if measured is None or measured.values.get("past_best", True):
            return  # the curve cannot say, or validation loss is past its best: the border is crossed
        best, last = measured.values["best_epoch"] - 1, measured.values["epochs"] - 1
        values = experiment.history.get("val_loss")
        yield self.violation(
            f"validation loss is still at its best ({values[best]:.4g}) at epoch {best + 1} of "
            f"{last + 1}, within the last {options.patience} epochs: the model has not started to "
            "overfit, so its capacity is unknown; train longer or make it bigger until it does",
            present_pointer(experiment, "/model/epochs", "/model/layers", f"/history/val_loss/{best}"),
            best_epoch=best + 1, best_val_loss=values[best], epochs=last + 1, patience=options.patience,
        )


class Underfitting(Rule):
    """Training has plateaued with validation loss tracking it, far from a perfect score.

    ## What it does
    Fires when three things hold:
    - the training loss has plateaued: over the last `tail_share` (20%) of the epochs (at least
      two) it improved by less than `min_improvement` (1%);
    - the validation loss tracks it: where the curves end, validation over training loss is
      below `max_gap_ratio` (1.1), so the model does not overfit;
    - the validation score is far from perfect: it closes less than 1 - `min_distance` (90%) of
      the gap between the baseline and a perfect score, or, without a baseline, lies
      `min_distance` (0.1) or more below a perfect 1.0 (accuracy, AUC, F1...). For error metrics
      (MAE, MSE) without a baseline, "far" has no scale and the rule does not run.

    Needs `loss` and `val_loss` with 4 or more epochs and a validation score (see BL02).

    ## Why is this bad?
    A model whose training loss no longer improves and whose validation loss is as good as its
    training loss is not memorizing anything: it is too small (or too constrained) for the data.
    Regularizing or tuning it will not help; capacity will.

    ## Anti-pattern
    ```yaml
    metric: {name: accuracy}
    baseline: {strategy: most_frequent, score: 0.6}
    history:
      loss: [0.66, 0.58, 0.55, 0.542, 0.540, 0.539, 0.539, 0.538, 0.538, 0.538]
      val_loss: [0.65, 0.59, 0.56, 0.552, 0.550, 0.549, 0.549, 0.549, 0.548, 0.548]
      val_accuracy: [0.62, 0.68, 0.70, 0.71, 0.71, 0.71, 0.72, 0.72, 0.72, 0.72]
    ```

    ## Best practice
    ```yaml
    metric: {name: accuracy}
    baseline: {strategy: most_frequent, score: 0.6}
    history:
      loss: [0.66, 0.48, 0.37, 0.29, 0.23, 0.19, 0.16, 0.13, 0.11, 0.09]
      val_loss: [0.65, 0.50, 0.41, 0.36, 0.33, 0.32, 0.32, 0.33, 0.34, 0.36]
      val_accuracy: [0.62, 0.76, 0.83, 0.86, 0.88, 0.89, 0.89, 0.89, 0.88, 0.88]
    ```

    ## Fix
    `scale_up`: add units or layers (and lighten regularization) until the model can overfit.
    """

    code = "OF04"
    name = "underfitting"
    stage = 6
    severity = Severity.WARNING
    remedy = "scale_up"

    class Options(RuleOptions):
        tail_share: float = Field(0.2, gt=0, lt=1, description="Share of the last epochs in which the training loss is judged for a plateau.")
        min_improvement: float = Field(0.01, ge=0, description="Relative improvement over the tail below which the training loss has plateaued.")
        max_gap_ratio: float = Field(1.1, gt=0, description="Validation over training loss below which validation tracks training.")
        min_distance: float = Field(0.1, gt=0, le=1, description="Distance from a perfect score, as a share of the baseline's distance (or absolute for scores bounded by 1), that counts as far.")

    def check(self, experiment, options):
        train, val = curve_to_judge(experiment, "loss"), curve_to_judge(experiment, "val_loss")
        if train is None or val is None:
            return
        plateau = tail_improvement(train, options.tail_share)
        train_end, val_end = end_value(train), end_value(val)
        if (plateau is None or plateau[0] >= options.min_improvement or not train_end or train_end <= 0
                or val_end is None):
            return
        gap = val_end / train_end
        if gap >= options.max_gap_ratio:
            return
        distance = self._distance_from_perfect(experiment)
        if distance is None or distance[0] < options.min_distance:
            return
        (far, measured_as), score = distance, validation_score(experiment)
        if score is None or experiment.metric is None:  # both known once the distance is measured
            return
        metric = experiment.metric.name
        yield self.violation(
            f"training loss improved {plateau[0]:.1%} over the last {plateau[1]} epochs (threshold "
            f"{options.min_improvement:.0%}) and validation loss tracks it (ratio {gap:.2f}, "
            f"threshold {options.max_gap_ratio:g}), while {metric} {score.value:.4g} is far from "
            f"perfect ({measured_as} {far:.2f}, threshold {options.min_distance:g}): the model lacks "
            "capacity; add units or layers",
            present_pointer(experiment, "/model/layers", "/model", "/history/loss"),
            improvement=round(plateau[0], 5), tail_epochs=plateau[1], gap_ratio=round(gap, 4),
            score=score.value, score_source=score.source, distance=round(far, 4), distance_measure=measured_as,
            min_improvement=options.min_improvement, max_gap_ratio=options.max_gap_ratio,
            min_distance=options.min_distance,
        )

    @staticmethod
    def _distance_from_perfect(experiment) -> tuple[float, str] | None:
        """How far the validation score is from perfect: (distance, how it was measured)."""
        score = validation_score(experiment)
        metric = experiment.metric.name if experiment.metric is not None else None
        perfect = perfect_score(metric)
        if score is None or perfect is None or metric_goal_of(experiment) is None:
            return None
        baseline = experiment.baseline.score if experiment.baseline is not None else None
        if baseline is not None and baseline != perfect:
            return (perfect - score.value) / (perfect - baseline), "share of the baseline's distance"
        if perfect == 1.0:
            return perfect - score.value, "distance"
        return None


RULES: list[type] = [ValidationNotMonitored, TrainingLossNotDecreasing, NotYetOverfitting, Underfitting]


# --- remedies: what the rules above name, declared once ---------------------------------------

SCALE_UP = Remedy(
    "scale_up", TRAINING,
    Advice(
        "Scale up: add layers, make them bigger, train for more epochs, until validation loss starts rising.",
        "The ideal model stands at the border between underfitting and overfitting; to find it, you must "
        "first cross it.",
        train_stage="overfit"),
)

REMEDIES: list[Remedy] = [SCALE_UP]
