"""A run directory (an experiment record with history.csv and model.keras beside it, as the
reference trainer writes it) lints as one experiment."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from advisor.readers import discover, read_input
from tests.advisor_cli import assert_clean_failure, run_advisor, write
from tests.readers import keras_models

RECORD = {
    "version": 1,
    "name": "relu-output",
    "problem": {"type": "binary_classification", "target": "label"},
    "model": {"file": "model.keras", "epochs": 3, "batch_size": 16},
    "history": {"file": "history.csv"},
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A run directory made by real Keras training: (path, the history Keras returned)."""
    directory = tmp_path_factory.mktemp("runs") / "run-1"
    directory.mkdir()
    history = keras_models.train_and_save(directory)
    write(directory, "experiment.yaml", RECORD)
    return directory, history


def test_folder_is_one_input(run_dir):
    directory, history = run_dir
    assert discover([str(directory)]) == [str(directory)]
    [(subject, experiment)] = read_input(str(directory))
    assert subject is None
    assert experiment.model.loss.name == "binary_crossentropy"  # from model.keras
    assert experiment.model.epochs == 3  # from the record
    assert experiment.history.get("val_loss") == pytest.approx(history["val_loss"], rel=1e-12)
    assert experiment.history.epoch == [0, 1, 2]


def test_lint_run_directory_points_into_its_artifacts(run_dir):
    directory, _ = run_dir
    result = run_advisor("lint", "--format", "json", directory.name, cwd=directory.parent)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["files"] == 1
    mc = [f for f in report["findings"] if f["code"].startswith("MC") and "activation" in f["pointer"]]
    assert mc and mc[0]["path"] == os.path.join("run-1", "model.keras")
    assert mc[0]["pointer"] == "/config/layers/3/config/activation"


def test_run_directories_found_inside_a_folder(run_dir, tmp_path):
    directory, _ = run_dir
    shutil.copytree(directory, tmp_path / "runs" / "a")
    shutil.copytree(directory, tmp_path / "runs" / "b")
    write(tmp_path, "notes/experiment.yaml", {"version": 1, "problem": {"type": "regression"}})
    found = discover([str(tmp_path)])
    assert found == [str(tmp_path / "notes" / "experiment.yaml"), str(tmp_path / "runs" / "a"), str(tmp_path / "runs" / "b")]


def test_folder_with_records_below_is_searched_not_claimed(run_dir, tmp_path):
    directory, _ = run_dir
    shutil.copytree(directory, tmp_path / "project")
    write(tmp_path, "project/variant/experiment.yaml", {"version": 1, "problem": {"type": "regression"}})
    found = discover([str(tmp_path / "project")])
    assert found == [str(tmp_path / "project" / "experiment.yaml"), str(tmp_path / "project" / "variant" / "experiment.yaml")]


def test_broken_artifact_in_run_directory(run_dir, tmp_path):
    directory, _ = run_dir
    copy = tmp_path / "run"
    shutil.copytree(directory, copy)
    with open(copy / "history.csv", "a", encoding="utf-8") as handle:
        handle.write("3,0.5\n")
    result = run_advisor("lint", "run", cwd=tmp_path)
    assert_clean_failure(result, os.path.join("run", "experiment.yaml"), "history.file", "history.csv:5:", "row has 2 fields")


def test_a_run_folder_without_a_record_lints_each_artifact_alone(run_dir, tmp_path):
    directory, _ = run_dir
    folder = tmp_path / "run"
    folder.mkdir()
    for name in ("model.keras", "history.csv"):
        shutil.copy(directory / name, folder / name)
    assert sorted(discover([str(folder)])) == [str(folder / "history.csv"), str(folder / "model.keras")]
    together = run_advisor("lint", "--format", "json", "--no-cache", "run", cwd=tmp_path)
    alone = [run_advisor("lint", "--format", "json", "--no-cache", f"run/{name}", cwd=tmp_path)
             for name in ("history.csv", "model.keras")]
    assert together.returncode == 1, together.stderr  # the relu output under crossentropy: MC01
    assert sorted(json.dumps(f, sort_keys=True) for f in json.loads(together.stdout)["findings"]) == sorted(
        json.dumps(f, sort_keys=True) for result in alone for f in json.loads(result.stdout)["findings"])
