"""Acceptance: what a new user and a CI job ran into, through the real console script.

Each test is a regression test for a defect found by using the installed program as the README
says: a report written over a file the lint read, a named pipe that hung the run, Windows line
endings doubled by `advisor fix`, unhelpful messages for tabs, dates and unsearchable folders.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.advisor_cli import ADVISOR, BAD_RECORD, assert_clean_failure, run_advisor, write

HISTORY_CSV = "epoch,loss,val_loss\n0,0.9,0.95\n1,0.7,0.8\n2,0.6,0.75\n3,0.5,0.74\n"
RECORD_WITH_HISTORY = BAD_RECORD + "history: {file: history.csv}\n"


# --- --output never replaces what the lint read --------------------------------------------------

@pytest.mark.parametrize("cache", ["--no-cache", "warm-cache"])
def test_output_never_overwrites_a_record_found_in_a_directory(tmp_path, cache):
    record = write(tmp_path, "runs/a/experiment.yaml", BAD_RECORD)
    options = ["--no-cache"] if cache == "--no-cache" else []
    if cache == "warm-cache":
        assert run_advisor("lint", "runs", cwd=tmp_path).returncode == 1  # fills the cache
    result = run_advisor("lint", *options, "--output", "runs/a/experiment.yaml", "runs", cwd=tmp_path)
    assert_clean_failure(result, "--output runs/a/experiment.yaml", "refusing to overwrite it")
    with open(record, encoding="utf-8") as handle:
        assert handle.read() == BAD_RECORD


@pytest.mark.parametrize("cache", ["--no-cache", "warm-cache"])
def test_output_never_overwrites_a_file_a_record_names(tmp_path, cache):
    write(tmp_path, "experiment.yaml", RECORD_WITH_HISTORY)
    history = write(tmp_path, "history.csv", HISTORY_CSV)
    options = ["--no-cache"] if cache == "--no-cache" else []
    if cache == "warm-cache":
        assert run_advisor("lint", "experiment.yaml", cwd=tmp_path).returncode == 1
    result = run_advisor("lint", *options, "--output", "history.csv", "experiment.yaml", cwd=tmp_path)
    assert_clean_failure(result, "--output history.csv", "refusing to overwrite it")
    with open(history, encoding="utf-8") as handle:
        assert handle.read() == HISTORY_CSV


def test_output_may_replace_an_earlier_report(tmp_path):
    write(tmp_path, "experiment.yaml", BAD_RECORD)
    write(tmp_path, "report.txt", "an old report\n")
    result = run_advisor("lint", "--output", "report.txt", ".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "MC01" in (tmp_path / "report.txt").read_text()


# --- named pipes and devices: refused, never read ----------------------------------------------

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


@needs_fifo
@pytest.mark.parametrize("command", ["lint", "next", "fix"])
@pytest.mark.parametrize("field, name", [("history", "history.json"), ("model", "model.keras")])
def test_a_named_pipe_named_by_a_record_is_refused_without_blocking(tmp_path, command, field, name):
    os.mkfifo(tmp_path / name)
    write(tmp_path, "experiment.yaml", f"version: 1\n{field}: {{file: {name}}}\n")
    result = run_advisor(command, "experiment.yaml", cwd=tmp_path, timeout=30)
    assert_clean_failure(result, "experiment.yaml:2:", f"{field}.file", "is a FIFO (named pipe), not a regular file")


@needs_fifo
def test_a_named_pipe_or_a_device_given_as_input_is_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    os.mkdir(tmp_path / "runs")
    os.mkfifo(tmp_path / "runs" / "experiment.yaml")
    for path, kind in (("pipe", "a FIFO"), (os.devnull, "a device"), ("runs", "a FIFO")):
        result = run_advisor("lint", "--no-cache", path, cwd=tmp_path, timeout=30)
        assert_clean_failure(result, kind, "not a regular file or a directory")


def _as_unprivileged() -> list[str]:
    """A command prefix that takes away root's permission to read anything (the tests may run as
    root in a container, where chmod alone hides nothing)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("running as root without setpriv: cannot test file permissions")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_a_folder_without_search_permission_names_the_permission_problem(tmp_path):
    write(tmp_path, "runs/hidden/experiment.yaml", BAD_RECORD)
    os.chmod(tmp_path / "runs" / "hidden", 0o600)  # listable, but its files cannot be opened
    try:
        result = subprocess.run([*_as_unprivileged(), ADVISOR, "lint", "--no-cache", "runs"], cwd=tmp_path,
                                capture_output=True, text=True, timeout=60)
    finally:
        os.chmod(tmp_path / "runs" / "hidden", 0o755)
    assert_clean_failure(result, "runs/hidden/experiment.yaml: cannot be read: Permission denied")


@needs_fifo
def test_a_named_pipe_named_as_data_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.csv")
    write(tmp_path, "experiment.yaml", "version: 1\ndata: {path: pipe.csv}\n")
    result = run_advisor("lint", "--no-cache", "experiment.yaml", cwd=tmp_path, timeout=30)
    assert_clean_failure(result, "experiment.yaml:2:", "data.path", "is a FIFO (named pipe), not a regular file")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_an_unreadable_data_file_names_the_permission_problem(tmp_path):
    write(tmp_path, "d.csv", "a,b\n1,2\n3,4\n")
    write(tmp_path, "experiment.yaml", "version: 1\ndata: {path: d.csv, target_column: b}\n")
    os.chmod(tmp_path / "d.csv", 0o000)
    try:
        result = subprocess.run([*_as_unprivileged(), ADVISOR, "lint", "--no-cache", "experiment.yaml"], cwd=tmp_path,
                                capture_output=True, text=True, timeout=60)
    finally:
        os.chmod(tmp_path / "d.csv", 0o644)
    assert_clean_failure(result, "d.csv: cannot be read: Permission denied")
    assert "internal error" not in result.stderr


