"""Bad input through the real console script: each case ends in one clear message naming the file
(and the line where known) and what was expected, exit code 2, and never a traceback. Inputs that
could exhaust memory are refused by a process whose address space is capped."""

from __future__ import annotations

import os
import time

import pytest

from tests.advisor_cli import assert_clean_failure, run_advisor, write

#: Address-space cap for the runs that must not exhaust memory (the advisor needs far less).
MEMORY_CAP = 256 * 1024 * 1024


TEXT_CASES = [
    pytest.param("experiment.yaml", "model:\n  layers: [\n    {units: 1}\n  loss: mse\n",
                 ["experiment.yaml:4:", "invalid YAML"], id="broken-yaml"),
    pytest.param("experiment.yaml", "model:\n  loss: mse\n\tepochs: 3\n", ["experiment.yaml:3:", "invalid YAML"],
                 id="yaml-tab-indent"),
    pytest.param("experiment.json", '{\n  "model": {"loss": "mse",}\n}\n', ["experiment.json:2:", "invalid JSON"],
                 id="broken-json"),
    pytest.param("experiment.toml", '[model]\nloss = "mse\n', ["experiment.toml:2:", "invalid TOML"], id="broken-toml"),
    pytest.param("experiment.yaml", "model:\n  epochs: many\n",
                 ["experiment.yaml:2:3:", "model.epochs: expected an integer", "'many'"], id="wrong-type"),
    pytest.param("experiment.json", '{\n  "data": {\n    "samples": [1, 2]\n  }\n}\n',
                 ["experiment.json:3:", "data.samples: expected an integer, received a list"], id="wrong-type-json"),
    pytest.param("experiment.toml", '[splits]\nshuffle = "yes please"\n',
                 ["experiment.toml:2:1:", "splits.shuffle: expected true or false"], id="wrong-type-toml"),
    pytest.param("experiment.yaml", "problem:\n  tpye: regression\n",
                 ["experiment.yaml:2:3:", "unknown field 'tpye' in problem; did you mean 'type'?"], id="unknown-field"),
    pytest.param("experiment.yaml", "probelm:\n  type: regression\n",
                 ["experiment.yaml:1:1:", "unknown field 'probelm' in the record; did you mean 'problem'?"],
                 id="unknown-section"),
    pytest.param("experiment.yaml", "problem:\n  type: regresion\n",
                 ["experiment.yaml:2:3:", "problem.type: expected one of", "did you mean 'regression'?"], id="bad-enum"),
    pytest.param("experiment.yaml", "- problem\n- model\n", ["experiment.yaml:1:1:", "expected a mapping"],
                 id="not-a-mapping"),
    pytest.param("experiment.yaml", "", ["experiment.yaml: is empty"], id="empty-file"),
    pytest.param("experiment.yaml", "\n   \n# only a comment\n", ["experiment.yaml", "empty"], id="blank-file"),
    pytest.param("experiment.yaml", "model: {loss: mse}\nmodel: {loss: mae}\n",
                 ["experiment.yaml:2:1:", "duplicate key 'model'"], id="duplicate-key"),
]


@pytest.mark.parametrize(("name", "text", "expected"), TEXT_CASES)
def test_malformed_record(tmp_path, name, text, expected):
    write(tmp_path, name, text)
    result = run_advisor("lint", name, cwd=tmp_path)
    line = assert_clean_failure(result, *expected)
    assert line.startswith(f"advisor: error: {name}")
    assert result.stdout == ""  # the one message is the error


def test_binary_garbage(tmp_path):
    (tmp_path / "experiment.yaml").write_bytes(os.urandom(4096) + b"\x00")
    assert_clean_failure(run_advisor("lint", "experiment.yaml", cwd=tmp_path), "experiment.yaml: is binary")


def test_text_that_is_not_utf8(tmp_path):
    (tmp_path / "experiment.yaml").write_bytes(b"name: caf\xe9\nmodel:\n  loss: \xff\xfe\n")
    assert_clean_failure(run_advisor("lint", "experiment.yaml", cwd=tmp_path), "experiment.yaml:1: is not UTF-8")


def test_directory_with_no_records(tmp_path):
    write(tmp_path, "empty/notes.txt", "nothing to see\n")
    write(tmp_path, "empty/config.yaml", "not: a record name\n")
    result = run_advisor("lint", "empty", cwd=tmp_path)
    assert_clean_failure(result, "empty: holds nothing to read", "experiment.{yaml,yml,json,toml}")


def test_missing_file(tmp_path):
    result = run_advisor("lint", "missing/experiment.yaml", cwd=tmp_path)
    assert_clean_failure(result, "missing/experiment.yaml: no such file or directory")


def test_unknown_kind_of_file(tmp_path):
    write(tmp_path, "notes.txt", "hello\n")
    result = run_advisor("lint", "notes.txt", cwd=tmp_path)
    assert_clean_failure(result, "notes.txt")


def test_yaml_alias_bomb_is_refused_without_exhausting_memory(tmp_path):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]  # 9**10 strings expanded
    write(tmp_path, "experiment.yaml", "\n".join(lines) + "\n")
    started = time.monotonic()
    result = run_advisor("lint", "experiment.yaml", cwd=tmp_path, timeout=60, memory_cap=MEMORY_CAP)
    assert_clean_failure(result, "experiment.yaml:", "refused")
    assert time.monotonic() - started < 30


def test_fifty_megabyte_file_is_refused(tmp_path):
    path = tmp_path / "experiment.yaml"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("name: huge\ndescription: >\n")
        chunk = "  " + "word " * 200 + "\n"
        for _ in range((50 * 1024 * 1024) // len(chunk) + 1):
            handle.write(chunk)
    assert path.stat().st_size >= 50 * 1024 * 1024
    started = time.monotonic()
    result = run_advisor("lint", "experiment.yaml", cwd=tmp_path, memory_cap=MEMORY_CAP)
    assert_clean_failure(result, "experiment.yaml: is larger than", "refusing")
    assert time.monotonic() - started < 30


def test_deeply_nested_json_is_refused(tmp_path):
    write(tmp_path, "experiment.json", '{"model": ' + "[" * 5000 + "]" * 5000 + "}")
    result = run_advisor("lint", "experiment.json", cwd=tmp_path)
    assert_clean_failure(result, "experiment.json", "refused")


def test_a_folder_named_like_a_record(tmp_path):
    (tmp_path / "experiment.yaml").mkdir()
    write(tmp_path, "experiment.yaml/notes.txt", "x\n")
    result = run_advisor("lint", "experiment.yaml", cwd=tmp_path)
    assert_clean_failure(result, "experiment.yaml")
