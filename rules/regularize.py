"""RG: regularize, tune, and evaluate once (stage 7).

Once the model overfits, the work is to pull it back: dropout, weight penalties, early stopping,
then keep the weights of the best epoch, retrain the final model on all the non-test data, and
evaluate on the test set once. RG01 and RG02 read the logged curves (4 or more epochs); RG03 and
RG04 read `final`.
"""

from __future__ import annotations

import math

from pydantic import Field

from advisor import Rule, RuleOptions, Severity
from advisor.curves import best_epoch, fell_after, rise_after_minimum
from advisor.facts import (
    curve_to_judge, has_split, lists_splits, metric_goal_of, metric_of_key, present_pointer, regularization,
    split_samples, uses_kfold, validation_score,
)
from advisor.names import PROPORTION_METRICS, canonical_metric, metric_goal
from advisor.remedy import EDITS, SAFE, TRAINING, UNSAFE, Advice, Remedy


def training_kept_improving(experiment, epoch: int) -> bool:
    """Whether the training loss fell after `epoch` (0-based), or is not logged: what tells a model
    that overfits (training improves, validation worsens) from unstable training (both worsen)."""
    train = experiment.history.get("loss")
    return train is None or fell_after(train, epoch)


class OverfittingUnregularized(Rule):
    """The validation loss rises after its minimum and nothing regularizes the model.

    ## What it does
    Smooths the validation loss with a 3-epoch median filter (one noisy epoch is no trend), finds
    its minimum and the highest point after it, and fires when the rise exceeds `min_rise` (10%)
    of the minimum while the model has no dropout layer, no L1/L2 penalty, no weight decay and no
    early stopping. Needs `val_loss` with 4 or more epochs and the model's layers (without them,
    nothing says whether the model is regularized). When the training loss is logged, it must have
    kept falling after the validation minimum: a validation loss that rises with the training loss
    is unstable training (TD02, TD03), not overfitting.

    ## Why is this bad?
    A validation loss that climbs after its minimum is the model memorizing its training data:
    every further epoch makes it worse on new data. With no regularization at all, the cheapest
    and surest gains of the workflow are still on the table.

    ## Anti-pattern
    ```yaml
    model:
      layers:
        - {type: dense, units: 512, activation: relu}
        - {type: dense, units: 1, activation: sigmoid}
    history:
      loss: [0.60, 0.40, 0.28, 0.19, 0.12, 0.08, 0.05, 0.03]
      val_loss: [0.58, 0.45, 0.41, 0.43, 0.48, 0.55, 0.63, 0.72]
    ```

    ## Best practice
    ```yaml
    model:
      layers:
        - {type: dense, units: 512, activation: relu}
        - {type: dropout, rate: 0.5}
        - {type: dense, units: 1, activation: sigmoid}
      early_stopping: {monitor: val_loss, patience: 3, restore_best_weights: true}
    history:
      loss: [0.60, 0.40, 0.28, 0.19, 0.12, 0.08, 0.05, 0.03]
      val_loss: [0.58, 0.45, 0.41, 0.43, 0.48, 0.55, 0.63, 0.72]
    ```

    ## Fix
    `regularize`: add dropout after the hidden layers, an L2 penalty on their weights, and early
    stopping on `val_loss` with `restore_best_weights`.
    """

    code = "RG01"
    name = "overfitting-unregularized"
    stage = 7
    severity = Severity.WARNING
    remedy = "regularize"

    class Options(RuleOptions):
        min_rise: float = Field(0.1, gt=0, description="Rise of the validation loss after its minimum, relative to it, that counts as overfitting.")

    def check(self, experiment, options):
        values = curve_to_judge(experiment, "val_loss")
        if values is None or regularization(experiment) != []:
            return
        rise = rise_after_minimum(values)
        if rise is None or rise.relative <= options.min_rise:
            return
        if not training_kept_improving(experiment, rise.min_epoch):
            return
        yield self.violation(
            f"validation loss rose {rise.relative:.0%} after its minimum ({rise.min_value:.4g} at "
            f"epoch {rise.min_epoch + 1} to {rise.peak_value:.4g} at epoch {rise.peak_epoch + 1}, "
            f"smoothed; threshold {options.min_rise:.0%}) and the model has no dropout, L1/L2 "
            "penalty, weight decay or early stopping: it memorizes the training data; regularize it",
            present_pointer(experiment, "/model/layers", "/model"),
            rise=round(rise.relative, 4), min_epoch=rise.min_epoch + 1, min_val_loss=rise.min_value,
            peak_epoch=rise.peak_epoch + 1, peak_val_loss=rise.peak_value, min_rise=options.min_rise,
        )


