"""`--format text`, for people, like ruff: `path:line:col: CODE message`, then a summary.

Colour (ANSI) only when the report says so: the command enables it on a terminal unless NO_COLOR
is set.
"""

from __future__ import annotations

from advisor.reports import FIX_COMMANDS, Report, display_path, remedy_text

_SEVERITY_STYLE = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render(report: Report) -> str:
    """The findings, one per line with its remedy, optional statistics, and a summary line.

    Args:
        report: What to show.

    Returns:
        The text, ending in a newline; empty when nothing was found because inputs could not be
        read (their errors go to standard error).
    """

    def paint(text: str, style: str) -> str:
        return f"{style}{text}{_RESET}" if report.color else text

    lines: list[str] = []
    for finding in report.findings:
        where = f"{display_path(finding.path)}:{finding.line or 1}:{finding.column or 1}:"
        subject = f" [{finding.subject}]" if finding.subject else ""
        code = paint(finding.code, _BOLD + _SEVERITY_STYLE[finding.severity.value])
        lines.append(f"{paint(where, _BOLD)}{subject} {code} {finding.message}")
        if finding.remedy:
            lines.append(paint(f"  remedy: {remedy_text(finding)}", _DIM))
    if report.statistics and report.findings:
        lines.append("")
        for code, name, severity, count in report.rule_counts():
            lines.append(f"{count:>5}  {code:<7} {severity:<8} {name}")
    files = _plural(len(report.files), "file")
    if report.findings:
        by_severity = [_plural(n, severity) for severity, n in reversed(report.counts().items()) if n]
        summary = f"Found {_plural(len(report.findings), 'finding')} ({', '.join(by_severity)}) in {files}."
        lines.append(paint(summary, _BOLD))
        fixable = _fixable_line(*report.fix_counts())
        if fixable:
            lines.append(fixable)
    elif report.errors:  # the errors, on standard error, say it all
        return ""
    else:
        lines.append(paint(f"All checks passed! ({files})", _BOLD))
    return "\n".join(lines) + "\n"


def _fixable_line(safe: int, unsafe: int) -> str:
    """How many findings `advisor fix` remedies, as ruff says it; empty when it remedies none."""
    more = f"{unsafe} more with `{FIX_COMMANDS['unsafe']}`"
    if safe and unsafe:
        return f"[*] {safe} fixable with `{FIX_COMMANDS['safe']}` ({more})."
    if safe:
        return f"[*] {safe} fixable with `{FIX_COMMANDS['safe']}`."
    if unsafe:
        return f"No safe fixes available ({more})."
    return ""
