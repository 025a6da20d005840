"""Stages, protocols and problem types on tiny data: scale-up and regularization counted honestly,
iterated K-fold, a multilabel NPZ archive, a regression."""

from __future__ import annotations

import os

import numpy as np
import yaml

from reference_trainer.runner import TrainOptions, stage_plan, train
from reference_trainer.stages import DROPOUT_RATES, L2_FACTORS
from tests.trainer.conftest import tiny_record, write_data, write_yaml


def _record(run_dir: str) -> dict:
    with open(os.path.join(run_dir, "experiment.yaml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_stage_plans():
    assert stage_plan(None, False, True) == ["baseline", "fit", "final"]
    assert stage_plan(None, False, False) == ["baseline", "fit"]
    assert stage_plan(None, True, True) == ["baseline", "fit", "overfit", "final"]
    assert stage_plan("all", False, True) == ["baseline", "fit", "overfit", "regularize", "final"]
    assert stage_plan("baseline", True, True) == ["baseline"]


def test_stage_all_counts_every_trial(experiment_dir):
    folder, record = experiment_dir
    run_dir = train(TrainOptions(record, stage="all", out=str(folder / "all"), quiet=True, jobs=1))
    written = _record(run_dir)
    trials = written["tuning"]["trials"]
    names = [trial["name"] for trial in trials]
    assert names[0] == "fit" and sum(name.startswith("scale-up") for name in names) >= 1
    assert sum(name.startswith("dropout") for name in names) == len(DROPOUT_RATES) * len(L2_FACTORS)
    assert written["tuning"]["architectures"] == len({trial["architecture"] for trial in trials})
    assert written["tuning"]["selected_on"] == "validation" and written["tuning"]["test_evaluations"] == 1
    assert written["model"]["early_stopping"]["restore_best_weights"] is True
    chosen = [t for t in trials if t["name"].startswith("dropout")]
    best = max(chosen, key=lambda t: t["score"])
    assert written["final"]["validation_score"] == best["score"]
    history_rows = len(open(os.path.join(run_dir, "history.csv"), encoding="utf-8").read().splitlines()) - 1
    assert 1 <= written["final"]["epochs"] <= history_rows


def test_iterated_kfold_trains_folds_times_repeats(tmp_path):
    write_data(tmp_path)
    record = write_yaml(tmp_path, tiny_record(protocol={"type": "iterated_kfold", "folds": 2, "repeats": 2},
                                              splits={"validation": None, "train": None, "test": None}))
    run_dir = train(TrainOptions(record, out=str(tmp_path / "run"), quiet=True, jobs=1))
    written = _record(run_dir)
    assert "test" not in written["splits"] and written["final"]["trained_on"] == "train"
    assert written["tuning"]["test_evaluations"] == 0 and 0 <= written["final"]["validation_score"] <= 1


def test_multilabel_npz(tmp_path):
    from sklearn.datasets import make_multilabel_classification

    x, y = make_multilabel_classification(n_samples=120, n_features=6, n_classes=3, random_state=0)
    np.savez(tmp_path / "data.npz", X=x.astype("float32"), y=y.astype("int8"))
    record = write_yaml(tmp_path, tiny_record(
        problem={"type": "multilabel_classification", "classes": 3, "labels": "multi_hot", "target": "topics"},
        data={"path": "data.npz", "target_column": None, "preprocessing": None},
        splits={"method": "random"}, metric={"name": "average_precision"},
        model={"layers": [{"type": "dense", "units": 8, "activation": "relu"},
                          {"type": "dense", "units": 3, "activation": "sigmoid"}]}))
    written = _record(train(TrainOptions(record, out=str(tmp_path / "run"), quiet=True)))
    assert set(written["data"]["class_counts"]) == {"0", "1", "2"}
    assert 0 < written["final"]["test_score"] <= 1 and 0 < written["baseline"]["score"] <= 1
    assert "val_average_precision" in open(tmp_path / "run" / "history.csv", encoding="utf-8").readline()


def test_regression_scores_mae_against_the_mean(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(150, 3))
    y = 50 + 10 * x[:, 0] - 5 * x[:, 1] + rng.normal(size=150)
    lines = ["a,b,c,value"] + [f"{a:.5f},{b:.5f},{c:.5f},{v:.5f}" for (a, b, c), v in zip(x, y)]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n")
    record = write_yaml(tmp_path, tiny_record(
        problem={"type": "regression", "target": "value", "labels": "continuous"},
        data={"path": "data.csv", "target_column": "value"}, splits={"method": "random"}, metric={"name": "mae"},
        model={"layers": [{"type": "dense", "units": 8, "activation": "relu"}, {"type": "dense", "units": 1}],
               "loss": "mse", "epochs": 5}))
    written = _record(train(TrainOptions(record, out=str(tmp_path / "run"), quiet=True)))
    assert written["baseline"]["strategy"] == "mean" and written["baseline"]["score"] > 5
    assert "class_counts" not in written["data"] and written["final"]["test_score"] > 0
