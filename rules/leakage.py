"""LK: leakage (each rule sits at the stage where its leak is made).

Information from the validation or test data, or from the answer itself, reaching the model or
the choices made about it: statistics fit on all rows (stage 4), rows shared between splits
(stage 3), a feature that is the target in disguise (stage 4), a test set used to decide, and a
small validation set worn out by many trials (stage 7). Each makes scores look better than the
model is.
"""

from __future__ import annotations

from typing import NamedTuple

from pydantic import Field

from advisor import Rule, RuleOptions, Severity
from advisor.facts import holdout_validation_samples, input_features, split_samples
from advisor.remedy import EDITS, SAFE, Advice, Remedy
from advisor.rule import WITH_DATA

#: Steps that learn no statistics from the rows: where they were "fit" leaks nothing. A one-hot
#: encoder learns only the category vocabulary, which carries no label or distribution information.
_STATELESS_STEPS = {"log", "deduplicate", "one_hot"}


class PreprocessingFitOnAllData(Rule):
    """A preprocessing step's statistics came from validation or test rows.

    ## What it does
    Fires for each step of `data.preprocessing` that learns statistics (standardize, minmax,
    scale, impute, feature selection, feature engineering) whose `fit_on` is `all` (includes the
    test rows) or `train+validation` (includes the validation rows the scores are measured on).
    Steps that learn nothing from the rows (log, deduplicate, one-hot vocabularies) and steps
    without `fit_on` are not judged.

    `fit_on` describes the pipeline that produced the validation and test scores. Refitting the
    steps on train+validation for the final model, after the protocol is done, is right and is not
    what this field records.

    ## Why is this bad?
    A mean, a scale or a feature ranking computed with validation or test rows carries knowledge
    of them into training. The model is then evaluated on data it has partly seen, and the
    scores are optimistic; feature selection on all rows can turn pure noise into an apparently
    predictive model.

    ## Anti-pattern
    ```yaml
    data:
      preprocessing:
        - {step: standardize, fit_on: all}
    ```

    ## Best practice
    ```yaml
    data:
      preprocessing:
        - {step: standardize, fit_on: train}
    ```

    ## Fix
    `normalize_features` refits the step on the training rows only and applies those statistics
    to the validation and test rows.
    """

    code = "LK01"
    name = "preprocessing-fit-on-all-data"
    stage = 4
    severity = Severity.ERROR
    judged = WITH_DATA
    remedy = "normalize_features"

    class Evidence(NamedTuple):
        # The finding's evidence key, kept for JSON readers; as a field it hides tuple.index,
        # which no reader of the evidence calls.
        index: int  # type: ignore[assignment]  # of the preprocessing step fit on the other rows too

    def check(self, experiment, options):
        if experiment.data is None or not experiment.data.preprocessing:
            return
        for index, step in enumerate(experiment.data.preprocessing):
            if step.step in _STATELESS_STEPS or step.fit_on not in ("all", "train+validation"):
                continue
            leaked = "the validation and test rows" if step.fit_on == "all" else "the validation rows"
            yield self.violation(
                f"the {step.step} step is fit on {step.fit_on}, so its statistics include {leaked}; the "
                "model is scored on data it has partly seen and the scores are optimistic: fit the step "
                "on the training rows only",
                f"/data/preprocessing/{index}/fit_on", step=step.step, fit_on=step.fit_on, index=index,
            )


class OverlapOptions(RuleOptions):
    max_share: float = Field(
        0.0, ge=0, le=1, description="Largest allowed share of validation and test rows also found in training.")


