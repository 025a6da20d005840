"""Findings say how to fix them: `advisor lint` counts what `advisor fix` remedies (and what more
`--unsafe-fixes` does), marks each finding's fix in every format, and `advisor fix` prints the diff
of what it wrote.

The counts are checked against what `advisor fix` then does on the same records (the examples,
with their data files), not against numbers typed here.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess

import pytest

from advisor.fix.remedies import edit_remedy_ids
from advisor.registry import load_remedies
from tests.advisor_cli import run_advisor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
MANY_FINDINGS = os.path.join(ROOT, "tests", "fix", "many_findings.yaml")
FIXED = re.compile(r"^(?:Would fix|Fixed) (\d+) findings?", re.MULTILINE)


def copy_example(tmp_path, name: str) -> str:
    """The example's folder (record and data) copied into `tmp_path`; returns the record's path."""
    shutil.copytree(os.path.join(EXAMPLES, name), tmp_path / name)
    return str(tmp_path / name / "experiment.yaml")


def lint_json(path: str, *extra: str) -> list[dict]:
    result = run_advisor("lint", "--no-cache", "--format", "json", "--exit-zero", *extra, path,
                         cwd=os.path.dirname(path))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["findings"]


def would_fix(path: str, *extra: str) -> int:
    """How many findings `advisor fix --diff` says it would fix."""
    result = run_advisor("fix", "--diff", *extra, path, cwd=os.path.dirname(path))
    assert result.returncode in (0, 1), result.stderr
    return int(FIXED.search(result.stderr).group(1))


def read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


# --- the count ---------------------------------------------------------------------------------

@pytest.mark.parametrize("example", ["breast_cancer", "multilabel", "many_findings"])
def test_the_count_is_what_fix_fixes_safe_and_unsafe(tmp_path, example):
    if example == "many_findings":
        path = str(tmp_path / "experiment.yaml")
        shutil.copy(MANY_FINDINGS, path)
    else:
        path = copy_example(tmp_path, example)
    findings = lint_json(path)
    safe = sum(1 for f in findings if f["fix"] == "safe")
    unsafe = sum(1 for f in findings if f["fix"] == "unsafe")
    assert safe and unsafe, "the record should have fixes of both kinds"
    assert would_fix(path) == safe
    assert would_fix(path, "--unsafe-fixes") == safe + unsafe

    text = run_advisor("lint", "--no-cache", path, cwd=os.path.dirname(path)).stdout.splitlines()
    assert text[-1] == f"[*] {safe} fixable with `advisor fix` ({unsafe} more with `advisor fix --unsafe-fixes`)."
    assert text[-2].startswith(f"Found {len(findings)} findings")


def test_each_finding_is_marked_with_the_command_that_fixes_it(tmp_path):
    path = copy_example(tmp_path, "breast_cancer")
    findings = lint_json(path)
    text = run_advisor("lint", "--no-cache", path, cwd=os.path.dirname(path)).stdout
    remedy_lines = [line for line in text.splitlines() if line.startswith("  remedy: ")]
    expected = []
    for finding in findings:
        if finding["remedy"]:
            command = {"safe": " (advisor fix)", "unsafe": " (advisor fix --unsafe-fixes)", None: ""}[finding["fix"]]
            expected.append(f"  remedy: {finding['remedy']}{command}")
    assert remedy_lines == expected
    training = [f for f in findings if f["remedy"] and load_remedies()[f["remedy"]].stage is not None]
    assert training and all(f["fix"] is None for f in training), "a remedy that needs training is no fix"


def test_only_unsafe_fixes_say_so(tmp_path):
    path = copy_example(tmp_path, "breast_cancer")
    (finding,) = lint_json(path, "--select", "EP02")
    assert finding["fix"] == "unsafe"
    text = run_advisor("lint", "--no-cache", "--select", "EP02", path, cwd=os.path.dirname(path)).stdout
    assert text.splitlines()[-1] == "No safe fixes available (1 more with `advisor fix --unsafe-fixes`)."


def test_the_count_is_absent_when_nothing_is_fixable(tmp_path):
    path = copy_example(tmp_path, "breast_cancer")
    findings = lint_json(path, "--select", "BL01,DP06")
    assert findings and all(f["fix"] is None for f in findings)
    text = run_advisor("lint", "--no-cache", "--select", "BL01,DP06", path, cwd=os.path.dirname(path)).stdout
    assert text.splitlines()[-1].startswith("Found ")
    assert "fixable" not in text and "fixes" not in text
    assert run_advisor("fix", "--diff", "--unsafe-fixes", "--select", "BL01,DP06", path,
                       cwd=os.path.dirname(path)).returncode == 0, "fix agrees: nothing to edit"


def test_a_training_script_has_remedies_but_no_fix(tmp_path):
    """`advisor fix` does not edit Python code: a script's findings carry their remedy, no fix."""
    shutil.copytree(os.path.join(EXAMPLES, "keras_script"), tmp_path / "keras_script")
    path = str(tmp_path / "keras_script" / "train.py")
    findings = lint_json(path)
    assert any(f["remedy"] in edit_remedy_ids() for f in findings), "the script should have findings a record edit remedies"
    assert all(f["fix"] is None for f in findings)
    text = run_advisor("lint", "--no-cache", path, cwd=os.path.dirname(path)).stdout
    assert "fixable" not in text and "(advisor fix" not in text


