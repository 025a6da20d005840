"""Every remedy the advisor says needs training is performed by `advisor train --fix`: a loss that
turns NaN is trained again at a lower learning rate; a model that overfits unregularized goes on
into regularization; `advisor next` and `advisor fix` name the same trainer stage for each."""

from __future__ import annotations

import json
import math
import os

import pytest
import yaml

from advisor.registry import load_remedies
from advisor.remedy import TRAINING
from reference_trainer.cli import STAGE_NAMES
from reference_trainer.runner import TrainOptions, train
from tests.advisor_cli import run_advisor
from tests.trainer.conftest import write_yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
#: The learning rate the record declares: SGD below MC07's 1.0, so `--fix` leaves it as written, yet
#: on an unscaled regression target (25-346) under mse the gradient steps overflow at once.
DECLARED_RATE = 0.05


def _lint(run_dir: str, cwd) -> list[dict]:
    result = run_advisor("lint", run_dir, "--format", "json", "--exit-zero", cwd=cwd, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["findings"]


def _record(run_dir: str) -> dict:
    with open(os.path.join(run_dir, "experiment.yaml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture
def diverging(tmp_path):
    """scikit-learn's diabetes data as distributed (unscaled target) and a record training it with
    plain SGD at DECLARED_RATE: 2-fold, 8 epochs."""
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True, scaled=False).frame.rename(columns={"target": "progression"})
    frame.to_csv(tmp_path / "data.csv", index=False)
    record = {
        "version": 1, "name": "diverging",
        "problem": {"type": "regression", "target": "progression"},
        "data": {"path": "data.csv", "target_column": "progression",
                 "preprocessing": [{"step": "standardize", "fit_on": "train"}]},
        "splits": {"method": "random", "shuffle": True, "test": 0.2},
        "protocol": {"type": "kfold", "folds": 2},
        "metric": {"name": "mae"},
        "model": {"layers": [{"type": "dense", "units": 16, "activation": "relu"}, {"type": "dense", "units": 1}],
                  "loss": "mse", "optimizer": {"name": "sgd", "learning_rate": DECLARED_RATE},
                  "epochs": 8, "batch_size": 32},
    }
    return tmp_path, write_yaml(tmp_path, record)


def test_a_diverging_fit_is_trained_again_at_a_lower_learning_rate(diverging):
    folder, record = diverging
    before = open(record, encoding="utf-8").read()
    # As declared, the loss overflows: the run's own lint says TD01, and `advisor next` gives the
    # command that performs the remedy.
    plain = train(TrainOptions(record, stage="fit", out=str(folder / "as-declared"), quiet=True))
    assert "TD01" in {f["code"] for f in _lint(plain, folder)}
    following = run_advisor("next", plain, "--format", "json", cwd=folder, timeout=120)
    step = next(step for step in json.loads(following.stdout)["steps"] if "TD01" in step["codes"])
    assert step["command"].endswith("--fix --stage fit"), step

    fixed = train(TrainOptions(record, fix=True, stage="fit", out=str(folder / "fixed"), quiet=True))
    codes = {f["code"] for f in _lint(fixed, folder)}
    assert not codes & {"TD01", "TD02", "TD03"}, codes
    written = _record(fixed)
    rate = written["model"]["optimizer"]["learning_rate"]
    assert written["model"]["optimizer"]["name"] == "sgd"
    retries = round(math.log10(DECLARED_RATE / rate))
    assert 1 <= retries <= 3 and math.isclose(rate, DECLARED_RATE / 10 ** retries), rate
    trials = [trial["name"] for trial in written["tuning"]["trials"]]
    assert trials[0] == "fit" and len(trials) == 1 + retries, trials
    assert f"lower_learning_rate: TD01 at learning rate {DECLARED_RATE:g}" in written["run"]["message"]
    assert f"trained again at {rate:g}, which cleared it" in written["run"]["message"]
    assert open(record, encoding="utf-8").read() == before  # --fix corrects in memory only


def test_every_training_remedy_names_a_stage_the_trainer_runs():
    """`advisor next` and `advisor fix` both read the one declaration's stage; the trainer must have it."""
    training = {remedy.id: remedy.stage for remedy in load_remedies().values() if remedy.safety == TRAINING}
    assert "lower_learning_rate" in training
    for remedy_id, stage in training.items():
        assert stage in STAGE_NAMES, remedy_id


@pytest.mark.parametrize("example", ["digits", "breast_cancer"])
def test_fix_leaves_an_example_run_without_errors_or_warnings(example, tmp_path):
    """The examples whose fitted model overfit unregularized (RG01) after `--fix`: the run goes on
    into regularization, and its directory lints clean of errors and warnings."""
    out = str(tmp_path / example)
    result = run_advisor("train", f"examples/{example}/experiment.yaml", "--fix", "--quiet", "--out", out,
                         cwd=ROOT, timeout=1800)
    assert result.returncode == 0, result.stderr
    findings = _lint(out, ROOT)
    assert not [f for f in findings if f["severity"] in ("error", "warning")], findings
