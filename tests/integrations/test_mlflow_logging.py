"""The verdict logged to a real MLflow store: the callback and the recorder tag the active run with
the counts and log the findings; `advisor lint` of the store then gives the same verdict."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.advisor_cli import run_advisor
from tests.integrations.training import breast_cancer, dense


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A file store in tmp_path as the tracking URI, restored afterwards."""
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.chdir(tmp_path)
    import mlflow

    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri("file:" + str(tmp_path / "mlruns"))
    yield mlflow
    mlflow.set_tracking_uri(previous)


def summary_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_callback_logs_the_verdict_and_the_store_lints_to_it(store, tmp_path):
    from advisor.integrations.keras import AdvisorCallback

    train, validation, test = breast_cancer(scaled=False)
    printed: list[str] = []
    callback = AdvisorCallback(data=train, validation=validation, test=test, print_fn=printed.append)
    with store.start_run() as run:
        dense(30, 1, "softmax").fit(*train, validation_data=validation, epochs=4, verbose=0, callbacks=[callback])
    logged = store.get_run(run.info.run_id)
    errors = sum(1 for f in callback.final_findings if f.severity.value == "error")
    assert logged.data.tags["advisor.errors"] == str(errors) and errors > 0
    assert logged.data.tags["advisor.verdict"] == summary_line(printed[-1])
    artifact = json.loads(store.artifacts.load_text(f"{logged.info.artifact_uri}/advisor/findings.json"))
    assert [f["code"] for f in artifact["findings"]] == [f.code for f in callback.final_findings]
    assert len(logged.data.metrics) and "loss" in logged.data.metrics  # the history, for the store reader
    lint = run_advisor("lint", "mlruns", cwd=tmp_path)
    assert summary_line(lint.stdout) == summary_line(printed[-1])
    assert sorted(line.split()[2] for line in lint.stdout.splitlines() if line.startswith("mlruns")) == \
        sorted(f.code for f in callback.final_findings)


def test_recorder_logs_to_the_active_run_and_nothing_without_one(store):
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from advisor.integrations.sklearn import record_sklearn

    X, y = load_breast_cancer(return_X_y=True)
    search = GridSearchCV(make_pipeline(StandardScaler(), LogisticRegression()), {"logisticregression__C": [1]}, cv=3)
    search.fit(X, y)
    with store.start_run() as run:
        result = record_sklearn(search, X, y)
    tags = store.get_run(run.info.run_id).data.tags
    assert tags["advisor.warnings"] == str(sum(1 for f in result.findings if f.severity.value == "warning"))
    assert tags["protocol.type"] == "kfold" and json.loads(tags["protocol.folds"]) == 3
    record_sklearn(search, X, y)  # no active run: nothing logged, nothing created
    assert len(store.search_runs(search_all_experiments=True)) == 1


def test_integrations_import_no_heavy_library_until_used():
    code = ("import sys\n"
            "import advisor, advisor.integrations, advisor.integrations.session, advisor.integrations.mlflow\n"
            "import advisor.integrations.arrays\n"
            "from advisor.integrations.mlflow import active_run\n"
            "assert active_run() is None\n"
            "print(sorted(m for m in ('keras', 'jax', 'sklearn', 'mlflow', 'tensorflow', 'torch') if m in sys.modules))")
    child = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120,
                           env={**os.environ, "KERAS_BACKEND": "jax"})
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "[]"