def test_a_cached_run_counts_the_same(tmp_path):
    path = copy_example(tmp_path, "breast_cancer")
    env = {"ADVISOR_CACHE_DIR": str(tmp_path / "cache")}
    first, second = (run_advisor("lint", path, cwd=os.path.dirname(path), env=env) for _ in range(2))
    assert os.listdir(tmp_path / "cache"), "the first run should have filled the cache"
    assert second.stdout == first.stdout
    assert "fixable with `advisor fix`" in second.stdout


def test_sarif_carries_the_fix_in_properties(tmp_path):
    path = copy_example(tmp_path, "breast_cancer")
    findings = lint_json(path)
    result = run_advisor("lint", "--format", "sarif", "--exit-zero", path, cwd=os.path.dirname(path))
    results = json.loads(result.stdout)["runs"][0]["results"]
    assert [r["properties"].get("fix") for r in results] == [f["fix"] for f in findings]


def test_every_edit_is_found_in_the_pack():
    """A remedy names its edit by import path (so linting need not import it); each must lead to one."""
    for remedy in load_remedies().values():
        if remedy.id in edit_remedy_ids():
            assert callable(remedy.edit_function()), remedy.id
        else:
            assert remedy.edit is None and remedy.stage, remedy.id


# --- advisor fix shows what it wrote ----------------------------------------------------------

def test_fix_prints_the_diff_it_wrote_and_the_diff_applies(tmp_path):
    path = copy_example(tmp_path, "breast_cancer")
    original = read(path)
    pristine = tmp_path / "pristine"
    pristine.mkdir()
    shutil.copy(path, pristine / "experiment.yaml")

    result = run_advisor("fix", "experiment.yaml", cwd=os.path.dirname(path))

    fixed = read(path)
    assert fixed != original
    expected = "".join(difflib.unified_diff(original.splitlines(keepends=True), fixed.splitlines(keepends=True),
                                            fromfile="experiment.yaml", tofile="experiment.yaml"))
    assert result.stdout.startswith(expected)
    patched = subprocess.run(["patch", "-p0", "--quiet"], input=expected, text=True, cwd=pristine,
                             capture_output=True)
    assert patched.returncode == 0, patched.stderr
    assert read(pristine / "experiment.yaml") == fixed
    assert FIXED.search(result.stdout[len(expected):]), "the summary follows the diff"


def test_fix_quiet_writes_without_the_diff(tmp_path):
    path = copy_example(tmp_path, "breast_cancer")
    original = read(path)
    result = run_advisor("fix", "-q", "experiment.yaml", cwd=os.path.dirname(path))
    assert read(path) != original
    assert "+++ experiment.yaml" not in result.stdout and "@@ " not in result.stdout
    assert FIXED.search(result.stdout)


def test_fix_diff_still_shows_and_writes_nothing(tmp_path):
    path = copy_example(tmp_path, "breast_cancer")
    original = read(path)
    shown = run_advisor("fix", "--diff", "experiment.yaml", cwd=os.path.dirname(path))
    assert shown.returncode == 1
    assert read(path) == original
    written = run_advisor("fix", "experiment.yaml", cwd=os.path.dirname(path))
    assert written.stdout.startswith(shown.stdout), "fix prints the diff --diff previewed"
    assert read(path) != original


def test_fix_prints_no_diff_when_nothing_changes(tmp_path):
    path = copy_example(tmp_path, "breast_cancer")
    run_advisor("fix", "experiment.yaml", cwd=os.path.dirname(path))
    again = run_advisor("fix", "experiment.yaml", cwd=os.path.dirname(path))
    assert "+++ " not in again.stdout and "@@ " not in again.stdout
    assert "Fixed 0 findings" in again.stdout