class TrainedPastBestEpoch(Rule):
    """The kept weights come from epochs well after the best validation epoch.

    ## What it does
    Finds the best epoch of the monitored validation series (early stopping's `monitor`, else
    `val_loss`; its goal from `mode`, else from the metric the name logs, as Keras' `auto` does:
    `val_auc_1` is maximized) and fires when the history goes on for more than
    `max_extra_epochs` (3) epochs after it and the last epoch's value is more than
    `min_worsening` (1%) worse than the best (a flat curve, constant to many digits, has no better
    epoch to go back to), unless:
    - early stopping declares `restore_best_weights: true` (Keras 3 restores the best epoch's
      weights at the end of training, stopped early or not), or
    - the final model was retrained for about the best epoch count: `final.epochs` at most the best
      epoch plus `max_extra_epochs`.

    Needs the monitored series with 4 or more epochs, and its goal: a custom metric monitored in
    `auto` mode, whose direction only its Keras object knew, is not judged. When the training loss
    is logged, it must have kept falling after the best epoch: otherwise the run is unstable (TD02,
    TD03) rather than trained past its best.

    ## Why is this bad?
    Without restoring, `fit` returns the weights of its last epoch. Every epoch after the best one
    fit the training data further and generalized worse: the model in hand is more overfit than
    the one the validation curve promised.

    ## Anti-pattern
    ```yaml
    model:
      epochs: 12
    history:
      loss: [0.60, 0.45, 0.36, 0.30, 0.25, 0.21, 0.18, 0.15, 0.13, 0.11, 0.09, 0.08]
      val_loss: [0.58, 0.47, 0.41, 0.38, 0.37, 0.39, 0.41, 0.44, 0.46, 0.49, 0.52, 0.55]
    ```

    ## Best practice
    ```yaml
    model:
      epochs: 12
      early_stopping: {monitor: val_loss, patience: 3, restore_best_weights: true}
    history:
      loss: [0.60, 0.45, 0.36, 0.30, 0.25, 0.21, 0.18, 0.15]
      val_loss: [0.58, 0.47, 0.41, 0.38, 0.37, 0.39, 0.41, 0.44]
    ```

    ## Fix
    `restore_best_epoch`: early stopping with `restore_best_weights: true`, or retrain the final
    model for the best epoch count.
    """

    code = "RG02"
    name = "trained-past-best-epoch"
    stage = 7
    severity = Severity.WARNING
    remedy = "restore_best_epoch"

    class Options(RuleOptions):
        max_extra_epochs: int = Field(3, ge=0, description="Epochs after the best validation epoch that the kept weights may come from.")
        min_worsening: float = Field(0.01, ge=0, description="How much worse than the best, relative to it, the last epoch's value must be for the kept weights to count as past their best.")

    def check(self, experiment, options):
        history, model = experiment.history, experiment.model
        stopping = model.early_stopping if model is not None else None
        if history is None or (stopping is not None and stopping.restore_best_weights):
            return
        key = stopping.monitor if stopping is not None and stopping.monitor in history.names else "val_loss"
        values = curve_to_judge(experiment, key)
        if values is None:
            return
        goal = self._goal(key, stopping)
        if goal is None:
            return
        best = best_epoch(values, goal)
        if best is None:
            return
        kept = len(values) - 1
        extra = kept - best
        worsening = _worsening(values[best], values[kept], goal)
        if extra <= options.max_extra_epochs or worsening is None or worsening <= options.min_worsening:
            return
        final = experiment.final
        if final is not None and final.epochs is not None and final.epochs <= best + 1 + options.max_extra_epochs:
            return
        if not training_kept_improving(experiment, best):
            return
        yield self.violation(
            f"the kept weights come from epoch {kept + 1} ({key} {values[kept]:.4g}, {worsening:.0%} worse), "
            f"{extra} epochs after the best {key} ({values[best]:.4g}) at epoch {best + 1} (thresholds "
            f"{options.max_extra_epochs} epochs, {options.min_worsening:.0%} worse), with no "
            f"restore_best_weights and no final retraining for the best epoch count ({best + 1}): the "
            "model in hand is more overfit than its best epoch; restore the best epoch's weights",
            present_pointer(experiment, "/model/early_stopping", "/model/epochs", f"/history/{key}/{best}"),
            monitor=key, best_epoch=best + 1, kept_epoch=kept + 1, extra_epochs=extra,
            max_extra_epochs=options.max_extra_epochs, worsening=round(worsening, 4),
            min_worsening=options.min_worsening,
        )

    @staticmethod
    def _goal(key: str, stopping) -> str | None:
        if stopping is not None and stopping.mode in ("min", "max"):
            return "maximize" if stopping.mode == "max" else "minimize"
        return metric_goal(metric_of_key(key))


