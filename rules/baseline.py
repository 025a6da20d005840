"""BL: develop a model that does better than a baseline (stage 5).

A model earns its keep only against the score of a dumb one: the most frequent class for
classification, the mean target for regression. These rules compare the model's validation score
(`final.validation_score`, else the best epoch of the success metric's validation series, else the
best tuning trial; the evidence's `score_source` says which) with `baseline.score`, both in the
success metric, in the direction of the metric's goal (declared in `metric.goal`, else known for
the metric).
"""

from __future__ import annotations

from pydantic import Field

from advisor import Measurement, Rule, RuleOptions, Severity
from advisor.facts import (
    best_trial, class_counts_in, inferred_problem_type, metric_goal_of, present_pointer, validation_plan,
    validation_score,
)
from advisor.names import REGRESSION_TYPES, SINGLE_LABEL_TYPES, canonical_metric, perfect_score
from advisor.remedy import TRAINING, Advice, Remedy

#: BL04: a baseline counts as weaker when the common-sense one scores more than this above it.
WEAKER_BY = 0.01
#: BL04: metrics in which the mean is the best constant prediction.
SQUARED_ERROR_METRICS = {"mse", "rmse", "r2"}


def beats(score: float, baseline: float, goal: str) -> bool:
    """Whether `score` is strictly better than `baseline` for a metric with this goal."""
    return score > baseline if goal == "maximize" else score < baseline


def _comparison(experiment):
    """(validation score fact, baseline score, goal, metric name), or None when any is missing."""
    baseline = experiment.baseline.score if experiment.baseline is not None else None
    goal = metric_goal_of(experiment)
    score = validation_score(experiment)
    if baseline is None or goal is None or score is None:
        return None
    return score, baseline, goal, experiment.metric.name


def _where(score) -> str:
    return f"{score.source}, epoch {score.epoch}" if score.epoch else score.source


class BaselineMissing(Rule):
    """No dumb baseline score is recorded, though a model is declared or has a score to compare.

    ## What it does
    Fires when `baseline.score` is missing while the experiment already has a model result to put
    next to it: a validation score (`final.validation_score`, a validation series of the success
    metric in the history, or scored tuning trials) or a `final.test_score`. It fires too, before
    any result, when a model is declared (layers, a model file, a loss or an optimizer) together
    with a validation plan (a validation split or K-fold): the workflow scores the dumb baseline
    before the first model is trained. A record with neither a model nor results has nothing to
    compare yet, and the rule stays silent.

    ## Why is this bad?
    An accuracy of 0.85 means nothing on its own: on data with 85% of one class, a model that
    always says that class scores the same. The dumb baseline is the bar a model must clear before
    it has shown any statistical power, and it anchors every later gain.

    ## Anti-pattern
    ```yaml
    metric: {name: accuracy}
    final: {validation_score: 0.85}
    ```

    ## Best practice
    ```yaml
    metric: {name: accuracy}
    baseline: {strategy: most_frequent, score: 0.62}
    final: {validation_score: 0.85}
    ```

    ## Fix
    `compute_baseline` scores scikit-learn's `DummyClassifier(strategy="most_frequent")` (or
    `DummyRegressor(strategy="mean")`) on the validation data in the success metric.
    """

    code = "BL01"
    name = "baseline-missing"
    stage = 5
    severity = Severity.WARNING
    evidence = "baseline_score"
    reports_absence = True
    remedy = "compute_baseline"

    def check(self, experiment, options):
        if experiment.baseline is not None and experiment.baseline.score is not None:
            return
        score = validation_score(experiment)
        test = experiment.final.test_score if experiment.final is not None else None
        if score is None and test is None:
            validated = validation_plan(experiment)
            if not _declares_model(experiment) or validated is None:
                return
            yield self.violation(
                f"a model is declared and {validated} is planned, but no baseline score is recorded "
                "(threshold: a baseline score in the success metric before the first model is "
                "trained): without it, the model's first score cannot be judged; score a dumb "
                "baseline on the validation data now",
                present_pointer(experiment, "/baseline", "/metric", "/model"),
                model_score=None, score_source=None, validation=validated,
            )
            return
        compared = f"validation score {score.value:.4g} ({_where(score)})" if score else f"test score {test:.4g}"
        yield self.violation(
            f"no baseline score is recorded to compare the model's {compared} with (threshold: a "
            "baseline score in the success metric): without it, nobody knows whether the model "
            "learned anything; score a dumb baseline on the validation data",
            present_pointer(experiment, "/baseline", "/metric", ""),
            model_score=score.value if score else test,
            score_source=score.source if score else "final.test_score",
        )


