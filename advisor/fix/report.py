"""What `advisor fix` prints: the edits made, the findings that remain and why, or a diff."""

from __future__ import annotations

import difflib

from advisor.escape import escape_control
from advisor.fix.runner import FileFix, Fixer


def unified_diff(fix: FileFix) -> str:
    """The edits of one record as a unified diff (`patch -p0` applies it)."""
    before = fix.original.splitlines(keepends=True)
    after = fix.fixed.splitlines(keepends=True)
    lines = []
    shown = escape_control(fix.path)  # a newline in the name would split the header line
    for line in difflib.unified_diff(before, after, fromfile=shown, tofile=shown):
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(lines)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(fixes: list[FileFix], fixer: Fixer, would: bool) -> list[str]:
    """The closing lines: how many findings were (or would be) fixed and what the others need.

    Args:
        fixes: What fixing each input did.
        fixer: The fixer that ran (it knows which remedies it was allowed).
        would: Whether nothing was written (`--diff`).
    """
    fixed = sum(fix.fixed_count for fix in fixes)
    remaining = sum(len(fix.after) for fix in fixes)
    lines = [f"{'Would fix' if would else 'Fixed'} {_plural(fixed, 'finding')} ({remaining} remaining)."]
    # Only records are edited: an unsafe fix of a finding in a model, log or store applies nowhere.
    editable = [f for fix in fixes if fix.editable for f in fix.after if fixer.unsafe_only(f)]
    unsafe = sorted({f.code for f in editable})
    if unsafe:
        count = len(editable)
        lines.append(f"{_plural(count, 'more finding')} ({', '.join(unsafe)}) {'has' if count == 1 else 'have'} "
                     "an unsafe fix: it changes a decision (problem type, metric, protocol, splits, "
                     "architecture); apply with `advisor fix --unsafe-fixes` (preview with --diff).")
    for fix in fixes:
        remaining_by_remedy: dict[str, list[str]] = {}
        for finding in fix.after:
            remaining_by_remedy.setdefault(finding.remedy or "", []).append(finding.code)
        applied = {step.remedy for step in fix.applied}
        for remedy, codes in sorted(remaining_by_remedy.items()):
            listed = ", ".join(sorted(set(codes)))
            if remedy in fix.training:
                lines.append(f"{fix.path}: {listed} needs training: {fix.training[remedy]}.")
            elif remedy in fix.unfixable:
                lines.append(f"{fix.path}: {listed} not fixed ({remedy}): {fix.unfixable[remedy]}.")
            elif remedy in applied:
                lines.append(f"{fix.path}: {listed} edited ({remedy}); the finding clears once the experiment "
                             f"runs again with the edited record: `advisor train {fix.path}`.")
        if not fix.editable and fix.after and fix.path.lower().endswith((".py", ".ipynb")):
            lines.append(_script_note(fix))
        elif not fix.editable and fix.after:
            lines.append(f"{fix.path}: not an experiment record file; `advisor fix` edits records only.")
    return lines


def changes(fixes: list[FileFix]) -> list[str]:
    """One block per edited file: each remedy applied, with the fields it changed."""
    lines: list[str] = []
    for fix in fixes:
        if not fix.changed or not fix.applied:  # a new record (--write-record) may have no edit
            continue
        lines.append(f"{fix.path}:")
        for step in fix.applied:
            lines.append(f"  {', '.join(step.codes)} {step.remedy}: {'; '.join(step.changes)}")
    return lines


def _script_note(fix: FileFix) -> str:
    """A training script is never edited: name the record fields the remedies would write instead."""
    import os

    fields = sorted({f.pointer.strip("/").replace("/", ".") for f in fix.after if f.remedy and f.pointer})
    listed = ", ".join(fields) if fields else "its fields"
    name = os.path.basename(fix.path)
    return (f"{escape_control(fix.path)}: a training script; `advisor fix` does not edit Python code. Its remedies "
            f"would write {listed} in a record: `advisor fix --write-record {escape_control(fix.path)}` writes the "
            f"record the code shows beside it, as experiment.yaml with `source: {escape_control(name)}` (the script "
            "fills what the record leaves out, the record wins); what the code shows is fixed in the code.")