class TrainTestOverlap(Rule):
    """Identical samples appear in training and in validation or test.

    ## What it does
    Reads `splits.overlap` (rows found in both training and validation/test, computed by the data
    readers from a split column or split files) and divides it by the validation plus test
    samples. Fires when that share exceeds `max_share`. With the split sizes unknown, any overlap
    exceeds the default of 0; a non-zero `max_share` then cannot be judged and the rule is silent.

    ## Why is this bad?
    A duplicated row scored on validation or test was also trained on: the model only has to
    remember it. Scores rise with the share of duplicates, and near-duplicate-heavy data (scraped
    pages, repeated measurements) can make a memorizing model look excellent.

    ## Anti-pattern
    ```yaml
    splits: {train: 8000, validation: 1000, test: 1000, overlap: 40}
    ```

    ## Best practice
    ```yaml
    data:
      preprocessing:
        - {step: deduplicate}
    splits: {train: 7960, validation: 1000, test: 1000, overlap: 0}
    ```

    ## Fix
    `deduplicate_splits` removes exact duplicates before splitting (or drops from validation and
    test the rows also present in training).
    """

    code = "LK02"
    name = "train-test-overlap"
    stage = 3
    severity = Severity.ERROR
    judged = WITH_DATA
    remedy = "deduplicate_splits"
    Options = OverlapOptions

    def check(self, experiment, options):
        splits = experiment.splits
        if splits is None or not splits.overlap:
            return
        counted = split_samples(experiment)
        held_out = [name for name in ("validation", "test") if name in counted]
        compared = sum(counted[name] for name in held_out)
        share = splits.overlap / compared if compared else None
        if share is None and options.max_share > 0:
            return
        if share is not None and share <= options.max_share:
            return
        measured = (f"{splits.overlap} of the {compared} {' and '.join(held_out)} rows ({share:.2%})"
                    if share is not None else f"{splits.overlap} rows")
        yield self.violation(
            f"{measured} also appear in training, threshold {options.max_share:.2%}; the model is "
            "scored on samples it trained on, so the scores reward memorization: deduplicate before "
            "splitting",
            "/splits/overlap", overlap=splits.overlap, compared_samples=compared or None,
            share=round(share, 6) if share is not None else None, max_share=options.max_share,
        )


class TestSetUsedForTuning(Rule):
    """The test set chose the configuration, served as validation data, or was evaluated twice.

    ## What it does
    Fires, once for each, when `tuning.selected_on` is test, when `tuning.validation_data` is test
    (the test set was passed to training as validation data, so early stopping and the logged
    validation curves used it), or when `tuning.test_evaluations` is above 1.

    ## Why is this bad?
    Every decision taken by looking at the test set fits the configuration to it a little. After
    a few, the test score is a validation score: biased upwards, and no longer an estimate of
    performance on new data. The test set must be evaluated once, at the very end.

    ## Anti-pattern
    ```yaml
    tuning: {trials: 12, selected_on: test, test_evaluations: 12}
    ```

    ## Best practice
    ```yaml
    tuning: {trials: 12, selected_on: validation, validation_data: validation, test_evaluations: 1}
    ```

    ## Fix
    `hold_out_test` tunes on validation data only, and evaluates a fresh test split once with the
    final model (the spent test set has become validation data).
    """

    code = "LK03"
    name = "test-set-used-for-tuning"
    stage = 7
    severity = Severity.ERROR
    judged = WITH_DATA
    remedy = "hold_out_test"

    class Evidence(NamedTuple):
        #: One of the three is set: what of the tuning used the test set.
        selected_on: str | None = None
        validation_data: str | None = None
        test_evaluations: int | None = None

    def check(self, experiment, options):
        tuning = experiment.tuning
        if tuning is None:
            return
        if tuning.selected_on == "test":
            yield self.violation(
                "the configuration was selected on the test set (tuning.selected_on: test); the test "
                "score is then biased upwards like a validation score: select on validation data",
                "/tuning/selected_on", selected_on="test",
            )
        if tuning.validation_data == "test":
            yield self.violation(
                "the test set was passed to training as validation data (tuning.validation_data: test); "
                "early stopping and every curve-based decision looked at it: validate on a validation "
                "split",
                "/tuning/validation_data", validation_data="test",
            )
        if tuning.test_evaluations is not None and tuning.test_evaluations > 1:
            yield self.violation(
                f"the test set was evaluated {tuning.test_evaluations} times, threshold 1; each look "
                "that influences a decision fits the model to it: evaluate the test set once, at the end",
                "/tuning/test_evaluations", test_evaluations=tuning.test_evaluations, max_test_evaluations=1,
            )


