"""EP: decide on an evaluation protocol (stage 3).

The protocol is how generalization is measured: a hold-out validation set when data is plentiful,
K-fold cross-validation when it is not, iterated K-fold when it is scarce and many configurations
are compared, and always a test set that nothing but the final evaluation touches. The split must
respect time and keep class shares equal.
"""

from __future__ import annotations

from pydantic import Field

from advisor import Measurement, Rule, RuleOptions, Severity
from advisor.facts import (
    class_imbalance, declares_plan, has_split, holdout_validation_samples, in_time_order, inferred_problem_type,
    kfold_pool, lists_splits, observed_class_counts, total_samples, uses_kfold, validation_series_keys,
)
from advisor.names import SINGLE_LABEL_TYPES
from advisor.remedy import EDITS, UNSAFE, Advice, Remedy


def _protocol_type(experiment) -> str | None:
    return experiment.protocol.type if experiment.protocol is not None else None


class ProtocolMissing(Rule):
    """Nothing measures generalization: no validation split and no K-fold.

    ## What it does
    Looks for any sign of validation data: a declared `protocol`, a validation split (size, file or
    class counts), a `data.split_column`, validation series in the history, a validation score,
    or validation data named in `tuning`. Fires when there is none. Silent on records that hold
    only artifacts (a lone history is OF01's concern).

    ## Why is this bad?
    The training score says how well the model memorized; only data the model never trained on
    says how well it generalizes. Without a protocol there is no way to see overfitting, to pick
    an epoch or a configuration, or to know whether the model beats a baseline.

    ## Anti-pattern
    ```yaml
    problem: {type: binary_classification, target: churned}
    data: {samples: 7043}
    splits: {train: 7043}
    ```

    ## Best practice
    ```yaml
    problem: {type: binary_classification, target: churned}
    data: {samples: 7043}
    splits: {method: stratified, train: 4225, validation: 1409, test: 1409}
    protocol: {type: holdout}
    ```

    ## Fix
    `add_validation` holds out a validation split (or sets up K-fold when data is scarce).
    """

    code = "EP01"
    name = "protocol-missing"
    stage = 3
    severity = Severity.ERROR
    evidence = "protocol"
    reports_absence = True
    remedy = "add_validation"

    def measure(self, experiment, options):
        """Whether anything validates: a declared protocol, a validation split (or split column),
        validation series in the history, a validation score, or tuning on validation data."""
        protocol = experiment.protocol
        shown_by = [name for name, shown in (
            ("protocol", protocol is not None and bool(protocol.type or protocol.folds)),
            ("splits.validation", has_split(experiment, "validation")),
            ("history", bool(validation_series_keys(experiment))),
            ("data.split_column", experiment.data is not None and bool(experiment.data.split_column)),
            ("final.validation_score", experiment.final is not None and experiment.final.validation_score is not None),
            ("tuning.validation_data", experiment.tuning is not None and experiment.tuning.validation_data is not None),
        ) if shown]
        return Measurement(bool(shown_by), {"shown_by": shown_by})

    def check(self, experiment, options):
        if not declares_plan(experiment) or self.measure(experiment, options).present:
            return
        yield self.violation(
            "no validation split and no K-fold protocol; nothing measures generalization, so "
            "overfitting, the best epoch and the baseline comparison cannot be seen: hold out a "
            "validation split, or use K-fold when data is scarce",
            "/protocol", looked_for=["protocol", "splits.validation", "data.split_column", "history val_* series",
                                     "final.validation_score", "tuning.validation_data"],
        )


class ProtocolOptions(RuleOptions):
    min_validation_samples: int = Field(
        1000, ge=1, description="Fewest validation samples for a hold-out score to be reliable.")


