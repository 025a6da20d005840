"""`advisor train`: run directories read back by the advisor, never overwritten, interrupted runs
marked, results deterministic per seed, preprocessing fit per fold, --fix in memory only."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import yaml

from reference_trainer.runner import TrainOptions, train
from tests.advisor_cli import run_advisor
from tests.trainer.conftest import tiny_record, write_data, write_yaml


def _train(record: str, out: str, **options) -> str:
    return train(TrainOptions(record, out=out, quiet=True, **options))


def _record(run_dir: str) -> dict:
    with open(os.path.join(run_dir, "experiment.yaml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_run_directory_is_complete_and_read_back(experiment_dir):
    folder, record = experiment_dir
    result = run_advisor("train", record, "--quiet", "--seed", "1", cwd=folder, timeout=240)
    assert result.returncode == 0, result.stderr
    runs = os.listdir(folder / "runs")
    assert len(runs) == 1 and runs[0].startswith("tiny-")
    assert result.stdout == os.path.join("runs", runs[0]) + "\n"  # -q: the run directory and nothing else
    run_dir = folder / "runs" / runs[0]
    assert sorted(os.listdir(run_dir)) == ["experiment.yaml", "history.csv", "model.keras", "report.html"]
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "<svg" in page and "tiny" in page and "http://" not in page.replace("http://www.w3.org", "")
    written = _record(str(run_dir))
    assert written["run"]["status"] == "completed" and written["run"]["seed"] == 1
    assert written["splits"]["train"] + written["splits"]["validation"] + written["splits"]["test"] == 160
    assert written["data"]["samples"] == 160 and written["history"] == {"file": "history.csv"}
    assert written["model"]["file"] == "model.keras"
    assert written["tuning"]["test_evaluations"] == 1 and written["final"]["trained_on"] == "train+validation"
    assert 0 <= written["final"]["test_score"] <= 1 and 0 <= written["baseline"]["score"] <= 1
    header = (run_dir / "history.csv").read_text().splitlines()[0].split(",")
    assert header[0] == "epoch" and header[1:] == sorted(header[1:]) and "val_loss" in header
    assert len((run_dir / "history.csv").read_text().splitlines()) == 1 + 3

    lint = run_advisor("lint", str(run_dir), "--format", "json", "--exit-zero", cwd=folder)
    assert lint.returncode == 0, lint.stderr
    findings = json.loads(lint.stdout)["findings"]
    assert not [f for f in findings if f["code"] in ("PD04", "BL01", "EP01", "OF01", "MS05", "LK03")], findings
    assert any(f["path"].endswith("history.csv") or f["path"].endswith("experiment.yaml") for f in findings) or not findings
    following = run_advisor("next", str(run_dir), "--format", "json", cwd=folder)
    assert following.returncode == 0, following.stderr
    assert json.loads(following.stdout)


def test_never_overwrites_an_existing_directory(experiment_dir):
    folder, record = experiment_dir
    existing = folder / "taken"
    existing.mkdir()
    (existing / "notes.txt").write_text("mine")
    result = run_advisor("train", record, "--quiet", "--out", str(existing), cwd=folder, timeout=120)
    assert result.returncode == 2 and "already exists" in result.stderr and "Traceback" not in result.stderr
    assert os.listdir(existing) == ["notes.txt"] and (existing / "notes.txt").read_text() == "mine"
    assert not [name for name in os.listdir(folder) if name.startswith(".taken")]


def test_interrupted_run_is_marked(experiment_dir, monkeypatch):
    folder, record = experiment_dir
    from reference_trainer.jobs import JobPool

    def interrupt(pool, jobs):
        raise KeyboardInterrupt

    monkeypatch.setattr(JobPool, "run", interrupt)
    out = str(folder / "run")
    with pytest.raises(KeyboardInterrupt):
        _train(record, out)
    written = _record(out)
    assert written["run"]["status"] == "interrupted" and written["run"]["stage"] == "fit"
    assert "final" not in written and not os.path.exists(os.path.join(out, "model.keras"))
    assert not [name for name in os.listdir(folder) if name.endswith(".partial")]
    assert written["data"]["path"] == "../data.csv"
    lint = run_advisor("lint", out, "--exit-zero", cwd=folder)
    assert lint.returncode == 0, lint.stderr


def test_same_seed_same_results(experiment_dir):
    folder, record = experiment_dir
    first = _train(record, str(folder / "a"), seed=3)
    second = _train(record, str(folder / "b"), seed=3)
    other = _train(record, str(folder / "c"), seed=4)
    history = lambda run: open(os.path.join(run, "history.csv"), encoding="utf-8").read()  # noqa: E731
    assert history(first) == history(second)
    assert _record(first)["final"] == _record(second)["final"]
    assert history(first) != history(other)


def test_kfold_fits_preprocessing_on_each_folds_training_rows(tmp_path):
    from advisor.fix.runner import read_record_text
    from reference_trainer.prepared import prepare

    write_data(tmp_path)
    record = write_yaml(tmp_path, tiny_record(protocol={"type": "kfold", "folds": 4},
                                              splits={"validation": None, "train": None}))
    experiment = read_record_text(record, open(record, encoding="utf-8").read())
    prepared = prepare(experiment, record, seed=0)
    features = prepared.dataset.features
    assert len(prepared.units) == 4 and len(prepared.rows.test) == 32
    for unit in prepared.units:
        scaler = prepared_scaler(unit)
        assert np.allclose(scaler.mean_, features.iloc[unit.train].mean().to_numpy())
        assert not np.allclose(scaler.mean_, features.iloc[np.concatenate([unit.train, unit.validation])].mean().to_numpy())
        assert not set(unit.validation) & set(unit.train) and not set(unit.validation) & set(prepared.rows.test)
        assert np.allclose(unit.x_train.mean(axis=0), 0, atol=1e-5)


def prepared_scaler(unit):
    (transformer,) = unit.preprocessor.fitted
    return transformer.named_transformers_["standardize"]


def test_fix_applies_output_layer_in_memory_only(tmp_path):
    write_data(tmp_path)
    record = write_yaml(tmp_path, tiny_record(model={
        "layers": [{"type": "dense", "units": 8, "activation": "relu"},
                   {"type": "dense", "units": 1, "activation": "softmax"}]}))
    before = open(record, "rb").read()
    run_dir = _train(record, str(tmp_path / "fixed"), fix=True, stage="fit")
    assert open(record, "rb").read() == before
    written = _record(run_dir)
    assert written["model"]["layers"][-1]["activation"] == "sigmoid"
    assert "fix_output_layer" in written["run"]["message"]


def test_parallel_folds_on_the_default_backend_match_sequential(tmp_path):
    write_data(tmp_path)
    record = write_yaml(tmp_path, tiny_record(protocol={"type": "kfold", "folds": 3},
                                              splits={"validation": None, "train": None}))
    parallel = _train(record, str(tmp_path / "parallel"), stage="fit", jobs=2, backend="loky")
    sequential = _train(record, str(tmp_path / "sequential"), stage="fit", jobs=1)
    assert _record(parallel)["final"]["validation_score"] == pytest.approx(_record(sequential)["final"]["validation_score"])
    assert len(_record(parallel)["tuning"]["trials"]) == 1


def test_train_and_test_without_validation_runs_and_says_where_the_baseline_scored(tmp_path):
    """`advisor fix` suggests `advisor train --fix` for such a record: empty validation rows must not
    reach scikit-learn, and the baseline's training-row score is named as such."""
    write_data(tmp_path)
    record = write_yaml(tmp_path, tiny_record(splits={"validation": None, "train": 0.8, "test": 0.2}))
    result = run_advisor("train", record, "--fix", "--out", str(tmp_path / "run"), cwd=tmp_path, timeout=240)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "[baseline] most_frequent: accuracy 0.5000 on the training rows (no validation data)" in result.stdout
    assert "[overfit] skipped" in result.stdout
    written = _record(str(tmp_path / "run"))
    assert written["run"]["status"] == "completed" and "validation" not in written["splits"]
    assert "baseline scored on the training rows" in written["run"]["message"]
    assert "stage overfit skipped" in written["run"]["message"]
    assert written["splits"]["train"] == 128 and written["final"]["trained_on"] == "train+validation"
    assert [trial["name"] for trial in written["tuning"]["trials"]] == ["fit"] and "selected_on" not in written["tuning"]
