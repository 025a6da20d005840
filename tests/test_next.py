"""`advisor next`: the workflow checklist, the current stage and the next steps.

The records are built from a ladder of small YAML additions: each rung adds what one stage needs,
so the record after rung N stands at stage N + 1, and climbing the ladder walks the experiment
through all seven stages. Every registered rule runs on them, as `advisor next` runs them.
"""

from __future__ import annotations

import copy
import json
import os
import pty
import subprocess

import pytest
import yaml

from advisor.config import Settings, resolve
from advisor.engine import Linter
from advisor.finding import Finding
from advisor.rule import Rule
from advisor.readers.record import read_record
from advisor.registry import load_registry
from advisor.rule import STAGES, Severity
from advisor.workflow import BLOCKED, DONE, NOT_REACHED, REQUIREMENTS, assess
from tests.advisor_cli import ADVISOR, assert_clean_failure, run_advisor, write

RECORDS_DIR = os.path.join(os.path.dirname(__file__), "records")
CLEAN_RECORDS = ["clean_binary.yaml", "clean_multiclass.yaml", "clean_multilabel.yaml", "clean_regression.yaml"]

#: Rung N adds what stage N needs (rung 0 is where an experiment starts: a name).
LADDER = [
    # 0: nothing but a name.
    """
    name: churn
    """,
    # 1: what is predicted, from which data.
    """
    problem: {type: binary_classification, target: churned, classes: 2, labels: integer}
    data:
      target_column: churned
      samples: 5000
      class_counts: {0: 2400, 1: 2600}
    """,
    # 2: the measure of success.
    """
    metric: {name: accuracy, goal: maximize}
    """,
    # 3: the evaluation protocol: a large stratified hold-out and a test set.
    """
    splits: {method: stratified, shuffle: true, train: 3000, validation: 1000, test: 1000, overlap: 0}
    protocol: {type: holdout}
    """,
    # 4: the data, profiled and normalized on the training rows.
    """
    data:
      features:
        - {name: tenure_months, dtype: float, min: 0.0, max: 72.0, mean: 32.4, std: 24.6, missing: 0, target_score: 0.35}
        - {name: monthly_charges, dtype: float, min: 18.3, max: 118.8, mean: 64.8, std: 30.1, missing: 0, target_score: 0.19}
        - {name: support_calls, dtype: float, min: 0.0, max: 9.0, mean: 1.6, std: 1.3, missing: 0, target_score: 0.41}
      preprocessing:
        - {step: standardize, fit_on: train}
    """,
    # 5: a baseline, and a first model that beats it (not overfitting yet).
    """
    baseline: {strategy: most_frequent, score: 0.52}
    model:
      layers:
        - {type: dense, units: 16, activation: relu}
        - {type: dense, units: 1, activation: sigmoid}
      loss: binary_crossentropy
      optimizer: {name: rmsprop, learning_rate: 0.001}
      metrics: [accuracy]
      epochs: 8
      batch_size: 32
    history:
      loss: [0.680, 0.600, 0.530, 0.475, 0.430, 0.392, 0.360, 0.333]
      val_loss: [0.660, 0.590, 0.530, 0.480, 0.440, 0.408, 0.382, 0.361]
      accuracy: [0.600, 0.690, 0.750, 0.790, 0.815, 0.835, 0.850, 0.862]
      val_accuracy: [0.620, 0.700, 0.760, 0.795, 0.818, 0.834, 0.846, 0.855]
    """,
    # 6: scaled up until validation loss rose; dropout and early stopping kept the best epoch.
    """
    model:
      layers:
        - {type: dense, units: 64, activation: relu}
        - {type: dropout, rate: 0.3}
        - {type: dense, units: 64, activation: relu}
        - {type: dense, units: 1, activation: sigmoid}
      epochs: 50
      early_stopping: {monitor: val_loss, patience: 3, restore_best_weights: true}
    history:
      loss: [0.650, 0.540, 0.460, 0.400, 0.352, 0.313, 0.282, 0.256, 0.234, 0.215, 0.198, 0.183, 0.170, 0.158]
      val_loss: [0.620, 0.530, 0.462, 0.412, 0.375, 0.348, 0.330, 0.318, 0.311, 0.307, 0.305, 0.309, 0.316, 0.325]
      accuracy: [0.640, 0.740, 0.800, 0.835, 0.858, 0.874, 0.887, 0.897, 0.905, 0.912, 0.918, 0.923, 0.928, 0.932]
      val_accuracy: [0.660, 0.750, 0.800, 0.828, 0.846, 0.857, 0.864, 0.869, 0.872, 0.874, 0.875, 0.874, 0.873, 0.871]
    """,
    # 7: tuned on validation, retrained on train+validation, the test set evaluated once.
    """
    tuning: {trials: 4, architectures: 2, selected_on: validation, validation_data: validation, test_evaluations: 1}
    final: {trained_on: train+validation, epochs: 11, validation_score: 0.875, test_score: 0.869}
    """,
]


