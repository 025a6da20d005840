"""The project passes its own linter: ruff with the rule set chosen in pyproject.toml ([tool.ruff.lint])."""

from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINTED = ("advisor", "rules", "reference_trainer", "tests", "benchmarks", "examples")


def _ruff(*args: str, cwd: str = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing_in_the_project():
    result = _ruff("check", "--no-cache", *LINTED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_reads_the_projects_rule_set(tmp_path):
    """The configuration is the one ruff applies: an unused import (F401) and a mutable default
    (B006) fail, a zip without strict= (B905, left out) does not."""
    sample = tmp_path / "sample.py"
    sample.write_text("import os\n\n\ndef f(items=[]):\n    return list(zip(items, items))\n", encoding="utf-8")
    result = _ruff("check", "--no-cache", "--config", os.path.join(ROOT, "pyproject.toml"), "--output-format",
                   "concise", str(sample))
    assert result.returncode == 1
    assert "F401" in result.stdout and "B006" in result.stdout and "B905" not in result.stdout
