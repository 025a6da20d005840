"""`advisor init`: a record started from the artifacts a folder holds, through the installed console
script. The record lints (exit 0 or 1, never 2) and reports every finding its artifacts report
when linted alone; decisions are left as commented-out TODO entries; nothing is overwritten."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import yaml

from tests.advisor_cli import assert_clean_failure, run_advisor, write
from tests.readers.keras_models import train_and_save

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "examples")
EXAMPLE_FOLDERS = sorted(name for name in os.listdir(EXAMPLES) if os.path.isdir(os.path.join(EXAMPLES, name)))
#: Record fields naming an artifact that lints on its own.
LINTABLE_ALONE = (("source",), ("model", "file"), ("history", "file"), ("tuning", "file"))


def _lint_codes(*args: str, cwd) -> set[str]:
    result = run_advisor("lint", "--no-cache", "--format", "json", *args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    return {finding["code"] for finding in json.loads(result.stdout)["findings"]}


def _named(record: dict, keys: tuple[str, ...]):
    value = record
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _alone_codes(folder, record: dict) -> set[str]:
    """The findings of the artifacts the record names, each linted alone; a data file, which has
    no lint of its own, as a record naming only it."""
    codes: set[str] = set()
    for keys in LINTABLE_ALONE:
        named = _named(record, keys)
        if named:
            codes |= _lint_codes(named, cwd=folder)
    if "data" in record:
        data = {"data": record["data"]}
    elif "files" in record.get("splits", {}):
        data = {"splits": {"files": record["splits"]["files"]}}
    else:
        data = None
    if data is not None:
        write(folder, "data-alone.yaml", data)
        codes |= _lint_codes("data-alone.yaml", cwd=folder)
        os.remove(os.path.join(str(folder), "data-alone.yaml"))
    return codes


def _init(folder, *args: str) -> dict:
    result = run_advisor("init", *args, cwd=folder)
    assert result.returncode == 0, result.stderr
    with open(os.path.join(str(folder), "experiment.yaml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _copy_example(name: str, destination) -> str:
    """The example's artifacts without its record: what a team adopting the advisor would have."""
    folder = os.path.join(str(destination), name)
    shutil.copytree(os.path.join(EXAMPLES, name), folder)
    if os.path.exists(os.path.join(folder, "experiment.yaml")):
        os.remove(os.path.join(folder, "experiment.yaml"))
    return folder


@pytest.mark.parametrize("name", EXAMPLE_FOLDERS)
def test_init_on_each_example_lints_with_at_least_the_artifacts_findings(tmp_path, name):
    folder = _copy_example(name, tmp_path)
    record = _init(folder)
    assert record["version"] == 1
    codes = _lint_codes("experiment.yaml", cwd=folder)
    alone = _alone_codes(folder, record)
    assert alone, "the artifacts alone report something, so the comparison means something"
    assert codes >= alone, alone - codes
    with open(os.path.join(folder, "experiment.yaml"), encoding="utf-8") as handle:
        text = handle.read()
    assert "# TODO(advisor init): choose the success metric" in text  # no example records its metric in data
    assert "# TODO(advisor init): record a common-sense baseline" in text


def test_data_folder_names_the_data_and_leaves_the_target_and_decisions_to_the_user(tmp_path):
    folder = _copy_example("breast_cancer", tmp_path)
    record = _init(folder)
    assert record["data"] == {"path": "data/breast_cancer.csv"}
    assert "problem" not in record and "metric" not in record and "protocol" not in record
    with open(os.path.join(folder, "experiment.yaml"), encoding="utf-8") as handle:
        text = handle.read()
    # The column to predict is a decision: suggested (the last column), commented out.
    assert "  # target_column: diagnosis\n" in text
    assert "# problem:\n#   type: <problem type>\n" in text
    assert "# splits:\n#   test: 0.2\n" in text
    # PD02 (nothing names the target) stands until the user names it: init hides no finding.
    assert {"PD01", "PD02", "MS01", "EP01", "EP05"} <= _lint_codes("experiment.yaml", cwd=folder)


def test_labels_that_say_the_problem_type_declare_it(tmp_path):
    folder = _copy_example("multilabel", tmp_path)  # an NPZ of X and a multi-hot y
    record = _init(folder)
    assert record["problem"] == {"type": "multilabel_classification"}
    with open(os.path.join(folder, "experiment.yaml"), encoding="utf-8") as handle:
        assert "#   name: average_precision\n" in handle.read()