def merge(base: dict, addition: dict) -> dict:
    """`addition` merged into a copy of `base`, mappings recursively; lists and values replaced."""
    merged = copy.deepcopy(base)
    for key, value in addition.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def climb(rungs: int, *changes: dict) -> dict:
    """The record after the first `rungs` + 1 rungs of the ladder, with `changes` merged on top."""
    record: dict = {}
    for text in LADDER[: rungs + 1]:
        record = merge(record, yaml.safe_load(_dedent(text)))
    for change in changes:
        record = merge(record, change)
    return record


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text)


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(resolve(Settings(), load_registry()))


@pytest.fixture
def where(tmp_path, linter):
    """Assess a record (a dict) as `advisor next` does: written to a file, read, linted."""
    def run(record: dict, name: str = "experiment.yaml"):
        path = write(tmp_path, name, record)
        experiment = read_record(path)
        return assess(experiment, linter.lint(experiment), load_registry().rules)

    return run


def statuses(assessment) -> list[str]:
    return [stage.status for stage in assessment.stages]


def step_with(assessment, code: str):
    matches = [step for step in assessment.steps if code in step.codes]
    assert matches, f"no step for {code}: {[s.to_dict() for s in assessment.steps]}"
    return matches[0]


# --- one record per stage ----------------------------------------------------------------------

@pytest.mark.parametrize("stage", sorted(STAGES))
def test_record_stands_at_its_stage(where, stage):
    assessment = where(climb(stage - 1))
    assert assessment.current.number == stage, [(s.number, s.status, s.missing, [f.code for f in s.blocking])
                                                for s in assessment.stages]
    assert statuses(assessment)[: stage - 1] == [DONE] * (stage - 1)
    assert assessment.current.status in (BLOCKED, NOT_REACHED)
    assert assessment.steps, "a stage that is not done always has a next step"
    assert not assessment.complete


def test_climbing_the_ladder_walks_every_stage_in_order(where):
    seen = [where(climb(rung)).current.number for rung in range(len(LADDER))]
    assert seen == [1, 2, 3, 4, 5, 6, 7, 7]


def test_full_record_is_complete_with_nothing_left(where):
    assessment = where(climb(7))
    assert statuses(assessment) == [DONE] * 7
    assert assessment.complete
    assert (assessment.current.number, assessment.current.status) == (7, DONE)
    assert assessment.steps == []


@pytest.mark.parametrize("name", CLEAN_RECORDS)
def test_clean_records_are_complete(linter, name):
    experiment = read_record(os.path.join(RECORDS_DIR, name))
    assessment = assess(experiment, linter.lint(experiment), load_registry().rules)
    assert statuses(assessment) == [DONE] * 7, [(s.number, s.missing, [f.code for f in s.blocking])
                                                 for s in assessment.stages]
    assert assessment.steps == []


# --- what each stage is missing, and the step that produces it ----------------------------------

def test_empty_record_misses_problem_and_dataset(where):
    stage = where(climb(0)).stages[0]
    assert any("problem type" in what for what in stage.missing)
    assert any("dataset" in what for what in stage.missing)


def test_absences_of_later_stages_give_no_steps_yet(where):
    """An empty record lacks a metric and a protocol too, but the steps start with stage 1."""
    assessment = where(climb(0))
    assert assessment.stages[1].status == NOT_REACHED
    codes = [code for step in assessment.steps for code in step.codes]
    assert "MS01" not in codes and "EP01" not in codes
    assert assessment.steps[0].stage == 1


