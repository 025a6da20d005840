"""README.md stays true: its rule table lists every registered rule, and its commands exist."""

from __future__ import annotations

import os
import re

from advisor.cli import BUILTIN_COMMANDS
from advisor.registry import load_registry

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()


def test_rule_table_lists_every_rule_with_its_name_and_severity():
    rows = dict(re.findall(r"^\| \[(\w+)\]\(docs/rules/\w+\.md\) \| ([\w-]+) \|", README, re.MULTILINE))
    registered = {rule.code: rule.name for rule in load_registry().rules}
    assert rows == registered


def test_ci_runs_the_readme_test_command():
    marker = README.index("<!-- ci: test command -->")
    block = README[marker:].split("```", 2)[1]
    assert "pytest" in block and 'pip install -e ".[test]"' in block
    ci = open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8").read()
    assert "<!-- ci: test command -->" in ci


def test_documented_commands_exist():
    for name in re.findall(r"`advisor (\w+)", README):
        assert name in BUILTIN_COMMANDS or name == "train", name
    assert os.path.isdir(os.path.join(ROOT, "examples"))