class ValidationOveruseOptions(RuleOptions):
    min_trials: int = Field(20, ge=1, description="From this many tuning trials, the validation set is overused.")
    min_validation_samples: int = Field(
        1000, ge=1, description="Validation sets with fewer samples than this wear out under many trials.")


class ValidationOveruse(Rule):
    """Many tuning rounds against one small hold-out set.

    ## What it does
    Fires when a hold-out protocol (declared, or implied by a validation split) counts at least
    `min_trials` tuning trials (`tuning.trials`, a count or the list of trials) and fewer than
    `min_validation_samples` validation samples. K-fold protocols are not judged.

    ## Why is this bad?
    Each trial chosen for its validation score leaks a little of the validation set into the
    configuration. With many trials on a small set, the best score is largely the luckiest one:
    the validation score overfits, and the test score will fall short of it.

    ## Anti-pattern
    ```yaml
    splits: {train: 3000, validation: 600, test: 600}
    protocol: {type: holdout}
    tuning: {trials: 50}
    ```

    ## Best practice
    ```yaml
    splits: {train: 3600, test: 600}
    protocol: {type: kfold, folds: 5}
    tuning: {trials: 50}
    ```

    ## Fix
    `use_kfold` scores every trial by K-fold cross-validation, so each decision rests on all the
    non-test data; fewer, better-planned trials help too.
    """

    code = "LK04"
    name = "validation-overuse"
    stage = 7
    severity = Severity.WARNING
    judged = WITH_DATA
    remedy = "use_kfold"
    Options = ValidationOveruseOptions

    def check(self, experiment, options):
        trials = experiment.tuning.trial_count if experiment.tuning is not None else None
        if trials is None or trials < options.min_trials:
            return
        validation = holdout_validation_samples(experiment)
        if validation is None or validation >= options.min_validation_samples:
            return
        yield self.violation(
            f"{trials} tuning trials (threshold {options.min_trials}) against one hold-out set of "
            f"{validation} samples (threshold {options.min_validation_samples}); the best trial is "
            "partly the luckiest, so the validation score overfits: score trials by K-fold",
            "/tuning/trials", trials=trials, validation_samples=validation, min_trials=options.min_trials,
            min_validation_samples=options.min_validation_samples,
        )


class LeakOptions(RuleOptions):
    max_score: float = Field(
        0.99, gt=0, le=1, description="Single-feature score (absolute correlation or accuracy) that is too good to be true.")


