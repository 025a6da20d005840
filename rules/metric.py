"""MS: choose a measure of success (stage 2).

The success metric is what every later step optimizes and compares: the baseline, the tuning
trials, the final test score. It must exist, fit the problem type, stay honest under class
imbalance, rank when the task ranks, and be logged during training so it can guide the work.
"""

from __future__ import annotations

from pydantic import Field

from advisor import Rule, RuleOptions, Severity
from advisor.facts import (
    class_imbalance, declares_plan, history_key, inferred_problem_type, observed_class_counts, success_metric,
    validation_series_keys,
)
from advisor.names import (
    CLASSIFICATION_METRICS, CLASSIFICATION_TYPES, RANKING_METRICS, REGRESSION_METRICS, REGRESSION_TYPES,
    SINGLE_LABEL_TYPES, canonical_metric,
)
from advisor.remedy import EDITS, SAFE, UNSAFE, Advice, Remedy
#: Metrics that stay informative when one class dominates.
IMBALANCE_AWARE_METRICS = {
    "balanced_accuracy", "auc", "pr_auc", "average_precision", "precision", "recall", "f1", "map",
    "mcc", "matthews_corrcoef", "cohen_kappa",
}


def _type_source(experiment) -> str:
    return "declared" if experiment.problem is not None and experiment.problem.type else "inferred"


class MetricMissing(Rule):
    """No success metric is declared.

    ## What it does
    Fires when `metric.name` is absent. Metrics compiled into the model (`model.metrics`) are
    named in the evidence, as candidates, but do not count: they are what Keras logs, not a
    decision about what success means. Silent on records that hold only artifacts.

    ## Why is this bad?
    Without a declared measure of success there is nothing to beat a baseline with, nothing to
    compare tuning trials on and no meaning to the final test score. The metric must be chosen
    before the work starts, from what matters to the problem, not after from what looks good.

    ## Anti-pattern
    ```yaml
    problem: {type: binary_classification, target: churned}
    data: {samples: 7043}
    ```

    ## Best practice
    ```yaml
    problem: {type: binary_classification, target: churned}
    data: {samples: 7043}
    metric: {name: auc, goal: maximize}
    ```

    ## Fix
    `set_metric` writes `metric.name` (accuracy or ROC AUC for balanced classification, precision,
    recall, F1 or PR AUC for imbalanced classes, mean average precision for ranking and multilabel
    problems, MAE for regression).
    """

    code = "MS01"
    name = "metric-missing"
    stage = 2
    severity = Severity.WARNING
    evidence = "metric"
    reports_absence = True
    remedy = "set_metric"

    def check(self, experiment, options):
        if not declares_plan(experiment) or success_metric(experiment) is not None:
            return
        compiled = list(experiment.model.metrics or []) if experiment.model is not None else []
        hint = f" (the model compiles {', '.join(compiled)}: pick the one that matters)" if compiled else ""
        yield self.violation(
            "no success metric is declared (metric.name); nothing defines what beating the baseline "
            f"or a better trial means: declare the measure of success{hint}",
            "/metric/name", model_metrics=compiled,
        )


class MetricProblemMismatch(Rule):
    """The success metric cannot measure this problem type.

    ## What it does
    Compares the success metric with the problem type (declared, else inferred from the labels or
    the output layer and loss): classification metrics (accuracy, AUC, precision, recall, F1, log
    loss, ...) for a regression, or regression metrics (MAE, MSE, RMSE, MAPE, R²) for a
    classification. Metrics the advisor does not know are not judged.

    A regression metric on class probabilities (MSE as a Brier score) is flagged too: name it
    `brier_score` to say what it is, and the rule leaves it alone.

    ## Why is this bad?
    Accuracy on continuous targets is almost always 0, since predictions never equal the target
    exactly; MAE on class indices treats "class 9 instead of 1" as worse than "class 2 instead of
    1". Either way the number that decides the work measures nothing the problem cares about.

    ## Anti-pattern
    ```yaml
    problem: {type: regression, target: price}
    metric: {name: accuracy}
    ```

    ## Best practice
    ```yaml
    problem: {type: regression, target: price}
    metric: {name: mae}
    ```

    ## Fix
    `set_metric` replaces `metric.name` with one that fits the problem type.
    """

    code = "MS02"
    name = "metric-problem-mismatch"
    stage = 2
    severity = Severity.ERROR
    remedy = "set_metric"

    def check(self, experiment, options):
        metric, kind = success_metric(experiment), inferred_problem_type(experiment)
        if metric is None or kind is None:
            return
        evidence = {"metric": metric, "problem_type": kind, "problem_type_source": _type_source(experiment)}
        if kind in CLASSIFICATION_TYPES and metric in REGRESSION_METRICS:
            yield self.violation(
                f"the success metric {metric} measures distances between numbers, but the problem is "
                f"{kind} (class labels have no distance): use accuracy, AUC, F1 or PR AUC",
                "/metric/name", **evidence,
            )
        elif kind in REGRESSION_TYPES and metric in CLASSIFICATION_METRICS:
            yield self.violation(
                f"the success metric {metric} measures class predictions, but the problem is {kind} "
                "(continuous targets are never hit exactly): use MAE (or RMSE)",
                "/metric/name", **evidence,
            )


