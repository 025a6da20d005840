"""One definition per judgement: the rule that judges a piece of workflow evidence measures it
(`Rule.measure`), and `advisor next`, the reference trainer and the rule itself read that same
measurement. Each test puts two readers side by side on inputs where the old, separate
definitions disagreed, so it fails if either reader judges the evidence its own way again."""

from __future__ import annotations

import json
import math

import pytest

from advisor.config import Settings, resolve
from advisor.curves import best_epoch
from advisor.engine import Linter, measure_evidence
from advisor.readers.record import read_record
from advisor.registry import load_registry
from advisor.toml_compat import tomllib
from advisor.workflow import assess
from reference_trainer.jobs import best_validation_epoch
from reference_trainer.stages import Evaluation, Stages
from tests.advisor_cli import run_advisor

#: Validation loss best at epoch 6 of 9: past its best by 3 epochs.
PAST_BEST = [0.9, 0.7, 0.6, 0.5, 0.45, 0.40, 0.41, 0.42, 0.43]
TRAIN = [1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.25, 0.2, 0.18]


def _config(table: str = ""):
    """The whole built-in pack, with `table` as the `[tool.advisor.rules]` options."""
    return resolve(Settings(rules=tomllib.loads(table) if table else {}), load_registry())


def _record(tmp_path, text: str):
    path = tmp_path / "experiment.yaml"
    path.write_text(text, encoding="utf-8")
    return read_record(str(path))


def _missing(assessment) -> list[str]:
    return [what for stage in assessment.stages for what in stage.missing]


def test_a_validation_history_is_a_protocol_for_ep01_and_for_next(tmp_path):
    """No protocol declared, but the history logs validation: EP01 stays silent, so the workflow
    must not call the protocol missing (it once looked only at protocol.type and splits)."""
    experiment = _record(tmp_path, f"data: {{samples: 500}}\nhistory: {{loss: {TRAIN}, val_loss: {PAST_BEST}}}\n")
    findings = Linter(_config()).lint(experiment)
    assert "EP01" not in {f.code for f in findings}
    assert measure_evidence(experiment)["protocol"].present
    assert not any("K-fold protocol" in what for what in _missing(assess(experiment, findings)))


def test_nothing_validates_then_ep01_fires_and_next_says_the_protocol_is_missing(tmp_path):
    experiment = _record(tmp_path, "data: {samples: 500}\nsplits: {train: 400, test: 100}\n")
    findings = Linter(_config()).lint(experiment)
    assert "EP01" in {f.code for f in findings}
    assert not measure_evidence(experiment)["protocol"].present
    assert any("K-fold protocol" in what for what in _missing(assess(experiment, findings)))


@pytest.mark.parametrize("patience, crossed", [(2, True), (5, False)])
def test_crossed_overfitting_follows_of03s_configured_patience_everywhere(tmp_path, patience, crossed):
    """Best 3 epochs before the end: crossed under OF03's default patience (2), not under 5. OF03,
    `advisor next` and the trainer's scale-up must all say the same, under the same options."""
    config = _config(f"[OF03]\npatience = {patience}\n")
    experiment = _record(tmp_path, f"history: {{loss: {TRAIN}, val_loss: {PAST_BEST}}}\n")
    measured = measure_evidence(experiment, config)["overfitting"]
    assert measured.present is crossed
    assert ("OF03" in {f.code for f in Linter(config).lint(experiment)}) is not crossed
    findings = Linter(config).lint(experiment)
    assessment = assess(experiment, findings, measured=measure_evidence(experiment, config))
    assert (not any("a sign of overfitting" in what for what in _missing(assessment))) is crossed
    trial = Evaluation("fit", None, None, {"loss": TRAIN, "val_loss": PAST_BEST}, None, [])
    assert Stages(None, None, True, config=config).crossed_overfitting(trial) is crossed


def test_a_flat_end_counts_the_same_for_next_and_of03(tmp_path):
    """Validation loss back at its minimum on the last epoch: the workflow once required the last
    value to be above the best, OF03 only that the best is `patience` epochs old."""
    flat = [0.9, 0.7, 0.5, 0.4, 0.45, 0.42, 0.4]
    experiment = _record(tmp_path, f"history: {{loss: {TRAIN[:7]}, val_loss: {flat}}}\n")
    findings = Linter(_config()).lint(experiment)
    assert "OF03" not in {f.code for f in findings}
    assert not any("a sign of overfitting" in what for what in _missing(assess(experiment, findings)))


@pytest.mark.parametrize("score, beats", [(0.80, True), (0.55, False)])
def test_beats_the_baseline_is_bl02s_measurement(tmp_path, score, beats):
    experiment = _record(tmp_path, "metric: {name: accuracy}\nbaseline: {score: 0.6}\n"
                                   f"final: {{validation_score: {score}}}\n")
    findings = Linter(_config()).lint(experiment)
    assert ("BL02" in {f.code for f in findings}) is not beats
    assert measure_evidence(experiment)["beats_baseline"].present is beats
    assert (not any("beats the baseline" in what for what in _missing(assess(experiment, findings)))) is beats


def test_the_trainer_and_the_rules_agree_on_the_best_epoch():
    """An infinite loss is no best epoch for the rules (NumPy's nanargmin would take -inf)."""
    for val_loss in (PAST_BEST, [0.5, -math.inf, 0.4, 0.3], [math.nan, 0.4, 0.4, 0.5], [math.nan]):
        expected = best_epoch(val_loss)
        assert best_validation_epoch({"val_loss": val_loss}) == (None if expected is None else expected + 1)
    assert best_validation_epoch({"val_loss": [0.5, -math.inf, 0.4, 0.3]}) == 4


def test_next_reads_the_configured_patience_from_the_project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.advisor.rules.OF03]\npatience = 5\n", encoding="utf-8")
    (tmp_path / "experiment.yaml").write_text(f"history: {{loss: {TRAIN}, val_loss: {PAST_BEST}}}\n", encoding="utf-8")
    result = run_advisor("next", "--format", "json", "experiment.yaml", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    stage_6 = json.loads(result.stdout)["stages"][5]
    assert any("a sign of overfitting" in what for what in stage_6["missing"])
