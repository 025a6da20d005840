"""`advisor report` through the installed console script: exit codes, output guard, bad input
as `advisor lint` reports it, the Markdown format, and the libraries each path imports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests.advisor_cli import (
    BAD_RECORD,
    GOOD_RECORD,
    assert_clean_failure,
    run_advisor,
    write,
)
from tests.test_bad_input import TEXT_CASES

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")


def test_examples_page_is_written_with_every_experiment(tmp_path):
    result = run_advisor("report", EXAMPLES, "-o", "report.html", cwd=tmp_path, timeout=120)
    lint = run_advisor("lint", EXAMPLES, cwd=tmp_path, timeout=120)
    assert result.returncode == lint.returncode != 0  # the examples hold deliberate mistakes
    assert result.stdout == "" and result.stderr == lint.stderr
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    experiments = json.loads(run_advisor("next", "--format", "json", EXAMPLES, cwd=tmp_path).stdout)["experiments"]
    index = page[page.index('<section id="index">'):page.index("</section>")]
    assert "breast-cancer</a>" in index and "wine</a>" in index
    assert index.count('<td><a href="#experiment-') == len(experiments) * 6  # one table per order
    assert page.count('<section class="experiment"') == len(experiments) > 4
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/", "")
    assert oct(os.stat(tmp_path / "report.html").st_mode & 0o777) != "0o600"


def test_exit_codes_follow_the_fail_level(tmp_path):
    write(tmp_path, "bad.yaml", BAD_RECORD)
    write(tmp_path, "good.yaml", GOOD_RECORD)
    assert run_advisor("report", "bad.yaml", "-o", "r.html", cwd=tmp_path).returncode == 1
    assert run_advisor("report", "bad.yaml", "-o", "r.html", "--exit-zero", cwd=tmp_path).returncode == 0
    assert run_advisor("report", "good.yaml", "-o", "r.html", "--select", "MC", "--fail-on", "error",
                       cwd=tmp_path).returncode == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="verdict">passes: exit code 0<' in page


def _codes(page: str) -> list[str]:
    return sorted(set(re.findall(r'<li class="finding" data-code="([A-Z]+[0-9]+)"', page)))


def _lint_codes(*args: str, cwd) -> list[str]:
    return sorted({f["code"] for f in json.loads(run_advisor("lint", "--format", "json", *args, cwd=cwd).stdout)["findings"]})


def test_selection_and_suppression_are_those_of_lint(tmp_path):
    write(tmp_path, "plain.yaml", BAD_RECORD)
    write(tmp_path, "experiment.yaml", BAD_RECORD.replace("activation: relu}\n  loss",
                                                          "activation: relu}  # advisor: ignore[MC01]\n  loss"))
    write(tmp_path, "advisor.toml", 'extend-select = ["ALL"]\n')
    assert "MC01" in _codes(run_advisor("report", "plain.yaml", cwd=tmp_path).stdout)
    codes = _codes(run_advisor("report", "experiment.yaml", cwd=tmp_path).stdout)
    assert codes == _lint_codes("experiment.yaml", cwd=tmp_path) and "MC01" not in codes
    for options in (["--select", "MC,PD"], ["--ignore", "EP,MS"]):
        os.remove(tmp_path / "advisor.toml") if (tmp_path / "advisor.toml").exists() else None
        selected = _codes(run_advisor("report", *options, "plain.yaml", cwd=tmp_path).stdout)
        assert selected == _lint_codes(*options, "plain.yaml", cwd=tmp_path)
        assert selected and not {code[:2] for code in selected} & {"EP", "MS"}


def test_stage_is_the_answer_of_advisor_next(tmp_path):
    shown = json.loads(run_advisor("next", "--format", "json", EXAMPLES, cwd=tmp_path).stdout)["experiments"]
    page = run_advisor("report", EXAMPLES, cwd=tmp_path, timeout=120).stdout
    sections = re.findall(r'<section class="experiment" id="[^"]+" data-stage="(\d)" data-status="(\w+)">', page)
    assert sections == [(str(e["stage"]["number"]), e["stage"]["status"]) for e in shown]
    for experiment in shown:
        line = f"stage {experiment['stage']['number']} of 7, {experiment['stage']['name']}"
        assert line in page


@pytest.mark.parametrize(("name", "text", "expected"), TEXT_CASES[:6] + TEXT_CASES[-3:])
def test_bad_input_fails_as_lint_does(tmp_path, name, text, expected):
    write(tmp_path, name, text)
    lint = run_advisor("lint", name, cwd=tmp_path)
    report = run_advisor("report", name, "-o", "r.html", cwd=tmp_path)
    assert_clean_failure(report, *expected)
    assert report.stderr == lint.stderr
    assert not (tmp_path / "r.html").exists()


def test_unreadable_input_beside_good_ones_exits_2_and_the_page_names_it(tmp_path):
    write(tmp_path, "a/experiment.yaml", BAD_RECORD)
    write(tmp_path, "b/experiment.yaml", "model:\n  epochs: many\n")
    lint = run_advisor("lint", "a", "b", cwd=tmp_path)
    report = run_advisor("report", "a", "b", "-o", "r.html", cwd=tmp_path)
    assert report.returncode == lint.returncode == 2
    assert report.stderr == lint.stderr
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Inputs that could not be read" in page and "model.epochs: expected an integer" in page
    assert "inputs unreadable: exit code 2" in page


@pytest.mark.parametrize("target", ["experiment.yaml", "data.csv"])
def test_output_never_overwrites_an_input_or_a_file_it_reads(tmp_path, target):
    write(tmp_path, "data.csv", "x,label\n" + "".join(f"{i},{i % 2}\n" for i in range(20)))
    write(tmp_path, "experiment.yaml", "version: 1\ndata: {path: data.csv, target_column: label}\n")
    before = (tmp_path / target).read_bytes()
    lint = run_advisor("lint", "--output", target, "experiment.yaml", cwd=tmp_path)
    report = run_advisor("report", "-o", target, "experiment.yaml", cwd=tmp_path)
    assert_clean_failure(report, target, "refusing to overwrite it")
    assert report.stderr == lint.stderr
    assert (tmp_path / target).read_bytes() == before


def test_output_to_a_directory_or_missing_folder(tmp_path):
    write(tmp_path, "experiment.yaml", GOOD_RECORD)
    os.mkdir(tmp_path / "folder")
    folder = run_advisor("report", "-o", "folder", "experiment.yaml", cwd=tmp_path)
    lint = run_advisor("lint", "-o", "folder", "experiment.yaml", cwd=tmp_path)
    assert folder.returncode == lint.returncode == 2 and "Traceback" not in folder.stderr
    assert folder.stderr.replace("report", "lint") == lint.stderr and "is a directory" in folder.stderr
    assert_clean_failure(run_advisor("report", "-o", "missing/r.html", "experiment.yaml", cwd=tmp_path),
                         "missing/r.html: cannot write the report")


def test_markdown_summary_and_findings(tmp_path):
    result = run_advisor("report", "--format", "markdown", os.path.join(EXAMPLES, "breast_cancer"), cwd=tmp_path)
    assert result.returncode == 1
    text = result.stdout
    assert text.startswith("## ml-advisor report\n")
    lint = json.loads(run_advisor("lint", "--format", "json", os.path.join(EXAMPLES, "breast_cancer"),
                                  cwd=tmp_path).stdout)["summary"]["by_severity"]
    counts = ", ".join(f"{lint[s]} {s}{'' if lint[s] == 1 else 's'}" for s in ("error", "warning", "info"))
    assert f"1 experiment, {counts}; at fail level warning the run **fails: exit code 1**." in text
    assert "| ✗ | 3. Decide on an evaluation protocol | blocked (current) | EP02 |" in text
    row = next(line for line in text.splitlines() if line.startswith("| EP02 "))
    assert "advisor fix --unsafe-fixes --select EP02" in row
    assert "'worst\\_area'" in text  # markup characters of messages are escaped
    for line in text.splitlines():
        if line.startswith("|"):
            assert len(re.findall(r"(?<!\\)\|", line)) in (5, 6), line


def test_markdown_escapes_names_from_inputs(tmp_path):
    write(tmp_path, "experiment.yaml", BAD_RECORD.replace("version: 1\n", "version: 1\nname: '<img src=x>|*x*'\n"))
    text = run_advisor("report", "--format", "markdown", "experiment.yaml", cwd=tmp_path).stdout
    assert "### &lt;img src=x&gt;\\|\\*x\\*" in text
    assert "<img" not in text


def _modules(tmp_path, *args: str) -> set[str]:
    code = ("import sys\nfrom advisor.cli import main\n"
            f"sys.argv = ['advisor', *{list(args)!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", code], check=False, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    return set(result.stderr.strip().splitlines()[-1].split())


def test_lint_never_imports_the_report_libraries(tmp_path):
    write(tmp_path, "experiment.yaml", BAD_RECORD)
    for command in (["lint", "--exit-zero", "--no-cache", "experiment.yaml"], ["next", "experiment.yaml"]):
        modules = _modules(tmp_path, *command)
        assert not {"matplotlib", "jinja2", "advisor.report"} & modules, command
    # the same probe sees them when the report is drawn
    modules = _modules(tmp_path, "report", "-o", "r.html", "experiment.yaml")
    assert {"matplotlib", "jinja2"} <= modules
    assert "matplotlib.pyplot" not in modules  # figures are drawn without pyplot's global state
    markdown = _modules(tmp_path, "report", "--format", "markdown", "experiment.yaml")
    assert not {"matplotlib", "jinja2"} & markdown


def test_listed_in_the_commands(tmp_path):
    result = run_advisor("--help", cwd=tmp_path)
    assert re.search(r"^\s+report\s+Write an HTML page", result.stdout, re.MULTILINE)
