"""record_sklearn on real fitted scikit-learn searches, pipelines and cross-validation results."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    RandomizedSearchCV,
    RepeatedStratifiedKFold,
    StratifiedKFold,
    cross_validate,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from advisor.integrations.sklearn import record_sklearn
from tests.advisor_cli import run_advisor
from tests.integrations.training import codes


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    return X, y, X_train, X_test, y_train, y_test


def logistic():
    return LogisticRegression(max_iter=5000)


def test_grid_search_over_a_pipeline_reads_protocol_trials_and_per_fold_preprocessing(cancer):
    _, _, X_train, X_test, y_train, y_test = cancer
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    search = GridSearchCV(make_pipeline(StandardScaler(), logistic()), {"logisticregression__C": [0.01, 1, 100]},
                          cv=cv).fit(X_train, y_train)
    result = record_sklearn(search, X_train, y_train, X_test=X_test, y_test=y_test)
    record = result.record
    assert record["protocol"] == {"type": "kfold", "folds": 5}
    assert record["splits"]["method"] == "stratified" and record["splits"]["shuffle"] is True
    assert record["splits"]["train"] == len(X_train) and record["splits"]["test"] == len(X_test)
    assert [t["score"] for t in record["tuning"]["trials"]] == list(search.cv_results_["mean_test_score"])
    assert record["tuning"]["trials"][0]["params"] == {"logisticregression__C": 0.01}
    assert record["data"]["preprocessing"] == [{"step": "standardize", "fit_on": "train"}]
    assert record["metric"] == {"name": "accuracy"}
    assert record["final"]["validation_score"] == search.best_score_
    assert record["final"]["test_score"] == search.score(X_test, y_test)
    assert record["final"]["trained_on"] == "train+validation"
    assert not {"LK01", "EP05", "DP02", "DP03", "EP01"} & codes(result.findings)


def test_scaler_fit_before_the_split_is_preprocessing_fit_on_all_data(cancer):
    X, _, X_train, X_test, y_train, y_test = cancer
    scaler = StandardScaler().fit(X)  # the classic mistake: statistics of the test rows too
    search = GridSearchCV(logistic(), {"C": [0.1, 1]}, cv=4).fit(scaler.transform(X_train), y_train)
    result = record_sklearn(search, scaler.transform(X_train), y_train, X_test=scaler.transform(X_test),
                            y_test=y_test, preprocessors=[scaler])
    assert result.record["data"]["preprocessing"] == [{"step": "standardize", "fit_on": "all"}]
    assert "LK01" in codes(result.findings)
    assert "LK01 the standardize step is fit on all" in result.text


def test_scaler_fit_on_the_training_rows_outside_cross_validation_saw_the_validation_folds(cancer):
    _, _, X_train, _, y_train, _ = cancer
    scaler = StandardScaler().fit(X_train)
    search = GridSearchCV(logistic(), {"C": [0.1, 1]}, cv=4).fit(scaler.transform(X_train), y_train)
    result = record_sklearn(search, scaler.transform(X_train), y_train, preprocessors=[scaler])
    assert result.record["data"]["preprocessing"] == [{"step": "standardize", "fit_on": "train+validation"}]
    assert "LK01" in codes(result.findings)
    unnamed = record_sklearn(search, scaler.transform(X_train), y_train)  # the arrays show it on their own
    assert {"step": "standardize", "fit_on": "train+validation", "columns": unnamed.record["data"]["preprocessing"][0]
            ["columns"]} == unnamed.record["data"]["preprocessing"][0]
    assert "LK01" in codes(unnamed.findings)


def test_scaler_fit_on_the_training_rows_of_a_plain_pipeline_is_clean(cancer):
    _, _, X_train, X_test, y_train, y_test = cancer
    scaler = StandardScaler().fit(X_train)
    model = logistic().fit(scaler.transform(X_train), y_train)
    result = record_sklearn(model, scaler.transform(X_train), y_train, X_test=scaler.transform(X_test), y_test=y_test,
                            preprocessors=[scaler])
    assert result.record["data"]["preprocessing"] == [{"step": "standardize", "fit_on": "train"}]
    assert result.record["final"]["test_score"] == model.score(scaler.transform(X_test), y_test)
    assert "LK01" not in codes(result.findings)


def test_best_score_without_a_held_out_test_set_is_ep05(cancer):
    _, _, X_train, _, y_train, _ = cancer
    search = GridSearchCV(make_pipeline(StandardScaler(), logistic()), {"logisticregression__C": [1]}, cv=3)
    result = record_sklearn(search.fit(X_train, y_train), X_train, y_train)
    assert result.record["final"] == {"validation_score": search.best_score_, "trained_on": "train+validation"}
    assert "EP05" in codes(result.findings)


def test_refit_metric_other_than_the_declared_success_metric_is_a_note_and_drops_trial_scores(cancer):
    _, _, X_train, _, y_train, _ = cancer
    search = RandomizedSearchCV(make_pipeline(StandardScaler(), logistic()), {"logisticregression__C": [0.1, 1, 10]},
                                n_iter=2, scoring="f1", cv=3, random_state=0).fit(X_train, y_train)
    result = record_sklearn(search, X_train, y_train, record={"metric": {"name": "accuracy"}})
    assert result.record["metric"]["name"] == "accuracy"
    assert result.record["tuning"]["trials"] == 2
    assert len(result.notes) == 1 and "chose its configuration by f1" in result.notes[0]
    same = record_sklearn(search, X_train, y_train, record={"metric": {"name": "f1"}})
    assert same.notes == [] and len(same.record["tuning"]["trials"]) == 2


def test_repeated_stratified_kfold_is_iterated_kfold(cancer):
    _, _, X_train, _, y_train, _ = cancer
    cv = RepeatedStratifiedKFold(n_splits=3, n_repeats=2, random_state=0)
    search = GridSearchCV(make_pipeline(StandardScaler(), logistic()), {"logisticregression__C": [1]}, cv=cv)
    result = record_sklearn(search.fit(X_train, y_train), X_train, y_train)
    assert result.record["protocol"] == {"type": "iterated_kfold", "repeats": 2, "folds": 3}
    assert result.record["splits"]["shuffle"] is True


def test_cross_validate_result_of_a_regression_with_a_negated_scorer():
    X, y = load_diabetes(return_X_y=True)
    scores = cross_validate(make_pipeline(StandardScaler(), Ridge()), X, y, cv=KFold(4, shuffle=True, random_state=0),
                            scoring="neg_mean_absolute_error", return_estimator=True)
    result = record_sklearn(scores, X, y, cv=KFold(4, shuffle=True, random_state=0), scoring="neg_mean_absolute_error")
    record = result.record
    assert record["protocol"] == {"type": "kfold", "folds": 4}
    assert record["metric"] == {"name": "mae"}
    assert record["problem"] == {"type": "regression"}
    assert record["final"]["validation_score"] == pytest.approx(-np.mean(scores["test_score"]))
    unnamed = record_sklearn(scores, X, y)  # `test_score` alone does not say which scorer
    assert "metric" not in unnamed.record
    assert record["data"]["preprocessing"] == [{"step": "standardize", "fit_on": "train"}]


def test_written_record_lints_to_the_same_findings_and_is_never_written_over(cancer, in_tmp):
    _, _, X_train, _, y_train, _ = cancer
    search = GridSearchCV(make_pipeline(StandardScaler(), logistic()), {"logisticregression__C": [1]}, cv=3)
    result = record_sklearn(search.fit(X_train, y_train), X_train, y_train, write="experiment.yaml")
    assert result.path == str(in_tmp / "experiment.yaml")
    lint = run_advisor("lint", "experiment.yaml", cwd=in_tmp)
    assert lint.stdout == result.text
    with open("experiment.yaml", encoding="utf-8") as handle:
        before = handle.read()
    assert yaml.safe_load(before)["protocol"] == {"type": "kfold", "folds": 3}
    with pytest.raises(FileExistsError):
        record_sklearn(search, X_train, y_train, write="experiment.yaml")
    with open("experiment.yaml", encoding="utf-8") as handle:
        assert handle.read() == before


def test_an_object_that_is_not_scikit_learn_is_refused():
    with pytest.raises(TypeError, match="expected a fitted scikit-learn estimator"):
        record_sklearn(object())
