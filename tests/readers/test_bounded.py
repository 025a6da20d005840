"""Bounded work and memory for every reader: each hostile input that once hung the advisor or took
gigabytes is run through the real CLI with its address space capped and a timeout, and must end in
one clear message (the limit crossed, how to profile a sample instead) well within 1 GB."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.advisor_cli import ADVISOR
from tests.readers import hostile

#: Address space the child may map: far more than its resident memory, since pyarrow reserves
#: large arenas it never touches (a guard against runaway allocation; the budget is PEAK_BUDGET).
ADDRESS_CAP = 3 * 1024 * 1024 * 1024
#: Resident memory the child may reach.
PEAK_BUDGET = 1024 * 1024 * 1024
#: Seconds before a run counts as a hang.
TIMEOUT = 60

#: Caps the address space (inherited by the child), runs the command, then reports the child's
#: peak resident memory on the last line of stderr.
_CAPPED = ("import resource, subprocess, sys; cap = int(sys.argv[1]); "
           "resource.setrlimit(resource.RLIMIT_AS, (cap, cap)); code = subprocess.call(sys.argv[2:]); "
           "sys.stderr.write('\\npeak %d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
           "sys.exit(code)")


def run_bounded(*args: str, cwd) -> tuple[int, str, str, int]:
    """Run `advisor ARGS...` capped at ADDRESS_CAP, killed after TIMEOUT seconds.

    Returns:
        (exit code, stdout, stderr, peak resident bytes).
    """
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    try:
        result = subprocess.run([sys.executable, "-c", _CAPPED, str(ADDRESS_CAP), ADVISOR, *args], cwd=str(cwd),
                                env=environment, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"advisor {' '.join(args)} did not answer within {TIMEOUT} s")
    stderr, _, peak = result.stderr.rstrip("\n").rpartition("\npeak ")
    return result.returncode, result.stdout, stderr, int(peak) * 1024


def assert_refused(result: tuple[int, str, str, int], *expected: str) -> str:
    """Exit 2, one `advisor: error:` line holding every `expected` text, no traceback, within budget."""
    code, stdout, stderr, peak = result
    assert code == 2, (code, stdout[-2000:], stderr[-2000:])
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr[-2000:]
    errors = [line for line in stderr.splitlines() if line.startswith("advisor: error:")]
    assert len(errors) == 1, stderr[-2000:]
    for text in expected:
        assert text in errors[0], f"{text!r} not in {errors[0]!r}"
    assert peak < PEAK_BUDGET, f"peak {peak / 2**20:.0f} MiB"
    return errors[0]


def test_wide_csv_is_refused_by_its_column_count(tmp_path):
    target = hostile.wide_csv(str(tmp_path))
    assert_refused(run_bounded("lint", "--no-cache", target, cwd=tmp_path),
                   "wide.csv", "50,000 columns, over the limit of 20,000", "profile a sample")


def test_many_columns_are_checked_in_linear_time(tmp_path):
    """19,000 distinct columns (under the limit) are read and profiled; the duplicate-column check
    that was quadratic in the column count is linear (it took 65 s for 50,000)."""
    names = [f"c{index}" for index in range(19_000)]
    (tmp_path / "wide.csv").write_text(",".join(names) + "\n" + ",".join(["1"] * len(names)) + "\n"
                                       + ",".join(["2"] * len(names)) + "\n")
    (tmp_path / "experiment.yaml").write_text("data: {path: wide.csv}\n")
    code, stdout, stderr, peak = run_bounded("lint", "--no-cache", "--format", "json", "experiment.yaml", cwd=tmp_path)
    assert code in (0, 1), stderr[-2000:]
    assert json.loads(stdout)["summary"]
    assert peak < PEAK_BUDGET


def test_duplicate_column_among_many_is_named(tmp_path):
    names = [f"c{index}" for index in range(15_000)] + ["c7"]
    (tmp_path / "wide.csv").write_text(",".join(names) + "\n" + ",".join(["1"] * len(names)) + "\n")
    (tmp_path / "experiment.yaml").write_text("data: {path: wide.csv}\n")
    assert_refused(run_bounded("lint", "--no-cache", "experiment.yaml", cwd=tmp_path),
                   "the header names column 'c7' twice")


def test_long_header_line_is_refused(tmp_path):
    target = hostile.long_header_csv(str(tmp_path), megabytes=200)
    assert_refused(run_bounded("lint", "--no-cache", target, cwd=tmp_path), "long.csv:1:", "header row")


def test_header_longer_than_the_read_is_refused(tmp_path):
    """A header of many short names, longer than the 1 MiB read."""
    names = ",".join(f"column_{index}" for index in range(150_000))
    (tmp_path / "long.csv").write_text(names + "\n" + "1\n")
    (tmp_path / "experiment.yaml").write_text("data: {path: long.csv}\n")
    assert_refused(run_bounded("lint", "--no-cache", "experiment.yaml", cwd=tmp_path),
                   "long.csv:1:", "header row is longer than 1 MiB", "profile a sample")


def test_parquet_that_expands_is_refused_early(tmp_path):
    target = hostile.expanding_parquet(str(tmp_path), gigabytes=2.5)
    assert_refused(run_bounded("lint", "--no-cache", target, cwd=tmp_path),
                   "big.parquet", "limit of the data profile", "profile a sample")


def test_npz_of_compressed_zeros_is_refused_before_loading(tmp_path):
    target = hostile.zeros_npz(str(tmp_path), megabytes=400)
    assert_refused(run_bounded("lint", "--no-cache", target, cwd=tmp_path),
                   "zeros.npz", "MiB of memory once read", "640 MiB limit", "profile a sample")


def test_two_files_share_one_budget(tmp_path):
    """Each split file fits alone; together they cross the limit, and the message says so."""
    import numpy as np

    rows = 250 * 1024 * 1024 // (8 * 50)
    for split in ("train", "test"):
        np.savez(tmp_path / f"{split}.npz", X=np.ones((rows, 50)), y=np.ones(rows))
    (tmp_path / "experiment.yaml").write_text("splits: {files: {train: train.npz, test: test.npz}}\n")
    assert_refused(run_bounded("lint", "--no-cache", "experiment.yaml", cwd=tmp_path),
                   "test.npz", "besides", "for the record's other data files")


def test_store_with_a_generated_zeroblob_column_is_read_within_budget(tmp_path):
    """A 20 KB store whose runs table computes a 900 MB blob per row: only the columns the reader
    needs are selected, so the blob is never built and the run is read."""
    target = hostile.zeroblob_store(str(tmp_path))
    assert os.path.getsize(tmp_path / target) < 2 * 1024 * 1024
    code, stdout, stderr, peak = run_bounded("lint", "--no-cache", "--format", "json", target, cwd=tmp_path)
    assert code in (0, 1), stderr[-2000:]
    assert json.loads(stdout)["summary"]
    assert peak < PEAK_BUDGET


@pytest.mark.skipif(sys.version_info < (3, 11), reason="Connection.setlimit (SQLite's length limit) is Python 3.11+")
def test_store_value_built_by_sqlite_past_the_length_limit_is_refused(tmp_path):
    """A param whose value SQLite would expand to 900 MB (a generated column) is refused by SQLite's
    own length limit, with one message."""
    import sqlite3

    path = tmp_path / "mlflow.db"
    hostile.mlflow_store(str(path))
    connection = sqlite3.connect(path)
    connection.executescript("ALTER TABLE params RENAME TO params_kept;"
                             "CREATE TABLE params (key TEXT, run_uuid TEXT, value BLOB GENERATED ALWAYS AS "
                             "(zeroblob(900000000)) VIRTUAL);"
                             "INSERT INTO params (key, run_uuid) SELECT key, run_uuid FROM params_kept;")
    connection.close()
    assert_refused(run_bounded("lint", "--no-cache", "mlflow.db", cwd=tmp_path),
                   "mlflow.db", "holds a value longer than 1,048,576 bytes")


def test_store_with_too_many_metric_values_is_refused_at_once(tmp_path):
    """(The store of 5 million values took 95 s and 2.8 GB; `benchmarks/fuzz.py` replays that one.)"""
    target = hostile.many_metrics_store(str(tmp_path), rows=300_000)
    assert_refused(run_bounded("lint", "--no-cache", target, cwd=tmp_path),
                   "mlflow.db", "300,000 metric values, over the limit of 250,000", "fewer runs")


def test_model_json_under_the_size_cap_with_too_many_layers_is_refused(tmp_path):
    """60 MB of Dense layers in a model JSON (under the 64 MB cap) took 51 s and 2-4 GB."""
    target = hostile.huge_model_json(str(tmp_path), megabytes=60)
    assert os.path.getsize(tmp_path / target) > 50 * 1024 * 1024
    assert_refused(run_bounded("lint", "--no-cache", target, cwd=tmp_path),
                   "model.json", "more than 10,000 layers")


def test_large_model_json_is_read_without_positions(tmp_path):
    """A model of 5,000 layers (about 3 MB) is read, its findings located by pointer (a relu output
    under binary crossentropy: MC01 on the last layer)."""
    target = hostile.huge_model_json(str(tmp_path), megabytes=3, loss="binary_crossentropy")
    code, stdout, stderr, peak = run_bounded("lint", "--no-cache", "--format", "json", "--select", "ALL", target,
                                             cwd=tmp_path)
    assert code in (0, 1), stderr[-2000:]
    findings = json.loads(stdout)["findings"]
    assert [finding["code"] for finding in findings if finding["pointer"].startswith("/config/layers/")] == ["MC01"]
    assert peak < PEAK_BUDGET
