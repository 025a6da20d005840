"""The three packages pass mypy with the settings in pyproject.toml ([tool.mypy])."""

from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_mypy_finds_nothing_in_the_packages():
    # The default .mypy_cache (gitignored) keeps repeated runs incremental.
    result = subprocess.run([sys.executable, "-m", "mypy", "advisor", "rules", "reference_trainer"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
