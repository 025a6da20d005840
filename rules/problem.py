"""PD: define the problem and assemble a dataset (stage 1).

The first step of the workflow says what is predicted, from which data, and what kind of
problem it is: the problem type decides the last layer, the loss, the metric and the baseline.
"""

from __future__ import annotations

from typing import NamedTuple

from advisor import Rule, Severity
from advisor.facts import declares_plan, inferred_problem_type, label_encoding, loss, observed_class_counts, output_layer
from advisor.names import CLASSIFICATION_TYPES, REGRESSION_TYPES, SINGLE_LABEL_TYPES
from advisor.remedy import UNSAFE, Advice, Remedy
from advisor.rule import WITH_DATA


class ProblemTypeMissing(Rule):
    """No problem type is declared and none can be inferred.

    ## What it does
    Fires when `problem.type` is absent and the record gives nothing to infer it from: no label
    encoding (`problem.labels` or the profiled target), no class counts, and no output layer plus
    loss that together imply one type (a single sigmoid unit with binary crossentropy is binary
    classification, a softmax over N units with categorical crossentropy is multiclass, a linear
    unit with mse is regression, and so on).

    A record that holds only artifacts (a lone `.keras` archive or history file) makes no claim to
    describe a whole experiment, so the rule stays silent on it.

    ## Why is this bad?
    The problem type drives every later decision: the last-layer activation, the loss, the
    success metric and the baseline. Without it the advisor cannot check those choices, and the
    team has not written down the first thing the workflow asks: what kind of prediction this is.

    ## Anti-pattern
    ```yaml
    name: churn
    problem: {target: churned}
    data: {samples: 7043}
    ```

    ## Best practice
    ```yaml
    name: churn
    problem: {type: binary_classification, target: churned}
    data: {samples: 7043}
    ```

    ## Fix
    `set_problem_type` writes `problem.type`; choose among binary_classification,
    multiclass_classification, multilabel_classification, regression and bounded_regression.
    """

    code = "PD01"
    name = "problem-type-missing"
    stage = 1
    severity = Severity.ERROR
    evidence = "problem_type"
    reports_absence = True
    judged = WITH_DATA
    remedy = "set_problem_type"

    def check(self, experiment, options):
        if not declares_plan(experiment) or inferred_problem_type(experiment) is not None:
            return
        encoding = label_encoding(experiment)
        out, fact = output_layer(experiment), loss(experiment)
        hint = ("; the labels are continuous, which fits both regression and bounded_regression: "
                "declare which" if encoding == "continuous" else ": set problem.type")
        yield self.violation(
            "no problem type is declared and none can be inferred from the labels, the class counts "
            "or the output layer and loss; every later check (last layer, loss, metric, baseline) "
            f"depends on it{hint}",
            "/problem/type", declared=None, inferred=None, label_encoding=encoding,
            output_activation=out.activation if out else None, output_units=out.units if out else None,
            loss=fact.name if fact else None,
        )


class TargetMissing(Rule):
    """Nothing says what is predicted.

    ## What it does
    Fires when neither `problem.target` nor `data.target_column` names the quantity the model
    predicts. Silent on records that hold only artifacts (a lone model or history file).

    ## Why is this bad?
    "What are you trying to predict?" is the first question of the workflow. Without a named
    target the data profile cannot separate the labels from the features, leakage checks cannot
    tell which column is the answer, and readers of the experiment must guess.

    ## Anti-pattern
    ```yaml
    problem: {type: regression}
    data: {samples: 20640}
    ```

    ## Best practice
    ```yaml
    problem: {type: regression, target: median_house_value}
    data: {samples: 20640}
    ```

    ## Fix
    Name the target in `problem.target` (and `data.target_column` when the column is named
    differently).
    """

    code = "PD02"
    name = "target-missing"
    stage = 1
    severity = Severity.WARNING
    judged = WITH_DATA

    def check(self, experiment, options):
        if not declares_plan(experiment):
            return
        if (experiment.problem and experiment.problem.target) or (experiment.data and experiment.data.target_column):
            return
        yield self.violation(
            "nothing names what is predicted (problem.target and data.target_column are both absent); "
            "the labels cannot be told from the features: name the target",
            "/problem/target", looked_for=["problem.target", "data.target_column"],
        )


