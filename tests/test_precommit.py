"""The published pre-commit hook, run by the real `pre-commit try-repo` on a temporary git
repository: it passes on a good record, fails on a bad one naming the rule, and looks only at
experiment records.

pre-commit installs this project into an environment of its own. The environments live in one
PRE_COMMIT_HOME for the whole test session, so the install happens once.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLEAN_RECORD = os.path.join(ROOT, "tests", "records", "clean_binary.yaml")
SIGMOID_OUTPUT = "{type: dense, units: 1, activation: sigmoid}"


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory):
    return str(tmp_path_factory.mktemp("pre-commit-home"))


def _git(repo, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)


def _try_repo(repo, home: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "ADVISOR_", "GIT_"))}
    environment.update({
        "PRE_COMMIT_HOME": home,
        "PRE_COMMIT_COLOR": "never",
        "NO_COLOR": "1",
        # try-repo commits uncommitted changes of this repository to a shadow clone: give it an author.
        "GIT_AUTHOR_NAME": "advisor tests", "GIT_AUTHOR_EMAIL": "tests@example.invalid",
        "GIT_COMMITTER_NAME": "advisor tests", "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    })
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", ROOT, "advisor-lint", "--all-files"],
                          cwd=repo, env=environment, capture_output=True, text=True, timeout=600)


def _repository(tmp_path, record: str):
    repo = tmp_path / "project"
    (repo / "experiments" / "mlp").mkdir(parents=True)
    (repo / "experiments" / "mlp" / "experiment.yaml").write_text(record, encoding="utf-8")
    (repo / "notes.yaml").write_text("this: [is not a record and must not be linted\n", encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    return repo


@pytest.fixture(scope="module")
def clean_record() -> str:
    with open(CLEAN_RECORD, encoding="utf-8") as handle:
        text = handle.read()
    assert SIGMOID_OUTPUT in text
    return text


def test_hook_passes_on_a_good_record(tmp_path, pre_commit_home, clean_record):
    result = _try_repo(_repository(tmp_path, clean_record), pre_commit_home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"advisor lint\.+Passed", result.stdout), result.stdout


def test_hook_fails_on_a_bad_record_and_names_the_rule(tmp_path, pre_commit_home, clean_record):
    bad = clean_record.replace(SIGMOID_OUTPUT, "{type: dense, units: 1, activation: relu}")
    line = bad.splitlines().index(next(text for text in bad.splitlines() if "units: 1, activation: relu" in text)) + 1
    result = _try_repo(_repository(tmp_path, bad), pre_commit_home)
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"advisor lint\.+Failed", result.stdout), result.stdout
    assert re.search(rf"experiments/mlp/experiment\.yaml:{line}:\d+: MC\d\d ", result.stdout), result.stdout
    assert "notes.yaml" not in result.stdout


def _readme_snippet() -> str:
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    block = readme[readme.index("<!-- pre-commit snippet -->"):].split("```", 2)[1]
    return block.split("\n", 1)[1]  # drop the fence's language tag


def _run_readme_snippet(tmp_path, record: str) -> subprocess.CompletedProcess:
    repo = _repository(tmp_path, record)
    (repo / ".pre-commit-config.yaml").write_text(_readme_snippet(), encoding="utf-8")
    (repo / "util.py").write_text("def helper():\n    return 1\n", encoding="utf-8")  # trains nothing
    _git(repo, "add", ".")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "ADVISOR_", "GIT_"))}
    environment.update({"PRE_COMMIT_HOME": str(tmp_path / "home"), "PRE_COMMIT_COLOR": "never", "NO_COLOR": "1",
                        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")})
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=repo, env=environment,
                          capture_output=True, text=True, timeout=300)


def test_the_readme_snippet_passes_on_a_good_record(tmp_path, clean_record):
    result = _run_readme_snippet(tmp_path, clean_record)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"advisor lint\.+Passed", result.stdout), result.stdout


def test_the_readme_snippet_fails_on_a_bad_record(tmp_path, clean_record):
    bad = clean_record.replace(SIGMOID_OUTPUT, "{type: dense, units: 1, activation: relu}")
    result = _run_readme_snippet(tmp_path, bad)
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"experiments/mlp/experiment\.yaml:\d+:\d+: MC\d\d ", result.stdout), result.stdout
    assert "notes.yaml" not in result.stdout
