"""Confined reads: what records name is read only inside the project root (the folder of the
configuration, else the working directory, resolved through symbolic links), unless the user
allows more with `allow-paths` or `--allow-path`.

Each hostile input is built here: a CSV outside the repository whose column is named like a
secret (written by Python's csv module), records naming it by `../`, by an absolute path and by a
symbolic link inside the repository, `/proc/self/environ`, and a real MLflow file store whose
`artifact_uri` points out of the repository.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import textwrap

import pytest

from tests.advisor_cli import run_advisor, write

SECRET = "AWS_SECRET_ACCESS_KEY"
RECORD = "version: 1\nproblem: {type: binary_classification, target: y}\ndata: {path: %s}\n"
OUTSIDE = "lies outside the project root"


@pytest.fixture
def project(tmp_path):
    """tmp_path/repo (the project) and tmp_path/outside/secret.csv."""
    outside = tmp_path / "outside"
    outside.mkdir()
    with open(outside / "secret.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([SECRET, "y"])
        writer.writerows([index * 1000, index % 2] for index in range(40))
    repo = tmp_path / "repo"
    repo.mkdir()
    return repo


def _refused(result, record: str, line: int, field: str) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert SECRET not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    errors = result.stderr.splitlines()
    assert len(errors) == 1 and errors[0].startswith(f"advisor: error: {record}:{line}:"), result.stderr
    assert f"{field}: " in errors[0]
    return errors[0]


@pytest.mark.parametrize("fmt", ["text", "github", "sarif", "json"])
def test_a_climb_out_of_the_project_is_refused_at_the_record_line(project, fmt):
    write(project, "experiment.yaml", RECORD % "../outside/secret.csv")
    result = run_advisor("lint", "--format", fmt, "experiment.yaml", cwd=project, timeout=60)
    error = _refused(result, "experiment.yaml", 3, "data.path")
    assert f"'../outside/secret.csv' {OUTSIDE} {os.path.realpath(project)}" in error
    assert "allow-paths" in error and "--allow-path" in error


def test_an_absolute_path_and_proc_are_refused(project):
    secret = os.path.join(os.path.dirname(project), "outside", "secret.csv")
    write(project, "a/experiment.yaml", RECORD % secret)
    write(project, "b/experiment.yaml", "version: 1\nhistory: {file: /proc/self/environ}\nmodel: {file: /etc/passwd}\n")
    result = run_advisor("lint", "a", cwd=project, timeout=60)
    _refused(result, "a/experiment.yaml", 3, "data.path")
    result = run_advisor("lint", "b", cwd=project, timeout=60)
    assert OUTSIDE in _refused(result, "b/experiment.yaml", 3, "model.file")


def test_a_symbolic_link_inside_the_project_is_resolved(project):
    os.symlink("../outside/secret.csv", project / "data.csv")
    write(project, "experiment.yaml", RECORD % "data.csv")
    result = run_advisor("lint", "experiment.yaml", cwd=project, timeout=60)
    error = _refused(result, "experiment.yaml", 3, "data.path")
    assert "'data.csv' is a symbolic link to a file outside the project root" in error


@pytest.mark.parametrize("command", ["next", "fix"])
def test_next_and_fix_are_confined_too(project, command):
    write(project, "experiment.yaml", RECORD % "../outside/secret.csv")
    result = run_advisor(command, "experiment.yaml", cwd=project, timeout=60)
    _refused(result, "experiment.yaml", 3, "data.path")


def test_the_root_is_the_configuration_folder(project):
    """Run from a subfolder: the configuration's folder is the root, so a sibling folder of the
    subfolder is inside it and the outside folder is not."""
    write(project, "advisor.toml", "")
    with open(os.path.join(os.path.dirname(project), "outside", "secret.csv"), encoding="utf-8") as handle:
        write(project, "common/train.csv", handle.read())
    write(project, "sub/experiment.yaml", RECORD % "../common/train.csv")
    write(project, "sub/outside.yaml", RECORD % "../../outside/secret.csv")
    inside = run_advisor("lint", "--no-cache", "experiment.yaml", cwd=project / "sub", timeout=60)
    assert inside.returncode == 1 and SECRET in inside.stdout, inside.stderr
    outside = run_advisor("lint", "outside.yaml", cwd=project / "sub", timeout=60)
    _refused(outside, "outside.yaml", 3, "data.path")


def test_allow_paths_and_the_flag_widen_the_root_on_purpose(project):
    write(project, "experiment.yaml", RECORD % "../outside/secret.csv")
    flagged = run_advisor("lint", "--no-cache", "--allow-path", "../outside", "experiment.yaml", cwd=project, timeout=60)
    assert flagged.returncode == 1 and SECRET in flagged.stdout, flagged.stderr
    write(project, "pyproject.toml", '[tool.advisor]\nallow-paths = ["../outside"]\n')
    configured = run_advisor("lint", "experiment.yaml", cwd=project, timeout=60)
    assert configured.returncode == 1 and SECRET in configured.stdout, configured.stderr
    write(project, "pyproject.toml", '[tool.advisor]\nallow-paths = "../outside"\n')
    wrong = run_advisor("lint", "experiment.yaml", cwd=project, timeout=60)
    assert wrong.returncode == 2 and "pyproject.toml:2:1: 'allow-paths' expects a list" in wrong.stderr


def test_a_cached_result_does_not_outlive_the_permission(project):
    write(project, "experiment.yaml", RECORD % "../outside/secret.csv")
    allowed = run_advisor("lint", "--allow-path", "../outside", "experiment.yaml", cwd=project, timeout=60)
    assert allowed.returncode == 1 and SECRET in allowed.stdout
    _refused(run_advisor("lint", "experiment.yaml", cwd=project, timeout=60), "experiment.yaml", 3, "data.path")


def test_a_record_given_outside_the_root_reads_its_own_folder(project):
    """Inputs named on the command line are the user's choice: a record in another folder reads the
    files beside it."""
    outside = os.path.join(os.path.dirname(project), "outside")
    write(outside, "experiment.yaml", RECORD % "secret.csv")
    result = run_advisor("lint", os.path.join(outside, "experiment.yaml"), cwd=project, timeout=60)
    assert result.returncode == 1 and SECRET in result.stdout, result.stderr


MAKE_STORE = textwrap.dedent("""
    import sys
    import mlflow
    mlflow.set_tracking_uri("file:" + sys.argv[1])
    with mlflow.start_run():
        for step, loss in enumerate([0.9, 0.7, 0.6]):
            mlflow.log_metric("loss", loss, step=step)
