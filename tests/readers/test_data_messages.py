"""Data files a record names, through the real console script under a memory cap: an error names
the record line that names the file (in a batch, which record is at fault), a row too long for the
CSV reader and a NUL byte in a cell are one message in the advisor's words, with the line."""

from __future__ import annotations

import json
import os

from tests.advisor_cli import assert_clean_failure, run_advisor, write
from tests.readers import hostile

MEMORY_CAP = 1024**3


def _lint(tmp_path, target: str, *options: str):
    return run_advisor("lint", "--no-cache", *options, target, cwd=tmp_path, timeout=120, memory_cap=MEMORY_CAP)


def test_a_ragged_csv_in_a_batch_names_the_record_that_names_it(tmp_path):
    target = hostile.ragged_csv_in_a_batch(str(tmp_path))
    result = _lint(tmp_path, target, "--format", "json")
    bad = os.path.join(".", "bad", "experiment.yaml")
    line = assert_clean_failure(result, f"{bad}:4:3: data.path: {os.path.join('bad', 'data.csv')}:3:",
                                "ragged row: 4 fields where the header has 3")
    assert "good" not in line
    paths = {finding["path"] for finding in json.loads(result.stdout)["findings"]}
    assert paths and all(os.path.normpath(path).startswith("good") for path in paths), paths


def test_a_bad_split_file_names_its_splits_files_entry(tmp_path):
    write(tmp_path, "train.csv", "a,label\n1,0\n2,1\n")
    write(tmp_path, "test.csv", "a,label\n1,0\n2,1,7\n")
    write(tmp_path, "experiment.yaml", "version: 1\ndata: {target_column: label}\nsplits:\n  files:\n"
                                       "    train: train.csv\n    test: test.csv\n")
    result = _lint(tmp_path, "experiment.yaml")
    assert_clean_failure(result, "experiment.yaml:6:5: splits.files.test: test.csv:3:", "ragged row")


def test_a_data_file_error_found_while_profiling_names_the_record_too(tmp_path):
    write(tmp_path, "d.csv", "a,b,lable\n1,2,0\n")
    write(tmp_path, "experiment.yaml", "version: 1\ndata:\n  path: d.csv\n  target_column: label\n")
    result = _lint(tmp_path, "experiment.yaml")
    assert_clean_failure(result, "experiment.yaml:3:3: data.path: d.csv:1:", "no target column 'label'")


def test_a_row_longer_than_the_reader_takes_is_said_in_the_advisors_words(tmp_path):
    target = hostile.long_cell_csv(str(tmp_path), megabytes=20)
    result = _lint(tmp_path, target)
    line = assert_clean_failure(result, "experiment.yaml:2:8: data.path: data.csv:3:", "a line of 20 MiB",
                                "rows of up to 8 MiB", "profile a sample")
    assert "straddl" not in line and "block" not in line


def test_a_row_the_reader_takes_is_read(tmp_path):
    """A 6 MiB cell is under the limit: profiled, not refused."""
    target = hostile.long_cell_csv(str(tmp_path), megabytes=6)
    result = _lint(tmp_path, target, "--exit-zero")
    assert result.returncode == 0 and "advisor: error" not in result.stderr, result.stderr


def test_a_nul_byte_in_a_csv_cell_is_reported_with_its_line_and_column(tmp_path):
    target = hostile.nul_cell_csv(str(tmp_path))
    with open(tmp_path / "data.csv", "rb") as handle:
        assert b"b\0c" in handle.read()  # pandas writes it as it is
    result = _lint(tmp_path, target)
    assert_clean_failure(result, "experiment.yaml:2:8: data.path: data.csv:3:6:", "NUL byte",
                         "in column 'name'")
    assert "\0" not in result.stderr + result.stdout and "DP01" not in result.stdout


def test_a_nul_byte_in_the_header_is_reported_on_line_1(tmp_path):
    with open(tmp_path / "data.csv", "wb") as handle:
        handle.write(b"a,b\0x,label\n1,2,0\n")
    write(tmp_path, "experiment.yaml", "version: 1\ndata: {path: data.csv, target_column: label}\n")
    assert_clean_failure(_lint(tmp_path, "experiment.yaml"), "data.csv:1:4:", "NUL byte")
