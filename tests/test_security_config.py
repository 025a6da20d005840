"""Hostile configuration files and reader crashes never end in a traceback: `lint`, `next` and
`fix` each print one message naming the file and exit 2 (exit 1 would read as "findings" in CI)."""

from __future__ import annotations

import pytest

from tests.advisor_cli import GOOD_RECORD, run_advisor, write

MEMORY_CAP = 2 * 1024 ** 3
COMMANDS = ("lint", "next", "fix")


def _one_error(result, *expected: str) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("advisor: error: "), result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_5000_digit_integer_in_pyproject_is_one_message(tmp_path, command):
    write(tmp_path, "experiment.yaml", GOOD_RECORD)
    write(tmp_path, "pyproject.toml", "[tool.advisor]\nignore = []\n\n[tool.other]\nseed = " + "7" * 5000 + "\n")
    result = run_advisor(command, "experiment.yaml", cwd=tmp_path, timeout=60, memory_cap=MEMORY_CAP)
    _one_error(result, "pyproject.toml:5:", "more than 4,300 digits")


@pytest.mark.parametrize("command", COMMANDS)
def test_select_nested_5000_deep_in_advisor_toml_is_one_message(tmp_path, command):
    write(tmp_path, "experiment.yaml", GOOD_RECORD)
    write(tmp_path, "advisor.toml", "select = " + "[" * 5000 + "]" * 5000 + "\n")
    result = run_advisor(command, "experiment.yaml", cwd=tmp_path, timeout=60, memory_cap=MEMORY_CAP)
    _one_error(result, "advisor.toml", "nested too deeply")


def _history_with_a_huge_integer(tmp_path) -> None:
    """A History JSON whose second loss has 5,001 digits: past Python's int conversion limit, the
    kind of reader failure `advisor lint` reports as one message."""
    write(tmp_path, "history.json", '{"loss": [0.7, 1' + "0" * 5000 + "]}")


@pytest.mark.parametrize("target", ["experiment.yaml", "history.json"])
def test_fix_reports_a_reader_failure_as_lint_does(tmp_path, target):
    _history_with_a_huge_integer(tmp_path)
    write(tmp_path, "experiment.yaml", "version: 1\nhistory: {file: history.json}\n")
    before = (tmp_path / "experiment.yaml").read_bytes()
    lint = run_advisor("lint", target, cwd=tmp_path, timeout=60)
    fix = run_advisor("fix", target, cwd=tmp_path, timeout=60)
    assert _one_error(fix, target) == _one_error(lint, target)
    assert (tmp_path / "experiment.yaml").read_bytes() == before
