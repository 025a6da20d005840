"""Readers for the tuning tools' own files, on real outputs: a KerasTuner search, Optuna studies in
SQLite storage, and TensorBoard event files of a Keras fit. Each lints alone and when a record
names it (`tuning.file`, `history.file`), fills `tuning` and `history`, points its findings at the
file and trial, and refuses bad files with one message (exit 2)."""

from __future__ import annotations

import json
import math
import os
import sqlite3
import subprocess
import sys

import pytest

from advisor.readers import read_input
from tests.adoption import tuners
from tests.advisor_cli import assert_clean_failure, run_advisor, write


def _findings(result) -> list[dict]:
    return json.loads(result.stdout)["findings"]


# --- KerasTuner ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def validation_search(tmp_path_factory):
    return tuners.kerastuner_search(tmp_path_factory.mktemp("kt"), trials=3)


@pytest.fixture(scope="module")
def test_set_search(tmp_path_factory):
    return tuners.kerastuner_search(tmp_path_factory.mktemp("kt-test"), trials=2, on_test=True)


def test_kerastuner_project_fills_tuning_from_each_trial(validation_search):
    [(subject, experiment)] = read_input(validation_search)
    tuning = experiment.tuning
    assert subject is None and tuning.trial_count == 3 and tuning.selected_on == "validation"
    for index, trial in enumerate(tuning.trials):
        with open(os.path.join(validation_search, trial.name, "trial.json"), encoding="utf-8") as handle:
            written = json.load(handle)
        assert trial.score == written["score"]
        assert trial.params == written["hyperparameters"]["values"]
        assert experiment.sources.locate(f"/tuning/trials/{index}/score").path.endswith(f"{trial.name}/trial.json")
    assert experiment.sources.locate("/tuning/trials").path.endswith("oracle.json")