class HoldoutTooSmall(Rule):
    """Hold-out validation on too few samples.

    ## What it does
    Counts the validation samples of a hold-out protocol (`splits.validation` as a count or as a
    fraction of `data.samples`, else the validation class counts) and fires below
    `min_validation_samples`. A protocol without a declared type but with a validation split is
    a hold-out. K-fold protocols are never judged here.

    ## Why is this bad?
    A score on a few hundred samples moves by several points with the luck of the split: the
    standard error of an accuracy of 0.9 on 300 samples is 1.7 points. Configurations are then
    ranked by noise, and the chosen one disappoints on the test set.

    ## Anti-pattern
    ```yaml
    data: {samples: 1500}
    splits: {train: 0.6, validation: 0.2, test: 0.2}
    protocol: {type: holdout}
    ```

    ## Best practice
    ```yaml
    data: {samples: 1500}
    splits: {train: 0.8, test: 0.2}
    protocol: {type: kfold, folds: 5}
    ```

    ## Fix
    `use_kfold` replaces the hold-out with K-fold cross-validation on the non-test data; with
    plenty of data, a larger validation split works too.
    """

    code = "EP02"
    name = "holdout-too-small"
    stage = 3
    severity = Severity.WARNING
    remedy = "use_kfold"
    Options = ProtocolOptions

    def check(self, experiment, options):
        validation = holdout_validation_samples(experiment)
        if validation is None or validation >= options.min_validation_samples:
            return
        pointer = "/protocol/type" if _protocol_type(experiment) else "/splits/validation"
        yield self.violation(
            f"hold-out validation on {validation} samples, threshold {options.min_validation_samples}; "
            "scores this small move with the luck of the split, so configurations get ranked by "
            "noise: use K-fold cross-validation (or a larger validation split)",
            pointer, validation_samples=validation, threshold=options.min_validation_samples,
        )


class IteratedKFoldOptions(RuleOptions):
    max_samples: int = Field(500, ge=1, description="Below this many samples, data counts as scarce.")
    min_trials: int = Field(10, ge=1, description="From this many tuning trials, comparisons count as many.")


class NeedsIteratedKFold(Rule):
    """Scarce data and many comparisons without iterated K-fold.

    ## What it does
    Fires when the data has fewer than `max_samples` samples (`data.samples`, else the splits added
    up), at least `min_trials` tuning trials were compared, and the protocol is not iterated
    K-fold (K-fold repeated with reshuffling).

    ## Why is this bad?
    With scarce data even K-fold scores vary with how the folds fell; comparing many
    configurations picks the one the folds happened to favour. Repeating K-fold with different
    shuffles and averaging shrinks that variance, at the cost of more training runs, which small
    data can afford.

    ## Anti-pattern
    ```yaml
    data: {samples: 300}
    protocol: {type: kfold, folds: 5}
    tuning: {trials: 24}
    ```

    ## Best practice
    ```yaml
    data: {samples: 300}
    protocol: {type: iterated_kfold, folds: 5, repeats: 3}
    tuning: {trials: 24}
    ```

    ## Fix
    `use_iterated_kfold` switches to iterated K-fold with shuffling (3 repeats by default).
    """

    code = "EP03"
    name = "needs-iterated-kfold"
    stage = 3
    severity = Severity.INFO
    remedy = "use_iterated_kfold"
    Options = IteratedKFoldOptions

    def check(self, experiment, options):
        kind = _protocol_type(experiment)
        trials = experiment.tuning.trial_count if experiment.tuning is not None else None
        samples = total_samples(experiment)
        if kind == "iterated_kfold" or trials is None or samples is None:
            return
        if samples >= options.max_samples or trials < options.min_trials:
            return
        yield self.violation(
            f"{samples} samples (scarce: threshold {options.max_samples}) and {trials} tuning trials "
            f"(many: threshold {options.min_trials}) with protocol {kind or 'undeclared'}; on so little "
            "data the winner may be the configuration the split favoured: use iterated K-fold with "
            "shuffling",
            "/protocol/type", samples=samples, trials=trials, max_samples=options.max_samples,
            min_trials=options.min_trials, protocol=kind,
        )


