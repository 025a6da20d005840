"""TD: training dynamics (stage 5). Read from the logged history, as Keras writes it.

Curves of 1-3 epochs are too short to show a trend: TD02-TD04 stay silent on them. A NaN or
infinite loss is no trend but a fact, so TD01 judges any length.
"""

from __future__ import annotations

import math

from pydantic import Field

from advisor import Rule, RuleOptions, Severity
from advisor.curves import (
    ends_above_start, finite_points, given_back, largest_growth, rising_epochs, start_and_end,
    total_decrease,
)
from advisor.facts import (
    curve_to_judge, history_key, inferred_problem_type, majority_share, present_pointer,
    untrained_loss,
)
from advisor.names import SINGLE_LABEL_TYPES
from advisor.remedy import TRAINING, Advice, Remedy
from advisor.rule import EACH_EPOCH

#: A loss below this share of its first value has converged to near zero; its relative wiggles
#: there are numerical noise, not instability.
NOISE_FLOOR = 0.01


class NonFiniteLoss(Rule):
    """The loss became NaN or infinite during training.

    ## What it does
    Looks for NaN or infinite values in the training loss (`loss`), else in the validation loss
    (`val_loss`), and reports the first epoch where one appears. Epochs that did not log the loss
    (`history.not_logged`: CSVLogger's `NA` cells, say validation every other epoch) are skipped. Unlike the other curve rules it
    judges histories of any length: one NaN is enough.

    ## Why is this bad?
    A non-finite loss means the weights overflowed: every later update is garbage and the model
    that training returns is useless. The usual cause is a learning rate too large for the data's
    scale (unscaled features, exploding gradients), sometimes NaN in the inputs or a log of zero.

    ## Anti-pattern
    ```yaml
    model:
      optimizer: {name: sgd, learning_rate: 5.0}
    history:
      loss: [0.69, 3.8, 4100.0, .nan, .nan]
      val_loss: [0.70, 5.2, 8800.0, .nan, .nan]
    ```

    ## Best practice
    ```yaml
    model:
      optimizer: {name: rmsprop, learning_rate: 0.001}
    history:
      loss: [0.69, 0.52, 0.44, 0.39, 0.36]
      val_loss: [0.68, 0.55, 0.47, 0.43, 0.41]
    ```

    ## Fix
    `lower_learning_rate`: divide the learning rate by 10 and train again; `advisor train --fix`
    does, up to 3 times, while the loss is not finite. Check that features are scaled (DP02, DP03)
    and free of missing values (DP04).
    """

    code = "TD01"
    name = "non-finite-loss"
    stage = 5
    severity = Severity.ERROR
    advice_why = (
        "A loss that becomes NaN or infinite ends learning: every later weight update is garbage, and "
        "nothing measured after it means anything.")
    judged = EACH_EPOCH
    remedy = "lower_learning_rate"

    def check(self, experiment, options):
        history = experiment.history
        if history is None:
            return
        for key in ("loss", "val_loss"):
            values = history.get(key) or []
            skipped = set((history.not_logged or {}).get(key, []))  # epochs that did not log it
            bad_epochs = [epoch for epoch, value in enumerate(values) if not math.isfinite(value) and epoch not in skipped]
            if not bad_epochs:
                continue
            epoch, bad = bad_epochs[0], len(bad_epochs)
            yield self.violation(
                f"{key} is {values[epoch]} from epoch {epoch + 1} of {len(values)} "
                f"({bad} non-finite values, threshold 0): the weights overflowed and training "
                "learns nothing after that; lower the learning rate and check inputs for NaN",
                f"/history/{key}/{epoch}",
                key=key, epoch=epoch + 1, value=str(values[epoch]), non_finite_epochs=bad, epochs=len(values),
            )
            return


