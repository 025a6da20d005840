"""Score predictions in the success metric with scikit-learn, and the dumb baseline.

Model outputs are turned into probabilities (or values) first: a sigmoid/softmax output is used as
is, logits go through the matching squashing function.
"""

from __future__ import annotations

import math

import numpy as np

from advisor.names import metric_goal

#: The success metric when the record declares none.
DEFAULT_METRICS = {
    "binary_classification": "accuracy",
    "multiclass_classification": "accuracy",
    "multilabel_classification": "average_precision",
    "regression": "mae",
    "bounded_regression": "mae",
}
#: Metrics the trainer can compute (sklearn), by canonical name.
SCORED_METRICS = {"accuracy", "balanced_accuracy", "precision", "recall", "f1", "auc", "pr_auc", "average_precision",
                  "map", "log_loss", "mae", "mse", "rmse", "r2", "mape", "msle"}
NEEDS_PROBABILITIES = {"auc", "pr_auc", "average_precision", "map", "log_loss"}


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x):
    z = np.exp(x - x.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def probabilities(kind: str, output: np.ndarray, logits: bool, class_count: int) -> np.ndarray:
    """Class probabilities from a model output: (n,) for binary, (n, classes) for multiclass,
    (n, labels) for multilabel, values for regression."""
    output = np.asarray(output, dtype="float64")
    if output.ndim == 1:
        output = output[:, None]
    if kind in ("regression", "bounded_regression"):
        return output[:, 0] if output.shape[1] == 1 else output
    if kind == "multilabel_classification":
        return _sigmoid(output) if logits else output
    if kind == "binary_classification":
        if output.shape[1] == 1:
            return _sigmoid(output[:, 0]) if logits else output[:, 0]
        probs = _softmax(output) if logits else output
        return probs[:, 1] if probs.shape[1] > 1 else probs[:, 0]
    probs = _softmax(output) if logits else output
    if probs.shape[1] < class_count:  # a model with too few units: the missing classes get nothing
        probs = np.hstack([probs, np.zeros((len(probs), class_count - probs.shape[1]))])
    return probs


def score(metric: str, kind: str, y_true: np.ndarray, probs: np.ndarray) -> float:
    """`metric` of predictions `probs` (from `probabilities`) against `y_true` (class indices,
    multi-hot rows or values); NaN when a prediction is not finite (training diverged: no metric
    is defined on it, and the record's history shows the NaN loss)."""
    from sklearn import metrics as m

    if not np.all(np.isfinite(probs)):
        return math.nan

    if kind in ("regression", "bounded_regression"):
        functions = {"mae": m.mean_absolute_error, "mse": m.mean_squared_error, "r2": m.r2_score,
                     "rmse": m.root_mean_squared_error, "mape": m.mean_absolute_percentage_error,
                     "msle": m.mean_squared_log_error}
        return float(functions.get(metric, m.mean_absolute_error)(y_true, probs))
    if kind == "multilabel_classification":
        predicted = (probs >= 0.5).astype(int)
        if metric in ("average_precision", "map", "pr_auc"):
            return float(m.average_precision_score(y_true, probs, average="macro"))
        if metric == "auc":
            return float(m.roc_auc_score(y_true, probs, average="macro"))
        if metric in ("precision", "recall", "f1"):
            fn = {"precision": m.precision_score, "recall": m.recall_score, "f1": m.f1_score}[metric]
            return float(fn(y_true, predicted, average="macro", zero_division=0))
        return float(m.accuracy_score(y_true, predicted))
    binary = kind == "binary_classification"
    predicted = (probs >= 0.5).astype(int) if binary else probs.argmax(axis=1)
    average = "binary" if binary else "macro"
    if metric in ("precision", "recall", "f1"):
        fn = {"precision": m.precision_score, "recall": m.recall_score, "f1": m.f1_score}[metric]
        return float(fn(y_true, predicted, average=average, zero_division=0))
    if metric == "balanced_accuracy":
        return float(m.balanced_accuracy_score(y_true, predicted))
    if metric == "auc":
        if len(np.unique(y_true)) < 2:
            return 0.5
        return float(m.roc_auc_score(y_true, probs, multi_class="ovr") if not binary else m.roc_auc_score(y_true, probs))
    if metric in ("pr_auc", "average_precision", "map"):
        if binary:
            return float(m.average_precision_score(y_true, probs))
        onehot = np.eye(probs.shape[1])[y_true]
        return float(m.average_precision_score(onehot, probs, average="macro"))
    if metric == "log_loss":
        full = np.column_stack([1 - probs, probs]) if binary else probs
        return float(m.log_loss(y_true, np.clip(full, 1e-7, 1 - 1e-7), labels=list(range(full.shape[1]))))
    return float(m.accuracy_score(y_true, predicted))


def better(metric: str, a: float, b: float) -> bool:
    """Whether score `a` is better than `b` in `metric`."""
    return a < b if metric_goal(metric) == "minimize" else a > b


def baseline_strategy(kind: str, declared: str | None) -> str:
    """The dummy estimator's strategy: the declared one when scikit-learn has it, else the common
    sense one (most frequent class, mean value)."""
    regression = kind in ("regression", "bounded_regression")
    allowed = ("mean", "median") if regression else ("most_frequent", "prior", "stratified", "uniform")
    if declared is not None and declared in allowed:
        return declared
    return "mean" if regression else "most_frequent"


def baseline_score(metric: str, kind: str, strategy: str, y_train: np.ndarray, y_eval: np.ndarray, seed: int) -> float:
    """The score of scikit-learn's dummy estimator fit on `y_train`, on `y_eval`."""
    from sklearn.dummy import DummyClassifier, DummyRegressor

    x_train, x_eval = np.zeros((len(y_train), 1)), np.zeros((len(y_eval), 1))
    if kind in ("regression", "bounded_regression"):
        predicted = DummyRegressor(strategy=strategy).fit(x_train, y_train).predict(x_eval)
        return score(metric, kind, y_eval, predicted)
    dummy = DummyClassifier(strategy=strategy, random_state=seed).fit(x_train, y_train)
    raw = dummy.predict_proba(x_eval)
    if kind == "multilabel_classification":
        columns = []
        for classes, p in zip(dummy.classes_, raw):
            columns.append(p[:, list(classes).index(1)] if 1 in classes else np.zeros(len(y_eval)))
        return score(metric, kind, y_eval, np.column_stack(columns))
    probs = np.zeros((len(y_eval), max(int(y_train.max()) + 1, int(y_eval.max()) + 1)))
    probs[:, dummy.classes_] = raw
    if strategy in ("most_frequent", "stratified", "uniform"):  # hard predictions for these strategies
        hard = dummy.predict(x_eval)
        probs = np.zeros_like(probs) if strategy != "most_frequent" else probs
        if strategy != "most_frequent":
            probs[np.arange(len(hard)), hard] = 1.0
    if kind == "binary_classification":
        return score(metric, kind, y_eval, probs[:, 1] if probs.shape[1] > 1 else np.zeros(len(y_eval)))
    return score(metric, kind, y_eval, probs)
