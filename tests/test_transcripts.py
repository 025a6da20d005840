"""Every console transcript in README.md and in the examples' READMEs is what the commands print.

A transcript is a ```console block: `$ command` lines, each followed by the output it prints.
The commands run through a shell (globs expand) in a copy of the repository's `examples/` folder,
in order, so a later command sees what an earlier one wrote. Expected output matches the real
output line by line, with two elisions: a line that is only `...` stands for any number of
lines, and `...` inside a line stands for any text (a run directory's time stamp, the rest of a
long message).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
ELLIPSIS = "..."


def _documents() -> list[str]:
    found = ["README.md"]
    examples = os.path.join(ROOT, "examples")
    for name in sorted(os.listdir(examples)):
        if os.path.isfile(os.path.join(examples, name, "README.md")):
            found.append(f"examples/{name}/README.md")
    return found


def transcripts(text: str) -> list[list[tuple[str, list[str]]]]:
    """The console blocks of a Markdown text, each as (command, expected output lines) pairs."""
    blocks = []
    for body in re.findall(r"^```console\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
        steps: list[tuple[str, list[str]]] = []
        for line in body.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
        blocks.append(steps)
    return blocks


def _line_matches(expected: str, actual: str) -> bool:
    if ELLIPSIS not in expected:
        return expected == actual
    pattern = ".*".join(re.escape(piece) for piece in expected.split(ELLIPSIS))
    return re.fullmatch(pattern, actual) is not None


def output_matches(expected: list[str], actual: list[str]) -> bool:
    """Whether `actual` lines are `expected`, with `...` lines matching any run of lines."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head == ELLIPSIS:
        return any(output_matches(rest, actual[skip:]) for skip in range(len(actual) + 1))
    return bool(actual) and _line_matches(head, actual[0]) and output_matches(rest, actual[1:])


def test_the_matcher_elides_lines_and_text_and_nothing_else():
    assert output_matches(["a ... z", ELLIPSIS, "end"], ["a middle z", "x", "y", "end"])
    assert output_matches(["a", ELLIPSIS], ["a"])
    assert not output_matches(["a", "end"], ["a", "extra", "end"])
    assert not output_matches(["a ... z"], ["a middle"])
    assert not output_matches(["a"], ["a", "trailing"])


def test_there_are_transcripts_to_check():
    assert sum(len(transcripts(open(os.path.join(ROOT, d), encoding="utf-8").read())) for d in _documents()) >= 5


@pytest.mark.parametrize("document", _documents())
def test_transcripts_are_what_the_commands_print(document, tmp_path):
    with open(os.path.join(ROOT, document), encoding="utf-8") as handle:
        blocks = transcripts(handle.read())
    if not blocks:
        return
    shutil.copytree(os.path.join(ROOT, "examples"), tmp_path / "examples",
                    ignore=shutil.ignore_patterns("runs", ".advisor_cache", "__pycache__"))
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""), KERAS_BACKEND="jax",
               ADVISOR_CACHE_DIR=str(tmp_path / ".cache"), COLUMNS="100", NO_COLOR="1")
    for steps in blocks:
        for command, expected in steps:
            result = subprocess.run(command, shell=True, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, timeout=600)
            actual = result.stdout.splitlines()
            assert output_matches(expected, actual), (
                f"{document}: `$ {command}` printed:\n" + "\n".join(actual)
                + "\n\nbut the transcript says:\n" + "\n".join(expected))
