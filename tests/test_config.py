"""Configuration end to end: `[tool.advisor]` in pyproject.toml or an advisor.toml found upward from
the working directory, `--config FILE`, selection keys, per-file-ignores, per-rule options and
severity, and bad configuration (unknown keys, rules, options; wrong types) as one located error."""

from __future__ import annotations

import json

import pytest

from tests.advisor_cli import BAD_RECORD, assert_clean_failure, run_advisor, write
from tests.test_cli import PACK_ENV


def findings(result) -> list[dict]:
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)["findings"]


@pytest.fixture
def project(tmp_path):
    write(tmp_path, "experiments/a/experiment.yaml", BAD_RECORD)
    write(tmp_path, "experiments/b/experiment.yaml", BAD_RECORD)
    return tmp_path


def lint_json(cwd, *args, env=None):
    return run_advisor("lint", "--format", "json", *args, cwd=cwd, env=env)


# --- discovery -------------------------------------------------------------------------------

def test_pyproject_tool_advisor_table_is_found_from_a_subfolder(project):
    write(project, "pyproject.toml", '[project]\nname = "demo"\n\n[tool.advisor]\nselect = ["MC01"]\n'
                                     'ignore = ["loss-activation-mismatch"]\n')
    assert findings(lint_json(project / "experiments", ".")) == []
    assert findings(lint_json(project / "experiments", "--select", "MC01", ".")) == []  # the ignore still applies


def test_pyproject_without_an_advisor_table_is_passed_over(project):
    write(project, "advisor.toml", 'select = ["MC01"]\nignore = ["MC01"]\n')
    write(project, "experiments/pyproject.toml", '[project]\nname = "advisor-demo"\n')
    assert findings(lint_json(project / "experiments", ".")) == []


def test_advisor_toml_wins_over_pyproject_in_the_same_folder(project):
    write(project, "pyproject.toml", '[tool.advisor]\nselect = ["MC01"]\n')
    write(project, "advisor.toml", 'select = ["MC01"]\nignore = ["MC01"]\n')
    assert findings(lint_json(project, "experiments")) == []


def test_the_nearest_file_wins(project):
    write(project, "advisor.toml", 'select = ["MC01"]\nignore = ["MC01"]\n')
    write(project, "experiments/advisor.toml", 'select = ["MC01"]\n')
    assert len(findings(lint_json(project / "experiments", "."))) == 2


def test_config_option_names_the_file(project):
    write(project, "settings/strict.toml", 'select = ["MC01"]\nfail-on = "error"\n')
    write(project, "advisor.toml", 'select = ["MC01"]\nignore = ["MC01"]\n')
    result = run_advisor("lint", "--config", "settings/strict.toml", "experiments", cwd=project)
    assert result.returncode == 1
    assert "MC01" in result.stdout


# --- keys ------------------------------------------------------------------------------------

def test_per_file_ignores_match_globs_relative_to_the_config_file(project):
    write(project, "advisor.toml", 'select = ["MC01"]\n\n[per-file-ignores]\n"experiments/a/*" = ["loss-activation-mismatch"]\n')
    paths = [f["path"] for f in findings(lint_json(project / "experiments", "."))]
    assert paths == ["b/experiment.yaml"]


def test_fail_on_and_warn_unused_ignores_from_the_file(project):
    write(project, "experiments/a/experiment.yaml", "# advisor: ignore[MC01]\n" + BAD_RECORD)
    write(project, "advisor.toml", 'select = ["MC01"]\nextend-ignore = ["MC01"]\nfail-on = "error"\n'
                                   "warn-unused-ignores = true\n")
    result = lint_json(project, "experiments")
    assert [f["code"] for f in findings(result)] == ["ADV100"]
    assert result.returncode == 0  # a warning, below fail-on = error


def test_rule_severity_and_options_by_code_or_name(tmp_path):
    write(tmp_path, "experiment.yaml", "model:\n  epochs: 150\n")
    write(tmp_path, "advisor.toml", 'select = ["ZZ01"]\n\n[rules.ZZ01]\nseverity = "error"\n')
    (finding,) = findings(lint_json(tmp_path, "experiment.yaml", env=PACK_ENV))
    assert (finding["severity"], finding["evidence"]["max_epochs"]) == ("error", 100)
    write(tmp_path, "advisor.toml", 'select = ["ZZ01"]\n\n[rules.too-many-epochs]\nmax_epochs = 120\n')
    (finding,) = findings(lint_json(tmp_path, "experiment.yaml", env=PACK_ENV))
    assert (finding["severity"], finding["evidence"]["max_epochs"]) == ("warning", 120)


