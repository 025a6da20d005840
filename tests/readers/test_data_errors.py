"""Bad data files through the real console script: one clear message naming the file (and the line
where known) and what was expected, exit code 2, never a traceback, nothing unpickled."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from tests.advisor_cli import assert_clean_failure, run_advisor, write


def lint(tmp_path, record: dict):
    write(tmp_path, "experiment.yaml", record)
    return run_advisor("lint", "experiment.yaml", cwd=tmp_path)


CSV_CASES = [
    pytest.param("a,b,label\n1,2,0\n3,4\n5,6,1\n", {}, ["d.csv:3:", "ragged row: 2 fields where the header has 3"],
                 id="ragged-short-row"),
    pytest.param("a,b,label\n1,2,0\n3,4,1\n5,6,1,9\n", {}, ["d.csv:4:", "ragged row: 4 fields"], id="ragged-long-row"),
    pytest.param("a,b,lable\n1,2,0\n", {}, ["d.csv:1:", "no target column 'label' (named by data.target_column)",
                                            "did you mean 'lable'?", "the header has: a, b, lable"], id="missing-target"),
    pytest.param("", {}, ["d.csv", "is empty"], id="empty-file"),
    pytest.param("a,b,label\n", {}, ["d.csv", "holds no data rows"], id="header-only"),
    pytest.param("1,2,3\n4,5,6\n", {}, ["d.csv:1:1:", "expected a header row"], id="no-header"),
    pytest.param("a,a,label\n1,2,0\n", {}, ["d.csv:1:3:", "names column 'a' twice"], id="duplicate-column"),
    pytest.param("a,b,label,split\n1,2,0,train\n3,4,1,tset\n", {"split_column": "split"},
                 ["d.csv:3:", "split column 'split' holds 'tset'; expected train, validation or test"], id="bad-split-value"),
    pytest.param("a,b,label,split\n1,2,0,train\n3,4,1,\n", {"split_column": "split"},
                 ["d.csv:3:", "split column 'split' is empty"], id="empty-split-value"),
    pytest.param("a,b,label\n1,2,0\n", {"time_column": "when"}, ["d.csv:1:", "no time column 'when'"], id="missing-time"),
    pytest.param("a,b,label\n1,2,\n3,4,\n", {}, ["d.csv:1:", "target column 'label' holds no values"], id="empty-target"),
]


@pytest.mark.parametrize(("text", "extra", "expected"), CSV_CASES)
def test_bad_csv(tmp_path, text, extra, expected):
    write(tmp_path, "d.csv", text)
    result = lint(tmp_path, {"data": {"path": "d.csv", "target_column": "label", **extra}})
    assert_clean_failure(result, *expected)


def test_csv_not_utf8(tmp_path):
    (tmp_path / "d.csv").write_bytes(b"a,b,label\nx,1,0\n\xff\xfe,2,1\n")
    assert_clean_failure(lint(tmp_path, {"data": {"path": "d.csv", "target_column": "label"}}),
                         "d.csv:3:", "not UTF-8")


def test_missing_data_file_names_the_record_line(tmp_path):
    result = lint(tmp_path, {"problem": {"type": "regression"}, "data": {"path": "nowhere.csv"}})
    assert_clean_failure(result, "experiment.yaml:4:3:", "data.path: no such data file 'nowhere.csv'")


def test_missing_split_file_names_the_record_line(tmp_path):
    write(tmp_path, "train.csv", "a,y\n1,0\n")
    result = lint(tmp_path, {"splits": {"files": {"train": "train.csv", "test": "gone.csv"}}})
    assert_clean_failure(result, "experiment.yaml:4:", "splits.files.test: no such data file 'gone.csv'")


def test_unknown_data_file_kind(tmp_path):
    write(tmp_path, "d.xlsx", "not really")
    assert_clean_failure(lint(tmp_path, {"data": {"path": "d.xlsx"}}), "experiment.yaml:2:", "expected .csv")


def test_split_files_with_different_kinds_of_values(tmp_path):
    write(tmp_path, "train.csv", "a,y\n1,0\n2,1\n")
    write(tmp_path, "test.csv", "a,y\nlow,0\nhigh,1\n")
    result = lint(tmp_path, {"data": {"target_column": "y"}, "splits": {"files": {"train": "train.csv", "test": "test.csv"}}})
    assert_clean_failure(result, "test.csv:1:1:", "column 'a' holds text here but numbers in train.csv")


def test_split_file_missing_a_column(tmp_path):
    write(tmp_path, "train.csv", "a,b,y\n1,2,0\n")
    write(tmp_path, "test.csv", "a,y\n1,0\n")
    result = lint(tmp_path, {"data": {"target_column": "y"}, "splits": {"files": {"train": "train.csv", "test": "test.csv"}}})
    assert_clean_failure(result, "test.csv:1:", "no column 'b' (it is a column of train.csv)")


def test_pickled_npz_is_refused_without_unpickling(tmp_path):
    marker = tmp_path / "unpickled"
    np.savez(tmp_path / "d.npz", X=np.array([[1.0]]), y=np.array([_Exploit(str(marker))], dtype=object))
    result = lint(tmp_path, {"data": {"path": "d.npz"}})
    assert_clean_failure(result, "d.npz", "holds Python objects (pickles)")
    assert not marker.exists()


class _Exploit:
    """Unpickling this would create a file: the advisor must never do it."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_truncated_npz(tmp_path):
    buffer = io.BytesIO()
    np.savez(buffer, X=np.arange(1000.0).reshape(100, 10), y=np.arange(100))
    (tmp_path / "d.npz").write_bytes(buffer.getvalue()[:700])
    assert_clean_failure(lint(tmp_path, {"data": {"path": "d.npz"}}), "d.npz", "not a readable NPZ")


def test_npz_member_declaring_a_huge_array_is_refused(tmp_path):
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1))
    header["shape"] = (10**12,)
    member = io.BytesIO()
    np.lib.format.write_array_header_1_0(member, header)
    member.write(b"\x00" * 64)
    with zipfile.ZipFile(tmp_path / "d.npz", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("X.npy", member.getvalue())
    assert_clean_failure(lint(tmp_path, {"data": {"path": "d.npz"}}), "d.npz", "array 'X' declares", "corrupt")


def test_npz_arrays_of_different_lengths(tmp_path):
    np.savez(tmp_path / "d.npz", X=np.zeros((5, 2)), y=np.zeros(4))
    assert_clean_failure(lint(tmp_path, {"data": {"path": "d.npz"}}), "d.npz", "'y' has 4 rows but 'X' has 5")


def test_corrupt_parquet(tmp_path):
    (tmp_path / "d.parquet").write_bytes(b"PAR1" + b"\x00" * 100)
    assert_clean_failure(lint(tmp_path, {"data": {"path": "d.parquet"}}), "d.parquet", "not a readable Parquet file")


def test_oversized_data_file_is_refused_before_reading(tmp_path):
    with open(tmp_path / "huge.csv", "wb") as handle:  # sparse: takes no disk space
        handle.truncate(2 * 1024**3)
    write(tmp_path, "experiment.yaml", {"data": {"path": "huge.csv"}})
    result = run_advisor("lint", "experiment.yaml", cwd=tmp_path, memory_cap=1024**3)
    assert_clean_failure(result, "huge.csv", "2.0 GiB", "refused")