class FoldOptions(RuleOptions):
    min_fold_samples: int = Field(30, ge=1, description="Fewest samples in one fold.")


class KFoldFoldsTooSmall(Rule):
    """K-fold with an impossible number of folds, or folds too small to score.

    ## What it does
    For K-fold and iterated K-fold protocols with `protocol.folds` declared, counts the samples the
    folds are cut from (train plus validation splits, else all samples less the test split) and
    fires when k is below 2, k exceeds those samples, or a fold would hold fewer than
    `min_fold_samples` samples.

    ## Why is this bad?
    One fold is no cross-validation at all; more folds than samples cannot be cut. A fold of a
    dozen samples scores in steps of 8 points, so the per-fold scores, and their mean, are mostly
    noise.

    ## Anti-pattern
    ```yaml
    data: {samples: 120}
    protocol: {type: kfold, folds: 10}
    ```

    ## Best practice
    ```yaml
    data: {samples: 120}
    protocol: {type: iterated_kfold, folds: 3, repeats: 5}
    ```

    ## Fix
    `use_kfold` sets a fold count that leaves enough samples per fold (repeat the K-fold with
    shuffling rather than cutting thinner folds).
    """

    code = "EP04"
    name = "kfold-folds-too-small"
    stage = 3
    severity = Severity.WARNING
    remedy = "use_kfold"
    Options = FoldOptions

    def check(self, experiment, options):
        protocol = experiment.protocol
        if not uses_kfold(experiment) or protocol.folds is None:
            return
        folds = protocol.folds
        if folds < 2:
            yield self.violation(
                f"{protocol.type} with {folds} fold(s), needs at least 2; nothing is held out to "
                "validate on: use 4 or 5 folds",
                "/protocol/folds", folds=folds, min_folds=2,
            )
            return
        pool = kfold_pool(experiment)
        if pool is None:
            return
        if folds > pool:
            yield self.violation(
                f"{folds} folds but only {pool} samples to cut them from; a fold cannot be empty: "
                "use fewer folds",
                "/protocol/folds", folds=folds, samples=pool,
            )
        elif pool < folds * options.min_fold_samples:  # not pool / folds: counts may pass a float's range
            yield self.violation(
                f"{folds} folds of {pool} samples leave {pool / folds:.0f} samples per fold, threshold "
                f"{options.min_fold_samples}; per-fold scores that small are mostly noise: use fewer "
                "folds, and repeat them with shuffling (iterated K-fold) for stability",
                "/protocol/folds", folds=folds, samples=pool, fold_samples=round(pool / folds, 1),
                min_fold_samples=options.min_fold_samples,
            )


class TestSetMissing(Rule):
    """No test set is held out.

    ## What it does
    Looks for a test set: a test split (size, file or class counts), a final test score, or, when
    the record does not list its splits, a `data.split_column` or test evaluations in `tuning`
    (a record listing train and validation splits and no test split has none, whatever else it
    says). Fires when there is none, or when the test split is declared with zero samples. Silent
    on lone artifacts (a `.keras` file or a log linted alone).

    ## Why is this bad?
    Validation data guides the work: every trial, epoch and regularization choice is picked for
    doing well on it, so the validation score is biased upwards. Only data never used for a
    decision gives an honest estimate of performance in production.

    ## Anti-pattern
    ```yaml
    data: {samples: 20000}
    splits: {train: 16000, validation: 4000}
    protocol: {type: holdout}
    ```

    ## Best practice
    ```yaml
    data: {samples: 20000}
    splits: {train: 12000, validation: 4000, test: 4000}
    protocol: {type: holdout}
    ```

    ## Fix
    `hold_out_test` sets aside a test split before any other work, to be evaluated once at the end.
    """

    code = "EP05"
    name = "test-set-missing"
    stage = 3
    severity = Severity.WARNING
    remedy = "hold_out_test"

    def check(self, experiment, options):
        if not declares_plan(experiment) or has_split(experiment, "test"):
            return
        splits = experiment.splits
        declared_empty = splits is not None and splits.test is not None
        if not declared_empty:
            # A test score says a test set existed. A split column or counted test evaluations
            # say so only when the record does not list its splits without one.
            listed = lists_splits(experiment)
            if experiment.final is not None and experiment.final.test_score is not None:
                return
            if not listed and experiment.data is not None and experiment.data.split_column:
                return
            if not listed and experiment.tuning is not None and experiment.tuning.test_evaluations:
                return
        yield self.violation(
            ("the test split is empty" if declared_empty else "no test set is held out")
            + "; the only scores come from data that guided tuning, so they overstate performance: "
            "hold out a test split and evaluate it once, at the end",
            "/splits/test", test_samples=0 if declared_empty else None,
        )