def test_missing_metric_leaves_stage_2_not_reached_not_blocked(where):
    """MS01 reports the absence itself: the stage is not reached, with MS01 listed."""
    assessment = where(climb(1))
    stage = assessment.stages[1]
    assert stage.status == NOT_REACHED
    assert stage.missing == ["a success metric (metric.name)"]
    assert "MS01" in [f.code for f in stage.findings]
    assert stage.blocking == []
    step = assessment.steps[0]
    assert step.codes == ["MS01"] and step.remedy == "set_metric"
    assert step.command.startswith("advisor fix --unsafe-fixes --select MS01 ")


def test_missing_baseline_suggests_training_the_baseline(where):
    record = climb(4, {"model": yaml.safe_load(_dedent(LADDER[5]))["model"]})
    assessment = where(record)
    assert assessment.current.number == 5
    assert assessment.current.status == NOT_REACHED
    assert any("baseline score" in what for what in assessment.current.missing)
    step = assessment.steps[0]
    assert step.remedy == "compute_baseline"
    assert step.command.endswith("experiment.yaml --stage baseline")


def test_not_yet_overfitting_suggests_scaling_up(where):
    assessment = where(climb(5))
    stage = assessment.current
    assert (stage.number, stage.status) == (6, NOT_REACHED)
    assert stage.missing and "overfitting" in stage.missing[0]
    scale_up = [step for step in assessment.steps if step.remedy == "scale_up"]
    assert len(scale_up) == 1, "the OF03 finding and the missing evidence give one step, not two"
    assert scale_up[0].command.endswith("--stage overfit")
    assert "border" in scale_up[0].why


def test_early_stopping_that_stopped_counts_as_overfitting_seen(where):
    """No visible rise in a short curve, but early stopping ended training 42 epochs early."""
    record = climb(5, {"model": {"epochs": 50, "early_stopping": {"monitor": "val_loss", "patience": 2}}})
    assert where(record).stages[5].missing == []


def test_stage_7_asks_for_the_final_evaluation(where):
    assessment = where(climb(6))
    assert assessment.current.number == 7
    step = assessment.steps[-1]
    assert "test set once" in step.text
    assert step.command.endswith("--stage final"), "the model is regularized already: final retrain next"


def test_unregularized_model_is_tuned_before_the_final_retrain(where):
    record = climb(6, {"model": {"epochs": 14}, "history": {"val_loss": [
        0.620, 0.530, 0.462, 0.412, 0.375, 0.348, 0.330, 0.318, 0.311, 0.307, 0.305, 0.330, 0.360, 0.390]}})
    record["model"]["layers"] = [layer for layer in record["model"]["layers"] if layer["type"] != "dropout"]
    del record["model"]["early_stopping"]
    assessment = where(record)
    assert assessment.current.number == 7
    assert assessment.current.status == BLOCKED, "RG01: overfitting with no regularization"
    assert any(step.command and step.command.endswith("--stage regularize") for step in assessment.steps)


# --- blocked stages ----------------------------------------------------------------------------

def test_wrong_output_layer_blocks_stage_5_with_a_fix_command(where):
    record = climb(5)
    record["model"]["layers"][-1]["activation"] = "relu"
    assessment = where(record)
    stage = assessment.stages[4]
    assert stage.status == BLOCKED
    assert "MC01" in [f.code for f in stage.blocking]
    step = step_with(assessment, "MC01")
    assert step.remedy == "fix_output_layer"
    assert step.command.startswith("advisor fix --select ")
    assert step.command.endswith("experiment.yaml")
    assert assessment.steps[0] is step, "the error of the current stage comes first"


def test_blocked_later_stage_does_not_move_the_current_stage(where):
    """A leak at stage 7 is listed, but the experiment still stands at stage 3."""
    record = climb(2, {"tuning": {"selected_on": "test"}})
    assessment = where(record)
    assert assessment.current.number == 3
    assert assessment.stages[6].status == BLOCKED
    codes = [code for step in assessment.steps for code in step.codes]
    assert "LK03" in codes
    errors_first = sorted(assessment.steps, key=lambda step: (step.severity is not Severity.ERROR, step.stage))
    assert assessment.steps == errors_first