def _declares_model(experiment) -> bool:
    """Whether the record describes a model to train (layers, a file, a loss or an optimizer)."""
    model = experiment.model
    return model is not None and any(
        value is not None for value in (model.layers, model.file, model.loss, model.optimizer))


class BelowBaseline(Rule):
    """The model's validation score does not beat the baseline.

    ## What it does
    Fires when the model's validation score is not strictly better than `baseline.score` in the
    direction of the metric's goal. The evidence names where the score came from.

    ## Why is this bad?
    A model that cannot beat always predicting the majority class (or the mean) has no statistical
    power yet: whatever it learned does not transfer to new data. Scaling it up or tuning it is
    premature; the first model has to clear this bar.

    ## Anti-pattern
    ```yaml
    metric: {name: accuracy}
    baseline: {strategy: most_frequent, score: 0.627}
    history:
      loss: [0.69, 0.68, 0.67, 0.67]
      val_loss: [0.69, 0.68, 0.68, 0.68]
      accuracy: [0.60, 0.62, 0.62, 0.63]
      val_accuracy: [0.60, 0.61, 0.62, 0.62]
    ```

    ## Best practice
    ```yaml
    metric: {name: accuracy}
    baseline: {strategy: most_frequent, score: 0.627}
    history:
      loss: [0.69, 0.45, 0.33, 0.27]
      val_loss: [0.68, 0.47, 0.36, 0.31]
      accuracy: [0.66, 0.84, 0.90, 0.92]
      val_accuracy: [0.67, 0.83, 0.89, 0.91]
    ```

    ## Fix
    No automatic remedy: check the output layer and loss (MC), the learning rate and the training
    curves (TD), and whether the features carry signal at all.
    """

    code = "BL02"
    name = "below-baseline"
    stage = 5
    severity = Severity.ERROR
    evidence = "beats_baseline"

    def measure(self, experiment, options):
        """Whether the validation score beats `baseline.score`; None when either is missing."""
        compared = _comparison(experiment)
        if compared is None:
            return None
        score, baseline, goal, metric = compared
        return Measurement(beats(score.value, baseline, goal),
                           {"score": score.value, "baseline": baseline, "goal": goal, "metric": metric})

    def check(self, experiment, options):
        measured = self.measure(experiment, options)
        if measured is None or measured.present:
            return
        score, baseline, goal, metric = _comparison(experiment)
        yield self.violation(
            f"validation {metric} {score.value:.4g} ({_where(score)}) does not beat the baseline "
            f"{baseline:.4g} (threshold: {'above' if goal == 'maximize' else 'below'} the baseline): "
            "the model has no statistical power yet; fix the model before scaling or tuning it",
            score.pointer,
            score=score.value, score_source=score.source, baseline=baseline, goal=goal,
        )


class NeverBeatsBaseline(Rule):
    """Several architectures were tried and none beats the baseline.

    ## What it does
    Counts the architectures tried: distinct `architecture` names among `tuning.trials` when the
    trials are listed with them, else `tuning.architectures`. With `min_architectures` (3) or more,
    it compares the best of them (the best scored trial, else the model's validation score) with
    `baseline.score` and fires when it does not beat it.

    ## Why is this bad?
    One model failing to beat the baseline is a bug to fix. Several reasonable architectures all
    failing says something about the data: the inputs may not hold enough information to predict
    the target, which is the hypothesis the whole project rests on.

    ## Anti-pattern
    ```yaml
    metric: {name: accuracy}
    baseline: {strategy: most_frequent, score: 0.70}
    tuning:
      trials:
        - {name: small, architecture: mlp-16, score: 0.69}
        - {name: wide, architecture: mlp-256, score: 0.70}
        - {name: deep, architecture: mlp-64-64-64, score: 0.68}
    ```

    ## Best practice
    ```yaml
    metric: {name: accuracy}
    baseline: {strategy: most_frequent, score: 0.70}
    tuning:
      trials:
        - {name: small, architecture: mlp-16, score: 0.69}
        - {name: wide, architecture: mlp-256, score: 0.78}
        - {name: deep, architecture: mlp-64-64-64, score: 0.81}
    ```

    ## Fix
    No automatic remedy: question the data. Collect more or better inputs, check the labels, or
    revisit whether the target can be predicted from these features.
    """

    code = "BL03"
    name = "never-beats-baseline"
    stage = 5
    severity = Severity.ERROR
    evidence = "beats_baseline"
    advice = Advice(
        "Revisit the hypotheses of stage 1: several architectures never beat the baseline, so the answer may "
        "not be in the data. Are the outputs predictable from these inputs? Is there enough informative data?",
        "You make the hypothesis that your outputs can be predicted from your inputs and that the data is "
        "informative enough; until a model beats the baseline, those are only hypotheses.")

    class Options(RuleOptions):
        min_architectures: int = Field(3, ge=1, description="Architectures tried before failing them all says something about the data.")

    def check(self, experiment, options):
        compared = _comparison(experiment)
        tuning = experiment.tuning
        if compared is None or tuning is None:
            return
        score, baseline, goal, metric = compared
        trials = tuning.trials if isinstance(tuning.trials, list) else []
        named = {trial.architecture for trial in trials if trial.architecture}
        architectures = len(named) if named else tuning.architectures
        if architectures is None or architectures < options.min_architectures:
            return
        trial = best_trial(experiment, goal)
        best = trial[0] if trial is not None else score.value
        if beats(best, baseline, goal):
            return
        yield self.violation(
            f"none of {architectures} architectures beats the baseline {baseline:.4g} in {metric} "
            f"(best {best:.4g}; threshold {options.min_architectures} architectures): the answer "
            "may not be in the data; question the inputs and labels before trying more models",
            present_pointer(experiment, "/tuning/architectures", "/tuning/trials", "/tuning"),
            architectures=architectures, best_score=best, baseline=baseline, goal=goal,
            min_architectures=options.min_architectures,
        )