class TimeOrderShuffled(Rule):
    """Samples ordered in time are split randomly or shuffled.

    ## What it does
    When the samples are ordered in time (`data.time_column` is set, `data.time_ordered` is true,
    or `splits.method` is time), fires if the split is random or stratified, or if
    `splits.shuffle` is true. Group splits without shuffling are left alone: grouping by entity
    can be a deliberate choice for time series of many entities.

    ## Why is this bad?
    A random split of time-ordered data puts later samples in training and earlier ones in
    validation: the model learns from the future it is asked to predict, and the validation score
    promises an accuracy no deployment can reach.

    ## Anti-pattern
    ```yaml
    data: {time_column: date, samples: 50000}
    splits: {method: random, shuffle: true}
    ```

    ## Best practice
    ```yaml
    data: {time_column: date, samples: 50000}
    splits: {method: time, shuffle: false}
    ```

    ## Fix
    `time_split` splits by time: train on the past, validate on what follows, test on the most
    recent data, without shuffling.
    """

    code = "EP06"
    name = "time-order-shuffled"
    stage = 3
    severity = Severity.ERROR
    remedy = "time_split"

    def check(self, experiment, options):
        data, splits = experiment.data, experiment.splits
        if splits is None or not in_time_order(experiment):
            return
        time_column = data.time_column if data is not None else None
        evidence = {"time_column": time_column, "method": splits.method, "shuffle": splits.shuffle}
        order = f"ordered in time (by {time_column})" if time_column else "ordered in time"
        if splits.method in ("random", "stratified"):
            yield self.violation(
                f"the samples are {order} but split by {splits.method} sampling; later samples land "
                "in training and the model is validated on its own past: split by time",
                "/splits/method", **evidence,
            )
        elif splits.shuffle:
            yield self.violation(
                f"the samples are {order} but shuffled before splitting; the future leaks into "
                "training: split by time without shuffling",
                "/splits/shuffle", **evidence,
            )


class StratifyOptions(RuleOptions):
    max_imbalance_ratio: float = Field(
        4.0, gt=1, description="Largest/smallest class ratio from which a plain random split is risky.")
    max_share_gap: float = Field(
        0.1, ge=0, le=1, description="Largest allowed difference of one class's share between two splits.")


