"""MLflow runs read without MLflow: file stores and SQLite stores made by the real `mlflow` package
(with Keras autologging), by tests/readers/make_mlflow_stores.py."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from advisor.readers import discover, read_input
from tests.advisor_cli import assert_clean_failure, run_advisor, write
from tests.readers.files import NO_CACHE, refused_without_reading, sparse_file

GENERATOR = os.path.join(os.path.dirname(__file__), "make_mlflow_stores.py")


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """(directory, summary): DIRECTORY/file/mlruns and DIRECTORY/sqlite/mlflow.db, made once."""
    directory = tmp_path_factory.mktemp("mlflow")
    result = subprocess.run([sys.executable, GENERATOR, str(directory)], capture_output=True, text=True,
                            timeout=300, env={**os.environ, "KERAS_BACKEND": "jax"})
    assert result.returncode == 0, result.stderr[-3000:]
    with open(directory / "summary.json", encoding="utf-8") as handle:
        return directory, json.load(handle)


def _store_path(directory, kind: str) -> str:
    return str(directory / "file" / "mlruns") if kind == "file" else str(directory / "sqlite" / "mlflow.db")


def _runs(directory, kind: str) -> dict:
    return {subject: experiment for subject, experiment in read_input(_store_path(directory, kind))}


@pytest.mark.parametrize("kind", ["file", "sqlite"])
def test_every_live_run_is_read(stores, kind):
    directory, summary = stores
    runs = _runs(directory, kind)
    expected = {summary[kind]["autolog"], summary[kind]["parent"], *summary[kind]["children"]}
    assert set(runs) == expected
    assert summary[kind]["deleted"] not in runs


@pytest.mark.parametrize("kind", ["file", "sqlite"])
def test_autolog_run_becomes_a_record(stores, kind):
    directory, summary = stores
    experiment = _runs(directory, kind)[summary[kind]["autolog"]]
    logged = summary[kind]["history"]
    assert set(experiment.history.names) == set(logged)  # validation_* copies left out
    for name, values in logged.items():
        assert experiment.history.get(name) == pytest.approx(values, rel=1e-12), name
    model = experiment.model
    assert (model.epochs, model.batch_size) == (3, 16)
    assert model.optimizer.name == "rmsprop" and model.optimizer.learning_rate == 0.001
    assert model.loss.name == "binary_crossentropy"  # from the logged model.keras
    assert [layer.activation for layer in model.layers] == ["relu", "relu"]
    assert experiment.problem.type == "binary_classification"  # param under the record's name
    assert experiment.metric.name == "accuracy"  # tag under the record's name
    assert experiment.final.test_score == 0.75  # metric under the record's name
    assert experiment.name == "autolog"
    assert experiment.run.status == "completed"


@pytest.mark.parametrize("kind", ["file", "sqlite"])
def test_parent_run_counts_its_trials(stores, kind):
    directory, summary = stores
    runs = _runs(directory, kind)
    assert runs[summary[kind]["parent"]].tuning.trials == 2
    child = runs[summary[kind]["children"][1]]
    assert child.model.optimizer.learning_rate == 0.001  # dotted param: model.optimizer.learning_rate
    assert child.history.get("loss") == [1.9, 1.6, 1.5]


def test_sqlite_locations_point_into_the_store(stores):
    directory, summary = stores
    run_id = summary["sqlite"]["autolog"]
    experiment = _runs(directory, "sqlite")[run_id]
    location = experiment.sources.locate("/history/val_loss")
    assert location.path == _store_path(directory, "sqlite")
    assert location.pointer == f"/runs/{run_id}/metrics/val_loss"
    assert experiment.sources.locate("/model/epochs").pointer == f"/runs/{run_id}/params/epochs"


def test_file_store_locations_point_at_the_metric_file(stores):
    directory, summary = stores
    experiment = _runs(directory, "file")[summary["file"]["autolog"]]
    location = experiment.sources.locate("/history/val_loss/2")
    assert location.path.endswith(os.path.join(summary["file"]["autolog"], "metrics", "val_loss"))
    with open(location.path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    assert float(lines[location.line - 1].split()[1]) == pytest.approx(summary["file"]["history"]["val_loss"][2])


@pytest.mark.parametrize("kind", ["file", "sqlite"])
def test_lint_store_reports_each_run_by_id(stores, kind):
    directory, summary = stores
    result = run_advisor("lint", "--format", "json", _store_path(directory, kind), cwd=directory)
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    mc01 = [f for f in findings if f["code"] == "MC01"]
    assert len(mc01) == 1
    assert mc01[0]["subject"] == summary[kind]["autolog"]
    assert mc01[0]["path"].endswith(os.path.join("data", "model.keras"))
    assert mc01[0]["pointer"] == "/config/layers/2/config/activation"
    assert {f["subject"] for f in findings} <= {summary[kind]["autolog"], summary[kind]["parent"], *summary[kind]["children"]}


def test_experiment_and_run_folders_are_inputs(stores):
    directory, summary = stores
    run_id = summary["file"]["autolog"]
    [run_dir] = [os.path.join(root, name) for root, dirs, _ in os.walk(directory / "file") for name in dirs if name == run_id]
    experiment_dir = os.path.dirname(run_dir)
    assert discover([experiment_dir]) == [experiment_dir]
    assert len(read_input(experiment_dir)) == 4
    [(subject, experiment)] = read_input(run_dir)
    assert subject == run_id and experiment.model.loss.name == "binary_crossentropy"


def test_stores_are_found_inside_a_folder(stores):
    directory, _ = stores
    found = discover([str(directory)])
    assert _store_path(directory, "file") in found and _store_path(directory, "sqlite") in found


def test_history_file_may_name_a_run_folder(stores, tmp_path):
    directory, summary = stores
    run_id = summary["file"]["autolog"]
    [run_dir] = [os.path.join(root, name) for root, dirs, _ in os.walk(directory / "file") for name in dirs if name == run_id]
    write(tmp_path, "experiment.yaml", {"history": {"file": run_dir}})
    [(_, experiment)] = read_input(str(tmp_path / "experiment.yaml"))
    assert experiment.history.get("loss") == pytest.approx(summary["file"]["history"]["loss"], rel=1e-12)


def _copy_deleted_run(stores, tmp_path) -> str:
    """A copy, inside tmp_path, of the run folder that MLflow deleted (it keeps the folder, marked
    lifecycle_stage: deleted); returns its path relative to tmp_path."""
    directory, summary = stores
    run_id = summary["file"]["deleted"]
    [run_dir] = [os.path.join(root, name) for root, dirs, _ in os.walk(directory / "file") for name in dirs if name == run_id]
    shutil.copytree(run_dir, tmp_path / run_id)
    return run_id


def test_a_deleted_run_folder_is_a_clear_error(stores, tmp_path):
    """Named on its own, the run MLflow deleted is refused with a reason (it used to crash the reader)."""
    result = run_advisor("lint", *NO_CACHE, _copy_deleted_run(stores, tmp_path), cwd=tmp_path)
    assert_clean_failure(result, "is an MLflow run marked deleted", "expected a live run")


def test_history_file_naming_a_deleted_run_is_a_clear_error(stores, tmp_path):
    write(tmp_path, "experiment.yaml", {"history": {"file": _copy_deleted_run(stores, tmp_path)}})
    result = run_advisor("lint", *NO_CACHE, "experiment.yaml", cwd=tmp_path)
    assert_clean_failure(result, "is an MLflow run marked deleted")


def test_reading_imports_no_mlflow(stores):
    directory, _ = stores
    code = (
        "import sys\n"
        "from advisor.readers import read_input\n"
        f"read_input({_store_path(directory, 'file')!r}); read_input({_store_path(directory, 'sqlite')!r})\n"
        "heavy = [m for m in ('mlflow', 'keras', 'sqlalchemy', 'jax') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_reading_writes_nothing(stores):
    directory, _ = stores
    path = _store_path(directory, "sqlite")
    before = {name: os.path.getmtime(os.path.join(os.path.dirname(path), name)) for name in os.listdir(os.path.dirname(path))}
    read_input(path)
    after = {name: os.path.getmtime(os.path.join(os.path.dirname(path), name)) for name in os.listdir(os.path.dirname(path))}
    assert before == after


# --- bad input ----------------------------------------------------------------------------------

def test_corrupt_sqlite_store(stores, tmp_path):
    directory, _ = stores
    data = bytearray(open(_store_path(directory, "sqlite"), "rb").read())
    data[100:4096] = os.urandom(3996)  # the schema page, after the intact header
    (tmp_path / "mlflow.db").write_bytes(bytes(data))
    result = run_advisor("lint", "mlflow.db", cwd=tmp_path)
    assert_clean_failure(result, "mlflow.db", "corrupt")


def test_truncated_sqlite_store(stores, tmp_path):
    directory, _ = stores
    data = open(_store_path(directory, "sqlite"), "rb").read()
    (tmp_path / "mlflow.db").write_bytes(data[:4096 * 3])
    result = run_advisor("lint", "mlflow.db", cwd=tmp_path)
    assert_clean_failure(result, "mlflow.db", "corrupt or truncated")


def test_not_an_sqlite_file(tmp_path):
    write(tmp_path, "mlflow.db", "runs,metrics\n")
    result = run_advisor("lint", "mlflow.db", cwd=tmp_path)
    assert_clean_failure(result, "mlflow.db", "is not an SQLite database")


def test_sqlite_without_mlflow_tables(tmp_path):
    connection = sqlite3.connect(tmp_path / "other.db")
    connection.execute("CREATE TABLE notes (text TEXT)")
    connection.commit()
    connection.close()
    result = run_advisor("lint", "other.db", cwd=tmp_path)
    assert_clean_failure(result, "other.db", "not an MLflow tracking store", "runs")


def test_huge_sqlite_file_fails_fast(tmp_path):
    from advisor.readers.mlflow import read_sqlite_store

    path = sparse_file(tmp_path / "mlflow.db")
    assert "is not an SQLite database" in refused_without_reading(read_sqlite_store, path)
    result = run_advisor("lint", *NO_CACHE, "mlflow.db", cwd=tmp_path)
    assert_clean_failure(result, "mlflow.db", "is not an SQLite database")


def test_bad_metric_line_in_file_store(stores, tmp_path):
    directory, summary = stores
    copy = tmp_path / "mlruns"
    shutil.copytree(directory / "file" / "mlruns", copy)
    run_id = summary["file"]["autolog"]
    [metric] = [os.path.join(root, "loss") for root, _, files in os.walk(copy)
                if root.endswith(os.path.join(run_id, "metrics")) and "loss" in files]
    with open(metric, "a", encoding="utf-8") as handle:
        handle.write("not a metric line\n")
    result = run_advisor("lint", "mlruns", cwd=tmp_path)
    assert_clean_failure(result, os.path.join(run_id, "metrics", "loss"), "expected 'timestamp value step'")


def _copy_with_param(stores, tmp_path, name: str, value: str) -> str:
    """A copy of the file store whose autolog run logs one more param; returns the run id."""
    directory, summary = stores
    shutil.copytree(directory / "file" / "mlruns", tmp_path / "mlruns")
    run_id = summary["file"]["autolog"]
    [params] = [root for root, dirs, _ in os.walk(tmp_path / "mlruns") if root.endswith(os.path.join(run_id, "params"))]
    write(params, name, value)
    return run_id


def test_run_names_that_are_not_record_fields_are_ignored(stores, tmp_path):
    run_id = _copy_with_param(stores, tmp_path, "model.hidden_units", "64")
    runs = dict(read_input(str(tmp_path / "mlruns")))
    assert runs[run_id].model.epochs == 3


def test_invalid_value_under_a_record_name(stores, tmp_path):
    run_id = _copy_with_param(stores, tmp_path, "problem.type", "binary")
    result = run_advisor("lint", "mlruns", cwd=tmp_path)
    assert_clean_failure(result, f"run {run_id}: problem.type: expected one of", "'binary'")


def test_copied_sqlite_store_reads_its_own_artifacts(stores, tmp_path):
    directory, summary = stores
    shutil.copytree(directory / "sqlite", tmp_path / "copy")
    runs = dict(read_input(str(tmp_path / "copy" / "mlflow.db")))
    experiment = runs[summary["sqlite"]["autolog"]]
    assert experiment.model.loss.name == "binary_crossentropy"
    assert experiment.sources.locate("/model/loss").path.startswith(str(tmp_path / "copy" / "mlruns"))


def test_mlflow_3_default_layout_lints_as_the_readme_says(stores):
    """MLflow 3 keeps runs in ./mlflow.db and their artifacts in ./mlruns: the artifact folder stands
    for the database beside it, so `advisor lint mlruns/ mlflow.db` lints each run once."""
    directory, summary = stores
    folder = directory / "sqlite"
    assert discover([str(folder / "mlruns")]) == [str(folder / "mlflow.db")]
    both = run_advisor("lint", "--format", "json", "mlruns/", "mlflow.db", cwd=folder)
    alone = run_advisor("lint", "--format", "json", "mlflow.db", cwd=folder)
    assert both.returncode == alone.returncode == 1, both.stderr
    assert json.loads(both.stdout)["findings"] == json.loads(alone.stdout)["findings"]
    # A walk of the project folder reads the database once, not its logged models a second time.
    assert discover([str(folder)]) == [str(folder / "mlflow.db")]


def test_mlflow_artifacts_without_their_database_are_a_clear_error(stores, tmp_path):
    directory, _ = stores
    shutil.copytree(directory / "sqlite" / "mlruns", tmp_path / "mlruns")
    result = run_advisor("lint", "mlruns", cwd=tmp_path)
    assert_clean_failure(result, "mlruns: holds only MLflow run artifacts", "lint the database file")


def test_an_empty_folder_tree_is_not_taken_for_mlflow_artifacts(tmp_path):
    (tmp_path / "runs" / "a").mkdir(parents=True)
    result = run_advisor("lint", "runs", cwd=tmp_path)
    assert_clean_failure(result, "runs: holds nothing to read")