class WeakBaseline(Rule):
    """The baseline is weaker than the common-sense one.

    ## What it does
    Compares the declared baseline strategy with the common-sense one for the problem:
    - single-label classification scored in accuracy: predicting the most frequent class scores the
      majority share, while `uniform` scores 1/classes and `stratified` the sum of squared class
      shares (computed from the class counts of the validation split, where the baseline is
      scored, else of the whole data). It fires when the most-frequent baseline scores more than
      0.01 above the declared one (a baseline with no strategy is judged by its score);
    - regression: the mean is the best constant in squared error, so a `constant` baseline (other
      than the target's mean, when the data profile gives it) fires, and so does `median` when the
      metric is MSE, RMSE or R². A median baseline for MAE is the best one and does not fire.
    Other metrics (AUC, F1...) and custom baselines are not judged: the common-sense baseline
    depends on the metric there.

    ## Why is this bad?
    A weak baseline makes any model look good. A model at 0.70 accuracy beats a uniform guess on
    two classes (0.50), but not a majority-class guess on data with 72% of one class.

    ## Anti-pattern
    ```yaml
    problem: {type: binary_classification}
    data:
      class_counts: {0: 720, 1: 280}
    metric: {name: accuracy}
    baseline: {strategy: uniform, score: 0.50}
    ```

    ## Best practice
    ```yaml
    problem: {type: binary_classification}
    data:
      class_counts: {0: 720, 1: 280}
    metric: {name: accuracy}
    baseline: {strategy: most_frequent, score: 0.72}
    ```

    ## Fix
    `compute_baseline` rescores the baseline with the most frequent class (classification) or the
    mean (regression).
    """

    code = "BL04"
    name = "weak-baseline"
    stage = 5
    severity = Severity.INFO
    remedy = "compute_baseline"

    def check(self, experiment, options):
        baseline = experiment.baseline
        if baseline is None or baseline.strategy in ("custom", "most_frequent", "mean"):
            return
        metric = canonical_metric(experiment.metric.name) if experiment.metric is not None else None
        problem = inferred_problem_type(experiment)
        if problem in SINGLE_LABEL_TYPES and metric == "accuracy":
            yield from self._classification(experiment, baseline)
        elif problem in REGRESSION_TYPES and baseline.strategy in ("constant", "median"):
            yield from self._regression(experiment, baseline, metric)

    def _classification(self, experiment, baseline):
        counts = class_counts_in(experiment, "validation")
        total = sum(counts.values()) if counts else 0
        if counts is None or total <= 0:
            return
        shares = [count / total for count in counts.values()]
        strongest = max(shares)
        if baseline.strategy == "uniform":
            weak, how = 1 / len(shares), "uniform guessing scores 1/classes"
        elif baseline.strategy == "stratified":
            weak, how = sum(share * share for share in shares), "stratified guessing scores the sum of squared class shares"
        elif baseline.strategy is None and baseline.score is not None:
            weak, how = baseline.score, "the recorded baseline scores"
        else:
            return
        if strongest - weak <= WEAKER_BY:
            return
        yield self.violation(
            f"{how}, {weak:.3f} in accuracy, but always predicting the most frequent class scores "
            f"{strongest:.3f} (threshold: within {WEAKER_BY:g} of it): a weak baseline flatters the "
            "model; use the most frequent class",
            present_pointer(experiment, "/baseline/strategy", "/baseline/score", "/baseline"),
            strategy=baseline.strategy, baseline_expected=round(weak, 4), most_frequent=round(strongest, 4),
            margin=WEAKER_BY,
        )

    def _regression(self, experiment, baseline, metric):
        if baseline.strategy == "median":
            if metric not in SQUARED_ERROR_METRICS:
                return
            why = f"the median is not the best constant in {metric}; the mean is"
        else:
            mean = self._target_mean(experiment)
            if mean is not None and baseline.value is not None and abs(baseline.value - mean) <= 1e-9 * max(1.0, abs(mean)):
                return
            value = f" {baseline.value:g}" if baseline.value is not None else ""
            why = f"the constant{value} is not the mean target, the best constant in squared error"
        yield self.violation(
            f"baseline strategy {baseline.strategy}: {why} (threshold: the mean): a weak baseline "
            "flatters the model; predict the mean of the training targets",
            "/baseline/strategy",
            strategy=baseline.strategy, metric=metric, value=baseline.value,
        )

    @staticmethod
    def _target_mean(experiment) -> float | None:
        data = experiment.data
        target = data.target_column if data is not None else None
        target = target or (experiment.problem.target if experiment.problem is not None else None)
        for feature in (data.features or []) if data is not None else []:
            if feature.name == target:
                return feature.mean
        return None