@pytest.fixture(scope="module")
def keras_run(tmp_path_factory):
    """A folder with a model saved by Keras (relu output under binary crossentropy: MC01) and the
    log Keras' CSVLogger wrote while training it."""
    folder = tmp_path_factory.mktemp("keras_run")
    train_and_save(folder)
    return folder


def _fresh_copy(source, destination) -> str:
    folder = os.path.join(str(destination), "run")
    shutil.copytree(str(source), folder)
    return folder


def test_keras_model_and_csvlogger_log_are_named_by_relative_path(tmp_path, keras_run):
    folder = _fresh_copy(keras_run, tmp_path)
    result = run_advisor("init", "run", cwd=tmp_path)  # from the parent folder: paths stay relative to the record
    assert result.returncode == 0, result.stderr
    with open(os.path.join(folder, "experiment.yaml"), encoding="utf-8") as handle:
        text = handle.read()
    record = yaml.safe_load(text)
    assert record["model"] == {"file": "model.keras"}
    assert record["history"] == {"file": "history.csv"}
    assert str(tmp_path) not in text
    codes = _lint_codes("run/experiment.yaml", cwd=tmp_path)
    alone = _lint_codes("run/model.keras", cwd=tmp_path) | _lint_codes("run/history.csv", cwd=tmp_path)
    assert "MC01" in alone and codes >= alone, alone - codes
    # A relu output under binary crossentropy implies no problem type: the user declares it.
    assert "problem" not in record and "# problem:\n#   type: <problem type>\n" in text


