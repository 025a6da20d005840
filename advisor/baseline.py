"""A findings baseline: accept today's findings, fail only on new ones.

`advisor lint --write-baseline FILE` records every finding by rule, file and a fingerprint that
survives unrelated edits (the record field a finding is about, not its line), like SARIF's
`partialFingerprints`. `advisor lint --baseline FILE` (or `baseline = "FILE"` in `[tool.advisor]`)
then drops the findings the baseline holds, counts them, and lists the entries that no longer
occur, so the file can only shrink.

The file is JSON, sorted, one entry per finding kind, so it reads well in a diff:

    {"advisor-baseline": 1, "findings": [{"code": "MC04", "path": "experiment.yaml",
      "pointer": "/model/layers/1/units", "fingerprint": "...", "count": 1, "message": "..."}]}

Paths are relative to the baseline file's folder, so the file works from any working directory.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from advisor.errors import InputError
from advisor.finding import Finding

FORMAT_KEY = "advisor-baseline"
FORMAT_VERSION = 1
#: A baseline larger than this is refused (10,000 entries are about 4 MB).
MAX_BASELINE_BYTES = 16 * 1024 * 1024
_WHAT = 'an advisor baseline ({"advisor-baseline": 1, "findings": [...]}, written by `advisor lint --write-baseline`)'


@dataclass(frozen=True)
class Entry:
    """One accepted kind of finding: a rule, a file, the field it is about, how many."""

    code: str
    path: str
    fingerprint: str
    count: int = 1
    pointer: str = ""
    subject: str | None = None
    message: str = ""


@dataclass
class Outcome:
    """What applying a baseline left.

    Args:
        findings: The findings the baseline does not hold (the ones to report).
        accepted: How many findings the baseline held.
        stale: Baseline entries (with the count not seen) that no longer occur in the files linted.
    """

    findings: list[Finding]
    accepted: int = 0
    stale: list[Entry] = field(default_factory=list)


def relative_path(path: str, root: str) -> str:
    """`path` relative to `root`, with forward slashes (as stored in the baseline)."""
    try:
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    except ValueError:  # another drive on Windows
        relative = os.path.abspath(path)
    return relative.replace(os.sep, "/")


def fingerprint(finding: Finding, root: str) -> str:
    """A digest of what identifies a finding across unrelated edits: its rule, its file (relative
    to `root`), the run it is about and the field it points at. The line is left out, so adding
    a comment above a finding keeps it; a finding without a field falls back to its message."""
    anchor = finding.pointer or finding.message
    key = "\0".join((finding.code, relative_path(finding.path, root), finding.subject or "", anchor))
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def entries_for(findings: Iterable[Finding], root: str) -> list[Entry]:
    """The baseline entries of `findings`, identical findings counted once with their number."""
    counts: Counter[str] = Counter()
    first: dict[str, Finding] = {}
    for finding in findings:
        key = fingerprint(finding, root)
        counts[key] += 1
        first.setdefault(key, finding)
    entries = [Entry(f.code, relative_path(f.path, root), key, counts[key], f.pointer, f.subject, f.message)
               for key, f in first.items()]
    entries.sort(key=lambda e: (e.path, e.code, e.pointer, e.subject or "", e.fingerprint))
    return entries


def render(entries: list[Entry]) -> str:
    """The baseline file's text."""
    items = []
    for entry in entries:
        item: dict[str, Any] = {"code": entry.code, "path": entry.path, "pointer": entry.pointer}
        if entry.subject is not None:
            item["subject"] = entry.subject
        item.update({"fingerprint": entry.fingerprint, "count": entry.count, "message": entry.message})
        items.append(item)
    return json.dumps({FORMAT_KEY: FORMAT_VERSION, "findings": items}, indent=2, ensure_ascii=False) + "\n"


def is_baseline_file(path: str) -> bool:
    """Whether `path` is a baseline this program wrote (so writing a new one may replace it)."""
    try:
        load(path)
    except InputError:
        return False
    return True


