"""The Python examples of README.md run as shown: each ```python block after a
`<!-- snippet: runs -->` line runs in a fresh interpreter in an empty folder (Keras on JAX), and
the asserts it holds must pass."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def snippets() -> list[str]:
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    return re.findall(r"^<!-- snippet: runs -->\n```python\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


def test_the_readme_has_runnable_snippets():
    assert len(snippets()) >= 2
    assert all("assert " in code for code in snippets())  # each checks what it shows


@pytest.mark.parametrize("index", range(len(snippets())))
def test_snippet_runs(index, tmp_path):
    env = {**os.environ, "KERAS_BACKEND": "jax", "NO_COLOR": "1"}
    result = subprocess.run([sys.executable, "-c", snippets()[index]], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
