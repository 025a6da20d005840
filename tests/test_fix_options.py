"""`advisor fix` aims at the thresholds the rules judge by: a rule's configured options, not its
defaults. Each case fixes one record twice, with and without the option configured, so the test
fails if the edit ignores the configuration (the two results would be equal)."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.advisor_cli import run_advisor


def _fix(tmp_path, record: str, select: str, config: str = "") -> dict:
    """Fix `record` with `--unsafe-fixes --select SELECT` under `config` (a pyproject.toml's text);
    return the fixed record, after checking the rules it selects lint it clean."""
    tmp_path.joinpath("pyproject.toml").write_text(config, encoding="utf-8")
    path = tmp_path / "experiment.yaml"
    path.write_text(record, encoding="utf-8")
    fixed = run_advisor("fix", "--unsafe-fixes", "--select", select, str(path), cwd=tmp_path)
    assert fixed.returncode in (0, 1), fixed.stderr
    linted = run_advisor("lint", "--select", select, "--format", "json", "--no-cache", "--exit-zero", str(path),
                         cwd=tmp_path)
    assert json.loads(linted.stdout)["findings"] == []
    return yaml.safe_load(path.read_text(encoding="utf-8"))


#: A hold-out validation split too small for EP02, on 160 samples: the fix switches to K-fold.
SMALL_HOLDOUT = """\
data:
  samples: 160
splits:
  train: 130
  validation: 30
protocol:
  type: holdout
"""


def test_kfold_folds_follow_the_configured_min_fold_samples(tmp_path):
    default = _fix(tmp_path, SMALL_HOLDOUT, "EP02,EP04")
    configured = _fix(tmp_path, SMALL_HOLDOUT, "EP02,EP04", "[tool.advisor.rules.EP04]\nmin_fold_samples = 50\n")
    assert default["protocol"] == {"type": "kfold", "folds": 4}  # 40 samples a fold
    assert configured["protocol"] == {"type": "kfold", "folds": 3}  # 53 a fold: 4 folds of 40 fail EP04


#: No validation at all, 600 samples: 20% of the 480 outside the test split is 96, under EP02's
#: default of 1000, over a configured 90.
NO_VALIDATION = """\
data:
  samples: 600
splits:
  train: 480
  test: 120
"""


def test_a_validation_split_is_carved_when_the_configured_minimum_allows_it(tmp_path):
    default = _fix(tmp_path, NO_VALIDATION, "EP01,EP02")
    configured = _fix(tmp_path, NO_VALIDATION, "EP01,EP02",
                      "[tool.advisor.rules.EP02]\nmin_validation_samples = 90\n")
    assert default["protocol"]["type"] == "kfold"
    assert "validation" not in default["splits"]
    assert configured["splits"]["validation"] > 0
    assert "protocol" not in configured or configured["protocol"]["type"] == "holdout"


#: Classes 7:3, and no metric yet.
NO_METRIC = """\
problem: {type: binary_classification}
data:
  class_counts: {negative: 700, positive: 300}
"""


@pytest.mark.parametrize("ratio, metric", [(None, "accuracy"), (2.0, "pr_auc")])
def test_the_chosen_metric_follows_the_configured_imbalance_ratio(tmp_path, ratio, metric):
    config = "" if ratio is None else f"[tool.advisor.rules.MS03]\nmax_imbalance_ratio = {ratio}\n"
    assert _fix(tmp_path, NO_METRIC, "MS01,MS03", config)["metric"]["name"] == metric


#: Overfits with no regularization.
OVERFITS = """\
problem: {type: binary_classification}
model:
  layers:
    - {type: dense, units: 64, activation: relu}
    - {type: dense, units: 1, activation: sigmoid}
  loss: binary_crossentropy
  epochs: 8
history:
  loss: [0.60, 0.40, 0.28, 0.19, 0.12, 0.08, 0.05, 0.03]
  val_loss: [0.58, 0.45, 0.41, 0.43, 0.48, 0.55, 0.63, 0.72]
"""


@pytest.mark.parametrize("max_rate, inserted", [(None, 0.5), (0.3, 0.3)])
def test_inserted_dropout_stays_within_the_configured_max_rate(tmp_path, max_rate, inserted):
    config = "" if max_rate is None else f"[tool.advisor.rules.MC09]\nmax_rate = {max_rate}\n"
    tmp_path.joinpath("pyproject.toml").write_text(config, encoding="utf-8")
    path = tmp_path / "experiment.yaml"
    path.write_text(OVERFITS, encoding="utf-8")
    fixed = run_advisor("fix", "--unsafe-fixes", "--select", "RG01,MC09", str(path), cwd=tmp_path)
    assert fixed.returncode in (0, 1), fixed.stderr
    layers = yaml.safe_load(path.read_text(encoding="utf-8"))["model"]["layers"]
    assert [layer.get("rate") for layer in layers if layer["type"] == "dropout"] == [inserted]
    linted = run_advisor("lint", "--select", "MC09", "--format", "json", "--no-cache", "--exit-zero", str(path),
                         cwd=tmp_path)
    assert json.loads(linted.stdout)["findings"] == []