def load(path: str) -> list[Entry]:
    """Read a baseline file.

    Raises:
        InputError: the file is missing, too large, not JSON, or not a baseline of a known version.
    """
    from advisor.readers.artifacts import read_artifact_text
    from advisor.readers.structured import parse

    text = read_artifact_text(path, MAX_BASELINE_BYTES, _WHAT)
    data, positions = parse(path, text, "json")
    if not isinstance(data, dict) or FORMAT_KEY not in data:
        raise InputError(path, f"is not an advisor baseline; expected {_WHAT}", 1, 1)
    if data[FORMAT_KEY] != FORMAT_VERSION:
        raise InputError(path, f"is a baseline of format version {data[FORMAT_KEY]!r}; this advisor reads "
                         f"version {FORMAT_VERSION} (write it again with --write-baseline)", 1, 1)
    items = data.get("findings")
    if not isinstance(items, list):
        raise InputError(path, f"'findings' must be a list; expected {_WHAT}", 1, 1)
    return [_entry(path, index, item, positions) for index, item in enumerate(items)]


def _entry(path: str, index: int, item: Any, positions) -> Entry:
    def bad(key: str, expected: str) -> InputError:
        where = positions.locate(f"/findings/{index}/{key}")
        return InputError(path, f"finding {index + 1}: '{key}' must be {expected}", where.line, where.column)

    def text(key: str, required: bool = True) -> str:
        value = item.get(key, None if required else "")
        if not isinstance(value, str) or (required and not value):
            raise bad(key, "a non-empty string")
        return value

    if not isinstance(item, dict):
        where = positions.locate(f"/findings/{index}")
        raise InputError(path, f"finding {index + 1}: expected an object with code, path and fingerprint",
                         where.line, where.column)
    count = item.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise bad("count", f"a positive integer, received {count!r}")
    subject = item.get("subject")
    if subject is not None and not isinstance(subject, str):
        raise bad("subject", "a string or absent")
    return Entry(text("code"), text("path"), text("fingerprint"), count, text("pointer", False), subject,
                 text("message", False))


def apply(findings: list[Finding], entries: list[Entry], root: str, seen_paths: set[str]) -> Outcome:
    """Drop the findings the baseline accepts.

    Args:
        findings: This run's findings.
        entries: The baseline's entries.
        root: The baseline file's folder (entry paths are relative to it).
        seen_paths: Absolute paths of every file this run linted or read: an entry elsewhere is not
            stale, it was just not linted this time.

    Returns:
        The findings left, the number accepted and the stale entries.
    """
    remaining = Counter({entry.fingerprint: entry.count for entry in entries})
    kept: list[Finding] = []
    accepted = 0
    for finding in findings:
        key = fingerprint(finding, root)
        if remaining[key] > 0:
            remaining[key] -= 1
            accepted += 1
        else:
            kept.append(finding)
    stale = []
    for entry in entries:
        left = remaining[entry.fingerprint]
        if left <= 0:
            continue
        remaining[entry.fingerprint] = 0  # an entry listed twice is reported once
        if os.path.abspath(os.path.join(root, entry.path)) not in seen_paths:
            continue
        stale.append(Entry(entry.code, entry.path, entry.fingerprint, left, entry.pointer, entry.subject, entry.message))
    return Outcome(kept, accepted, stale)


def notes(outcome: Outcome, baseline_path: str) -> list[str]:
    """Lines that say what the baseline did (written to standard error, so every format stays
    valid on standard output)."""
    lines = []
    if outcome.accepted:
        plural = "finding" if outcome.accepted == 1 else "findings"
        lines.append(f"advisor: {outcome.accepted} {plural} accepted by the baseline {baseline_path}")
    for entry in outcome.stale:
        where = f"{entry.path} {entry.pointer}".rstrip()
        subject = f" [{entry.subject}]" if entry.subject else ""
        times = f" ({entry.count} times)" if entry.count > 1 else ""
        lines.append(f"advisor: note: baseline entry no longer found: {entry.code} {where}{subject}{times}")
    if outcome.stale:
        lines.append(f"advisor: note: {len(outcome.stale)} stale baseline "
                     f"{'entry' if len(outcome.stale) == 1 else 'entries'}; run `advisor lint --write-baseline "
                     f"{baseline_path} ...` to drop them")
    return lines
