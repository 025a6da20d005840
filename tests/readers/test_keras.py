"""Keras models read as JSON: `.keras` archives and `model.to_json()` files saved by real Keras 3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest

from advisor.errors import InputError
from advisor.readers.keras import read_model_file
from tests.advisor_cli import assert_clean_failure, run_advisor, write
from tests.readers import keras_models
from tests.readers.files import NO_CACHE, refused_without_reading, sparse_file


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Each test model saved both ways, by name: {"sequential": (archive, json), ...}."""
    directory = tmp_path_factory.mktemp("keras-models")
    builders = {
        "sequential": keras_models.relu_output_sequential,
        "functional": keras_models.nested_functional,
        "two_outputs": keras_models.two_output_functional,
        "custom": keras_models.custom_objects_model,
        "nested_head": keras_models.nested_head_functional,
    }
    return {name: keras_models.save_both(build(), directory, name) for name, build in builders.items()}


def _config_text(archive: str) -> str:
    with zipfile.ZipFile(archive) as handle:
        return handle.read("config.json").decode()


def test_sequential_fields(saved):
    model, _ = read_model_file(saved["sequential"][0])
    assert model["layers"] == [
        {"type": "dense", "name": "dense", "units": 8, "activation": "relu", "l2": 0.01},
        {"type": "dropout", "name": "dropout", "rate": 0.3},
        {"type": "dense", "name": "dense_1", "units": 1, "activation": "relu"},
    ]
    assert model["loss"] == {"name": "binary_crossentropy"}
    # Keras stores the rate as float32 (0.0010000000474974513); the reader gives back 0.001.
    assert model["optimizer"]["name"] == "rmsprop"
    assert model["optimizer"]["learning_rate"] == 0.001
    assert model["metrics"] == ["accuracy"]


def test_functional_nested_model_is_flattened_in_order(saved):
    model, _ = read_model_file(saved["functional"][0])
    layers = [(layer["type"], layer["name"]) for layer in model["layers"]]
    assert layers == [("dense", "hidden"), ("dense", "inner_dense"), ("dropout", "inner_drop"),
                      ("dense", "logits"), ("activation", "probabilities")]
    assert model["layers"][0]["l1"] == 0.001 and model["layers"][0]["l2"] == 0.002
    assert model["layers"][3]["activation"] == "linear"
    assert model["layers"][4]["activation"] == "softmax"
    assert model["loss"]["name"] == "categorical_crossentropy" and model["loss"]["from_logits"] is True
    assert model["optimizer"] == {"name": "adam", "learning_rate": 0.01}
    assert model["metrics"] == ["accuracy", "auc"]


def test_functional_follows_the_first_output(saved):
    model, _ = read_model_file(saved["two_outputs"][0])
    assert [layer["name"] for layer in model["layers"]] == ["trunk", "main"]
    assert model["loss"] == {"name": "binary_crossentropy"}
    assert model["optimizer"]["name"] == "sgd"


def test_nested_model_as_the_output(saved):
    model, _ = read_model_file(saved["nested_head"][0])
    assert [(layer["name"], layer["activation"]) for layer in model["layers"]] == [
        ("body", "relu"), ("head_hidden", "relu"), ("head_out", "sigmoid")]


def test_keras2_inbound_nodes(saved):
    """Keras 2 wrote inbound nodes as [[name, node_index, tensor_index, kwargs]] lists."""
    from advisor.locations import SourceMap
    from advisor.readers.keras_config import ModelConfigReader

    with open(saved["two_outputs"][1], encoding="utf-8") as handle:
        config = json.load(handle)
    for layer in config["config"]["layers"]:
        sources = [node["args"][0]["config"]["keras_history"] for node in layer["inbound_nodes"]]
        layer["inbound_nodes"] = [[[name, node, tensor, {}]] for name, node, tensor in sources]
    config["config"]["output_layers"] = [["main", 0, 0], ["side", 0, 0]]
    model, _ = ModelConfigReader("model.json", "the file", SourceMap("model.json")).read(config)
    assert [layer["name"] for layer in model["layers"]] == ["trunk", "main"]


