"""No forged output: control characters from inputs reach no output unescaped.

One matrix runs the same hostile names through every output: a CSV column name (written by
Python's csv module, as a data export would), a record file name and a data path a record names,
each holding a newline followed by a GitHub Actions workflow command, BEL, an ANSI escape sequence
and a right-to-left override. Every format of `advisor lint`, `advisor next`, `advisor fix` and the
error lines on standard error must show them escaped.
"""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET

import pytest

from tests.advisor_cli import run_advisor, write

#: A newline then a workflow command GitHub Actions would obey, BEL, ESC [31m, RIGHT-TO-LEFT OVERRIDE.
HOSTILE = "x\n::error file=README.md,line=1::INJECTED\x07\x1b[31m\u202e"
#: What may not appear in output text (newlines separate lines, so they are checked per line).
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
LINT_FORMATS = ("text", "json", "sarif", "github", "junit")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project whose record profiles a CSV with a constant column named HOSTILE (DP05 quotes it),
    a second record with a hostile file name, and a third naming a hostile missing data file."""
    root = tmp_path_factory.mktemp("hostile")
    with open(root / "data.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([HOSTILE, "f1", "y"])
        writer.writerows([1, index * 0.5, index % 2] for index in range(60))
    record = "version: 1\nproblem: {type: binary_classification, target: y}\ndata: {path: data.csv}\n"
    write(root, "good/experiment.yaml", record.replace("data.csv", "../data.csv"))
    write(root, f"named/{HOSTILE}.yaml", record.replace("data.csv", "../data.csv"))
    write(root, "missing/experiment.yaml", json.dumps({"version": 1, "data": {"path": HOSTILE + ".csv"}}))
    return root


INPUTS = ("good/experiment.yaml", f"named/{HOSTILE}.yaml", "missing/experiment.yaml")


def _assert_clean_text(text: str, where: str) -> None:
    for number, line in enumerate(text.split("\n"), start=1):
        assert not CONTROL.search(line), f"{where} line {number} holds a raw control character: {line!r}"
        escaped = re.search(r"x(\\+n|%0A)", line)  # shown escaped (twice in JSON), or percent-encoded in a URI
        assert "INJECTED" not in line or escaped, f"{where} line {number} lost the escape: {line!r}"
        assert not line.lstrip().startswith("::error file=README.md"), f"{where} line {number} is forged: {line!r}"


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _assert_clean_values(strings, where: str) -> None:
    seen = False
    for text in strings:
        assert not CONTROL.search(text), f"{where}: raw control character in {text!r}"
        assert "\n::error" not in text, f"{where}: raw newline before a workflow command in {text!r}"
        seen = seen or "INJECTED" in text
    assert seen, f"{where} does not show the hostile name at all"


def _xml_strings(text: str):
    for element in ET.fromstring(text.split("\n", 1)[1]).iter():
        yield from element.attrib.values()
        yield element.text or ""


@pytest.mark.parametrize("fmt", LINT_FORMATS)
def test_every_lint_format_escapes_hostile_names(project, fmt):
    result = run_advisor("lint", "--format", fmt, *INPUTS, cwd=project, timeout=120)
    assert result.returncode == 2, result.stderr  # the missing data file
    assert "Traceback" not in result.stderr
    errors = result.stderr.splitlines()
    assert len(errors) == 1 and errors[0].startswith("advisor: error: missing/experiment.yaml:1:"), result.stderr
    _assert_clean_text(result.stderr, f"{fmt} stderr")
    _assert_clean_text(result.stdout, fmt)
    if fmt in ("json", "sarif"):
        _assert_clean_values(_strings(json.loads(result.stdout)), fmt)
    elif fmt == "junit":
        _assert_clean_values(_xml_strings(result.stdout), fmt)
    else:
        assert "INJECTED" in result.stdout
    if fmt == "github":  # one workflow command per finding and error, nothing else
        assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in result.stdout.splitlines())


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_advisor_next_escapes_hostile_names(project, fmt):
    result = run_advisor("next", "--format", fmt, *INPUTS, cwd=project, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    _assert_clean_text(result.stderr, "next stderr")
    _assert_clean_text(result.stdout, f"next {fmt}")
    if fmt == "json":
        _assert_clean_values(_strings(json.loads(result.stdout)), "next json")
    assert "INJECTED" in result.stdout


@pytest.mark.parametrize("mode", [(), ("--diff",)])
def test_advisor_fix_escapes_hostile_names(project, tmp_path, mode):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    result = run_advisor("fix", *mode, "good/experiment.yaml", f"named/{HOSTILE}.yaml", cwd=copy, timeout=120)
    assert result.returncode == 1, result.stderr  # findings remain
    assert "Traceback" not in result.stderr
    _assert_clean_text(result.stdout, "fix stdout")
    _assert_clean_text(result.stderr, "fix stderr")
    assert "INJECTED" in result.stdout + result.stderr


def test_a_record_with_a_bidi_override_in_a_comment_diffs_escaped(tmp_path):
    """YAML allows U+202E (which makes text read backwards) in comments: the diff of a fix shows it
    as an escape."""
    write(tmp_path, "experiment.yaml", "version: 1\nproblem: {type: binary_classification}\nmodel:\n  layers:\n"
          "    - {type: dense, units: 1, activation: relu}  # \u202e tnemmoc\n  loss: binary_crossentropy\n")
    result = run_advisor("fix", "--diff", "experiment.yaml", cwd=tmp_path, timeout=60)
    assert result.returncode == 1 and "+++ experiment.yaml" in result.stdout, result.stdout + result.stderr
    _assert_clean_text(result.stdout, "diff")
    assert "# \\u202e tnemmoc" in result.stdout


def test_a_control_character_in_a_yaml_record_is_located_in_the_file(tmp_path):
    """PyYAML's own text says `in "<unicode string>", position 53`: the message names the file,
    line and column instead, and shows the character escaped."""
    write(tmp_path, "experiment.yaml", "version: 1\nproblem: {type: binary_classification}  # \x1b]0;owned\x07\n")
    result = run_advisor("lint", "experiment.yaml", cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert result.stderr == ("advisor: error: experiment.yaml:2:43: invalid YAML: character U+001B is not allowed in "
                             "YAML (control characters must be written as escapes in a double-quoted string)\n")