class TargetLeakingFeature(Rule):
    """One feature alone predicts the target almost perfectly.

    ## What it does
    Reads each input feature's `target_score` (the data readers compute it: the absolute
    correlation with a numeric target, or the accuracy of the best single-feature rule for a
    classification target) and fires, once per feature, when its absolute value is at or above
    `max_score` (a hand-written correlation of -0.998 leaks as much as one of 0.998). The target,
    split, time and group columns are not inputs: a profile that lists the target column, which
    trivially predicts itself, is not judged for it.

    ## Why is this bad?
    Real problems are rarely solved by one column. A feature that predicts the target almost
    perfectly is usually the answer in disguise: recorded after the outcome (a refund date for
    churn), derived from the label, or an identifier that encodes the split. The model will learn
    it and fail in production, where the feature is not available or means something else.

    ## Anti-pattern
    ```yaml
    problem: {type: binary_classification, target: churned}
    data:
      features:
        - {name: tenure_months, dtype: int, target_score: 0.35}
        - {name: cancellation_date_set, dtype: int, target_score: 0.998}
    ```

    ## Best practice
    ```yaml
    problem: {type: binary_classification, target: churned}
    data:
      features:
        - {name: tenure_months, dtype: int, target_score: 0.35}
        - {name: support_calls, dtype: int, target_score: 0.41}
    ```

    ## Fix
    Find out how the feature is produced; drop it if it is not available at prediction time or
    derives from the target. No automatic remedy: only a person can tell.
    """

    code = "LK05"
    name = "target-leaking-feature"
    stage = 4
    severity = Severity.WARNING
    judged = WITH_DATA

    Options = LeakOptions

    def check(self, experiment, options):
        for index, feature in input_features(experiment):
            score = feature.target_score
            if score is None or abs(score) < options.max_score:
                continue
            yield self.violation(
                f"feature {feature.name} alone predicts the target with a score of {score:.3f}, threshold "
                f"{options.max_score:g}; a single column that good is usually the answer in disguise "
                "(recorded after the outcome, or derived from the label): check how it is produced and "
                "drop it if it is not available at prediction time",
                f"/data/features/{index}", feature=feature.name, target_score=score, max_score=options.max_score,
            )


class FitOnTestData(Rule):
    """A model or a preprocessing step was fit on the test rows.

    ## What it does
    Fires when `model.fit_on` is test (the model, or a cross-validation or search around it, was
    trained on the test set) and for each step of `data.preprocessing` whose `fit_on` is test (a
    scaler, imputer or selector fit on the test rows). Training code shows these: the reader of
    a script sets them where `fit` or `fit_transform` receives the test variables.

    ## Why is this bad?
    A model trained on the test rows is scored on data it has learnt: the test score measures
    memory, not generalization. A step fit on the test rows gives the test set statistics of its
    own, so the test score no longer measures the pipeline that will serve new data.

    ## Anti-pattern
    ```yaml
    model: {fit_on: test}
    data:
      preprocessing:
        - {step: standardize, fit_on: test}
    ```

    ## Best practice
    ```yaml
    model: {fit_on: train}
    data:
      preprocessing:
        - {step: standardize, fit_on: train}
    ```

    ## Fix
    `hold_out_test` keeps the test rows out of every fit: fit on the training rows, transform the
    test rows with what was learnt there, and evaluate the test set once, at the end.
    """

    code = "LK06"
    name = "fit-on-test-data"
    stage = 4
    severity = Severity.ERROR
    judged = WITH_DATA
    remedy = "hold_out_test"

    def check(self, experiment, options):
        if experiment.model is not None and experiment.model.fit_on == "test":
            yield self.violation(
                "the model is fit on the test rows (model.fit_on: test); it is then scored on data it "
                "has learnt, so the test score measures memory: fit on the training rows only",
                "/model/fit_on", fit_on="test",
            )
        steps = experiment.data.preprocessing if experiment.data is not None else None
        for index, step in enumerate(steps or []):
            if step.fit_on == "test":
                yield self.violation(
                    f"the {step.step} step is fit on the test rows (fit_on: test); the test set gets "
                    "statistics of its own, unlike any new data: fit the step on the training rows and "
                    "only transform the test rows",
                    f"/data/preprocessing/{index}/fit_on", step=step.step, fit_on="test", index=index,
                )


RULES: list[type] = [
    PreprocessingFitOnAllData, TrainTestOverlap, TestSetUsedForTuning, ValidationOveruse, TargetLeakingFeature,
    FitOnTestData,
]


# --- remedies: what the rules above name, declared once ---------------------------------------

DEDUPLICATE_SPLITS = Remedy(
    "deduplicate_splits", SAFE,
    Advice(
        "Remove the samples that appear both in training and in validation or test data.",
        "Samples shared between splits turn the evaluation into a measure of memorization."),
    edit="rules.fixes.data:deduplicate_splits", phase="rows", batch=EDITS,
)

REMEDIES: list[Remedy] = [DEDUPLICATE_SPLITS]