class MarginalGain(Rule):
    """The model beats the baseline by only a sliver of what is possible.

    ## What it does
    Measures the gain as the share of the distance from the baseline to a perfect score that the
    model covers, (model - baseline) / (perfect - baseline), and fires when it is positive but
    below `min_gain` (0.1). A perfect score is 1.0 for accuracy, AUC, F1, R² and the like, 0.0 for
    error metrics (MAE, MSE...); metrics without a known perfect score are not judged. A model that
    does not beat the baseline at all is BL02's.

    ## Why is this bad?
    A gain that small is within the noise of the validation estimate: the model may not be better
    than the baseline at all. The work is still at "beat the baseline": features, model family and
    training, not tuning.

    ## Anti-pattern
    ```yaml
    metric: {name: accuracy}
    baseline: {strategy: most_frequent, score: 0.80}
    final: {validation_score: 0.81}
    ```

    ## Best practice
    ```yaml
    metric: {name: accuracy}
    baseline: {strategy: most_frequent, score: 0.80}
    final: {validation_score: 0.90}
    ```

    ## Fix
    No automatic remedy: a better model (features, architecture, training) must widen the gap.
    """

    code = "BL05"
    name = "marginal-gain"
    stage = 5
    severity = Severity.WARNING

    class Options(RuleOptions):
        min_gain: float = Field(0.1, gt=0, le=1, description="Share of the baseline's distance to a perfect score the model must cover.")

    def check(self, experiment, options):
        compared = _comparison(experiment)
        if compared is None:
            return
        score, baseline, goal, metric = compared
        perfect = perfect_score(metric)
        if perfect is None or perfect == baseline or not beats(score.value, baseline, goal):
            return
        gain = (score.value - baseline) / (perfect - baseline)
        if gain >= options.min_gain:
            return
        yield self.violation(
            f"validation {metric} {score.value:.4g} ({_where(score)}) covers {gain:.1%} of the way "
            f"from the baseline {baseline:.4g} to a perfect {perfect:g} (threshold "
            f"{options.min_gain:.0%}): the gain is within noise; improve the model before tuning it",
            score.pointer,
            gain=round(gain, 4), score=score.value, score_source=score.source, baseline=baseline,
            perfect=perfect, min_gain=options.min_gain,
        )


RULES: list[type] = [BaselineMissing, BelowBaseline, NeverBeatsBaseline, WeakBaseline, MarginalGain]


# --- remedies: what the rules above name, declared once ---------------------------------------

COMPUTE_BASELINE = Remedy(
    "compute_baseline", TRAINING,
    Advice(
        "Compute a common-sense baseline's score on the validation data (most frequent class, or the mean "
        "for regression).",
        "Without a dumb baseline you cannot tell whether the model has any statistical power.",
        train_stage="baseline"),
)

REMEDIES: list[Remedy] = [COMPUTE_BASELINE]