class SplitNotStratified(Rule):
    """Imbalanced classes split without stratification, or class shares differing between splits.

    ## What it does
    For single-label classification:

    - measures each class's share in every split with class counts (`splits.class_counts`) and
      fires when one class's share differs between two splits by more than `max_share_gap`;
    - otherwise, fires when the classes are imbalanced (largest/smallest ratio at least
      `max_imbalance_ratio`) and `splits.method` is random: the shares may differ even if the
      measured ones happen to agree, and the next resplit may not be so lucky.

    Multilabel problems are not judged (their label counts do not partition the samples), nor are
    samples ordered in time (`data.time_column`, `data.time_ordered`, or a time split): they must be
    split by time (EP06), which stratified sampling would undo, and a class mix that drifts over
    time is what a later validation and test split should measure.

    ## Why is this bad?
    If a rare class makes up 8% of training but 2% of validation, the validation score measures a
    different problem from the one trained on, and small classes may vanish from a split
    entirely. Stratified sampling keeps every class's share the same in each split.

    ## Anti-pattern
    ```yaml
    problem: {type: binary_classification}
    data:
      class_counts: {0: 9100, 1: 900}
    splits: {method: random, train: 6000, validation: 2000, test: 2000}
    ```

    ## Best practice
    ```yaml
    problem: {type: binary_classification}
    data:
      class_counts: {0: 9100, 1: 900}
    splits: {method: stratified, train: 6000, validation: 2000, test: 2000}
    ```

    ## Fix
    `stratify_split` re-splits with stratified sampling on the target.
    """

    code = "EP07"
    name = "split-not-stratified"
    stage = 3
    severity = Severity.WARNING
    remedy = "stratify_split"
    Options = StratifyOptions

    def check(self, experiment, options):
        splits = experiment.splits
        if splits is None or inferred_problem_type(experiment) not in SINGLE_LABEL_TYPES or in_time_order(experiment):
            return
        pointer = "/splits/method" if splits.method else "/splits/class_counts"
        gap = _largest_share_gap(splits.class_counts or {})
        if gap is not None and round(gap[0], 9) > options.max_share_gap:
            size, label, shares = gap
            listed = ", ".join(f"{split} {share:.1%}" for split, share in shares.items())
            yield self.violation(
                f"class {label}'s share differs by {size:.1%} between splits ({listed}), threshold "
                f"{options.max_share_gap:.0%}; validation then measures a different class mix from "
                f"training: split with stratified sampling",
                pointer, share_gap=round(size, 4), threshold=options.max_share_gap, label=label,
                shares={split: round(share, 4) for split, share in shares.items()}, method=splits.method,
            )
            return
        if splits.method != "random":
            return
        imbalance = class_imbalance(observed_class_counts(experiment))
        if imbalance is None or imbalance.ratio < options.max_imbalance_ratio:
            return
        yield self.violation(
            f"largest/smallest class ratio {imbalance.ratio:.1f}x, threshold {options.max_imbalance_ratio:g}x, "
            f"split by plain random sampling; the {imbalance.smallest_count} samples of class "
            f"{imbalance.smallest} may fall unevenly between the splits: split with stratified sampling",
            "/splits/method", ratio=round(imbalance.ratio, 3), threshold=options.max_imbalance_ratio,
            method=splits.method, smallest_class=imbalance.smallest, smallest_count=imbalance.smallest_count,
        )


def _largest_share_gap(class_counts: dict[str, dict[str, int]]) -> tuple[float, str, dict[str, float]] | None:
    """The class whose share differs most between splits: (gap, class, share per split)."""
    totals = {split: sum(counts.values()) for split, counts in class_counts.items()}
    measured = [split for split, total in totals.items() if total > 0]
    if len(measured) < 2:
        return None
    labels = {label for split in measured for label in class_counts[split]}
    worst: tuple[float, str, dict[str, float]] | None = None
    for label in sorted(labels):
        shares = {split: class_counts[split].get(label, 0) / totals[split] for split in measured}
        size = max(shares.values()) - min(shares.values())
        if worst is None or size > worst[0]:
            worst = (size, label, shares)
    return worst


