"""`advisor fix`: every edit remedy on a real record, byte for byte; idempotence; the rule silent
afterwards; --diff; safe and unsafe fixes; read-only files; bad input; remedies that need training;
a model read from a real `.keras` archive.

The before/after records live in tests/fix/ (the manifest `cases.yaml` says which rules each case
selects); the expected text keeps every comment of the record before.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

from advisor.cli import cli
from advisor.fix.remedies import edit_remedy_ids
from advisor.registry import load_remedies
from advisor.remedy import TRAINING
from tests.advisor_cli import run_advisor, write

FIXTURES = os.path.join(os.path.dirname(__file__), "fix")
with open(os.path.join(FIXTURES, "cases.yaml"), encoding="utf-8") as _handle:
    CASES = yaml.safe_load(_handle)


def read(path: str) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def place(tmp_path, name: str) -> str:
    """Copy the fixture `name` to `tmp_path/experiment.<ext>` and return that path."""
    path = os.path.join(str(tmp_path), "experiment" + os.path.splitext(name)[1])
    shutil.copyfile(os.path.join(FIXTURES, name), path)
    return path


def advisor(*args: str):
    """Run the CLI in-process (the console script is exercised by the end-to-end tests below)."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def selection(select: str) -> list[str]:
    """`--select` arguments; `ALL` selects every rule (no option)."""
    return [] if select == "ALL" else ["--select", select]


def lint_codes(path: str, select: str) -> list[str]:
    result = advisor("lint", *selection(select), "--format", "json", "--exit-zero", path)
    return [finding["code"] for finding in json.loads(result.output)["findings"]]


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Run in the temporary folder, so no configuration of the repository applies."""
    monkeypatch.chdir(tmp_path)


# --- every edit remedy, before and after -------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_fix_writes_the_expected_record(tmp_path, case):
    path = place(tmp_path, case["file"])
    select = selection(case["select"]) + (["--unsafe-fixes"] if case.get("unsafe") else [])
    before = lint_codes(path, case["select"])
    assert before, f"{case['file']} should trigger {case['select']} before the fix"

    result = advisor("fix", *select, path)

    expected = read(os.path.join(FIXTURES, "expected", case["file"]))
    assert read(path) == expected
    remains = case.get("remains", [])
    assert result.exit_code == case.get("exit", 1 if remains else 0), result.output
    assert sorted(set(lint_codes(path, case["select"]))) == sorted(remains)
    assert f"Fixed {len(before) - len(remains)} finding" in result.output
    if case.get("rerun"):
        assert "the finding clears once the experiment runs again" in result.output

    again = advisor("fix", *select, path)
    assert read(path) == expected, "a second run changed the record"
    assert "Fixed 0 findings" in again.output


def test_every_edit_remedy_has_a_case(tmp_path):
    """The fixtures trigger every remedy `advisor fix` can apply."""
    covered = set()
    for case in CASES:
        path = place(tmp_path, case["file"])
        result = advisor("lint", *selection(case["select"]), "--format", "json", "--exit-zero", path)
        covered |= {finding["remedy"] for finding in json.loads(result.output)["findings"]}
    assert edit_remedy_ids() - covered == set()


def test_comments_survive_every_yaml_and_toml_case():
    for case in CASES:
        if case["file"].endswith(".json"):
            continue
        before = read(os.path.join(FIXTURES, case["file"]))
        after = read(os.path.join(FIXTURES, "expected", case["file"]))
        comments = [line.split("#", 1)[1].strip() for line in before.splitlines() if "#" in line]
        for comment in comments:
            assert comment in after, f"{case['file']}: comment {comment!r} lost"


# --- safety -----------------------------------------------------------------------------------

MIXED = """\
# binary classifier, no test split
problem: {type: binary_classification}
data: {samples: 1000}
splits: {train: 800, validation: 200}
model:
  layers:
    - {type: dense, units: 1, activation: relu}
  loss: binary_crossentropy
