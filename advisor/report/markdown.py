"""The report as GitHub-flavoured Markdown: the verdict, each experiment's stage checklist and its
findings with remedies and commands, for `$GITHUB_STEP_SUMMARY` and pull-request comments.

Text from inputs is escaped so it cannot open a table cell, a link or an HTML tag."""

from __future__ import annotations

import re

from advisor.report.collect import Collected
from advisor.report.page import STATUS_MARKS, STATUS_WORDS, counts_of, stage_line

_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def escape(text: str) -> str:
    """`text` safe inside a Markdown table cell: markup characters backslash-escaped, one line."""
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # no HTML tag can open
    return _SPECIAL.sub(r"\\\1", text).replace("\r", " ").replace("\n", " ")


def _code(text: str) -> str:
    """`text` as inline code, with a fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text.replace('|', chr(92) + '|')} {fence}"  # GFM tables take \\| in code spans as |


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {severity}{'' if n == 1 else 's'}" for severity, n in counts.items())


def render_markdown(collected: Collected) -> str:
    """The whole report in Markdown.

    Args:
        collected: What `collect` gathered.

    Returns:
        Markdown text ending in a newline.
    """
    from advisor.engine import fails
    from advisor.reports import display_path, error_dict

    fail_on = collected.config.fail_on
    findings = [f for entry in collected.entries for f in entry.findings]
    failing = fails(findings, fail_on)
    verdict = ("inputs could not be read: exit code 2" if collected.errors else
               "fails: exit code 1" if failing else "passes: exit code 0")
    lines = ["## ml-advisor report", "",
             (f"{len(collected.entries)} experiment{'' if len(collected.entries) == 1 else 's'}, "
             f"{_counts(counts_of(findings))}; at fail level {fail_on.value} the run **{verdict}**."), ""]
    for error in collected.errors:
        shown = error_dict(error)
        where = shown["path"] + (f":{shown['line']}" if shown["line"] else "")
        lines.append(f"- unreadable: {_code(where)}: {escape(shown['message'])}")
    if collected.errors:
        lines.append("")
    if len(collected.entries) > 1:
        lines += ["| experiment | stage | errors | warnings | infos |", "|---|---|--:|--:|--:|"]
        for entry in collected.entries:
            counts = counts_of(entry.findings)
            lines.append(f"| {escape(entry.title)} | {escape(stage_line(entry.assessment))} | {counts['error']} | "
                         f"{counts['warning']} | {counts['info']} |")
        lines.append("")
    for entry in collected.entries:
        assessment = entry.assessment
        lines += [f"### {escape(entry.title)}", "",
                  (f"{_code(display_path(entry.path))}: **{escape(stage_line(assessment))}**; "
                  f"{_counts(counts_of(entry.findings))}."), "",
                  "| | stage | status | findings |", "|---|---|---|---|"]
        for stage in assessment.stages:
            codes = ", ".join(dict.fromkeys(f.code for f in stage.findings))
            current = " (current)" if stage is assessment.current else ""
            lines.append(f"| {STATUS_MARKS[stage.status]} | {stage.number}. {escape(stage.name)} | "
                         f"{STATUS_WORDS[stage.status]}{current} | {codes} |")
        lines.append("")
        if entry.findings:
            steps = {code: step for step in assessment.steps for code in step.codes}
            lines += ["| code | severity | message | remedy |", "|---|---|---|---|"]
            for finding in entry.findings:
                step = steps.get(finding.code)
                remedy = escape(step.text) if step is not None else ""
                if step is not None and step.command:
                    remedy += f"<br>{_code(step.command)}"
                lines.append(f"| {finding.code} {escape(finding.name)} | {finding.severity.value} | "
                             f"{escape(finding.message)} | {remedy} |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
