"""A third-party pack ships a fix and advice through the `advisor.remedies` entry point group, and
the advisor treats them as it treats the built-in pack's: `advisor lint` counts the finding as
fixable, `advisor fix` applies the edit with the rule's configured options, `advisor next` prints
the advice. The pack is tests/data/rule_pack (its dist-info on PYTHONPATH installs it), and the
README's "Writing a rule pack" shows its code."""

from __future__ import annotations

import json
import os
import re

from tests.advisor_cli import run_advisor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULE_PACK = os.path.join(ROOT, "tests", "data", "rule_pack")
PACK_ENV = {"PYTHONPATH": RULE_PACK}


def _project(tmp_path, options: str = ""):
    """A project selecting only the pack's ZZ01, with `options` appended to its configuration."""
    (tmp_path / "experiment.yaml").write_text("model: {epochs: 500}\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.advisor]\nselect = ["ZZ01"]\n\n' + options, encoding="utf-8")
    return tmp_path


def test_lint_counts_the_pack_finding_as_fixable(tmp_path):
    project = _project(tmp_path)
    result = run_advisor("lint", "--format", "json", "--no-cache", "experiment.yaml",
                         cwd=project, env=PACK_ENV)
    assert result.returncode == 1, result.stderr
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["code"], finding["remedy"], finding["fix"]) == ("ZZ01", "cap_epochs", "safe")


def test_fix_applies_the_pack_edit_with_the_configured_option(tmp_path):
    project = _project(tmp_path, "[tool.advisor.rules.ZZ01]\nmax_epochs = 40\n")
    result = run_advisor("fix", "experiment.yaml", cwd=project, env=PACK_ENV)
    assert result.returncode == 0, result.stderr
    assert "ZZ01 cap_epochs: /model/epochs: 500 -> 40" in result.stdout
    assert (project / "experiment.yaml").read_text(encoding="utf-8") == "model: {epochs: 40}\n"
    again = run_advisor("fix", "experiment.yaml", cwd=project, env=PACK_ENV)
    assert "Fixed 0 findings" in again.stdout and (project / "experiment.yaml").read_text() == "model: {epochs: 40}\n"


def test_next_prints_the_pack_advice_with_its_fix_command(tmp_path):
    project = _project(tmp_path)
    result = run_advisor("next", "--format", "json", "experiment.yaml", cwd=project, env=PACK_ENV)
    assert result.returncode in (0, 1), result.stderr
    steps = [step for step in json.loads(result.stdout)["steps"] if step["codes"] == ["ZZ01"]]
    assert [(step["text"], step["remedy"], step["command"]) for step in steps] == [
        ("Train for at most max_epochs epochs, and let early stopping end the run.", "cap_epochs",
         "advisor fix --select ZZ01 experiment.yaml")]


def test_the_readme_shows_the_pack_code_these_tests_run():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    blocks = re.findall(r"^<!-- snippet: test pack -->\n```(?:python|toml)\n(.*?)^```", readme, re.MULTILINE | re.DOTALL)
    assert len(blocks) == 2
    with open(os.path.join(RULE_PACK, "advisor_test_pack.py"), encoding="utf-8") as handle:
        pack = handle.read()
    with open(os.path.join(RULE_PACK, "advisor_test_pack-0.0.0.dist-info", "entry_points.txt"), encoding="utf-8") as handle:
        entry_points = handle.read()
    python = next(block for block in blocks if "def cap_epochs" in block)
    assert python in pack
    toml = next(block for block in blocks if "advisor.remedies" in block)
    assert "advisor_test_pack:REMEDIES" in entry_points and '"advisor.remedies"' in toml