"""


def test_safe_fixes_leave_decisions_alone_and_say_how_to_apply_them(tmp_path):
    path = write(tmp_path, "experiment.yaml", MIXED)
    result = advisor("fix", "--select", "MC01,EP05", path)
    assert read(path) == MIXED.replace("activation: relu", "activation: sigmoid")
    assert "Fixed 1 finding (1 remaining)." in result.output
    assert "1 more finding (EP05) has an unsafe fix" in result.output
    assert "--unsafe-fixes" in result.output
    assert result.exit_code == 1

    result = advisor("fix", "--select", "MC01,EP05", "--unsafe-fixes", path)
    assert "splits: {train: 600, validation: 200, test: 200}" in read(path)
    assert "Fixed 1 finding (0 remaining)." in result.output
    assert result.exit_code == 0


def test_ignore_leaves_a_rule_unfixed(tmp_path):
    path = write(tmp_path, "experiment.yaml", MIXED)
    advisor("fix", "--select", "MC01,EP05", "--ignore", "MC01", "--unsafe-fixes", path)
    text = read(path)
    assert "activation: relu" in text and "test: 200" in text


def test_a_rule_that_declares_its_fix_safe_is_fixed_without_the_flag():
    from advisor.fix.remedies import safety

    class Declared:
        code, remedy, fix_safety = "EP02", "use_kfold", "safe"

    assert safety("use_kfold", "EP02") == "unsafe"
    assert safety("use_kfold", Declared) == "safe"
    assert safety("set_metric", "MS03") == "safe" and safety("set_metric", "MS01") == "unsafe"
    assert safety("compute_baseline", "BL01") == TRAINING
    assert safety(None, "MC09") is None


# --- what cannot be edited --------------------------------------------------------------------

@pytest.mark.parametrize(("record", "select", "said"), [
    pytest.param("metric: {name: accuracy}\nfinal: {validation_score: 0.85}\n", "BL01",
                 "BL01 needs training: run `advisor train {path} --fix --stage baseline`", id="baseline-needs-training"),
    pytest.param("splits: {train: 800, validation: 200}\nhistory: {loss: [0.9, 0.7, 0.6, 0.5, 0.45]}\n", "OF01",
                 "OF01 needs training: train again with validation data, so the history logs val_loss: run "
                 "`advisor train {path} --fix --stage fit`", id="history-without-validation-needs-a-run"),
    pytest.param("name: unknown\ndata: {samples: 100}\n", "PD01",
                 "PD01 not fixed (set_problem_type): neither the labels nor the model imply a problem type",
                 id="problem-type-not-guessed"),
    pytest.param("tuning: {test_evaluations: 4}\n", "LK03", "hold out a fresh test set", id="test-set-seen-4-times"),
])
def test_what_no_edit_can_remedy_is_reported_and_the_record_kept(tmp_path, record, select, said):
    path = write(tmp_path, "experiment.yaml", record)
    result = advisor("fix", "--unsafe-fixes", "--select", select, path)
    assert read(path) == record
    assert said.format(path=path) in result.output
    assert result.exit_code == 1


def test_every_training_remedy_names_its_trainer_stage():
    stages = {remedy.id: remedy.stage for remedy in load_remedies().values() if remedy.safety == TRAINING}
    assert stages == {"compute_baseline": "baseline", "lower_learning_rate": "fit", "scale_up": "overfit",
                      "retrain_final": "final"}


# --- several files, layouts -------------------------------------------------------------------

def test_a_directory_is_fixed_record_by_record(tmp_path):
    first = write(tmp_path, "a/experiment.yaml", MIXED)
    second = place(tmp_path, "fix_output_layer.json")
    result = advisor("fix", "--select", "MC", str(tmp_path))
    assert "activation: sigmoid" in read(first)
    assert read(second) == read(os.path.join(FIXTURES, "expected", "fix_output_layer.json"))
    assert "Fixed 2 findings (0 remaining)." in result.output


def test_a_suppressed_finding_is_not_fixed(tmp_path):
    record = MIXED.replace("activation: relu}", "activation: relu}  # advisor: ignore[MC01]")
    path = write(tmp_path, "experiment.yaml", record)
    result = advisor("fix", "--select", "MC01", path)
    assert read(path) == record
    assert "Fixed 0 findings (0 remaining)." in result.output


def test_inputs_that_are_not_records_are_linted_never_edited(tmp_path):
    history = '{"loss": [0.9, 0.8, 0.85, 0.95, 1.2], "val_loss": [0.9, 0.9, 1.0, 1.1, 1.3]}\n'
    path = write(tmp_path, "history.json", history)
    result = advisor("fix", path)
    assert read(path) == history
    assert "TD02" in result.output and "not an experiment record file" in result.output


def test_windows_line_endings_and_byte_order_mark_are_kept(tmp_path):
    path = os.path.join(str(tmp_path), "experiment.yaml")
    with open(path, "wb") as handle:
        handle.write(codecs.BOM_UTF8 + MIXED.replace("\n", "\r\n").encode())
    advisor("fix", "--select", "MC01", path)
    with open(path, "rb") as handle:
        raw = handle.read()
    expected = MIXED.replace("activation: relu", "activation: sigmoid").replace("\n", "\r\n")
    assert raw == codecs.BOM_UTF8 + expected.encode()


# --- the console script: --diff, read-only files, bad input ------------------------------------

DIFF = """\
--- {path}
+++ {path}
@@ -4,5 +4,5 @@
 splits: {{train: 800, validation: 200}}
 model:
   layers:
-    - {{type: dense, units: 1, activation: relu}}
+    - {{type: dense, units: 1, activation: sigmoid}}
   loss: binary_crossentropy