class LossDiverging(Rule):
    """The training loss ends above where it started, or grows by a large factor.

    ## What it does
    Compares where the training loss ends (the median of its last three epochs, so one noisy epoch
    does not decide) with its first epoch, and finds the largest factor by which it grew over an
    earlier minimum. It fires when the loss ends more than 2% above its start, or when it grew by
    `factor` (10x) or more at any point. Growth among values under 1% of the first loss is
    numerical noise around a near-perfect fit and is ignored. Needs 4 or more epochs.

    A loss that ends above its start is also not learning: OF02's finding on such a curve is
    folded into this one.

    ## Why is this bad?
    Gradient descent that increases the loss overshoots: each step lands further up the other side
    of the valley. The model will not get better by training longer; the step size is wrong.

    ## Anti-pattern
    ```yaml
    model:
      optimizer: {name: adam, learning_rate: 0.5}
    history:
      loss: [0.69, 0.81, 1.9, 4.4, 7.7, 12.1]
    ```

    ## Best practice
    ```yaml
    model:
      optimizer: {name: adam, learning_rate: 0.001}
    history:
      loss: [0.69, 0.55, 0.47, 0.42, 0.39, 0.37]
    ```

    ## Fix
    `lower_learning_rate`: divide the learning rate by 10 and train again; `advisor train --fix`
    does, up to 3 times, while the loss diverges.
    """

    code = "TD02"
    name = "loss-diverging"
    stage = 5
    severity = Severity.ERROR
    advice_why = (
        "A loss that diverges means the gradient steps are too large.")
    judged = EACH_EPOCH
    remedy = "lower_learning_rate"
    supersedes = ("OF02",)

    class Options(RuleOptions):
        factor: float = Field(10.0, gt=1, description="Growth over an earlier minimum that counts as divergence.")

    def check(self, experiment, options):
        values = curve_to_judge(experiment, "loss")
        ends = start_and_end(values) if values is not None else None
        if values is None or ends is None:
            return
        start, end = ends
        growth = largest_growth(values)
        evidence = {"start": start, "end": end, "factor": options.factor, "epochs": len(values)}
        # A loss ending above its start is a judgement of the whole curve, which OF02 judges too.
        whole_curve = "/history/loss" if ends_above_start(start, end) else ""
        if growth is not None and growth[0] >= options.factor and values[growth[2]] >= NOISE_FLOOR * start:
            factor, low, high = growth
            yield self.violation(
                f"training loss grew {factor:,.1f}x, from {values[low]:.4g} at epoch {low + 1} to "
                f"{values[high]:.4g} at epoch {high + 1} (threshold {options.factor:g}x): the steps "
                "overshoot; lower the learning rate",
                f"/history/loss/{high}", about=whole_curve,
                growth=factor, low_epoch=low + 1, high_epoch=high + 1, **evidence,
            )
        elif whole_curve:
            yield self.violation(
                f"training loss ends at {end:.4g} (median of the last 3 epochs), above its start "
                f"{start:.4g} at epoch {finite_points(values)[0][0] + 1} (threshold: not above the start): training "
                "makes the model worse; lower the learning rate",
                "/history/loss",
                growth=growth[0] if growth else None, **evidence,
            )


