"""The record and findings of fitted scikit-learn work: a `Pipeline` (or any estimator), a search
(`GridSearchCV`, `RandomizedSearchCV`, `HalvingGridSearchCV`, ...) or the result of
`cross_validate`.

    from advisor.integrations.sklearn import record_sklearn

    search = GridSearchCV(make_pipeline(StandardScaler(), SVC()), grid, cv=5).fit(X_train, y_train)
    result = record_sklearn(search, X_train, y_train, X_test=X_test, y_test=y_test,
                            write="experiment.yaml")
    print(result.text)

What is read, from the fitted objects' public attributes only:

- protocol: the `cv` splitter (K-fold, stratified, repeated = iterated K-fold, time series,
  group), its number of splits and whether it shuffles;
- trials: `cv_results_` (one trial per candidate, scored in the refit metric), the refit metric
  as the success metric (a declared one that differs is reported in `notes`, and the trial scores
  are then left out), `best_score_` as the validation score;
- preprocessing: the steps of the pipeline (refit on each fold's training part: `fit_on: train`)
  and the fitted transformers applied before it (`preprocessors=`): one whose `n_samples_seen_`
  exceeds the rows given to the search saw test rows (`fit_on: all`), one that saw exactly those
  rows under cross-validation saw each fold's validation rows (`fit_on: train+validation`); both
  are LK01. Training arrays that are exactly standardized tell the same story without the scaler;
- data: the profile of `X`/`y` and `X_test`/`y_test` (ranges, missing values, classes, rows
  copied from training into the test set), and split sizes;
- final: with test data, the refit model is scored once on it; without, `best_score_` is the
  only score and EP05 (no test set) says so.

The recorder never refits or changes the objects it reads; the one computation is that test score.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

from advisor.finding import Finding
from advisor.integrations import session
from advisor.integrations.session import RecordSource

__all__ = ["Recorded", "record_sklearn"]

#: scikit-learn transformers -> the record's preprocessing step.
STEP_NAMES = {
    "StandardScaler": "standardize", "MinMaxScaler": "minmax", "MaxAbsScaler": "scale", "RobustScaler": "scale",
    "Normalizer": "scale", "QuantileTransformer": "minmax", "PowerTransformer": "standardize",
    "SimpleImputer": "impute", "KNNImputer": "impute", "IterativeImputer": "impute",
    "OneHotEncoder": "one_hot", "OrdinalEncoder": "one_hot",
    "SelectKBest": "feature_selection", "SelectPercentile": "feature_selection", "VarianceThreshold": "feature_selection",
    "RFE": "feature_selection", "RFECV": "feature_selection", "SelectFromModel": "feature_selection",
    "PolynomialFeatures": "feature_engineering", "SplineTransformer": "feature_engineering", "PCA": "feature_engineering",
}
#: Trials listed one by one up to this many candidates; beyond, only their number.
MAX_LISTED_TRIALS = 200


@dataclass
class Recorded:
    """What `record_sklearn` found.

    Args:
        record: The experiment record (what was declared, filled with what was read).
        findings: The advisor's findings on it, with the project's `[tool.advisor]` settings.
        text: The findings in the text format of `advisor lint`.
        notes: What the record cannot say (a refit metric other than the declared one).
        path: The record file written, or None.
    """

    record: dict[str, Any]
    findings: list[Finding]
    text: str
    notes: list[str] = field(default_factory=list)
    path: str | None = None


def record_sklearn(fitted: Any, X: Any = None, y: Any = None, *, X_test: Any = None, y_test: Any = None,
                   preprocessors: tuple | list = (), cv: Any = None, scoring: str | None = None,
                   record: RecordSource = None,
                   write: str | os.PathLike[str] | None = None, verbose: bool = False) -> Recorded:
    """Record and lint fitted scikit-learn work.

    Args:
        fitted: A fitted search, `Pipeline` or estimator, or the dict `cross_validate` returned.
        X, y: The data the search, pipeline or cross-validation was fit on.
        X_test, y_test: Held-out test data; the refit model is scored on it once.
        preprocessors: Fitted transformers applied to the data before `fitted` (outside it).
        cv: The `cv` given to `cross_validate` (a dict result does not hold it).
        scoring: The single `scoring` string given to `cross_validate` (its result calls it
            `test_score`); without it the metric of a `test_score` result stays unknown.
        record: A record (path or mapping) declaring the rest; its fields win.
        write: Write the record to this YAML file (`.yaml` or `.yml`); never over an existing file.
        verbose: Print the findings.

    Returns:
        The record, the findings and their text.

    Raises:
        FileExistsError: `write` names an existing file.
        ValueError: `write` is not a .yaml or .yml file.
        InputError: the declared record or the data cannot be read.
        TypeError: `fitted` is none of the objects above.
    """
    if write is not None and os.path.splitext(os.fspath(write))[1].lower() not in (".yaml", ".yml"):
        raise ValueError(f"write: expected a .yaml or .yml file, received {os.fspath(write)!r}")
    if write is not None and os.path.lexists(write):
        raise FileExistsError(17, "exists; the recorder never writes over a file", os.fspath(write))
    declared = session.load_declared(record)
    reader = _Reader(fitted, X, y, cv, scoring)
    filled = reader.read(preprocessors)
    if X is not None:
        filled = session.merged(filled, _data(reader, X, y, X_test, y_test, declared))  # the objects' steps win
    if X_test is not None and y_test is not None:
        score = reader.test_score(X_test, y_test)
        if score is not None:
            filled.setdefault("final", {})["test_score"] = score
            filled.setdefault("tuning", {})["test_evaluations"] = 1
    result = session.merged(declared, filled)
    notes = reader.metric_notes(result)
    if notes and reader.trials_scored:
        result.get("tuning", {}).pop("trials", None)  # scores in another metric than the success metric
        result.setdefault("tuning", {})["trials"] = reader.candidates
    path = os.fspath(write) if write is not None else session.RECORD_NAME
    config = session.load_config()
    experiment = session.experiment_of(result, path)
    written = _write(path, result) if write is not None else None
    findings = session.lint_experiment(experiment, config, written)  # a written record says what fix can do
    text = session.render_findings(findings, [path], config)
    if verbose:
        print(text, end="")
    from advisor.integrations.mlflow import log_verdict

    log_verdict(findings, text, result)
    return Recorded(result, findings, text, notes, written)


class _Reader:
    """Reads one fitted object into record fields."""

    def __init__(self, fitted: Any, X: Any, y: Any, cv: Any, scoring: str | None = None):
        from sklearn.base import BaseEstimator

        self.fitted = fitted
        self.rows = _rows(X)
        self.cv = cv
        self.scoring = scoring
        self.search = fitted if hasattr(fitted, "cv_results_") else None
        self.cross_validated = isinstance(fitted, dict) and "fit_time" in fitted
        if not (self.search is not None or self.cross_validated or isinstance(fitted, BaseEstimator)):
            raise TypeError(f"expected a fitted scikit-learn estimator, search or cross_validate result, "
                            f"received {type(fitted).__name__}")
        self.refit_metric: str | None = None
        self.trials_scored = False
        self.candidates = 0

    @property
    def estimator(self) -> Any:
        """The model that was (re)fit: a search's best estimator, else the object itself."""
        if self.search is not None:
            return getattr(self.search, "best_estimator_", None) or self.search.estimator
        if self.cross_validated:
            estimators = self.fitted.get("estimator")
            return estimators[0] if estimators else None
        return self.fitted

    @property
    def uses_cv(self) -> bool:
        return self.search is not None or self.cross_validated

    def read(self, preprocessors) -> dict[str, Any]:
        record: dict[str, Any] = {}
        problem = _problem(self.estimator)
        if problem:
            record["problem"] = problem
        steps = [*self._outside(preprocessors), *self._inside()]
        if steps:
            record["data"] = {"preprocessing": steps}
        if self.uses_cv:
            protocol, splits = self._protocol()
            record["protocol"] = protocol
            if splits:
                record["splits"] = splits
        if self.search is not None:
            self._read_search(self.search, record)
        elif self.cross_validated:
            self._read_cross_validation(record)
        return record

    # --- preprocessing ---

    def _inside(self) -> list[dict[str, Any]]:
        """Steps of the pipeline: refit on the rows each fit saw (a fold's training part)."""
        steps = []
        for transformer in _pipeline_transformers(self.estimator):
            step = _step_name(transformer)
            if step is not None:
                steps.append({"step": step, "fit_on": "train"})
        return steps

    def _outside(self, preprocessors) -> list[dict[str, Any]]:
        steps = []
        for transformer in preprocessors:
            step = _step_name(transformer)
            if step is None:
                continue
            entry: dict[str, Any] = {"step": step}
            seen = _samples_seen(transformer)
            if seen is not None and self.rows is not None:
                if seen > self.rows:
                    entry["fit_on"] = "all"
                elif seen == self.rows:
                    entry["fit_on"] = "train+validation" if self.uses_cv else "train"
            steps.append(entry)
        return steps

    # --- protocol ---

    def _protocol(self) -> tuple[dict[str, Any], dict[str, Any]]:
        cv = self.search.cv if self.search is not None else self.cv
        folds = getattr(self.search, "n_splits_", None) if self.search is not None else len(self.fitted["fit_time"])
        name = type(cv).__name__ if cv is not None and not isinstance(cv, int) else None
        splits: dict[str, Any] = {}
        protocol: dict[str, Any] = {"type": "kfold"}
        if name is None:  # an int or None: StratifiedKFold for classifiers, KFold otherwise, never shuffled
            from sklearn.base import is_classifier

            splits = {"method": "stratified" if is_classifier(self.estimator) else "random", "shuffle": False}
        else:
            repeats = getattr(cv, "n_repeats", None)
            if isinstance(repeats, int) and repeats > 1:
                protocol = {"type": "iterated_kfold", "repeats": repeats}
                folds = getattr(cv, "cvargs", {}).get("n_splits", folds // repeats if folds else None)
            method = ("stratified" if "Stratified" in name else "time" if name == "TimeSeriesSplit"
                      else "group" if "Group" in name else "random")
            splits = {"method": method}
            shuffle = getattr(cv, "shuffle", None)
            if isinstance(shuffle, bool):
                splits["shuffle"] = shuffle
            elif "Shuffle" in name or repeats:
                splits["shuffle"] = True
        if isinstance(folds, int) and folds >= 2:
            protocol["folds"] = folds
        return protocol, splits

    # --- trials and scores ---

    def _read_search(self, search: Any, record: dict[str, Any]) -> None:
        results = search.cv_results_
        refit = search.refit if isinstance(search.refit, str) else None
        scoring = search.scoring if isinstance(search.scoring, str) else refit
        key = f"mean_test_{refit}" if refit else "mean_test_score"
        self.refit_metric = _metric_name(scoring, self.estimator)
        sign = -1.0 if isinstance(scoring, str) and scoring.startswith("neg_") else 1.0
        params = results.get("params", [])
        self.candidates = len(params)
        scores = results.get(key)
        tuning: dict[str, Any] = {"selected_on": "validation", "validation_data": "validation"}
        if scores is not None and len(params) <= MAX_LISTED_TRIALS:
            tuning["trials"] = [{"name": f"candidate {index + 1}", "params": _plain(candidate),
                                 **({"score": sign * float(score)} if math.isfinite(score) else {})}
                                for index, (candidate, score) in enumerate(zip(params, scores))]
            self.trials_scored = True
        else:
            tuning["trials"] = len(params)
        record["tuning"] = tuning
        if self.refit_metric:
            record["metric"] = {"name": self.refit_metric}
        final: dict[str, Any] = {}
        best = getattr(search, "best_score_", None)
        if isinstance(best, (int, float)) and math.isfinite(best):
            final["validation_score"] = sign * float(best)
        if search.refit:
            final["trained_on"] = "train+validation"  # refit on every row the folds split
        if final:
            record["final"] = final

    def _read_cross_validation(self, record: dict[str, Any]) -> None:
        keys = [key for key in self.fitted if key.startswith("test_")]
        if not keys:
            return
        key = "test_score" if "test_score" in keys else keys[0]
        scoring = self.scoring if key == "test_score" else key[len("test_"):]
        # a `test_score` result without its scoring: the estimator's default or any scorer
        self.refit_metric = _metric_name(scoring, self.estimator) if scoring else None
        sign = -1.0 if scoring and scoring.startswith("neg_") else 1.0
        values = [float(v) for v in self.fitted[key] if math.isfinite(float(v))]
        if values:
            record["final"] = {"validation_score": sign * sum(values) / len(values)}
        if self.refit_metric:
            record["metric"] = {"name": self.refit_metric}

    def test_score(self, X_test: Any, y_test: Any) -> float | None:
        """The refit model's score on the test data, in the refit metric (one evaluation)."""
        if self.search is not None and self.search.refit:
            from sklearn.metrics import get_scorer

            scoring = self.search.scoring if isinstance(self.search.scoring, str) else (
                self.search.refit if isinstance(self.search.refit, str) else None)
            if scoring is None:
                return float(self.search.best_estimator_.score(X_test, y_test))
            sign = -1.0 if scoring.startswith("neg_") else 1.0
            return sign * float(get_scorer(scoring)(self.search.best_estimator_, X_test, y_test))
        if not self.uses_cv and hasattr(self.fitted, "score"):
            return float(self.fitted.score(X_test, y_test))
        return None

    def metric_notes(self, record: dict[str, Any]) -> list[str]:
        declared = (record.get("metric") or {}).get("name") if isinstance(record.get("metric"), dict) else None
        from advisor.names import canonical_metric

        if self.refit_metric and declared and canonical_metric(declared) != canonical_metric(self.refit_metric):
            return [(f"the search chose its configuration by {self.refit_metric}, but the declared success metric "
                    f"is {declared}: the best candidate in {declared} may be another one; refit on {declared}")]
        return []


# --- helpers ------------------------------------------------------------------------------------

def _rows(X: Any) -> int | None:
    try:
        return len(X) if X is not None else None
    except TypeError:
        return None


def _problem(estimator: Any) -> dict[str, Any]:
    if estimator is None:
        return {}
    from sklearn.base import is_classifier, is_regressor

    if is_classifier(estimator):
        classes = getattr(estimator, "classes_", None)
        if classes is None:
            return {}
        if isinstance(classes, list):  # one array per output: multilabel
            return {"type": "multilabel_classification"}
        return {"type": "binary_classification" if len(classes) == 2 else "multiclass_classification",
                "classes": max(len(classes), 1)}
    if is_regressor(estimator):
        return {"type": "regression"}
    return {}


def _pipeline_transformers(estimator: Any) -> list[Any]:
    """The fitted transformers of a Pipeline (nested pipelines and ColumnTransformers unfolded)."""
    steps = getattr(estimator, "steps", None)
    if not steps:
        return []
    found: list[Any] = []
    for _, step in steps[:-1]:
        if step in (None, "passthrough", "drop"):
            continue
        if hasattr(step, "steps"):
            found.extend(_pipeline_transformers(step) + [step.steps[-1][1]])
        elif hasattr(step, "transformers_"):
            for _, inner, _ in step.transformers_:
                if hasattr(inner, "steps"):
                    found.extend(_pipeline_transformers(inner) + [inner.steps[-1][1]])
                elif inner not in ("passthrough", "drop"):
                    found.append(inner)
        else:
            found.append(step)
    return found


def _step_name(transformer: Any) -> str | None:
    name = type(transformer).__name__
    if name == "FunctionTransformer":
        function = getattr(getattr(transformer, "func", None), "__name__", "")
        return "log" if function in ("log", "log1p", "log2", "log10") else None
    return STEP_NAMES.get(name)


def _samples_seen(transformer: Any) -> int | None:
    seen = getattr(transformer, "n_samples_seen_", None)
    if seen is None:
        return None
    try:
        import numpy as np

        return int(np.max(seen))  # per feature when some values were missing
    except (TypeError, ValueError):
        return None


def _metric_name(scoring: str | None, estimator: Any) -> str | None:
    """The record's name for a scikit-learn scorer (`neg_mean_absolute_error` -> mae)."""
    if scoring is None:
        from sklearn.base import is_classifier, is_regressor

        if estimator is None:
            return None
        return "accuracy" if is_classifier(estimator) else "r2" if is_regressor(estimator) else None
    from advisor.names import canonical_metric

    name = scoring.removeprefix("neg_")
    for suffix in ("_ovr_weighted", "_ovo_weighted", "_ovr", "_ovo", "_weighted", "_macro", "_micro", "_samples"):
        name = name.removesuffix(suffix)
    return canonical_metric(name)


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """Parameter values as the record can hold them (estimators and arrays by their repr)."""
    plain: dict[str, Any] = {}
    for key, value in params.items():
        if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
            value = value.item()  # a numpy scalar
        if isinstance(value, (bool, int, float, str)) or value is None:
            plain[key] = value
        else:
            plain[key] = repr(value)
    return plain


def _data(reader: _Reader, X: Any, y: Any, X_test: Any, y_test: Any, declared: dict[str, Any]) -> dict[str, Any]:
    from advisor.integrations.arrays import as_pair, observed_scaling, profile_arrays

    pairs = {"train": as_pair((X, y) if y is not None else X, "the training data")}
    if X_test is not None:
        pairs["test"] = as_pair((X_test, y_test) if y_test is not None else X_test, "the test data")
    problem = declared.get("problem")
    if not isinstance(problem, dict):
        problem = {}
    found = profile_arrays(pairs, problem.get("type"), problem.get("labels"))
    if reader.uses_cv and "preprocessing" in found.get("data", {}):
        # exactly standardized arrays under cross-validation: the scaler saw every fold's rows
        names = [feature["name"] for feature in found["data"]["features"]]
        found["data"]["preprocessing"] = [{**step, "fit_on": "train+validation"} if step.get("fit_on") == "train"
                                          else step for step in observed_scaling(pairs["train"][0], names)]
    return found


def _write(path: str, record: dict[str, Any]) -> str:
    from advisor.atomic import write_text_atomic

    target = os.path.abspath(path)
    write_text_atomic(target, session.record_text(session.relocated(record, os.path.dirname(target))))
    return target
