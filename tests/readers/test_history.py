"""Training logs written by real Keras: History JSON (`json.dump(history.history)`, NaN included)
and CSVLogger CSV, linted alone or named by a record's `history.file`."""

from __future__ import annotations

import json
import math
import os

import pytest

from advisor.readers.history import read_history_file
from advisor.readers.record import read_record
from tests.advisor_cli import assert_clean_failure, run_advisor, write
from tests.readers import keras_models
from tests.readers.files import NO_CACHE, refused_without_reading, sparse_file


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    """A diverging training run's logs: (directory, the history Keras returned)."""
    directory = tmp_path_factory.mktemp("history")
    return directory, keras_models.diverging_training(directory)


def _same(left: list[float], right: list[float]) -> bool:
    return len(left) == len(right) and all(
        (math.isnan(a) and math.isnan(b)) or a == b for a, b in zip(left, right))


def test_the_real_log_holds_inf_and_nan(logs):
    directory, history = logs
    text = (directory / "history.json").read_text()
    assert "NaN" in text and "Infinity" in text  # what json.dump writes for them


@pytest.mark.parametrize("name", ["history.json", "history.csv"])
def test_values_as_keras_logged_them(logs, name):
    directory, history = logs
    read, _ = read_history_file(str(directory / name))
    for metric, values in history.items():
        assert _same(read[metric], values), metric
    if name == "history.csv":
        assert read["epoch"] == [0, 1, 2, 3]


def test_csv_positions_point_at_the_cell(logs):
    directory, _ = logs
    path = str(directory / "history.csv")
    _, locations = read_history_file(path)
    lines = open(path).read().splitlines()
    header = lines[0].split(",")
    column = header.index("val_loss")
    location = locations["/val_loss/2"]
    assert location.line == 4  # header, then epochs 0, 1, 2
    assert lines[3][location.column - 1:].split(",")[0] == lines[3].split(",")[column]
    assert locations["/val_loss"].line == 1


def test_json_positions_point_at_the_value(logs):
    directory, _ = logs
    _, locations = read_history_file(str(directory / "history.json"))
    text = (directory / "history.json").read_text()
    location = locations["/loss"]
    assert text[location.column - 1:].startswith('"loss"')


@pytest.mark.parametrize("name", ["history.json", "history.csv"])
def test_lint_log_alone_finds_the_nan_loss(logs, name):
    directory, _ = logs
    result = run_advisor("lint", "--format", "json", name, cwd=directory)
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert {f["path"] for f in findings} == {name}
    td01 = [f for f in findings if f["code"] == "TD01"]
    assert td01 and td01[0]["line"] is not None


def test_standalone_log_is_a_record_with_only_history(logs):
    directory, _ = logs
    from advisor.readers import read_input

    [(subject, experiment)] = read_input(str(directory / "history.csv"))
    assert subject is None
    assert experiment.history is not None
    assert experiment.model is None and experiment.problem is None and experiment.data is None


def test_record_merges_history_file_inline_series_win(logs, tmp_path):
    directory, history = logs
    os.link(directory / "history.csv", tmp_path / "train-log.csv")
    write(tmp_path, "experiment.yaml", {"history": {"file": "train-log.csv", "loss": [0.9, 0.5, 0.4, 0.3]}})
    experiment = read_record(str(tmp_path / "experiment.yaml"))
    assert experiment.history.get("loss") == [0.9, 0.5, 0.4, 0.3]  # the record's own series wins
    assert _same(experiment.history.get("val_loss"), history["val_loss"])
    location = experiment.sources.locate("/history/val_loss/1")
    assert location.path.endswith("train-log.csv") and location.line == 3


def test_history_file_findings_point_into_the_log(logs, tmp_path):
    directory, _ = logs
    os.link(directory / "history.json", tmp_path / "history.json")
    write(tmp_path, "experiment.yaml", "version: 1\nhistory:\n  file: history.json\n")
    result = run_advisor("lint", "--select", "TD01", "experiment.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("history.json:1:")


# --- bad input ----------------------------------------------------------------------------------

def test_json_lists_of_unequal_length(tmp_path):
    write(tmp_path, "history.json", '{\n  "loss": [0.7, 0.5, 0.4],\n  "val_loss": [0.8, 0.6]\n}\n')
    result = run_advisor("lint", "history.json", cwd=tmp_path)
    assert_clean_failure(result, "history.json:3:3:", "differ in length", "loss: 3", "val_loss: 2")


def test_json_value_not_a_number(tmp_path):
    write(tmp_path, "history.json", '{"loss": [0.7, "high", 0.4]}')
    result = run_advisor("lint", "history.json", cwd=tmp_path)
    assert_clean_failure(result, "history.json:1:", "'loss' value 2: expected a number", "'high'")


def test_csv_ragged_row(tmp_path):
    write(tmp_path, "history.csv", "epoch,loss,val_loss\n0,0.7,0.8\n1,0.5\n2,0.4,0.6\n")
    result = run_advisor("lint", "history.csv", cwd=tmp_path)
    assert_clean_failure(result, "history.csv:3:", "row has 2 fields but the header has 3")


def test_csv_cell_not_a_number(tmp_path):
    write(tmp_path, "history.csv", "epoch,loss\n0,0.7\n1,oops\n")
    result = run_advisor("lint", "history.csv", cwd=tmp_path)
    assert_clean_failure(result, "history.csv:3:3:", "'loss': expected a number", "'oops'")


def test_csv_header_only(tmp_path):
    write(tmp_path, "history.csv", "epoch,loss,val_loss\n")
    result = run_advisor("lint", "history.csv", cwd=tmp_path)
    assert_clean_failure(result, "history.csv:1:", "no epochs")


def test_huge_log_refused_by_size(tmp_path):
    path = sparse_file(tmp_path / "history.json", b'{"loss": [')
    assert "over the 64 MB limit" in refused_without_reading(read_history_file, path)
    result = run_advisor("lint", *NO_CACHE, "history.json", cwd=tmp_path)
    assert_clean_failure(result, "history.json", "2.0 GB", "over the 64 MB limit")


def test_missing_history_file_names_the_record_line(tmp_path):
    write(tmp_path, "experiment.yaml", "version: 1\nhistory:\n  file: logs/missing.csv\n")
    result = run_advisor("lint", "experiment.yaml", cwd=tmp_path)
    assert_clean_failure(result, "experiment.yaml:3:3:", "history.file", os.path.join("logs", "missing.csv"), "no such file")


def test_bad_log_named_by_record(tmp_path):
    write(tmp_path, "history.csv", "epoch,loss\n0,0.7,0.1\n")
    write(tmp_path, "experiment.yaml", "version: 1\nhistory:\n  file: history.csv\n")
    result = run_advisor("lint", "experiment.yaml", cwd=tmp_path)
    assert_clean_failure(result, "experiment.yaml:3:3:", "history.file", "history.csv:2:", "row has 3 fields")