class LossOscillating(Rule):
    """The training loss rises in many epochs: the optimization oscillates.

    ## What it does
    Counts the epochs at which the training loss rose by more than `min_swing` (5%) over the
    previous epoch, and that a later epoch gave back (fell below again), and fires when they are at
    least `min_share` (25%) of the epoch-to-epoch steps. A loss that only climbs is diverging (TD02),
    not oscillating. Rises are judged against the trend: one smaller than `min_rise_share` (5%) of
    the loss's total decrease (from its first epoch, or from the loss of an untrained model when
    that is higher: ln 2 for binary crossentropy, ln K for categorical crossentropy over K
    classes, at least ln 2 for a classifier whose history logs accuracy; down to its lowest) is
    mini-batch noise around a falling loss, not oscillation, and
    so is a rise among values under 1% of the first loss (a loss converged near zero). Needs
    `min_epochs` (8) or more epochs: on a shorter curve one rise would already be a quarter of the
    steps.

    ## Why is this bad?
    Keras logs the mean loss over an epoch, which is smooth when training is stable. A loss that
    keeps jumping back up means the steps are too large for the valley: progress is slow and the
    final weights depend on which epoch training happened to stop at.

    ## Anti-pattern
    ```yaml
    model:
      optimizer: {name: sgd, learning_rate: 0.3, momentum: 0.9}
    history:
      loss: [0.69, 0.52, 0.61, 0.45, 0.58, 0.41, 0.55, 0.40]
    ```

    ## Best practice
    ```yaml
    model:
      optimizer: {name: sgd, learning_rate: 0.01, momentum: 0.9}
    history:
      loss: [0.69, 0.55, 0.48, 0.44, 0.445, 0.41, 0.40, 0.39]
    ```

    ## Fix
    `lower_learning_rate`: divide the learning rate by 10 and train again; `advisor train --fix`
    does, up to 3 times, while the loss oscillates. A larger batch size also steadies the steps.
    """

    code = "TD03"
    name = "loss-oscillating"
    stage = 5
    severity = Severity.WARNING
    advice_why = (
        "A loss that oscillates around its trend means the gradient steps overshoot.")
    remedy = "lower_learning_rate"

    class Options(RuleOptions):
        min_share: float = Field(0.25, gt=0, le=1, description="Share of epochs with a rise that counts as oscillation.")
        min_swing: float = Field(0.05, ge=0, description="Relative rise of the loss that counts as a rise.")
        min_rise_share: float = Field(0.05, ge=0, description="Smallest rise that counts, as a share of the loss's total decrease.")
        min_epochs: int = Field(8, ge=2, description="Fewest logged epochs to judge oscillation on.")

    def check(self, experiment, options):
        values = curve_to_judge(experiment, "loss")
        if values is None or len(finite_points(values)) < options.min_epochs:
            return
        floor = NOISE_FLOOR * finite_points(values)[0][1]
        decrease = total_decrease(values, untrained_loss(experiment))
        min_rise = options.min_rise_share * decrease
        rising, steps = rising_epochs(values, options.min_swing, min_rise)
        rising = [epoch for epoch in given_back(values, rising) if values[epoch] >= floor]
        share = len(rising) / steps
        if not rising or share < options.min_share:
            return
        yield self.violation(
            f"training loss rose by more than {options.min_swing:.0%} in {len(rising)} of {steps} "
            f"epochs ({share:.0%}, threshold {options.min_share:.0%}): the steps overshoot and "
            "training oscillates; lower the learning rate",
            f"/history/loss/{rising[0]}",
            rising_epochs=[epoch + 1 for epoch in rising], share=round(share, 4), steps=steps,
            min_share=options.min_share, min_swing=options.min_swing, min_rise=round(min_rise, 6),
        )


