"""Human output, like ruff: `path:line:col: CODE [severity] message`, then a summary."""

from __future__ import annotations

from collections import Counter

from advisor.reports import Report

_STYLE = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def render(report: Report) -> str:
    color = report.color

    def paint(text: str, style: str) -> str:
        return f"{style}{text}{_RESET}" if color else text

    lines: list[str] = []
    for f in report.findings:
        where = f"{f.path}:{f.line or 1}:{f.column or 1}:"
        subject = f" [{f.subject}]" if f.subject else ""
        code = paint(f.code, _BOLD + _STYLE[f.severity.value])
        lines.append(f"{paint(where, _BOLD)}{subject} {code} {f.message}")
        if f.remedy:
            lines.append(paint(f"  remedy: {f.remedy}", _DIM))
    if report.statistics and report.findings:
        if lines:
            lines.append("")
        counter = Counter((f.code, f.name, f.severity.value) for f in report.findings)
        for (code, name, severity), count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"{count:>5}  {code:<7} {severity:<8} {name}")
    counts = report.counts()
    if report.findings:
        parts = [f"{n} {sev}{'s' if n != 1 else ''}" for sev, n in reversed(list(counts.items())) if n]
        summary = f"Found {len(report.findings)} finding{'s' if len(report.findings) != 1 else ''} ({', '.join(parts)}) in {len(report.files)} file{'s' if len(report.files) != 1 else ''}."
        lines.append(paint(summary, _BOLD))
        if report.fixable:
            lines.append(f"[*] {report.fixable} fixable with `advisor fix` (preview with `advisor fix --diff`).")
    else:
        lines.append(paint(f"All checks passed! ({len(report.files)} file{'s' if len(report.files) != 1 else ''})", _BOLD))
    return "\n".join(lines) + "\n"
