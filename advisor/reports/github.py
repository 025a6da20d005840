"""`--format github`: GitHub Actions workflow commands, shown as annotations on the pull request.

    ::error file=experiment.yaml,line=6,col=31,title=MC01 loss-activation-mismatch::message

Severities map to `error`, `warning` and `notice`. Values are escaped as the Actions runner
expects: `%`, carriage return and newline in the message; additionally `:` and `,` in properties.
Inputs that could not be read are annotated as errors too.
"""

from __future__ import annotations

from advisor.readers.source.regions import in_file
from advisor.reports import Report, display_path, error_dict, fix_command

_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Escape a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (file, title)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, path: str, line: int | None, column: int | None, title: str, message: str) -> str:
    properties = [f"file={escape_property(path)}"]
    if line:
        properties.append(f"line={line}")
        if column:
            properties.append(f"col={column}")
    properties.append(f"title={escape_property(title)}")
    return f"::{kind} {','.join(properties)}::{escape_data(message)}"


def render(report: Report) -> str:
    """One workflow command per finding and per unreadable input.

    Args:
        report: What to show.

    Returns:
        The commands, one per line (empty when there is nothing to annotate).
    """
    lines = []
    for error in report.errors:
        data = error_dict(error)
        path, line, column = in_file(data["path"], data["line"], data["column"])
        lines.append(_command("error", path, line, column, "advisor: unreadable input", data["message"]))
    for finding in report.findings:
        message = finding.message
        if finding.subject:
            message = f"[{finding.subject}] {message}"
        if finding.remedy:
            command = fix_command(finding)
            message += f" (remedy: {finding.remedy}{f'; apply with {command}' if command else ''})"
        path, line, column = in_file(finding.path, finding.line, finding.column)
        lines.append(_command(_COMMANDS[finding.severity.value], display_path(path), line or 1,
                              column or 1, f"{finding.code} {finding.name}", message))
    return "".join(line + "\n" for line in lines)