class MetricOptions(RuleOptions):
    max_imbalance_ratio: float = Field(
        4.0, gt=1, description="Largest/smallest class ratio from which accuracy alone is misleading.")


class AccuracyOnImbalancedClasses(Rule):
    """Accuracy is the only success metric on imbalanced classes.

    ## What it does
    Measures the ratio of the largest class to the smallest (`data.class_counts`, else the
    per-split class counts added up) in a single-label classification problem whose success metric
    is accuracy, and fires when the ratio reaches `max_imbalance_ratio` and no imbalance-aware
    metric (balanced accuracy, precision, recall, F1, ROC or PR AUC, average precision, MCC) is
    tracked in `metric.others`. Multilabel problems are left to MS04.

    ## Why is this bad?
    With one class at 80%, always answering that class scores 80% accuracy. A model can look good
    while it never finds the rare class that usually matters (fraud, disease, churn), and
    comparing trials on accuracy rewards exactly that.

    ## Anti-pattern
    ```yaml
    problem: {type: binary_classification, target: fraud}
    data:
      class_counts: {0: 9100, 1: 900}
    metric: {name: accuracy}
    ```

    ## Best practice
    ```yaml
    problem: {type: binary_classification, target: fraud}
    data:
      class_counts: {0: 9100, 1: 900}
    metric: {name: pr_auc, others: [precision, recall]}
    ```

    ## Fix
    `set_metric` makes an imbalance-aware metric the measure of success (PR AUC, or F1; precision
    and recall when the costs of the two errors differ), or tracks one next to accuracy.
    """

    code = "MS03"
    name = "accuracy-on-imbalanced-classes"
    stage = 2
    severity = Severity.WARNING
    remedy = "set_metric"
    #: Tracking precision and recall beside accuracy changes no decision: safe, unlike choosing a metric.
    fix_safety = "safe"
    Options = MetricOptions

    def check(self, experiment, options):
        if success_metric(experiment) != "accuracy":
            return
        if inferred_problem_type(experiment) not in SINGLE_LABEL_TYPES:
            return
        others = {canonical_metric(name) for name in (experiment.metric.others or [])}
        if others & IMBALANCE_AWARE_METRICS:
            return
        counts = observed_class_counts(experiment)
        imbalance = class_imbalance(counts)
        if counts is None or imbalance is None or imbalance.ratio < options.max_imbalance_ratio:
            return
        majority_share = imbalance.largest_count / sum(counts.values())
        yield self.violation(
            f"largest/smallest class ratio {imbalance.ratio:.1f}x ({imbalance.largest}: "
            f"{imbalance.largest_count}, {imbalance.smallest}: {imbalance.smallest_count}), threshold "
            f"{options.max_imbalance_ratio:g}x; accuracy is the only success metric, and always "
            f"predicting {imbalance.largest} already scores {majority_share:.0%}: "
            "measure success with PR AUC or F1 (or track precision and recall)",
            "/metric/name", ratio=round(imbalance.ratio, 3), threshold=options.max_imbalance_ratio,
            largest_class=imbalance.largest, largest_count=imbalance.largest_count,
            smallest_class=imbalance.smallest, smallest_count=imbalance.smallest_count,
            majority_share=round(majority_share, 4),
        )


