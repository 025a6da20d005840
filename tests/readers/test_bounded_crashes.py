"""Hostile values that once crashed a reader ("an internal error of the advisor"): NUL bytes in
paths, integers no float can hold or longer than Python converts, CSV headers the csv module
rejects, empty NPZ arrays. Each now ends in one clear message, or is read when it is valid."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.advisor_cli import assert_clean_failure, run_advisor, write

LONG = "1" + "0" * 400  # no float holds it
TOO_LONG = "1" + "0" * 5000  # over Python's 4,300-digit limit for int conversion


@pytest.mark.parametrize(("record", "expected"), [
    ('model: {file: "model\\0.keras"}\n', "experiment.yaml:1:9: model.file: the path holds a NUL character"),
    ('history: {file: "log\\0.csv"}\n', "experiment.yaml:1:11: history.file: the path holds a NUL character"),
    ('data: {path: "train\\0.csv"}\n', "experiment.yaml:1:8: data.path: the path holds a NUL character"),
    ('splits: {files: {train: "a\\0.csv"}}\n', "splits.files.train: the path holds a NUL character"),
], ids=["model-file", "history-file", "data-path", "split-file"])
def test_nul_byte_in_a_named_path(tmp_path, record, expected):
    write(tmp_path, "experiment.yaml", record)
    assert_clean_failure(run_advisor("lint", "--no-cache", "experiment.yaml", cwd=tmp_path), expected)


def test_history_json_integer_no_float_holds(tmp_path):
    write(tmp_path, "history.json", '{"loss": [BIG, 0.5], "val_loss": [0.6, 0.4]}'.replace("BIG", LONG))
    assert_clean_failure(run_advisor("lint", "--no-cache", "history.json", cwd=tmp_path),
                         "history.json:1:11: 'loss' value 1: expected a number", "an integer of 401 digits")


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("history.json", '{"loss": [BIG, 0.5]}'.replace("BIG", TOO_LONG), "history.json: holds a number of more than 4,300 digits"),
    ("experiment.json", '{\n"model": {"epochs": BIG}}'.replace("BIG", TOO_LONG),
     "experiment.json:2: invalid JSON: a number with more than 4,300 digits"),
    ("experiment.yaml", "model:\n  epochs: BIG\n".replace("BIG", TOO_LONG),
     "experiment.yaml:2:11: a number with more than 4,300 digits"),
    ("model.json", '{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": '
                   '{"units": BIG}}]}}'.replace("BIG", TOO_LONG), "model.json: the file holds a number of more than 4,300 digits"),
], ids=["history-json", "record-json", "record-yaml", "model-json"])
def test_integer_over_the_conversion_limit(tmp_path, name, text, expected):
    write(tmp_path, name, text)
    assert_clean_failure(run_advisor("lint", "--no-cache", name, cwd=tmp_path), expected)


def test_model_config_number_no_float_holds_is_left_out(tmp_path):
    """A learning rate of 400 digits in config.json is not a rate Keras wrote: it is left out, and
    the rest of the model is read."""
    config = {"class_name": "Sequential", "config": {"layers": [
        {"class_name": "Dense", "config": {"units": 1, "activation": "relu", "rate": 1}}]},
        "compile_config": {"loss": "binary_crossentropy", "optimizer": {"class_name": "Adam", "config": {
            "learning_rate": 1}}}}
    text = json.dumps(config).replace('"learning_rate": 1', f'"learning_rate": {LONG}').replace('"rate": 1',
                                                                                                f'"rate": {LONG}')
    write(tmp_path, "model.json", text)
    result = run_advisor("lint", "--no-cache", "--format", "json", "model.json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "MC01" in {finding["code"] for finding in json.loads(result.stdout)["findings"]}


def test_csv_header_with_a_quoted_newline_is_read(tmp_path):
    """A column name holding a newline (valid CSV) is one column; the target named by it is found."""
    write(tmp_path, "train.csv", '"size\nin cm",label\n1.5,0\n2.5,1\n3.5,0\n4.5,1\n')
    write(tmp_path, "experiment.yaml", "problem: {type: binary_classification}\n"
                                       "data: {path: train.csv, target_column: label}\n")
    result = run_advisor("lint", "--no-cache", "--format", "json", "experiment.yaml", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    from advisor.readers.record import read_record

    experiment = read_record(str(tmp_path / "experiment.yaml"))
    assert [feature.name for feature in experiment.data.features] == ["size\nin cm"]


def test_csv_header_field_over_the_csv_limit(tmp_path):
    write(tmp_path, "train.csv", "a" * 200_000 + ",label\n1,0\n")
    write(tmp_path, "experiment.yaml", "data: {path: train.csv}\n")
    assert_clean_failure(run_advisor("lint", "--no-cache", "experiment.yaml", cwd=tmp_path),
                         "train.csv:1: the header row is not valid CSV (a column name longer than 131,072 characters)")


@pytest.mark.parametrize("shape", [(0, 3), (0, 4, 2)], ids=["2d", "3d"])
def test_empty_npz_arrays(tmp_path, shape):
    np.savez(tmp_path / "data.npz", X=np.zeros(shape), y=np.zeros(0))
    write(tmp_path, "experiment.yaml", "data: {path: data.npz}\n")
    assert_clean_failure(run_advisor("lint", "--no-cache", "experiment.yaml", cwd=tmp_path),
                         "data.npz: holds no data rows")


def test_npz_shape_that_overflows_a_float_product(tmp_path):
    """A header declaring 10**200 rows: the size check multiplies exact integers, no OverflowError."""
    import zipfile

    with zipfile.ZipFile(tmp_path / "data.npz", "w") as archive, archive.open("X.npy", "w") as member:
        np.lib.format.write_array_header_2_0(member, {"descr": "<f8", "fortran_order": False,
                                                      "shape": (10 ** 200, 3)})
    write(tmp_path, "experiment.yaml", "data: {path: data.npz}\n")
    assert_clean_failure(run_advisor("lint", "--no-cache", "experiment.yaml", cwd=tmp_path), "data.npz")


@pytest.mark.parametrize("record", [
    "data:\n  features:\n    - {name: [1, 2], dtype: float}\n",
    "data:\n  features:\n    - {name: {a: 1}, dtype: float}\n",
    "data:\n  class_counts: {? [1, 2] : 3, b: 4}\n",
    "splits: {class_counts: {train: {? [1] : 3}}}\n",
    "problem: {type: multiclass_classification, classes: [a, [b]]}\n",
    "data: {path: train.csv, target_column: [label], split_column: {x: 1}}\n",
    "data:\n  preprocessing: [{step: one_hot, columns: [x, [y], {z: 1}]}]\n",
], ids=["feature-list", "feature-mapping", "class-key-list", "split-class-key", "class-list", "target-list",
        "columns-nested"])
def test_unhashable_names_and_labels(tmp_path, record):
    """Lists and mappings where a feature name, column or class label belongs: a message or a
    lint, never a TypeError."""
    write(tmp_path, "train.csv", "x,label\n1,0\n2,1\n")
    write(tmp_path, "experiment.yaml", record)
    result = run_advisor("lint", "--no-cache", "experiment.yaml", cwd=tmp_path)
    assert result.returncode in (1, 2), (result.returncode, result.stderr)
    assert "internal error" not in result.stderr + result.stdout and "Traceback" not in result.stderr
    assert "ADV001" not in result.stdout
    if result.returncode == 2:
        assert_clean_failure(result, "experiment.yaml:")