def test_never_beating_the_baseline_sends_back_to_stage_1(where):
    record = climb(5, {
        "baseline": {"score": 0.60},
        "history": {"val_accuracy": [0.50, 0.53, 0.55, 0.56, 0.57, 0.57, 0.58, 0.58]},
        "tuning": {"architectures": 3, "trials": [
            {"name": "mlp-16", "architecture": "mlp-16", "score": 0.58},
            {"name": "mlp-64-64", "architecture": "mlp-64-64", "score": 0.57},
            {"name": "wide-256", "architecture": "wide-256", "score": 0.59},
        ]},
    })
    assessment = where(record)
    assert assessment.current.number == 5 and assessment.current.status == BLOCKED
    step = step_with(assessment, "BL03")
    assert assessment.steps[0] is step, "the special case leads the errors of its stage"
    assert "may not be in the data" in step.text
    assert "hypotheses of stage 1" in step.text
    assert step.command is None


def test_test_score_far_below_validation_recommends_iterated_kfold(where):
    record = climb(7, {"final": {"validation_score": 0.875, "test_score": 0.70}})
    assessment = where(record)
    assert assessment.current.number == 7 and assessment.current.status == BLOCKED
    step = step_with(assessment, "RG04")
    assert "iterated K-fold" in step.text
    assert step.remedy == "use_iterated_kfold"
    assert "--select RG04" in step.command


def test_complete_but_not_retrained_on_train_and_validation_suggests_the_final_retrain(where):
    assessment = where(climb(7, {"final": {"trained_on": "train"}}))
    assert assessment.complete
    assert (assessment.current.number, assessment.current.status) == (7, DONE)
    retrain = [step for step in assessment.steps if step.remedy == "retrain_final"]
    assert len(retrain) == 1
    assert "training and validation data together" in retrain[0].text
    assert retrain[0].command.endswith("--stage final")


# --- the assessment alone, with findings made by hand --------------------------------------------

def _finding(code: str, stage: int, severity=Severity.WARNING, remedy: str | None = None, message: str = "m"):
    return Finding(code, code.lower(), severity, message, "experiment.yaml", 3, 1, "/x", {}, remedy, stage)


def _experiment(tmp_path, record: dict):
    return read_record(write(tmp_path, "experiment.yaml", record))


def test_findings_sharing_a_remedy_make_one_step(tmp_path):
    experiment = _experiment(tmp_path, climb(4))
    findings = [_finding("DP03", 4, remedy="normalize_features"), _finding("LK01", 4, Severity.ERROR, "normalize_features")]
    assessment = assess(experiment, findings)
    assert assessment.stages[3].status == BLOCKED
    (step,) = [s for s in assessment.steps if s.remedy == "normalize_features"]
    assert step.codes == ["LK01", "DP03"], "errors first"
    assert step.command == f"advisor fix --select LK01,DP03 {experiment.path}"


def test_rule_declared_fix_safety_decides_unsafe_fixes(tmp_path):
    class Declared(Rule):
        code, stage, fix_safety = "EP02", 3, "safe"

    experiment = _experiment(tmp_path, climb(4))
    findings = [_finding("EP02", 3, remedy="use_kfold")]
    assert "--unsafe-fixes" in assess(experiment, findings).steps[0].command
    assert "--unsafe-fixes" not in assess(experiment, findings, [Declared]).steps[0].command


def test_info_findings_do_not_block_and_advise_only_at_the_current_stage(tmp_path):
    experiment = _experiment(tmp_path, climb(4))
    findings = [_finding("DP06", 4, Severity.INFO), _finding("MC09", 5, Severity.INFO, message="dropout 0.7")]
    assessment = assess(experiment, findings)
    assert assessment.stages[3].status == DONE
    assert assessment.current.number == 5
    assert [step.codes for step in assessment.steps if step.codes] == [["MC09"]]
    assert assessment.steps[0].text == "Dropout 0.7", "a finding without remedy: its message says what to do"


def test_a_failed_rule_blocks_its_own_stage(tmp_path):
    class Crashing(Rule):
        code, stage = "DP02", 4

    experiment = _experiment(tmp_path, climb(4))
    failure = Finding("ADV001", "internal-error", Severity.ERROR, "rule DP02 failed", "experiment.yaml",
                      1, 1, "", {"rule": "DP02"}, None, None)
    assessment = assess(experiment, [failure], [Crashing])
    assert assessment.stages[3].status == BLOCKED
    assert assessment.current.number == 4