def _labels_found(experiment) -> tuple[int, str] | None:
    """Distinct labels (single-label) or label columns (multilabel) found in the data, and the
    field that says so. Counts found in the data only, never the declared `problem.classes`."""
    data = experiment.data
    if data is None:
        return None
    if data.class_counts:
        return len(data.class_counts), "/data/class_counts"
    target = data.target
    if target is None:
        return None
    if target.encoding in ("one_hot", "multi_hot") and target.columns:
        return target.columns, "/data/target/columns"
    if target.distinct is not None and target.encoding != "continuous":
        return target.distinct, "/data/target/distinct"
    return None


class ProblemTypeContradictsLabels(Rule):
    """The labels found in the data disagree with the declared problem type.

    ## What it does
    Compares `problem.type` (and `problem.classes`) with what the labels show, from the data
    profile (`data.class_counts`, `data.target`) or the declared label encoding:

    - binary classification with more than 2 distinct labels;
    - single-label (binary or multiclass) classification whose rows carry several positive labels
      (multi-hot targets);
    - a classification type whose targets are continuous values, or a regression whose targets
      are one-hot or multi-hot vectors;
    - bounded regression with targets outside [0, 1];
    - `problem.classes` differing from the number of classes (labels, for multilabel) found.

    Each contradiction is one finding (a binary type with too many labels is reported once, not
    again as a classes mismatch). Without a declared type, or without label evidence, the rule
    does not run.

    ## Why is this bad?
    The problem type picks the output layer and the loss. Declared wrong, the model is built for
    another task: a sigmoid unit asked to separate five classes, a softmax forcing one label per
    row when rows have several, a sigmoid output that cannot reach targets above 1.

    ## Anti-pattern
    ```yaml
    problem: {type: binary_classification, target: species}
    data:
      class_counts: {setosa: 50, versicolor: 50, virginica: 50}
    ```

    ## Best practice
    ```yaml
    problem: {type: multiclass_classification, target: species, classes: 3}
    data:
      class_counts: {setosa: 50, versicolor: 50, virginica: 50}
    ```

    ## Fix
    `set_problem_type` sets `problem.type` (and `problem.classes`) to what the labels show; when
    the declaration is right, the data or its label column is wrong instead.
    """

    code = "PD03"
    name = "problem-type-contradicts-labels"
    stage = 1
    severity = Severity.ERROR
    judged = WITH_DATA
    remedy = "set_problem_type"

    class Evidence(NamedTuple):
        #: Set on a finding about problem.classes: the declared count and the one in the data.
        declared_classes: int | None = None
        labels_found: int | None = None

    def check(self, experiment, options):
        problem = experiment.problem
        if problem is None or problem.type is None:
            return
        kind = problem.type
        found = _labels_found(experiment)
        encoding = label_encoding(experiment)
        target = experiment.data.target if experiment.data is not None else None

        too_many_for_binary = kind == "binary_classification" and found is not None and found[0] > 2
        if too_many_for_binary and found is not None:
            yield self.violation(
                f"problem.type is binary_classification but the data holds {found[0]} distinct labels "
                "(binary needs exactly 2); a single sigmoid unit cannot separate them: declare "
                "multiclass_classification, or merge the labels into two",
                "/problem/type", declared=kind, labels_found=found[0], expected=2, found_in=found[1],
            )
        multi_label_rows = target.multi_label_rows if target is not None else None
        if kind in SINGLE_LABEL_TYPES and (encoding == "multi_hot" or (multi_label_rows or 0) > 0):
            detail = (f"{multi_label_rows} rows carry more than one positive label" if multi_label_rows
                      else "the labels are multi-hot")
            yield self.violation(
                f"problem.type is {kind} (one label per row) but {detail}; a softmax or single "
                "sigmoid forces one answer per row: declare multilabel_classification",
                "/problem/type", declared=kind, encoding=encoding, multi_label_rows=multi_label_rows,
            )
        if kind in CLASSIFICATION_TYPES and encoding == "continuous":
            yield self.violation(
                f"problem.type is {kind} but the targets are continuous values; classes need "
                "discrete labels: declare regression (or bounded_regression), or bin the target",
                "/problem/type", declared=kind, encoding=encoding,
            )
        if kind in REGRESSION_TYPES and encoding in ("one_hot", "multi_hot"):
            yield self.violation(
                f"problem.type is {kind} but the targets are {encoding} class vectors; declare the "
                "classification type they encode",
                "/problem/type", declared=kind, encoding=encoding,
            )
        if kind == "bounded_regression" and target is not None:
            low, high = target.min, target.max
            if (low is not None and low < 0) or (high is not None and high > 1):
                yield self.violation(
                    f"problem.type is bounded_regression (targets in [0, 1]) but the targets span "
                    f"[{_number(low)}, {_number(high)}]; a sigmoid output cannot reach them: declare "
                    "regression, or rescale the target into [0, 1]",
                    "/problem/type", declared=kind, target_min=low, target_max=high, bounds=[0, 1],
                )
        if (kind in CLASSIFICATION_TYPES and not too_many_for_binary and problem.classes is not None
                and found is not None and found[0] != problem.classes):
            what = "labels" if kind == "multilabel_classification" else "classes"
            yield self.violation(
                f"problem.classes is {problem.classes} but the data holds {found[0]} {what}; the "
                f"output layer is sized from it: set problem.classes to {found[0]}, or fix the data",
                "/problem/classes", declared_classes=problem.classes, labels_found=found[0], found_in=found[1],
            )