# --- advisor fix keeps Windows line endings -----------------------------------------------------

def test_fix_keeps_crlf_on_an_edited_line_with_a_comment(tmp_path):
    record = ("version: 1\nproblem: {type: binary_classification, target: y}\nmodel:\n"
              "  loss: mse   # chosen by hand\n  layers: [{type: dense, units: 1, activation: sigmoid}]\n# end\n")
    path = tmp_path / "experiment.yaml"
    path.write_bytes(record.replace("\n", "\r\n").encode())
    result = run_advisor("fix", "--select", "MC03", "experiment.yaml", cwd=tmp_path)
    assert "Traceback" not in result.stderr
    fixed = path.read_bytes().decode()
    assert "\r\r" not in fixed
    assert fixed.count("\r\n") == fixed.count("\n") == record.count("\n")
    assert "loss: binary_crossentropy   # chosen by hand\r\n" in fixed  # the spacing the user chose


# --- messages a newcomer can act on --------------------------------------------------------------

def test_a_tab_in_yaml_indentation_is_named(tmp_path):
    write(tmp_path, "experiment.yaml", "version: 1\nmodel:\n\tloss: mse\n")
    result = run_advisor("lint", "experiment.yaml", cwd=tmp_path)
    assert_clean_failure(result, "experiment.yaml:3:1: invalid YAML: found a tab character", "spaces")


def test_a_toml_date_where_a_number_belongs_reads_as_a_date(tmp_path):
    write(tmp_path, "experiment.toml", "version = 1\n[baseline]\nscore = 1979-05-27T07:32:00Z\n")
    result = run_advisor("lint", "experiment.toml", cwd=tmp_path)
    line = assert_clean_failure(result, "experiment.toml:3:1: baseline.score: expected a number")
    assert line.endswith("received a date-time 1979-05-27T07:32:00+00:00"), line


def test_help_describes_plugin_commands(tmp_path):
    result = run_advisor("--help", cwd=tmp_path)
    assert result.returncode == 0
    train = next(line for line in result.stdout.splitlines() if line.strip().startswith("train"))
    assert "Run the experiment" in train, train


# --- configuration files -------------------------------------------------------------------------

@needs_fifo
@pytest.mark.parametrize("command", ["lint", "next", "fix"])
def test_a_named_pipe_given_as_config_is_refused_without_blocking(tmp_path, command):
    write(tmp_path, "experiment.yaml", BAD_RECORD)
    os.mkfifo(tmp_path / "advisor.toml")
    result = run_advisor(command, "--config", "advisor.toml", "experiment.yaml", cwd=tmp_path, timeout=30)
    assert_clean_failure(result, "advisor.toml: is a FIFO (named pipe), not a regular file",
                         "expected a TOML file of advisor settings")


def test_an_empty_config_file_means_the_defaults(tmp_path):
    write(tmp_path, "experiment.yaml", BAD_RECORD)
    write(tmp_path, "advisor.toml", "\n")
    found = run_advisor("lint", "experiment.yaml", cwd=tmp_path)
    given = run_advisor("lint", "--config", "advisor.toml", "experiment.yaml", cwd=tmp_path)
    assert found.returncode == given.returncode == 1, (found.stderr, given.stderr)
    assert "MC01" in found.stdout and "MC01" in given.stdout


# --- symbolic links ------------------------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links")
def test_fix_writes_through_a_symlinked_record_and_keeps_the_link(tmp_path):
    record = "version: 1\nproblem: {type: binary_classification, target: y}\nmodel:\n  loss: mse  # keep\n"
    target = write(tmp_path, "common/experiment.yaml", record)
    os.chmod(target, 0o640)
    os.makedirs(tmp_path / "project")
    os.symlink(os.path.join("..", "common", "experiment.yaml"), tmp_path / "project" / "experiment.yaml")
    result = run_advisor("fix", "--select", "MC03", "project/experiment.yaml", cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert os.path.islink(tmp_path / "project" / "experiment.yaml")
    with open(target, encoding="utf-8") as handle:
        assert "  loss: binary_crossentropy  # keep\n" in handle.read()
    assert os.stat(target).st_mode & 0o777 == 0o640


# --- file names that are not UTF-8 ---------------------------------------------------------------

def _folder_with_an_undecodable_name(tmp_path) -> None:
    folder = os.path.join(os.fsencode(tmp_path), b"bad\xffname")
    try:
        os.mkdir(folder)
    except (OSError, UnicodeError):
        pytest.skip("this file system accepts only UTF-8 file names")
    with open(os.path.join(folder, b"experiment.yaml"), "w", encoding="utf-8") as handle:
        handle.write(BAD_RECORD)


@pytest.mark.parametrize("args", [("lint",), ("lint", "--format", "sarif"), ("lint", "--format", "github"),
                                  ("lint", "--format", "junit"), ("next",), ("fix", "--diff")])
def test_a_file_name_that_is_not_utf8_is_reported_not_a_traceback(tmp_path, args):
    _folder_with_an_undecodable_name(tmp_path)
    result = subprocess.run([ADVISOR, *args, "."], cwd=tmp_path, capture_output=True, timeout=60,
                            env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"})
    assert b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")
    assert result.returncode in (0, 1), result.stderr
    output = result.stdout + result.stderr
    assert b"bad\xffname" in output or b"bad%FFname" in output


def test_a_report_naming_a_file_that_is_not_utf8_is_written(tmp_path):
    _folder_with_an_undecodable_name(tmp_path)
    result = run_advisor("lint", "--output", "report.txt", ".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert b"bad\xffname/experiment.yaml:6:" in (tmp_path / "report.txt").read_bytes()