class ValidationSplitOnOrderedData(Rule):
    """Keras `validation_split` takes its validation rows from data sorted by label or by time.

    ## What it does
    Fires when `splits.keras_validation_split` is set (Keras holds out the *last* rows of the
    training data, before any shuffling) and the rows are ordered: `data.ordered_by` is target
    (sorted or grouped by label, as some bundled datasets and many exported tables are) or time,
    or the data profile found them sorted by their time column (`data.time_ordered`).

    ## Why is this bad?
    On rows sorted by label, the last 20% hold only the last class or two: the validation score
    measures a different problem, and early stopping follows it. On rows sorted by time, the
    split is a time split by accident, which is fine only if it was meant; it usually goes with
    shuffled training batches that hide it.

    ## Anti-pattern
    ```yaml
    data: {ordered_by: target}
    splits: {keras_validation_split: 0.2}
    ```

    ## Best practice
    ```yaml
    data: {ordered_by: target}
    splits: {method: stratified, validation: 0.2, train: 0.8}
    ```

    ## Fix
    Shuffle the rows before fitting (or split with `train_test_split(..., stratify=y)` and pass
    `validation_data`); for time-ordered data, split by time on purpose.
    """

    code = "EP08"
    name = "validation-split-on-ordered-data"
    stage = 3
    severity = Severity.WARNING

    def check(self, experiment, options):
        splits, data = experiment.splits, experiment.data
        if splits is None or splits.keras_validation_split is None or data is None:
            return
        ordered = data.ordered_by or ("time" if data.time_ordered else None)
        if ordered is None:
            return
        what = "sorted or grouped by label" if ordered == "target" else "ordered in time"
        held_out = "one class or two" if ordered == "target" else "the latest period only"
        yield self.violation(
            f"validation_split={splits.keras_validation_split:g} holds out the last rows before any "
            f"shuffling, and the rows are {what}: the validation set holds {held_out}, so its score "
            "measures another problem: shuffle the rows first, or split with stratification",
            "/splits/keras_validation_split", ordered_by=ordered,
            validation_split=splits.keras_validation_split,
        )


RULES: list[type] = [
    ProtocolMissing, HoldoutTooSmall, NeedsIteratedKFold, KFoldFoldsTooSmall, TestSetMissing,
    TimeOrderShuffled, SplitNotStratified, ValidationSplitOnOrderedData,
]


# --- remedies: what the rules above name, declared once ---------------------------------------

TIME_SPLIT = Remedy(
    "time_split", UNSAFE,
    Advice(
        "Split by time without shuffling: train on the past, validate and test on the future.",
        "When samples are ordered in time, a random split lets the future leak into training."),
    edit="rules.fixes.decisions:time_split", phase="protocol", batch=EDITS,
)

STRATIFY_SPLIT = Remedy(
    "stratify_split", UNSAFE,
    Advice(
        "Stratify the splits by class.",
        "With imbalanced classes, random splits give validation and test sets that do not represent the data."),
    edit="rules.fixes.decisions:stratify_split", phase="protocol", batch=EDITS,
)

ADD_VALIDATION = Remedy(
    "add_validation", UNSAFE,
    Advice(
        "Hold out a validation split (or use K-fold) and monitor it while training.",
        "Without validation data nothing measures generalization, and overfitting cannot be seen."),
    edit="rules.fixes.decisions:add_validation", phase="protocol", batch=EDITS,
)

HOLD_OUT_TEST = Remedy(
    "hold_out_test", UNSAFE,
    Advice(
        "Hold out a test set that only the final evaluation touches, once.",
        "Every time you use feedback from your validation process to tune your model, you leak information; "
        "only untouched test data measures generalization."),
    edit="rules.fixes.decisions:hold_out_test", phase="protocol", batch=EDITS,
)

USE_KFOLD = Remedy(
    "use_kfold", UNSAFE,
    Advice(
        "Use K-fold validation instead of a single small hold-out split.",
        "With little data, one small validation split gives a noisy estimate that tuning then overfits."),
    edit="rules.fixes.decisions:use_kfold", phase="protocol", batch=EDITS,
)

USE_ITERATED_KFOLD = Remedy(
    "use_iterated_kfold", UNSAFE,
    Advice(
        "Use iterated K-fold validation with shuffling.",
        "With little data and many comparisons, iterated K-fold is the most reliable estimate of "
        "generalization."),
    edit="rules.fixes.decisions:use_iterated_kfold", phase="protocol", batch=EDITS,
)

REMEDIES: list[Remedy] = [TIME_SPLIT, STRATIFY_SPLIT, ADD_VALIDATION, HOLD_OUT_TEST, USE_KFOLD, USE_ITERATED_KFOLD]