def test_kerastuner_search_on_validation_lints_clean_alone(validation_search, tmp_path):
    result = run_advisor("lint", "--format", "json", validation_search, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _findings(result) == []


def test_kerastuner_search_that_chose_on_the_test_set_is_LK03(test_set_search, tmp_path):
    result = run_advisor("lint", "--format", "json", test_set_search, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    [finding] = _findings(result)
    assert finding["code"] == "LK03" and "selected on the test set" in finding["message"]
    assert finding["path"].endswith("trial.json") and finding["pointer"] == "/metrics/metrics/test_accuracy"
    assert finding["line"] == 1 and finding["column"] > 1


@pytest.mark.parametrize("damage, expected", [
    ("truncate", "invalid JSON"),
    ("shape", "has no trial_id or metrics"),
    ("huge", "over the 32 MB limit"),
])
def test_kerastuner_bad_trial_file_is_one_message(validation_search, tmp_path, damage, expected):
    import shutil

    project = tmp_path / "search"
    shutil.copytree(validation_search, project)
    trial = project / "trial_1" / "trial.json"
    if damage == "truncate":
        trial.write_bytes(trial.read_bytes()[:200])
    elif damage == "shape":
        trial.write_text('{"hyperparameters": {}}')
    else:
        os.truncate(trial, 33 * 1024 * 1024)  # sparse: costs no disk
    assert_clean_failure(run_advisor("lint", str(project), cwd=tmp_path), "trial_1/trial.json", expected)


def test_kerastuner_oracle_of_another_shape_is_one_message(validation_search, tmp_path):
    import shutil

    project = tmp_path / "search"
    shutil.copytree(validation_search, project)
    (project / "oracle.json").write_text('["not", "an", "oracle"]')
    assert_clean_failure(run_advisor("lint", str(project), cwd=tmp_path), "oracle.json:1:1", "no 'hyperparameters'")


# --- Optuna ----------------------------------------------------------------------------------

def test_optuna_study_fills_trials_params_selection_and_history(tmp_path):
    import optuna

    path = tuners.optuna_study(tmp_path / "optuna.db", trials=5)
    study = optuna.load_study(study_name="mlp", storage=f"sqlite:///{path}")
    [(subject, experiment)] = read_input(path)
    assert subject == "mlp"
    tuning = experiment.tuning
    assert tuning.selected_on == "validation"
    assert [t.score for t in tuning.trials] == [t.value for t in study.trials]
    assert [t.params for t in tuning.trials] == [t.params for t in study.trials]
    assert isinstance(tuning.trials[0].params["units"], int) and tuning.trials[0].params["activation"] in ("relu", "tanh")
    best = study.best_trial
    assert experiment.history.get("val_accuracy") == [best.intermediate_values[s] for s in sorted(best.intermediate_values)]
    assert experiment.sources.locate("/tuning/trials/2/score").pointer == "/studies/mlp/trials/2/value"


def test_optuna_study_without_metric_names_claims_no_split_and_no_history(tmp_path):
    path = tuners.optuna_study(tmp_path / "optuna.db", trials=3, metric=None)
    [(_, experiment)] = read_input(path)
    assert experiment.tuning.trial_count == 3
    assert experiment.tuning.selected_on is None and experiment.history is None


def test_optuna_study_on_a_test_metric_is_LK03(tmp_path):
    path = tuners.optuna_study(tmp_path / "study.sqlite3", trials=2, metric="test_auc")
    result = run_advisor("lint", "--format", "json", path, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert [(f["code"], f["subject"], f["pointer"]) for f in _findings(result)] == [
        ("LK03", "mlp", "/studies/mlp/system_attrs/study:metric_names")]
    assert read_input(path)[0][1].history is None  # the objective alone is no training log


RECORD_WITH_STUDY = """\
version: 1
problem: {type: binary_classification, target: label}
data: {samples: 300}
splits: {method: stratified, train: 0.7, validation: 0.15, test: 0.15}
protocol: {type: holdout}
metric: {name: accuracy}
baseline: {strategy: most_frequent, score: 0.55}
tuning: {file: optuna.db}
"""


def test_many_trials_on_a_small_holdout_and_scarce_data_from_a_study(tmp_path):
    tuners.optuna_study(tmp_path / "optuna.db", trials=25)
    write(tmp_path, "experiment.yaml", RECORD_WITH_STUDY)
    result = run_advisor("lint", "--format", "json", "experiment.yaml", cwd=tmp_path)
    codes = {f["code"]: f for f in _findings(result)}
    assert "LK04" in codes and "25 tuning trials" in codes["LK04"]["message"]
    assert codes["LK04"]["path"] == "optuna.db" and codes["LK04"]["pointer"] == "/studies/mlp/trials"
    assert "EP03" in codes and "25 tuning trials" in codes["EP03"]["message"]
    assert "LK03" not in codes


def test_few_trials_on_plenty_of_data_stay_silent(tmp_path):
    tuners.optuna_study(tmp_path / "optuna.db", trials=5)
    write(tmp_path, "experiment.yaml", RECORD_WITH_STUDY.replace("samples: 300", "samples: 50000"))
    result = run_advisor("lint", "--format", "json", "experiment.yaml", cwd=tmp_path)
    assert not {"LK03", "LK04", "EP03"} & {f["code"] for f in _findings(result)}, result.stdout


def test_a_record_naming_a_storage_of_two_studies_is_one_message(tmp_path):
    tuners.optuna_study(tmp_path / "optuna.db", trials=2, name="first")
    tuners.optuna_study(tmp_path / "optuna.db", trials=2, name="second")
    alone = run_advisor("lint", "--format", "json", "optuna.db", cwd=tmp_path)
    assert alone.returncode == 0, alone.stderr
    write(tmp_path, "experiment.yaml", RECORD_WITH_STUDY)
    assert_clean_failure(run_advisor("lint", "experiment.yaml", cwd=tmp_path),
                         "experiment.yaml:8", "tuning.file", "holds 2 studies (first, second)")


@pytest.mark.parametrize("damage, expected", [
    ("truncate", "may be corrupt or truncated"),
    ("corrupt", "may be corrupt or truncated"),
    ("version", "schema version 99 (Optuna"),
    ("huge", "over the 2.0 GB limit"),
])
def test_optuna_bad_storage_is_one_message(tmp_path, damage, expected):
    path = tuners.optuna_study(tmp_path / "optuna.db", trials=3)
    database = tmp_path / "optuna.db"
    if damage == "truncate":
        data = database.read_bytes()
        database.write_bytes(data[: len(data) // 2])
    elif damage == "corrupt":
        data = database.read_bytes()
        database.write_bytes(data[:4096] + b"\xff" * (len(data) - 4096))
    elif damage == "version":
        with sqlite3.connect(path) as connection:
            connection.execute("UPDATE version_info SET schema_version = 99")
    else:
        os.truncate(path, 2 * 1024 ** 3 + 1)
    assert_clean_failure(run_advisor("lint", "optuna.db", cwd=tmp_path), "optuna.db", expected)


# --- TensorBoard -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    return tuners.tensorboard_logdir(tmp_path_factory.mktemp("tb") / "logs", epochs=4)


def test_tensorboard_logdir_reads_the_keras_history(logdir):
    path, history = logdir
    [(_, experiment)] = read_input(path)
    assert set(experiment.history.names) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    for name, values in history.items():
        assert experiment.history.get(name) == pytest.approx(values, rel=1e-6)
    assert experiment.history.epoch == [0, 1, 2, 3]
    located = experiment.sources.locate("/history/val_loss/2")
    assert os.path.basename(os.path.dirname(located.path)) == "validation" and "epoch_loss" in located.pointer


def test_tensorboard_logdir_named_as_history_file(logdir, tmp_path):
    _copy(logdir, tmp_path)
    write(tmp_path, "experiment.yaml", "version: 1\nhistory: {file: logs}\n")
    result = run_advisor("lint", "--format", "json", "--select", "OF,TD", "experiment.yaml", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    findings = _findings(result)
    assert findings and all("tfevents" in f["path"] for f in findings)  # OF03: 4 epochs, still improving


def test_tensorboard_old_style_simple_values_are_read(tmp_path):
    from tensorboardX import SummaryWriter

    losses = [1.0, 0.5, 0.25, 0.2, 0.18, 0.17]
    for split, scale in (("train", 1.0), ("validation", 1.2)):
        with SummaryWriter(str(tmp_path / "logs" / split)) as writer:
            for epoch, loss in enumerate(losses):
                writer.add_scalar("epoch_loss", loss * scale, epoch)
                writer.add_scalar("batch_loss", 9.0, epoch)  # batch-level: left out
    [(_, experiment)] = read_input(str(tmp_path / "logs"))
    assert experiment.history.get("loss") == pytest.approx(losses)
    assert experiment.history.get("val_loss") == pytest.approx([v * 1.2 for v in losses])
    assert "batch_loss" not in experiment.history.names


def _copy(logdir, tmp_path) -> str:
    import shutil

    target = tmp_path / "logs"
    shutil.copytree(logdir[0], target)
    return str(target)


@pytest.mark.parametrize("damage, expected", [
    ("truncate", "is truncated: the record at byte"),
    ("corrupt", "checksum mismatch"),
    ("huge", "over the 1.0 GB limit"),
])
def test_tensorboard_bad_event_file_is_one_message(logdir, tmp_path, damage, expected):
    path = _copy(logdir, tmp_path)
    events = tuners.event_file(path)
    with open(events, "rb") as handle:
        data = bytearray(handle.read())
    if damage == "truncate":
        data = data[:-7]
    elif damage == "corrupt":
        data[-10] ^= 0x55
    if damage != "huge":
        with open(events, "wb") as handle:
            handle.write(bytes(data))
    else:
        os.truncate(events, 1024 ** 3 + 1)
    assert_clean_failure(run_advisor("lint", path, cwd=tmp_path), "train/events.out.tfevents.", expected)


def test_tensorboard_unknown_file_version_is_one_message(tmp_path):
    from tensorboardX.proto.event_pb2 import Event
    from tensorboardX.record_writer import RecordWriter

    (tmp_path / "logs" / "train").mkdir(parents=True)
    writer = RecordWriter(str(tmp_path / "logs" / "train" / "events.out.tfevents.1.host"))
    writer.write(Event(wall_time=1.0, file_version="brain.Event:9").SerializeToString())
    writer.close()
    assert_clean_failure(run_advisor("lint", "logs", cwd=tmp_path), "file version 'brain.Event:9'")


# --- reading stays light -----------------------------------------------------------------------

def test_reading_tuning_files_imports_no_heavy_library(validation_search, logdir, tmp_path):
    study = tuners.optuna_study(tmp_path / "optuna.db", trials=2)
    code = (
        "import sys\n"
        "from advisor.readers import read_input\n"
        f"for path in {[validation_search, logdir[0], study]!r}:\n"
        "    read_input(path)\n"
        "heavy = {'keras', 'keras_tuner', 'optuna', 'tensorboardX', 'tensorflow', 'tensorboard', 'jax', 'google.protobuf'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_crc32c_matches_the_published_check_value():
    from advisor.readers.tensorboard import crc32c

    assert crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value (RFC 3720)
    assert not math.isnan(crc32c(b""))