def _worsening(best: float, kept: float, goal: str) -> float | None:
    """How much worse the kept epoch's value is than the best, relative to the best (infinity when
    the best is 0 and the kept value is worse); None when the kept value is not finite."""
    if not math.isfinite(kept):
        return None
    gap = kept - best if goal == "minimize" else best - kept
    if best == 0:
        return math.inf if gap > 0 else 0.0
    return gap / abs(best)


class FinalModelNotRetrained(Rule):
    """The final model was trained on the training split only before the test evaluation.

    ## What it does
    Fires when `final.trained_on` is `train` and the test set was evaluated (`final.test_score`, or
    `tuning.test_evaluations` of 1 or more, unless the record lists its splits without a test
    split: then there was no test evaluation, and EP05 says the test set is missing). With K-fold protocols and no separate validation split,
    the training split is all the non-test data, so `train` is right and the rule does not fire.

    ## Why is this bad?
    Once the configuration is chosen, the validation data has done its job. Leaving it out of the
    final training throws away data the model could learn from: a model retrained on
    train+validation with the chosen configuration and epoch count is usually better, and the test
    set then measures the model that ships.

    ## Anti-pattern
    ```yaml
    splits: {method: stratified, train: 600, validation: 200, test: 200}
    final: {trained_on: train, test_score: 0.88}
    ```

    ## Best practice
    ```yaml
    splits: {method: stratified, train: 600, validation: 200, test: 200}
    final: {trained_on: train+validation, epochs: 14, test_score: 0.89}
    ```

    ## Fix
    `retrain_final`: train the chosen configuration on train+validation for the best epoch count,
    then evaluate on the test set once.
    """

    code = "RG03"
    name = "final-model-not-retrained"
    stage = 7
    severity = Severity.INFO
    remedy = "retrain_final"

    def check(self, experiment, options):
        final, tuning = experiment.final, experiment.tuning
        if final is None or final.trained_on != "train":
            return
        evaluations = tuning.test_evaluations if tuning is not None else None
        if final.test_score is None and not (evaluations and (has_split(experiment, "test") or not lists_splits(experiment))):
            return  # no test evaluation happened (a record listing its splits without a test split has none)
        counted = split_samples(experiment)
        validation = counted.get("validation")
        if uses_kfold(experiment) and not validation:
            return
        train = counted.get("train")
        trained = f"the training split only ({train} samples)" if train else "the training split only"
        left_out = f"the {validation} validation samples were" if validation else "the validation data was"
        yield self.violation(
            f"the final model was trained on {trained} before the test evaluation; {left_out} left "
            "out: retrain on train+validation with the chosen configuration and epoch count, then "
            "evaluate once",
            "/final/trained_on",
            trained_on=final.trained_on, train_samples=train, validation_samples=validation,
        )


