"""Records the trainer could run but not meaningfully: refused with one message naming the record
line (or the data file's line), exit 2, no run directory and no hidden partial one left.

The data files are written by pandas (`DataFrame.to_csv` writes an infinity as `inf`); every run is
the real console script under an address-space cap, so a model too large for memory must be
refused by the trainer's estimate before Keras allocates it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess

import numpy as np
import pytest
import yaml

from tests.advisor_cli import ADVISOR, assert_clean_failure, run_advisor
from tests.readers import hostile
from tests.trainer.conftest import tiny_record, write_data, write_yaml

#: Address space the trainer runs under: JAX and Keras load in it, a billion-unit layer does not.
MEMORY_CAP = 4 * 1024**3


def _line_of(path: str, text: str) -> int:
    """1-based line of the first occurrence of `text` in the file."""
    with open(path, encoding="utf-8") as handle:
        return next(number for number, line in enumerate(handle, start=1) if text in line)


def _train_refused(folder, record: str):
    result = run_advisor("train", record, "--quiet", cwd=folder, timeout=300, memory_cap=MEMORY_CAP)
    left = [os.path.join(root, name) for root, dirs, _ in os.walk(folder) for name in dirs]
    assert not left, f"the refused run left folders behind: {left}"
    return result


def _case(tmp_path, name: str) -> str:
    return os.path.join(tmp_path, hostile.TRAINER_REFUSED[name](str(tmp_path)))


@pytest.mark.parametrize("case, declared, expected", [
    ("train-epochs-0", "epochs: 0", ["model.epochs is 0", "declare 1 or more epochs"]),
    ("train-time-without-order", "method: time", ["splits.method is time", "data.time_column"]),
])
def test_a_record_value_that_trains_nothing_meaningful_is_refused_at_its_line(tmp_path, case, declared, expected):
    record = _case(tmp_path, case)
    result = _train_refused(tmp_path, record)
    assert_clean_failure(result, f"experiment.yaml:{_line_of(record, declared)}:", *expected)


def test_a_data_file_holding_only_the_target_is_refused(tmp_path):
    record = _case(tmp_path, "train-only-target")
    with open(tmp_path / "data.csv", encoding="utf-8") as handle:
        assert handle.readline() == "label\n"
    result = _train_refused(tmp_path, record)
    assert_clean_failure(result, "data.csv:", "no feature column besides the target 'label'", "nothing to learn from")


@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_infinite_feature_values_are_refused_with_their_line(tmp_path, value):
    record = os.path.join(tmp_path, hostile.trainer_case(str(tmp_path), hostile.with_infinity(value)))
    with open(tmp_path / "data.csv", encoding="utf-8") as handle:
        assert handle.read().splitlines()[8].split(",")[2] in ("inf", "-inf")  # as pandas writes it
    result = _train_refused(tmp_path, record)
    assert_clean_failure(result, "data.csv:9:", "feature 'f2' holds 1 infinite value(s)", "replace or drop them")


def test_a_time_split_with_a_time_column_runs(tmp_path):
    """The refusal is about the missing order, not time splits: with a time column the run goes on."""
    record = os.path.join(tmp_path, hostile.trainer_case(
        str(tmp_path), lambda frame: frame.assign(day=np.arange(len(frame))[::-1]),
        splits={"method": "time", "shuffle": False}, data={"time_column": "day"}, model={"epochs": 1}))
    result = run_advisor("train", record, "--quiet", "--stage", "fit", cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert os.path.isfile(os.path.join(tmp_path, result.stdout.strip(), "experiment.yaml"))


def test_a_billion_unit_layer_is_refused_before_keras_allocates(tmp_path):
    record = _case(tmp_path, "train-billion-units")
    result = _train_refused(tmp_path, record)
    assert_clean_failure(result, f"experiment.yaml:{_line_of(record, 'units: 1000000000')}:", "6,000,000,001 parameters",
                         "89.4 GiB", "declare fewer units")


def test_a_model_over_the_process_memory_limit_is_refused(tmp_path):
    """480 million parameters (7.2 GiB to train) may fit the machine but not a 4 GiB address space:
    the limit the process runs under counts, not only physical memory (JAX ran out of memory with
    a traceback)."""
    record = os.path.join(tmp_path, hostile.trainer_case(str(tmp_path), model=hostile.wide_model(80_000_000)))
    result = _train_refused(tmp_path, record)
    assert_clean_failure(result, "480,000,001 parameters", "7.2 GiB", "declare fewer units")


def _start_training(folder, out, epochs: int = 5000) -> subprocess.Popen:
    """The trainer on the tiny data, started; returns once its fit stage trains (its run directory
    is then being written in a hidden folder beside `out`)."""
    write_data(folder)
    record = write_yaml(folder, tiny_record(model={"epochs": epochs}))
    process = subprocess.Popen([ADVISOR, "train", record, "--out", str(out), "--jobs", "1"], cwd=folder,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    for line in process.stdout:
        if line.startswith("  fit: epoch 1/"):
            break
    assert process.poll() is None, process.stderr.read()
    return process


def _hidden_partials(folder) -> list[str]:
    return [os.path.join(root, name) for root, dirs, _ in os.walk(folder) for name in dirs if name.endswith(".partial")]


@pytest.mark.parametrize("filled", [True, False], ids=["with-a-file", "empty"])
def test_out_appearing_during_the_run_is_left_alone_and_nothing_hidden_stays(tmp_path, filled):
    out = tmp_path / "run"
    process = _start_training(tmp_path, out, epochs=10)
    try:
        assert _hidden_partials(tmp_path)  # the run is being written beside `out`
        out.mkdir()  # another process takes the name meanwhile
        if filled:
            (out / "notes.txt").write_text("mine")
        _, stderr = process.communicate(timeout=300)
    finally:
        process.kill()
    result = subprocess.CompletedProcess(process.args, process.returncode, "", stderr)
    assert_clean_failure(result, "already exists", "appeared while this run went on", "the run was discarded")
    assert sorted(os.listdir(out)) == (["notes.txt"] if filled else [])
    assert not filled or (out / "notes.txt").read_text() == "mine"
    assert not _hidden_partials(tmp_path)


def test_lint_of_a_folder_skips_the_hidden_partial_run_a_killed_trainer_left(tmp_path):
    """A run the kernel kills (out of memory, SIGKILL) cannot clean up: its hidden folder stays,
    with a record that says `status: running`; linting the parent folder does not read it."""
    process = _start_training(tmp_path, tmp_path / "runs" / "killed")
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    partial, = _hidden_partials(tmp_path)
    with open(os.path.join(partial, "experiment.yaml"), encoding="utf-8") as handle:
        assert yaml.safe_load(handle)["run"]["status"] == "running"
    result = run_advisor("lint", ".", "--format", "json", "--exit-zero", cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    paths = {finding["path"] for finding in json.loads(result.stdout)["findings"]}
    assert paths and not [path for path in paths if ".partial" in path], paths
    assert ".partial" not in result.stderr
    named = run_advisor("lint", os.path.relpath(partial, tmp_path), "--exit-zero", cwd=tmp_path, timeout=120)
    assert named.returncode == 0 and ".partial" in named.stdout, named.stderr  # named on purpose, it is read