def test_custom_objects_kept_by_name(saved):
    model, _ = read_model_file(saved["custom"][0])
    assert [layer["type"] for layer in model["layers"]] == ["dense", "doubling", "dense"]
    assert model["layers"][0]["activation"] == "shifted_relu"
    assert model["layers"][2]["activation"] == "leaky_relu"
    assert model["loss"] == {"name": "mean_squared_error"}
    assert model["optimizer"] == {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9}
    assert model["metrics"] == ["mean_absolute_error"]


@pytest.mark.parametrize("name", ["sequential", "functional", "two_outputs", "custom", "nested_head"])
def test_json_and_archive_agree(saved, name):
    archive, as_json = saved[name]
    assert read_model_file(archive)[0] == read_model_file(as_json)[0]


def test_reading_imports_neither_keras_nor_numpy(saved):
    code = (
        "import sys\n"
        "from advisor.readers.keras import read_model_file\n"
        f"for path in {[path for pair in saved.values() for path in pair]!r}:\n"
        "    read_model_file(path)\n"
        "heavy = [m for m in ('keras', 'jax', 'numpy', 'h5py', 'tensorflow') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    # A fresh interpreter, without the registrations of this test process: custom objects are unknown.
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_locations_point_into_config_json(saved):
    archive = saved["sequential"][0]
    _, locations = read_model_file(archive)
    location = locations["/layers/2/activation"]
    assert location.path == archive
    assert location.pointer == "/config/layers/3/config/activation"
    text = _config_text(archive)
    assert location.line == 1 and text[location.column - 1:].startswith('"activation"')


def test_lint_archive_alone_points_into_it(saved, tmp_path):
    archive = saved["sequential"][0]
    result = run_advisor("lint", "--format", "json", archive, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    mc01 = [f for f in findings if f["code"] == "MC01"]
    assert len(mc01) == 1
    assert mc01[0]["path"] == archive and mc01[0]["pointer"] == "/config/layers/3/config/activation"
    assert _config_text(archive)[mc01[0]["column"] - 1:].startswith('"activation"')


def test_lint_model_json_alone(saved, tmp_path):
    result = run_advisor("lint", saved["sequential"][1], cwd=tmp_path)
    assert result.returncode == 1
    assert "sequential.json:1:" in result.stdout and "MC01" in result.stdout


def test_record_merges_model_file_and_wins(saved, tmp_path):
    archive = saved["sequential"][0]
    os.link(archive, tmp_path / "model.keras")
    write(tmp_path, "experiment.yaml", "version: 1\nmodel:\n  file: model.keras\n  optimizer: {name: adam}\n")
    from advisor.readers.record import read_record

    experiment = read_record(str(tmp_path / "experiment.yaml"))
    assert [layer.units for layer in experiment.model.layers] == [8, None, 1]
    assert experiment.model.optimizer.name == "adam"  # the record's field wins...
    assert experiment.model.optimizer.learning_rate == 0.001  # ...and the archive fills what it leaves out
    assert experiment.sources.locate("/model/optimizer/name").path.endswith("experiment.yaml")
    assert experiment.sources.locate("/model/layers/2/activation").path.endswith("model.keras")

    result = run_advisor("lint", "experiment.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert "model.keras:1:" in result.stdout and "MC01" in result.stdout


def test_record_layers_win_over_the_archive(saved, tmp_path):
    os.link(saved["sequential"][0], tmp_path / "model.keras")
    write(tmp_path, "experiment.yaml", {"model": {"file": "model.keras", "layers": [
        {"type": "dense", "units": 4, "activation": "relu"}, {"type": "dense", "units": 1, "activation": "sigmoid"}]}})
    result = run_advisor("lint", "--select", "MC01", "experiment.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout


# --- bad input ----------------------------------------------------------------------------------

def _zip(path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> str:
    with zipfile.ZipFile(path, "w", compression) as handle:
        for name, data in members.items():
            handle.writestr(name, data)
    return str(path)


def test_truncated_archive(saved, tmp_path):
    data = open(saved["sequential"][0], "rb").read()
    (tmp_path / "model.keras").write_bytes(data[: len(data) // 2])
    result = run_advisor("lint", "model.keras", cwd=tmp_path)
    assert_clean_failure(result, "model.keras", "truncated or corrupt", "config.json")


def test_corrupt_member(saved, tmp_path):
    data = bytearray(open(saved["sequential"][0], "rb").read())
    start = data.find(b'"class_name"')  # inside config.json, which Keras stores uncompressed
    data[start:start + 12] = b'"XXXXXXXXXX"'
    (tmp_path / "model.keras").write_bytes(bytes(data))
    result = run_advisor("lint", "model.keras", cwd=tmp_path)
    assert_clean_failure(result, "model.keras", "CRC")


def test_zip_bomb_is_refused_by_declared_size(tmp_path):
    bomb = _zip(tmp_path / "model.keras", {"config.json": b" " * (65 * 1024 * 1024)})
    assert os.path.getsize(bomb) < 1024 * 1024
    result = run_advisor("lint", "model.keras", cwd=tmp_path)
    assert_clean_failure(result, "model.keras", "config.json declares", "64 MB", "zip bomb")


def test_member_larger_than_declared_is_refused(tmp_path):
    path = _zip(tmp_path / "model.keras", {"config.json": b'{"class_name": "Sequential", "config": {}}' + b" " * 4000},
                compression=zipfile.ZIP_STORED)
    data = bytearray(open(path, "rb").read())
    size = (4000 + 42).to_bytes(4, "little")
    for offset in range(len(data) - 4):  # the header fields that declare the uncompressed size
        if data[offset:offset + 4] == size:
            data[offset:offset + 4] = (16).to_bytes(4, "little")
    (tmp_path / "model.keras").write_bytes(bytes(data))
    result = run_advisor("lint", "model.keras", cwd=tmp_path)
    assert_clean_failure(result, "model.keras", "truncated or corrupt")


@pytest.mark.parametrize(("members", "expected"), [
    ({"config.json": b'{"layers": []}'}, "config.json is not a Keras model config"),
    ({"config.json": b'[1, 2, 3]'}, "config.json is not a Keras model config"),
    ({"config.json": b'{"class_name": "Sequential", "config": {"layers": 3}}'}, "'config.layers' should be a list"),
    ({"config.json": b'{"class_name": '}, "config.json line 1, column 16: invalid JSON"),
    ({"metadata.json": b"{}"}, "holds no config.json"),
], ids=["no-class-name", "a-list", "layers-not-a-list", "invalid-json", "no-config"])
def test_archive_without_a_keras_model(tmp_path, members, expected):
    _zip(tmp_path / "model.keras", members)
    result = run_advisor("lint", "model.keras", cwd=tmp_path)
    assert_clean_failure(result, "model.keras", expected)


def test_model_json_not_a_model(tmp_path):
    write(tmp_path, "model.json", '{"module": "keras", "config": {}}')
    result = run_advisor("lint", "model.json", cwd=tmp_path)
    assert_clean_failure(result, "model.json", "is not a Keras model config")


def test_huge_model_json_refused_by_size(tmp_path):
    path = sparse_file(tmp_path / "model.json", b'{"module": "keras", "class_name": "Sequential", "config": {"layers": [')
    assert "over the 64 MB limit" in refused_without_reading(read_model_file, path)
    result = run_advisor("lint", *NO_CACHE, "model.json", cwd=tmp_path)
    assert_clean_failure(result, "model.json", "2.0 GB", "over the 64 MB limit")


def test_huge_sparse_archive_fails_fast(tmp_path):
    path = sparse_file(tmp_path / "model.keras")
    assert "not a readable zip archive" in refused_without_reading(read_model_file, path)
    result = run_advisor("lint", *NO_CACHE, "model.keras", cwd=tmp_path)
    assert_clean_failure(result, "model.keras", "not a readable zip archive")


def test_missing_model_file_names_the_record_line(tmp_path):
    write(tmp_path, "experiment.yaml", "version: 1\nmodel:\n  file: missing.keras\n")
    result = run_advisor("lint", "experiment.yaml", cwd=tmp_path)
    assert_clean_failure(result, "experiment.yaml:3:3:", "model.file", "missing.keras", "no such file")


def test_corrupt_model_file_named_by_record(tmp_path):
    (tmp_path / "model.keras").write_bytes(b"PK\x03\x04 not really a zip")
    write(tmp_path, "experiment.yaml", "version: 1\nmodel:\n  file: model.keras\n")
    result = run_advisor("lint", "experiment.yaml", cwd=tmp_path)
    assert_clean_failure(result, "experiment.yaml:3:3:", "model.file", "model.keras", "truncated or corrupt")


def test_reader_error_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as caught:
        read_model_file(str(tmp_path / "absent.keras"))
    assert "no such file" in str(caught.value)