class RankingOrMultilabelWithoutMap(Rule):
    """A multilabel or ranking problem is not measured by mean average precision.

    ## What it does
    Fires when the problem is multilabel classification (declared or inferred) or declares
    `problem.ranking: true`, and the success metric is not a ranking metric: mean average
    precision, average precision, PR AUC, NDCG or MRR. ROC AUC does not count: with the many
    negatives of multilabel and ranking tasks it stays high while the top of the ranking is poor.

    ## Why is this bad?
    In a multilabel or ranking task the user sees an ordered list of labels or items. Accuracy
    over label vectors is dominated by the easy negatives (predicting no label at all often scores
    high) and says nothing about whether the right items come first.

    ## Anti-pattern
    ```yaml
    problem: {type: multilabel_classification, target: tags, classes: 20}
    metric: {name: accuracy}
    ```

    ## Best practice
    ```yaml
    problem: {type: multilabel_classification, target: tags, classes: 20}
    metric: {name: map}
    ```

    ## Fix
    `set_metric` makes mean average precision (or PR AUC per label, averaged) the measure of
    success.
    """

    code = "MS04"
    name = "ranking-or-multilabel-without-map"
    stage = 2
    severity = Severity.WARNING
    remedy = "set_metric"

    def check(self, experiment, options):
        metric = success_metric(experiment)
        if metric is None or metric in RANKING_METRICS:
            return
        kind = inferred_problem_type(experiment)
        ranking = bool(experiment.problem and experiment.problem.ranking)
        if kind != "multilabel_classification" and not ranking:
            return
        what = "a ranking problem" if ranking else "a multilabel problem"
        others = experiment.metric.others if experiment.metric is not None else None
        tracked = sorted(RANKING_METRICS.intersection(canonical_metric(n) for n in others or []))
        hint = f"; {', '.join(tracked)} is tracked already: make it the success metric" if tracked else ""
        yield self.violation(
            f"the success metric is {metric}, but this is {what}: what matters is whether the right "
            f"labels or items come first, which {metric} does not measure; use mean average "
            f"precision (or PR AUC){hint}",
            "/metric/name", metric=metric, problem_type=kind, ranking=ranking, ranking_metrics_tracked=tracked,
        )


class SuccessMetricNotLogged(Rule):
    """The history logs no validation values of the success metric.

    ## What it does
    Looks in the training history for validation values of the success metric, under any of its
    Keras spellings (`val_accuracy`, `val_binary_accuracy`, `val_acc`, `val_auc_1`, ...; Keras 3's
    `val_compile_metrics` when it is the only metric logged), and fires when the history logs
    validation values of other quantities but not of this one. A history without any validation
    series is OF01's finding, not this rule's.

    ## Why is this bad?
    Every decision after the baseline (more capacity, regularization, which epoch to keep, which
    trial wins) should be read off the success metric on validation data. When only the loss is
    logged, the work is steered by a proxy, and the epoch with the best loss need not be the one
    with the best metric.

    ## Anti-pattern
    ```yaml
    metric: {name: auc}
    model: {metrics: [accuracy]}
    history:
      loss: [0.61, 0.45, 0.38, 0.35]
      val_loss: [0.60, 0.48, 0.42, 0.41]
      val_accuracy: [0.70, 0.78, 0.81, 0.82]
    ```

    ## Best practice
    ```yaml
    metric: {name: auc}
    model: {metrics: [accuracy, auc]}
    history:
      loss: [0.61, 0.45, 0.38, 0.35]
      val_loss: [0.60, 0.48, 0.42, 0.41]
      val_auc: [0.74, 0.83, 0.86, 0.87]
    ```

    ## Fix
    `log_metric` adds the success metric to the model's compiled metrics, so Keras logs it for
    the training and the validation data every epoch.
    """

    code = "MS05"
    name = "success-metric-not-logged"
    stage = 2
    severity = Severity.WARNING
    remedy = "log_metric"

    def check(self, experiment, options):
        metric = success_metric(experiment)
        logged = validation_series_keys(experiment)
        if metric is None or not logged or history_key(experiment, experiment.metric.name, validation=True):
            return
        pointer = "/model/metrics" if experiment.model is not None else "/history"
        yield self.violation(
            f"the history logs validation values of {', '.join(logged)} but not of the success metric "
            f"{metric}; the work cannot be steered by what defines success: compile the model with "
            f"{metric} so Keras logs val_{metric}",
            pointer, metric=metric, validation_series=logged,
        )


RULES: list[type] = [
    MetricMissing, MetricProblemMismatch, AccuracyOnImbalancedClasses, RankingOrMultilabelWithoutMap,
    SuccessMetricNotLogged,
]


# --- remedies: what the rules above name, declared once ---------------------------------------

SET_METRIC = Remedy(
    "set_metric", UNSAFE,
    Advice(
        "Choose a success metric that fits the problem (metric.name).",
        "Your metric for success guides the choice of loss and every decision you make later; it must "
        "measure what matters for this problem."),
    edit="rules.fixes.decisions:set_metric", phase="metric",
)

LOG_METRIC = Remedy(
    "log_metric", SAFE,
    Advice(
        "Log the success metric on the validation data while training (add it to the compiled metrics).",
        "A measure of success that is never observed on validation data cannot guide the work."),
    edit="rules.fixes.model:log_metric", phase="model", batch=EDITS,
)

REMEDIES: list[Remedy] = [SET_METRIC, LOG_METRIC]