def test_output_elsewhere_names_the_artifacts_relative_to_it(tmp_path, keras_run):
    _fresh_copy(keras_run, tmp_path)
    os.makedirs(tmp_path / "records")
    result = run_advisor("init", "run/model.keras", "run/history.csv", "-o", "records/first.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "records" / "first.yaml", encoding="utf-8") as handle:
        record = yaml.safe_load(handle)
    assert record["model"] == {"file": "../run/model.keras"} and record["history"] == {"file": "../run/history.csv"}
    assert "MC01" in _lint_codes("records/first.yaml", cwd=tmp_path)


def test_stdout_prints_the_record_and_writes_nothing(tmp_path, keras_run):
    folder = _fresh_copy(keras_run, tmp_path)
    before = sorted(os.listdir(folder))
    printed = run_advisor("init", "--stdout", cwd=folder)
    assert printed.returncode == 0, printed.stderr
    assert sorted(os.listdir(folder)) == before
    _init(folder)
    with open(os.path.join(folder, "experiment.yaml"), encoding="utf-8") as handle:
        assert printed.stdout == handle.read()


def test_an_existing_record_is_never_overwritten(tmp_path, keras_run):
    folder = _fresh_copy(keras_run, tmp_path)
    mine = "# my own record\nversion: 1\n"
    write(folder, "experiment.yaml", mine)
    write(folder, "other.yaml", mine)
    for args in ((), ("-o", "other.yaml")):
        result = run_advisor("init", *args, cwd=folder)
        assert_clean_failure(result, "exists; refusing to overwrite it")
    for name in ("experiment.yaml", "other.yaml"):
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            assert handle.read() == mine
    assert_clean_failure(run_advisor("init", "-o", "experiment.toml", cwd=folder), "experiment.toml", "name a .yaml")
    assert_clean_failure(run_advisor("init", "-o", "missing/experiment.yaml", cwd=folder), "no such folder 'missing'")
    assert not os.path.exists(os.path.join(folder, "experiment.toml"))


def test_a_corrupt_model_is_one_message_and_no_record(tmp_path, keras_run):
    folder = _fresh_copy(keras_run, tmp_path)
    model = os.path.join(folder, "model.keras")
    with open(model, "rb") as handle:
        saved = handle.read()
    with open(model, "wb") as handle:  # a download cut short
        handle.write(saved[: len(saved) // 3])
    result = run_advisor("init", cwd=folder)
    assert_clean_failure(result, "model.keras")
    assert not os.path.exists(os.path.join(folder, "experiment.yaml"))


def test_a_file_init_cannot_read_is_one_message(tmp_path):
    write(tmp_path, "notes.txt", "what I tried\n")
    result = run_advisor("init", "notes.txt", cwd=tmp_path)
    assert_clean_failure(result, "notes.txt", "is not an artifact")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_clean_failure(run_advisor("init", "empty", cwd=tmp_path), "holds nothing to start a record from")
    assert os.listdir(empty) == []
    write(tmp_path, "helpers.py", "import numpy as np\n\n\ndef scale(x):\n    return x / np.abs(x).max()\n")
    result = run_advisor("init", "helpers.py", cwd=tmp_path)
    assert_clean_failure(result, "helpers.py", "holds nothing to start a record from")
    assert "helpers.py: trains nothing" in result.stderr
    assert not os.path.exists(tmp_path / "experiment.yaml")


def test_an_artifact_outside_the_project_root_is_not_read(tmp_path, keras_run):
    project = tmp_path / "project"
    project.mkdir()
    write(project, "pyproject.toml", "[tool.advisor]\n")
    outside = _fresh_copy(keras_run, tmp_path)
    # Named on the command line, a path is the user's choice (as for lint); found by walking, it is confined.
    os.symlink(os.path.join(outside, "model.keras"), project / "model.keras")
    result = run_advisor("init", cwd=project)
    assert_clean_failure(result, "outside the project root")
    assert not os.path.exists(project / "experiment.yaml")


def test_a_training_script_fills_source(tmp_path):
    folder = os.path.join(str(tmp_path), "keras_script")
    shutil.copytree(os.path.join(EXAMPLES, "keras_script"), folder)
    record = _init(folder, "train.py")
    assert record["source"] == "train.py"
    codes = _lint_codes("experiment.yaml", cwd=folder)
    alone = _lint_codes("train.py", cwd=folder)
    assert alone and codes >= alone, alone - codes
    result = run_advisor("lint", "--no-cache", "--format", "json", "experiment.yaml", cwd=folder)
    assert any(finding["path"] == "train.py" for finding in json.loads(result.stdout)["findings"])


def test_a_folder_prefers_the_script_to_the_notebook_and_says_what_it_left_out(tmp_path):
    folder = os.path.join(str(tmp_path), "keras_script")
    shutil.copytree(os.path.join(EXAMPLES, "keras_script"), folder)
    os.makedirs(os.path.join(folder, ".ipynb_checkpoints"))  # Jupyter's copies: hidden, never read
    shutil.copy(os.path.join(folder, "explore.ipynb"), os.path.join(folder, ".ipynb_checkpoints", "a-checkpoint.ipynb"))
    record = _init(folder)
    assert record["source"] == "train.py"
    with open(os.path.join(folder, "experiment.yaml"), encoding="utf-8") as handle:
        text = handle.read()
    assert "# Left out: explore.ipynb is also a training script" in text and "checkpoint" not in text
    # The script loads scikit-learn's breast cancer data, which says the problem type: no TODO for it.
    assert "declare the problem type" not in text and "choose the success metric" in text


def test_a_type_only_the_model_implies_is_suggested_not_declared(tmp_path):
    from tests.readers.keras_models import nested_functional

    nested_functional().save(os.path.join(str(tmp_path), "model.keras"))  # softmax over 3 units, crossentropy
    record = _init(tmp_path)
    with open(tmp_path / "experiment.yaml", encoding="utf-8") as handle:
        text = handle.read()
    # The model is what the declared type checks: declaring its own guess would silence those checks.
    assert "problem" not in record and "# problem:\n#   type: multiclass_classification\n" in text
    assert "PD01" not in _lint_codes("experiment.yaml", cwd=tmp_path)  # lint infers it from the model too


# --- the tuning tools' files and MLflow runs ----------------------------------------------------

def _tuning_artifact(kind: str, folder) -> str:
    """A real tuning artifact in `folder`, by the real library; returns its name there."""
    from tests.adoption import tuners

    if kind == "kerastuner":
        return os.path.basename(tuners.kerastuner_search(folder, trials=3, on_test=True))  # LK03: chosen on test
    if kind == "optuna":
        return os.path.basename(tuners.optuna_study(os.path.join(str(folder), "optuna.db"), trials=4,
                                                    metric="test_accuracy"))  # LK03 too
    logdir = os.path.join(str(folder), "logs")
    os.makedirs(logdir)
    tuners.tensorboard_logdir(logdir)
    return "logs"


@pytest.mark.parametrize("kind", ["kerastuner", "optuna", "tensorboard"])
def test_a_tuning_tools_files_are_named_as_tuning_file(tmp_path, kind):
    name = _tuning_artifact(kind, tmp_path)
    record = _init(tmp_path)
    assert record["tuning"] == {"file": name}
    codes = _lint_codes("experiment.yaml", cwd=tmp_path)
    alone = _lint_codes(name, cwd=tmp_path)
    assert alone and codes >= alone, alone - codes
    if kind != "tensorboard":
        assert "LK03" in codes


def test_an_optuna_file_with_two_studies_is_one_message(tmp_path):
    from tests.adoption import tuners

    path = os.path.join(str(tmp_path), "optuna.db")
    tuners.optuna_study(path, trials=2, name="first")
    tuners.optuna_study(path, trials=2, name="second")
    assert_clean_failure(run_advisor("init", cwd=tmp_path), "optuna.db", "holds 2 studies")
    assert not os.path.exists(tmp_path / "experiment.yaml")


@pytest.fixture(scope="module")
def mlflow_stores(tmp_path_factory):
    """DIRECTORY/file/mlruns and DIRECTORY/sqlite/mlflow.db written by the real mlflow, with a summary."""
    import subprocess
    import sys

    directory = tmp_path_factory.mktemp("mlflow")
    generator = os.path.join(os.path.dirname(os.path.dirname(__file__)), "readers", "make_mlflow_stores.py")
    result = subprocess.run([sys.executable, generator, str(directory)], capture_output=True, text=True,
                            timeout=300, env={**os.environ, "KERAS_BACKEND": "jax"})
    assert result.returncode == 0, result.stderr[-3000:]
    with open(directory / "summary.json", encoding="utf-8") as handle:
        return directory, json.load(handle)


def _run_folder(mlruns: str, run_id: str) -> str:
    for experiment in os.listdir(mlruns):
        if os.path.isdir(os.path.join(mlruns, experiment, run_id)):
            return os.path.join(mlruns, experiment, run_id)
    raise AssertionError(f"run {run_id} not in {mlruns}")


def test_an_mlflow_run_folder_is_named_and_its_record_fields_copied(tmp_path, mlflow_stores):
    directory, summary = mlflow_stores
    shutil.copytree(directory / "file" / "mlruns", tmp_path / "mlruns")
    run = os.path.relpath(_run_folder(str(tmp_path / "mlruns"), summary["file"]["autolog"]), tmp_path)
    result = run_advisor("init", run, "-o", "experiment.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "experiment.yaml", encoding="utf-8") as handle:
        record = yaml.safe_load(handle)
    assert record["history"] == {"file": run.replace(os.sep, "/")}  # the metric files stay in the run
    assert record["model"]["file"].endswith("/data/model.keras") and "layers" not in record["model"]
    assert record["problem"] == {"type": "binary_classification"}  # logged as a param under the record's name
    assert record["metric"] == {"name": "accuracy"} and record["final"] == {"test_score": 0.75}
    codes = _lint_codes("experiment.yaml", cwd=tmp_path)
    alone = _lint_codes(run, cwd=tmp_path)
    assert "MC01" in alone and codes >= alone, alone - codes


def test_an_mlflow_store_of_several_runs_is_one_message(tmp_path, mlflow_stores):
    directory, _ = mlflow_stores
    shutil.copy(directory / "sqlite" / "mlflow.db", tmp_path / "mlflow.db")
    assert_clean_failure(run_advisor("init", "mlflow.db", cwd=tmp_path), "mlflow.db", "MLflow runs; a record describes one")


# --- split files, names, help ----------------------------------------------------------------------

def test_data_files_named_by_split_become_split_files(tmp_path):
    from sklearn.datasets import load_wine
    from sklearn.model_selection import train_test_split

    frame = load_wine(as_frame=True).frame
    train, test = train_test_split(frame, test_size=0.25, random_state=0, stratify=frame["target"])
    train.to_csv(tmp_path / "wine_train.csv", index=False)
    test.to_csv(tmp_path / "wine_test.csv", index=False)
    record = _init(tmp_path)
    assert record["splits"] == {"files": {"train": "wine_train.csv", "test": "wine_test.csv"}}
    with open(tmp_path / "experiment.yaml", encoding="utf-8") as handle:
        text = handle.read()
    assert "hold out a test set" not in text  # the test file is the test split
    assert "# data:\n#   target_column: target\n" in text
    codes = _lint_codes("experiment.yaml", cwd=tmp_path)
    alone = _alone_codes(tmp_path, record)
    assert alone and codes >= alone, alone - codes


def test_control_characters_in_a_file_name_stay_escaped(tmp_path, keras_run):
    folder = _fresh_copy(keras_run, tmp_path)
    odd = "model\x1b[31m\nred.keras"
    os.rename(os.path.join(folder, "model.keras"), os.path.join(folder, odd))
    record = _init(folder)
    assert record["model"] == {"file": odd}  # the YAML value holds the real name, quoted
    with open(os.path.join(folder, "experiment.yaml"), encoding="utf-8") as handle:
        comments = [line for line in handle.read().splitlines() if line.startswith("#")]
    assert comments and not any("\x1b" in line for line in comments)
    assert any("model\\x1b[31m\\nred.keras" in line for line in comments)
    assert "MC01" in _lint_codes("experiment.yaml", cwd=folder)


def test_help_lists_init_and_says_what_it_leaves_to_the_user(tmp_path):
    listed = run_advisor("--help", cwd=tmp_path)
    assert listed.returncode == 0 and "  init " in listed.stdout
    shown = run_advisor("init", "--help", cwd=tmp_path)
    assert shown.returncode == 0
    text = " ".join(shown.stdout.split())  # click wraps the help to the terminal's width
    assert "# TODO(advisor init):" in text and "An existing file is never replaced." in text


def test_linting_does_not_load_init(tmp_path):
    import subprocess
    import sys

    write(tmp_path, "experiment.yaml", {"version": 1, "metric": {"name": "accuracy"}})
    script = ("import sys\nfrom click.testing import CliRunner\nfrom advisor.cli import cli\n"
              "result = CliRunner().invoke(cli, ['lint', '--no-cache', 'experiment.yaml'])\n"
              "assert result.exit_code in (0, 1), result.output\n"
              "print(sorted(name for name in sys.modules if name.startswith(('advisor.adopt', 'advisor.commands.init'))))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=str(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


SCRIPT_READING_A_CSV = """\
import pandas as pd
from sklearn.linear_model import LogisticRegression

frame = pd.read_csv("wine.csv")
y = frame.pop("target")
model = LogisticRegression(max_iter=500)
model.fit(frame, y)
"""


def test_the_files_a_script_names_stay_its_own_and_are_rebased_to_the_record(tmp_path):
    from sklearn.datasets import load_wine

    write(tmp_path, "code/train.py", SCRIPT_READING_A_CSV)
    load_wine(as_frame=True).frame.to_csv(tmp_path / "code" / "wine.csv", index=False)
    load_wine(as_frame=True).frame.head(40).to_csv(tmp_path / "sample.csv", index=False)
    record = _init(tmp_path)  # the record sits in the parent folder, not beside the script
    assert record["source"] == "code/train.py"
    assert record["data"] == {"path": "code/wine.csv"}  # the script's own data, relative to the record
    with open(tmp_path / "experiment.yaml", encoding="utf-8") as handle:
        assert "# Left out: sample.csv is also a data file; the script names its own." in handle.read()
    codes = _lint_codes("experiment.yaml", cwd=tmp_path)
    alone = _lint_codes("code/train.py", cwd=tmp_path)
    assert alone and codes >= alone, alone - codes


ONE_RUN_DATABASE = """\
import mlflow

mlflow.set_tracking_uri("sqlite:///mlflow.db")
mlflow.set_experiment("adopted")
with mlflow.start_run(run_name="first-try"):
    mlflow.log_param("problem.type", "binary_classification")
    for step, (loss, val_loss) in enumerate([(0.9, 0.95), (0.6, 0.7), (0.4, 0.75), (0.3, 0.9)]):
        mlflow.log_metric("loss", loss, step=step)
        mlflow.log_metric("val_loss", val_loss, step=step)
"""


def test_a_database_run_is_copied_since_a_record_cannot_name_it(tmp_path):
    import subprocess
    import sys

    made = subprocess.run([sys.executable, "-c", ONE_RUN_DATABASE], cwd=str(tmp_path), capture_output=True,
                          text=True, timeout=300)
    assert made.returncode == 0, made.stderr[-3000:]
    record = _init(tmp_path)
    assert record["name"] == "first-try" and record["problem"] == {"type": "binary_classification"}
    assert record["history"]["loss"] == pytest.approx([0.9, 0.6, 0.4, 0.3])
    with open(tmp_path / "experiment.yaml", encoding="utf-8") as handle:
        assert "  loss: [0.9, 0.6, 0.4, 0.3]\n" in handle.read()  # a series on one line
    codes = _lint_codes("experiment.yaml", cwd=tmp_path)
    alone = _lint_codes("mlflow.db", cwd=tmp_path)
    assert alone and codes >= alone, alone - codes


def test_a_csvlogger_log_under_keras_own_example_name_is_found(tmp_path, keras_run):
    folder = _fresh_copy(keras_run, tmp_path)
    os.rename(os.path.join(folder, "history.csv"), os.path.join(folder, "training.log"))  # CSVLogger("training.log")
    write(folder, "debug.log", "epochs went fine\n")  # a log of another kind is no training log
    record = _init(folder)
    assert record["history"] == {"file": "training.log"}
    from advisor.readers.record import read_record

    history = read_record(os.path.join(folder, "experiment.yaml")).history
    assert set(history.names) >= {"loss", "val_loss"} and history.epochs == 3  # the log is read through the record