def _number(value) -> str:
    return "?" if value is None else f"{value:g}"


class DatasetMissing(Rule):
    """No data source and no sample count.

    ## What it does
    Fires when the record names no data (`data.path`, `splits.files`) and gives no sample count
    (`data.samples`, split sizes, class counts). Silent on records that hold only artifacts.

    ## Why is this bad?
    Assembling a dataset is half of the first workflow step, and the sample count decides the
    evaluation protocol (hold-out or K-fold), whether feature engineering is needed and how much
    tuning the validation data can bear. Without it, none of that can be judged.

    ## Anti-pattern
    ```yaml
    problem: {type: binary_classification, target: churned}
    metric: {name: auc}
    ```

    ## Best practice
    ```yaml
    problem: {type: binary_classification, target: churned}
    metric: {name: auc}
    data: {target_column: churned, samples: 7043}
    ```

    ## Fix
    Point `data.path` (or `splits.files`) at the data, or at least record `data.samples`.
    """

    code = "PD04"
    name = "dataset-missing"
    stage = 1
    severity = Severity.WARNING
    evidence = "dataset"
    reports_absence = True
    judged = WITH_DATA

    def check(self, experiment, options):
        if not declares_plan(experiment):
            return
        data, splits = experiment.data, experiment.splits
        if data is not None and (data.path or data.samples is not None):
            return
        if observed_class_counts(experiment):
            return
        if splits is not None:
            files = splits.files
            if files is not None and (files.train or files.validation or files.test):
                return
            if any(isinstance(getattr(splits, name), int) for name in ("train", "validation", "test")):
                return
        yield self.violation(
            "no data source (data.path, splits.files) and no sample count (data.samples); the "
            "protocol, the data checks and the leakage checks need to know the data: point "
            "data.path at it, or record data.samples",
            "/data/path", looked_for=["data.path", "splits.files", "data.samples", "split sizes", "class counts"],
        )


RULES: list[type] = [ProblemTypeMissing, TargetMissing, ProblemTypeContradictsLabels, DatasetMissing]


# --- remedies: what the rules above name, declared once ---------------------------------------

SET_PROBLEM_TYPE = Remedy(
    "set_problem_type", UNSAFE,
    Advice(
        "Declare the problem type (problem.type): binary, multiclass or multilabel classification, "
        "regression or bounded regression.",
        "The problem type decides the last layer, the loss and the metric: nothing else can be checked "
        "without it."),
    edit="rules.fixes.decisions:set_problem_type", phase="problem",
)

REMEDIES: list[Remedy] = [SET_PROBLEM_TYPE]