"""


def test_diff_prints_the_edits_and_writes_nothing(tmp_path):
    write(tmp_path, "experiment.yaml", MIXED)
    result = run_advisor("fix", "--diff", "--select", "MC01", "experiment.yaml", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout == DIFF.format(path="experiment.yaml")
    assert result.stderr.splitlines()[0] == "Would fix 1 finding (0 remaining)."
    assert read(os.path.join(str(tmp_path), "experiment.yaml")) == MIXED

    applied = subprocess.run(["git", "apply", "-p0", "-"], input=result.stdout, cwd=tmp_path, text=True,
                             capture_output=True)
    assert applied.returncode == 0, applied.stderr
    assert read(os.path.join(str(tmp_path), "experiment.yaml")) == MIXED.replace("activation: relu", "activation: sigmoid")


def test_diff_with_nothing_to_fix_exits_0(tmp_path):
    write(tmp_path, "experiment.yaml", MIXED.replace("activation: relu", "activation: sigmoid"))
    result = run_advisor("fix", "--diff", "--select", "MC01", "experiment.yaml", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    assert "Would fix 0 findings (0 remaining)." in result.stderr


def test_a_read_only_record_is_left_intact_with_a_clear_error(tmp_path):
    path = write(tmp_path, "experiment.yaml", MIXED)
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP)
    try:
        result = run_advisor("fix", "--select", "MC01", "experiment.yaml", cwd=tmp_path)
    finally:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    assert result.returncode == 2
    assert "advisor: error: experiment.yaml: the file is read-only; nothing was written" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert read(path) == MIXED
    assert [name for name in os.listdir(tmp_path) if name != "experiment.yaml"] == []


@pytest.mark.parametrize(("text", "expected"), [
    ("model:\n  layers: [\n", "experiment.yaml:3"),
    ("model:\n  loss: mse\n  lyers: []\n", "experiment.yaml:3:3: unknown field 'lyers' in model; did you mean 'layers'?"),
    ("", "experiment.yaml: is empty"),
])
def test_bad_input_is_one_message_and_exit_2(tmp_path, text, expected):
    write(tmp_path, "experiment.yaml", text)
    result = run_advisor("fix", "experiment.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("advisor: error: ") and expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert read(os.path.join(str(tmp_path), "experiment.yaml")) == text


def test_a_missing_path_is_exit_2(tmp_path):
    result = run_advisor("fix", "nowhere.yaml", cwd=tmp_path)
    assert result.returncode == 2 and "nowhere.yaml: no such file or directory" in result.stderr


# --- a model read from a real .keras archive ----------------------------------------------------

def test_a_keras_model_is_corrected_in_the_record_never_in_the_archive(tmp_path):
    from tests.readers.keras_models import relu_output_sequential

    archive = os.path.join(str(tmp_path), "model.keras")
    relu_output_sequential().save(archive)
    with open(archive, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    record = "# the model comes from the archive\nproblem: {type: binary_classification}\nmodel:\n  file: model.keras\n"
    path = write(tmp_path, "experiment.yaml", record)
    assert "MC01" in lint_codes(path, "MC")

    result = advisor("fix", "--select", "MC", path)

    assert result.exit_code == 0, result.output
    assert "copied into the record from model.keras" in result.output
    with open(archive, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == digest
    fixed = yaml.safe_load(read(path))
    assert read(path).startswith(record)
    assert fixed["model"]["file"] == "model.keras"
    assert [layer.get("type") for layer in fixed["model"]["layers"]] == ["dense", "dropout", "dense"]
    assert fixed["model"]["layers"][-1]["activation"] == "sigmoid"
    assert lint_codes(path, "MC") == []
    assert "Fixed 0 findings" in advisor("fix", "--select", "MC", path).output


# --- lint stays light ---------------------------------------------------------------------------

def test_lint_does_not_load_the_fix_libraries(tmp_path):
    path = write(tmp_path, "experiment.yaml", MIXED)
    code = ("import sys\nfrom click.testing import CliRunner\nfrom advisor.cli import cli\n"
            f"CliRunner().invoke(cli, ['lint', {path!r}])\n"
            "print(sorted(m for m in sys.modules if m.startswith(('ruamel', 'tomlkit', 'advisor.fix.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout.strip() == "['advisor.fix.document', 'advisor.fix.remedies']", out.stderr


@pytest.mark.parametrize(("samples", "expect"), [(10000, "split"), (600, "kfold")])
def test_moving_tuning_off_the_test_set_gives_the_record_validation_data(tmp_path, samples, expect):
    """The unsafe LK03 fix points tuning at the validation data; a record that has none gets a
    validation split (or K-fold on little data), never a contradiction the trainer cannot run."""
    record = (f"data: {{samples: {samples}}}\nsplits: {{train: {int(samples * 0.8)}, test: {int(samples * 0.2)}}}\n"
              "tuning: {selected_on: test, validation_data: test}\n")
    path = write(tmp_path, "experiment.yaml", record)
    result = advisor("fix", "--unsafe-fixes", "--select", "LK03", path)
    assert result.exit_code == 0, result.output
    fixed = yaml.safe_load(read(path))
    assert fixed["tuning"] == {"selected_on": "validation", "validation_data": "validation"}
    if expect == "split":
        splits = fixed["splits"]
        assert splits["validation"] > 0 and splits["train"] + splits["validation"] + splits["test"] <= samples
    else:
        assert fixed["protocol"]["type"] == "kfold"
    assert "LK03" not in lint_codes(path, "ALL") and "EP01" not in lint_codes(path, "ALL")
    assert advisor("fix", "--unsafe-fixes", "--select", "LK03", path).exit_code == 0
    assert yaml.safe_load(read(path)) == fixed