""")


def test_an_mlflow_artifact_uri_outside_the_project_is_refused(project):
    store = project / "mlruns"
    made = subprocess.run([sys.executable, "-c", MAKE_STORE, str(store)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "MLFLOW_ALLOW_FILE_STORE": "true"}, check=False)
    assert made.returncode == 0, made.stderr[-2000:]
    (meta,) = [os.path.join(folder, "meta.yaml") for folder, _, files in os.walk(store)
               if "meta.yaml" in files and os.path.exists(os.path.join(folder, "metrics"))]
    with open(meta, encoding="utf-8") as handle:
        text = handle.read()
    assert "artifact_uri:" in text
    lines = [line if not line.startswith("artifact_uri:") else "artifact_uri: file:///proc/self"
             for line in text.splitlines()]
    with open(meta, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    result = run_advisor("lint", "mlruns", cwd=project, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "artifact_uri: the logged model '/proc/self/model/data/model.keras' lies outside the project root" in result.stderr


def test_the_confinement_ends_with_the_command(project, monkeypatch):
    """A command run in-process (a test, a notebook) leaves later library reads unconfined."""
    from click.testing import CliRunner

    from advisor.cli import cli
    from advisor.confine import is_allowed

    write(project, "experiment.yaml", RECORD % "../outside/secret.csv")
    monkeypatch.chdir(project)
    result = CliRunner().invoke(cli, ["lint", "experiment.yaml"])
    assert result.exit_code == 2 and OUTSIDE in result.output
    assert is_allowed(str(project.parent / "outside" / "secret.csv"))
