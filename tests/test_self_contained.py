"""The project cites only documents it contains: no file names a design note users do not have."""

from __future__ import annotations

import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THIS_FILE = os.path.relpath(os.path.abspath(__file__), ROOT)
#: Names of documents outside the project, or of the folder beside it that holds them (a path part
#: `shared`, not `../shared-data`); spelled in pieces so this file does not match itself.
FOREIGN = re.compile(r"\b(?:RULES|SPEC|DESIGN)\.m" + r"d\b|(?<![\w.-])shared" + r"/|\.\./shared" + r"(?![\w-])")
#: Folders that are not the project's own text when the tree is walked without git.
NOT_OURS = {".git", ".venv", "venv", "__pycache__", "build", "dist", ".pytest_cache", ".hypothesis"}


def _tracked_files() -> list[str]:
    """The files git tracks, or every file under ROOT outside NOT_OURS when there is no git checkout."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60)
        return [name for name in listed.stdout.decode("utf-8").split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        found = []
        for folder, subfolders, files in os.walk(ROOT):
            subfolders[:] = [d for d in subfolders if d not in NOT_OURS and not d.endswith(".egg-info")]
            found += [os.path.relpath(os.path.join(folder, name), ROOT) for name in files]
        return found


def _text(path: str) -> str | None:
    """The file's text, or None for a binary file (a NUL byte or no UTF-8)."""
    with open(os.path.join(ROOT, path), "rb") as handle:
        raw = handle.read()
    if b"\0" in raw:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def test_there_are_files_to_scan():
    files = _tracked_files()
    assert "pyproject.toml" in files and any(name.startswith("advisor/") for name in files)


def test_no_file_cites_a_document_the_project_does_not_contain():
    hits = []
    for path in _tracked_files():
        if path == THIS_FILE or not os.path.isfile(os.path.join(ROOT, path)):
            continue
        text = _text(path)
        for number, line in enumerate((text or "").splitlines(), 1):
            if FOREIGN.search(line):
                hits.append(f"{path}:{number}: {line.strip()}")
    assert hits == [], "cite the project's own docs (docs/rules/, docs/record.md) instead:\n" + "\n".join(hits)


def test_the_scan_finds_a_citation():
    """The pattern is not vacuous: each name it exists for matches a line that cites it."""
    for line in ("see SPEC" + ".md", "(RULES" + ".md 5b)", "DESIGN" + ".md budgets", "../" + "shared/x"):
        assert FOREIGN.search(line), line
    for line in ("shared" + "/train.csv", "see ../" + "shared"):
        assert FOREIGN.search(line), line
    for line in ("docs/record.md and docs/rules/README.md", 'allow-paths = ["../shared-data"]', "overshared/x"):
        assert not FOREIGN.search(line), line
