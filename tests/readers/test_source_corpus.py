"""The training-code corpus: real Keras and scikit-learn scripts and notebooks, each with the findings
it must get at its line of code and the rules that must stay silent on it (tests/readers/
source_corpus.yaml). Notebooks are written by nbformat, data files by pandas."""

from __future__ import annotations

import os
import shutil

import pytest
import yaml

from advisor.lint import build_config, lint_paths
from advisor.severity import Severity

HERE = os.path.dirname(__file__)
CORPUS = os.path.join(HERE, "source_corpus")
with open(os.path.join(HERE, "source_corpus.yaml"), encoding="utf-8") as handle:
    EXPECTED = yaml.safe_load(handle)


def write_notebook(path: str, cells: list) -> str:
    """Write `cells` (code strings, or {markdown: text}) as an nbformat 4 notebook."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(cell["markdown"]) if isinstance(cell, dict)
                      else nbformat.v4.new_code_cell(cell.rstrip("\n")) for cell in cells]
    nbformat.write(notebook, path)
    return path


def write_classification_csv(path: str) -> None:
    """6,000 rows of 8 features and a binary `label`, made by scikit-learn, written by pandas."""
    import pandas as pd
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=6000, n_features=8, random_state=0)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(8)])
    frame["label"] = y
    frame.to_csv(path, index=False)


def _lint(path: str):
    result = lint_paths([path], build_config(select=["ALL"]), keep_going=True)
    assert not result.errors, [error.format() for error in result.errors]
    return result.findings


def _check(findings, expected: dict, where) -> None:
    got = {f"{finding.code}:{where(finding)}" for finding in findings}
    codes = {finding.code for finding in findings}
    for wanted in expected.get("findings", []):
        assert wanted in got, (wanted, sorted(got))
    for code in expected.get("silent", []):
        assert code not in codes, (code, [f.message for f in findings if f.code == code])
    if expected.get("clean"):
        allowed = set(expected.get("allow", []))
        loud = [f"{f.code} {f.message}" for f in findings if f.severity >= Severity.WARNING and f.code not in allowed]
        assert loud == []
    if expected.get("none"):
        assert findings == []


@pytest.mark.parametrize("name", sorted(EXPECTED["scripts"]))
def test_script(tmp_path, name):
    expected = EXPECTED["scripts"][name] or {}
    path = shutil.copy(os.path.join(CORPUS, name), tmp_path / name)
    if expected.get("data"):
        write_classification_csv(str(tmp_path / expected["data"]))
    findings = _lint(str(path))
    for finding in findings:
        assert finding.path == str(path), finding
    _check(findings, expected, lambda f: f.line)


@pytest.mark.parametrize("name", sorted(EXPECTED["notebooks"]))
def test_notebook(tmp_path, name):
    expected = EXPECTED["notebooks"][name]
    path = write_notebook(str(tmp_path / name), expected["cells"])
    findings = _lint(path)
    for finding in findings:
        assert finding.path.startswith(path + ":cell ") or finding.line is None, finding
    _check(findings, expected, lambda f: f"{f.path.rsplit(':', 1)[-1]}:{f.line}")


def test_corpus_covers_the_workflow():
    """At least 30 scripts and 5 notebooks; every corpus file has its expectations, and back."""
    scripts = EXPECTED["scripts"]
    assert len(scripts) >= 30 and len(EXPECTED["notebooks"]) >= 5
    assert set(scripts) == {name for name in os.listdir(CORPUS) if name.endswith(".py")}
    found = {wanted.split(":")[0] for case in [*scripts.values(), *EXPECTED["notebooks"].values()]
             for wanted in (case or {}).get("findings", [])}
    assert {"LK01", "LK03", "LK06", "EP08", "MC01", "MC04", "MC07"} <= found
    assert sum(1 for case in scripts.values() if (case or {}).get("clean")) >= 2