def test_no_commands_for_inputs_fix_and_train_cannot_take(tmp_path):
    experiment = _experiment(tmp_path, climb(4))
    assessment = assess(experiment, [_finding("DP03", 4, remedy="normalize_features")], commands=False)
    assert assessment.steps and all(step.command is None for step in assessment.steps)


def test_every_requirement_names_a_known_stage():
    assert {requirement.stage for requirement in REQUIREMENTS} == set(STAGES)


# --- the command ---------------------------------------------------------------------------------

def test_json_shape(tmp_path):
    write(tmp_path, "experiment.yaml", climb(5))
    result = run_advisor("next", "--format", "json", "experiment.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["stage"] == {"number": 6, "name": STAGES[6], "status": "not_reached"}
    assert document["path"] == "experiment.yaml"
    assert [stage["number"] for stage in document["stages"]] == list(range(1, 8))
    for stage in document["stages"]:
        assert set(stage) == {"number", "name", "status", "findings", "missing"}
        assert stage["status"] in ("done", "blocked", "not_reached")
    of03 = [f for f in document["stages"][5]["findings"] if f["code"] == "OF03"]
    assert of03 and of03[0]["path"] == "experiment.yaml" and of03[0]["line"]
    assert document["steps"]
    for step in document["steps"]:
        assert {"codes", "text", "why", "command"} <= set(step)
    assert document["steps"][0]["command"] == "advisor train experiment.yaml --stage overfit"


def _history_csv(history: dict) -> str:
    """The history as Keras' CSVLogger writes it: `epoch` first, then the metrics sorted by name."""
    names = sorted(history)
    rows = [",".join(["epoch", *names])]
    rows += [",".join([str(epoch), *(repr(history[name][epoch]) for name in names)])
             for epoch in range(len(history[names[0]]))]
    return "\n".join(rows) + "\n"


def test_run_directory_reads_its_history_and_commands_target_its_record(tmp_path):
    record = climb(6)
    history = record.pop("history")
    record["history"] = {"file": "history.csv"}
    write(tmp_path, "run/experiment.yaml", record)
    write(tmp_path, "run/history.csv", _history_csv(history))
    result = run_advisor("next", "--format", "json", "run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["path"] == "run/experiment.yaml"
    assert document["stage"]["number"] == 7, "the history from history.csv shows the overfitting of stage 6"
    assert document["steps"][-1]["command"] == "advisor train run/experiment.yaml --stage final"


def test_lone_history_has_no_commands(tmp_path):
    """A Keras History JSON alone is no record: `advisor fix` and `advisor train` cannot take it."""
    write(tmp_path, "history.json", json.dumps(yaml.safe_load(_dedent(LADDER[5]))["history"]))
    result = run_advisor("next", "--format", "json", "history.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["stage"]["number"] == 1
    assert document["steps"] and all(step["command"] is None for step in document["steps"])


def test_several_inputs_give_a_list_of_experiments(tmp_path):
    write(tmp_path, "a/experiment.yaml", climb(1))
    write(tmp_path, "b/experiment.yaml", climb(7))
    result = run_advisor("next", "--format", "json", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    experiments = json.loads(result.stdout)["experiments"]
    assert [(e["path"], e["stage"]["number"], e["complete"]) for e in experiments] == [
        ("a/experiment.yaml", 2, False), ("b/experiment.yaml", 7, True)]


def test_text_output_is_a_checklist_then_numbered_steps(tmp_path):
    record = climb(5)
    record["model"]["layers"][-1]["activation"] = "relu"
    write(tmp_path, "experiment.yaml", record)
    result = run_advisor("next", "experiment.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"experiment.yaml: stage 5 of 7, {STAGES[5]} (blocked)"
    assert [line.strip()[0] for line in lines[1:] if line.strip()[:1] and line.strip()[0] in "✓✗·"] == ["✓"] * 4 + ["✗", "·", "·"]
    current = [line for line in lines if "◀ current" in line]
    assert len(current) == 1 and current[0].lstrip().startswith("✗ 5")
    assert any(line.strip().startswith("MC01 ") and "(line " in line for line in lines)
    steps_at = lines.index("Next steps:")
    assert lines[steps_at + 1].startswith("  1. ")
    assert lines[steps_at + 2].startswith("     Why: ")
    assert lines[steps_at + 3] == "     $ advisor fix --select MC01 experiment.yaml"
    assert "\x1b[" not in result.stdout, "no colour when not on a terminal"


def test_text_output_says_when_everything_is_done(tmp_path):
    write(tmp_path, "experiment.yaml", climb(7))
    result = run_advisor("next", "experiment.yaml", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "experiment.yaml: all 7 stages done"
    assert "Nothing left to do" in result.stdout


def _on_terminal(tmp_path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run `advisor ARGS` with standard output on a pseudo-terminal; return what it printed."""
    controller, terminal = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environment.update(env or {})
    process = subprocess.Popen([ADVISOR, *args], cwd=tmp_path, stdout=terminal, stderr=subprocess.PIPE,
                               env=environment)
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(controller)
    assert process.returncode == 0, process.stderr.read()
    return b"".join(chunks).decode()


def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path):
    write(tmp_path, "experiment.yaml", climb(5))
    assert "\x1b[" in _on_terminal(tmp_path, "next", "experiment.yaml")
    assert "\x1b[" not in _on_terminal(tmp_path, "next", "experiment.yaml", env={"NO_COLOR": "1"})
    forced = run_advisor("next", "--color", "experiment.yaml", cwd=tmp_path)
    assert "\x1b[" in forced.stdout


def test_plain_marks_when_the_terminal_cannot_show_the_checklist(tmp_path):
    write(tmp_path, "experiment.yaml", climb(2))
    result = run_advisor("next", "experiment.yaml", cwd=tmp_path, env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert "<- current" in result.stdout
    assert result.stdout.isascii()


def test_configuration_applies_as_in_lint(tmp_path):
    """A warning lowered to info in advisor.toml no longer blocks its stage; --config names a file."""
    record = climb(3, {"splits": {"test": 0}})
    write(tmp_path, "experiment.yaml", record)
    blocked = json.loads(run_advisor("next", "--format", "json", "experiment.yaml", cwd=tmp_path).stdout)
    assert blocked["stage"] == {"number": 3, "name": STAGES[3], "status": "blocked"}
    write(tmp_path, "settings/advisor.toml", '[rules.EP05]\nseverity = "info"\n')
    result = run_advisor("next", "--format", "json", "--config", "settings/advisor.toml", "experiment.yaml",
                         cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["stage"]["number"] == 4
    write(tmp_path, "advisor.toml", "unknown-key = 1\n")
    assert_clean_failure(run_advisor("next", "experiment.yaml", cwd=tmp_path), "advisor.toml", "unknown-key")


def test_blocked_stages_still_exit_0(tmp_path):
    write(tmp_path, "experiment.yaml", climb(7, {"tuning": {"selected_on": "test"}}))
    result = run_advisor("next", "experiment.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "✗ 7" in result.stdout


@pytest.mark.parametrize(("content", "expected"), [
    ("problem: {type: binary_classification\n", "experiment.yaml:"),
    ("problem:\n  type: binary\n", "problem.type"),
    ("problme: {type: regression}\n", "problem"),
    ("", "experiment.yaml"),
])
def test_bad_input_exits_2_with_one_message(tmp_path, content, expected):
    write(tmp_path, "experiment.yaml", content)
    result = run_advisor("next", "experiment.yaml", cwd=tmp_path)
    assert_clean_failure(result, expected)
    assert result.stdout == ""


def test_readable_inputs_are_answered_when_another_is_bad(tmp_path):
    write(tmp_path, "good/experiment.yaml", climb(2))
    write(tmp_path, "bad/experiment.yaml", "problem: [\n")
    result = run_advisor("next", "--format", "json", "good", "bad", cwd=tmp_path)
    assert_clean_failure(result, "bad/experiment.yaml")
    assert json.loads(result.stdout)["stage"]["number"] == 3


def test_missing_path_exits_2(tmp_path):
    assert_clean_failure(run_advisor("next", "nowhere.yaml", cwd=tmp_path), "nowhere.yaml", "no such file")


def test_unknown_format_is_a_usage_error(tmp_path):
    write(tmp_path, "experiment.yaml", climb(1))
    result = run_advisor("next", "--format", "sarif", "experiment.yaml", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr


# --- an error voids what comes after it (real Keras runs) ---------------------------------------

def test_a_nan_loss_leaves_later_stages_undone_and_its_step_comes_first(where, tmp_path):
    """A Keras run whose loss became NaN (CSVLogger's own log) cannot show that the model was scaled
    up or regularized: stages 6 and 7 are not done, and the error's step leads a stage-3 warning."""
    from tests.readers import keras_models

    keras_models.diverging_training(tmp_path)
    record = climb(7, {"splits": {"validation": 300}})  # a small hold-out: EP02 warns at stage 3
    record["history"] = {"file": "history.csv"}
    assessment = where(record)
    assert "TD01" in [f.code for f in assessment.stages[4].blocking]
    assert "EP02" in [f.code for f in assessment.stages[2].blocking]
    assert [stage.status for stage in assessment.stages[5:]] == [NOT_REACHED, NOT_REACHED]
    assert any("TD01" in what for what in assessment.stages[5].missing)
    first = assessment.steps[0]
    assert "TD01" in first.codes and "NaN" in first.why
    ep02 = step_with(assessment, "EP02")
    assert assessment.steps.index(ep02) > 0


def test_a_flat_loss_gets_a_why_about_not_learning(where, tmp_path):
    """A softmax over one unit always outputs 1.0: Keras trains it, the loss stays flat (OF02), and
    the step explains a model that does not learn, not a diverging loss."""
    from tests.readers import keras_models

    import numpy as np

    k = keras_models.keras()
    k.utils.set_random_seed(1)
    x = np.random.default_rng(1).normal(size=(80, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("float32")
    model = k.Sequential([k.Input((4,)), k.layers.Dense(8, activation="relu"), k.layers.Dense(1, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=12, batch_size=16, validation_split=0.25, verbose=0,
              callbacks=[k.callbacks.CSVLogger(str(tmp_path / "history.csv"))])
    model.save(tmp_path / "model.keras")
    record = climb(4, {"baseline": {"strategy": "most_frequent", "score": 0.52},
                       "model": {"file": "model.keras", "epochs": 12}, "history": {"file": "history.csv"}})
    assessment = where(record)
    codes = [f.code for stage in assessment.stages for f in stage.findings]
    assert "MC04" in codes and "OF02" in codes, codes
    step = step_with(assessment, "OF02")
    assert "not learning" in step.why and "diverge" not in step.why


def test_a_declared_model_without_a_baseline_makes_scoring_one_a_step(where):
    record = climb(2, {"model": yaml.safe_load(_dedent(LADDER[5]))["model"]})
    assessment = where(record)
    assert assessment.current.number == 3
    step = next(step for step in assessment.steps if step.remedy == "compute_baseline")
    assert step.command is not None and "--stage baseline" in step.command
    text = run_advisor("next", "experiment.yaml", cwd=os.path.dirname(assessment.path)).stdout
    assert "baseline" in text.split("Next steps:")[1]


def test_the_text_shows_everything_the_json_holds(tmp_path):
    """Every stage's findings (info and reported absences too) and missing evidence, in both formats."""
    record = climb(2, {"model": yaml.safe_load(_dedent(LADDER[5]))["model"]})
    write(tmp_path, "experiment.yaml", record)
    document = json.loads(run_advisor("next", "--format", "json", "experiment.yaml", cwd=tmp_path).stdout)
    text = run_advisor("next", "experiment.yaml", cwd=tmp_path).stdout
    checklist = text.split("Next steps:")[0]
    for stage in document["stages"]:
        for finding in stage["findings"]:
            assert f"{finding['code']} {finding['message']}" in checklist
        for what in stage["missing"]:
            assert f"missing: {what}" in checklist
    assert any(stage["findings"] and stage["status"] != "blocked" or stage["missing"] and stage["number"] > 3
               for stage in document["stages"]), "the record must exercise non-blocking entries"


def test_an_unfinished_run_gets_its_own_step(where):
    assessment = where(climb(5, {"run": {"status": "interrupted"}}))
    step = step_with(assessment, "TD05")
    assert "interrupted or failed" in step.text and "did not finish" in step.why
    assert step.command is not None and step.command.endswith("--stage fit")