class TestWorseThanValidation(Rule):
    """The test score is worse than the validation score beyond noise.

    ## What it does
    Compares `final.test_score` with the model's validation score (`final.validation_score`, else
    the best epoch of the metric's validation series, else the best trial; see BL02) in the
    direction of the metric's goal. Noise is judged in one of two ways, named in the evidence:
    - `standard_error`: for accuracy-like metrics (a share of samples) when the test sample count is
      known, the drop must exceed two standard errors of the difference of two proportions,
      sqrt(v(1-v)/n_validation + t(1-t)/n_test) (the validation term is left out when its count is
      unknown; with K-fold every non-test sample is validated once, so n_validation is the training
      split);
    - `relative`: otherwise, the drop must exceed `max_relative_drop` (5%) of the validation score.

    ## Why is this bad?
    The test set is new data the model has never influenced. If it scores clearly worse than
    validation, the validation estimate was optimistic: the validation set was too small or was
    overfit by many rounds of tuning, and the test score is the honest one.

    ## Anti-pattern
    ```yaml
    metric: {name: accuracy}
    splits: {train: 3000, validation: 1000, test: 1000}
    final: {trained_on: train+validation, validation_score: 0.91, test_score: 0.84}
    ```

    ## Best practice
    ```yaml
    metric: {name: accuracy}
    splits: {train: 3000, validation: 1000, test: 1000}
    final: {trained_on: train+validation, validation_score: 0.91, test_score: 0.90}
    ```

    ## Fix
    `use_iterated_kfold`: a more reliable validation estimate; do not tune further on the test set.
    """

    code = "RG04"
    name = "test-worse-than-validation"
    stage = 7
    severity = Severity.WARNING
    advice = Advice(
        "Switch to iterated K-fold validation with shuffling, and tune again against it.",
        "The test score fell well below validation: the validation estimate was unreliable, or tuning "
        "overfit it; iterated K-fold gives a reliable one.")
    remedy = "use_iterated_kfold"

    class Options(RuleOptions):
        max_relative_drop: float = Field(0.05, gt=0, description="Drop from validation to test, relative to validation, tolerated when sample counts cannot judge it.")

    def check(self, experiment, options):
        final = experiment.final
        goal = metric_goal_of(experiment)
        score = validation_score(experiment)
        if final is None or final.test_score is None or goal is None or score is None:
            return
        validation, test = score.value, final.test_score
        drop = validation - test if goal == "maximize" else test - validation
        if drop <= 0:
            return
        judged = self._standard_error(experiment, validation, test)
        if judged is not None:
            threshold, counts = judged
            evidence = {"method": "standard_error", "standard_error": round(threshold / 2, 5), **counts}
            limit = f"two standard errors, {threshold:.4g}"
        elif validation != 0:
            threshold = options.max_relative_drop * abs(validation)
            evidence = {"method": "relative", "max_relative_drop": options.max_relative_drop}
            limit = f"{options.max_relative_drop:.0%} of validation, {threshold:.4g}"
        else:
            return
        if drop <= threshold:
            return
        metric = experiment.metric.name
        yield self.violation(
            f"test {metric} {test:.4g} is {drop:.4g} worse than validation {validation:.4g} "
            f"(from {score.source}; threshold {limit}): the validation estimate was unreliable or "
            "overfit by tuning; use iterated K-fold, and do not tune on the test set",
            "/final/test_score",
            validation_score=validation, validation_source=score.source, test_score=test,
            drop=round(drop, 6), threshold=round(threshold, 6), **evidence,
        )

    @staticmethod
    def _standard_error(experiment, validation: float, test: float) -> tuple[float, dict] | None:
        """Two standard errors of the validation-test difference and the counts used, or None when
        the metric is not a proportion or the test count is unknown."""
        if canonical_metric(experiment.metric.name) not in PROPORTION_METRICS:
            return None
        if not (0 <= validation <= 1 and 0 <= test <= 1):
            return None
        counted = split_samples(experiment)
        n_test = counted.get("test")
        if not n_test:
            return None
        n_validation = counted.get("validation")
        if uses_kfold(experiment) and not n_validation:
            n_validation = counted.get("train")
        variance = _proportion_variance(test, n_test)
        if n_validation:
            variance += _proportion_variance(validation, n_validation)
        return 2 * math.sqrt(variance), {"n_validation": n_validation, "n_test": n_test}


def _proportion_variance(share: float, samples: int) -> float:
    """The sampling variance of a proportion over `samples`; 0 for counts too large for a float."""
    return share * (1 - share) / samples if samples < 2 ** 1000 else 0.0


RULES: list[type] = [OverfittingUnregularized, TrainedPastBestEpoch, FinalModelNotRetrained, TestWorseThanValidation]


# --- remedies: what the rules above name, declared once ---------------------------------------

RESTORE_BEST_EPOCH = Remedy(
    "restore_best_epoch", SAFE,
    Advice(
        "Keep the weights of the best validation epoch (restore_best_weights, or retrain for the best epoch "
        "count).",
        "The epochs after the best one only fit the training data better and the validation data worse."),
    edit="rules.fixes.model:restore_best_epoch", phase="model", batch=EDITS,
)

REGULARIZE = Remedy(
    "regularize", UNSAFE,
    Advice(
        "Regularize: add dropout or L2 weight penalties, and stop early on validation loss.",
        "Once the model overfits, regularization moves it back towards the border of generalization."),
    edit="rules.fixes.model:regularize", phase="new_layers", batch=EDITS,
)

RETRAIN_FINAL = Remedy(
    "retrain_final", TRAINING,
    Advice(
        "Retrain the final model on the training and validation data together, then evaluate the test set "
        "once.",
        "Once the configuration is chosen, the validation data is better spent on training the production "
        "model.",
        train_stage="final"),
)

REMEDIES: list[Remedy] = [RESTORE_BEST_EPOCH, REGULARIZE, RETRAIN_FINAL]