def test_pyproject_rule_tables(tmp_path):
    write(tmp_path, "experiment.yaml", "model:\n  epochs: 150\n")
    write(tmp_path, "pyproject.toml", '[tool.advisor]\nselect = ["ZZ01"]\n\n[tool.advisor.rules.ZZ01]\nmax-epochs = 200\n')
    assert findings(lint_json(tmp_path, "experiment.yaml", env=PACK_ENV)) == []


# --- bad configuration -----------------------------------------------------------------------

BAD_CONFIGS = [
    pytest.param("advisor.toml", 'selct = ["MC01"]\n', "advisor.toml:1:1", "unknown setting 'selct'; did you mean 'select'?",
                 id="unknown-key"),
    pytest.param("pyproject.toml", '[tool.advisor]\nselect = ["MC01"]\nfail_onn = "error"\n', "pyproject.toml:3:1",
                 "unknown setting 'fail_onn'; did you mean 'fail-on'?", id="unknown-key-in-pyproject"),
    pytest.param("advisor.toml", 'select = "MC01"\n', "advisor.toml:1:1", "'select' expects a list", id="wrong-type"),
    pytest.param("advisor.toml", '\nignore = ["loss-activation-mismach"]\n', "advisor.toml:2:1",
                 "unknown rule 'loss-activation-mismach'; did you mean 'loss-activation-mismatch'?", id="unknown-rule"),
    pytest.param("advisor.toml", '[rules.MC001]\nseverity = "error"\n', "advisor.toml:1:1",
                 "unknown rule 'MC001' in rules; did you mean 'MC01'?", id="unknown-rule-table"),
    pytest.param("advisor.toml", '[rules.MC01]\nseverity = "loud"\n', "advisor.toml:2:1",
                 "expected one of error, warning, info; received 'loud'", id="bad-severity"),
    pytest.param("advisor.toml", '[rules.MC01]\nmax_rate = 0.6\n', "advisor.toml:2:1",
                 "unknown option 'max_rate' for MC01", id="unknown-option"),
    pytest.param("pyproject.toml", '[tool.advisor.rules.ZZ01]\nmax_epoch = 5\n', "pyproject.toml:2:1",
                 "unknown option 'max_epoch' for ZZ01 (too-many-epochs); did you mean 'max_epochs'?",
                 id="unknown-option-close-match"),
    pytest.param("advisor.toml", '[rules.ZZ01]\nmax_epochs = "many"\n', "advisor.toml:2:1",
                 "ZZ01 option 'max_epochs': expected a valid integer", id="bad-option-type"),
    pytest.param("advisor.toml", '[rules.ZZ01]\nmax_epochs = 0\n', "advisor.toml:2:1",
                 "ZZ01 option 'max_epochs'", id="option-out-of-range"),
    pytest.param("advisor.toml", 'fail-on = "sometimes"\n', "advisor.toml:1:1", "'fail-on' expected one of", id="bad-fail-on"),
    pytest.param("advisor.toml", 'select = ["MC01"\n', "advisor.toml", "invalid TOML", id="broken-toml"),
]


@pytest.mark.parametrize(("name", "text", "where", "message"), BAD_CONFIGS)
def test_bad_configuration_is_one_located_error(tmp_path, name, text, where, message):
    write(tmp_path, "experiment.yaml", BAD_RECORD)
    write(tmp_path, name, text)
    result = run_advisor("lint", "experiment.yaml", cwd=tmp_path, env=PACK_ENV)
    line = assert_clean_failure(result, message)
    assert line.startswith(f"advisor: error: {where}"), line
    assert result.stdout == ""


def test_missing_config_file(tmp_path):
    write(tmp_path, "experiment.yaml", BAD_RECORD)
    result = run_advisor("lint", "--config", "nowhere.toml", "experiment.yaml", cwd=tmp_path)
    assert_clean_failure(result, "nowhere.toml: no such file")