class StuckAtChance(Rule):
    """Training accuracy never leaves the majority-class share: the model fits nothing.

    ## What it does
    For single-label classification (binary or multiclass), compares the training accuracy of
    every epoch with the share of the largest class in the training data (class counts of the
    train split, else of the whole data). It fires when no epoch moves further than `tolerance`
    (0.02) from that share. Multilabel accuracy is averaged over labels and not judged. Needs the
    class counts, a training accuracy series (`accuracy`, `binary_accuracy`, ...), and 4 or more
    epochs.

    ## Why is this bad?
    Accuracy pinned at the majority share means the model predicts one class for every sample:
    nothing is learned, whatever the loss does. Typical causes: a wrong output layer or loss, a
    learning rate so large that the units died, labels misaligned with features, or features
    carrying no signal.

    ## Anti-pattern
    ```yaml
    problem: {type: binary_classification}
    data:
      class_counts: {0: 700, 1: 300}
    history:
      loss: [0.65, 0.61, 0.61, 0.61, 0.61]
      accuracy: [0.69, 0.70, 0.70, 0.70, 0.70]
    ```

    ## Best practice
    ```yaml
    problem: {type: binary_classification}
    data:
      class_counts: {0: 700, 1: 300}
    history:
      loss: [0.65, 0.52, 0.43, 0.38, 0.35]
      accuracy: [0.69, 0.74, 0.80, 0.84, 0.86]
    ```

    ## Fix
    No automatic remedy: check the output layer and loss (MC01-MC06), that labels line up with the
    rows, and the learning rate (MC07).
    """

    code = "TD04"
    name = "stuck-at-chance"
    stage = 5
    severity = Severity.ERROR

    class Options(RuleOptions):
        tolerance: float = Field(0.02, ge=0, description="How far accuracy may stray from the majority share and still count as stuck.")

    def check(self, experiment, options):
        if inferred_problem_type(experiment) not in (None, *SINGLE_LABEL_TYPES):
            return
        share = majority_share(experiment, "train")
        key = history_key(experiment, "accuracy", validation=False)
        if share is None or key is None:
            return
        values = curve_to_judge(experiment, key)
        if values is None:
            return
        finite = [value for _, value in finite_points(values)]
        low, high = min(finite), max(finite)
        if max(abs(low - share), abs(high - share)) > options.tolerance:
            return
        yield self.violation(
            f"training {key} stayed within {low:.3f}-{high:.3f} over {len(values)} epochs, the "
            f"majority-class share {share:.3f} \u00b1 {options.tolerance:g}: the model predicts one "
            "class and fits nothing; check the output layer, the loss, the labels and the learning rate",
            f"/history/{key}",
            key=key, majority_share=round(share, 4), min_accuracy=low, max_accuracy=high,
            tolerance=options.tolerance, epochs=len(values),
        )


class RunNotFinished(Rule):
    """The run that wrote the record did not finish: it was interrupted or failed.

    ## What it does
    Reads `run.status`, which the reference trainer writes into every run directory's record, and
    fires when it is `interrupted` (Ctrl-C, SIGTERM) or `failed` (a worker died). The stage the
    run was in and its message are in the evidence. A record without `run`, or with `completed`
    (or `running`, a run still being written), is not judged.

    ## Why is this bad?
    An unfinished run's history stops mid-stage, its model is whatever the last completed step
    saved, and its scores may be missing or come from an earlier stage: the other findings judge a
    run that never ended, and a clean lint of it would pass work that was never done.

    ## Anti-pattern
    ```yaml
    run: {status: interrupted, stage: fit, message: interrupted during stage fit}
    ```

    ## Best practice
    ```yaml
    run: {status: completed, stage: final}
    ```

    ## Fix
    No automatic remedy: run the experiment again (`advisor train RECORD`) and lint the new run
    directory.
    """

    code = "TD05"
    name = "run-not-finished"
    stage = 5
    severity = Severity.WARNING
    advice = Advice(
        "Run the training to its end again: the run that wrote this record was interrupted or failed.",
        "A run that did not finish leaves a partial history and no final scores: nothing it logged shows how "
        "the finished model trains, overfits or generalizes.",
        train_stage="fit")

    def check(self, experiment, options):
        run = experiment.run
        if run is None or run.status not in ("interrupted", "failed"):
            return
        during = f" during stage {run.stage}" if run.stage else ""
        yield self.violation(
            f"the run {'was interrupted' if run.status == 'interrupted' else 'failed'}{during} "
            f"(run.status: {run.status}; threshold: completed): its history, model and scores are "
            "those of an unfinished run; run the experiment again and lint the new run",
            present_pointer(experiment, "/run/status", "/run"),
            status=run.status, run_stage=run.stage, run_message=run.message,
        )


RULES: list[type] = [NonFiniteLoss, LossDiverging, LossOscillating, StuckAtChance, RunNotFinished]


# --- remedies: what the rules above name, declared once ---------------------------------------

LOWER_LEARNING_RATE = Remedy(
    "lower_learning_rate", TRAINING,
    Advice(
        "Lower the learning rate (for example by a factor of 10) and train again.",
        "A loss that diverges or oscillates means the gradient steps are too large.",
        train_stage="fit",
        with_fix=True),
)

REMEDIES: list[Remedy] = [LOWER_LEARNING_RATE]
