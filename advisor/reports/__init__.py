"""Report formats for `advisor lint`. Each format module exposes `render(report) -> str`.

Formats are imported only when used, so a text report never pays for XML or SARIF.
"""

from __future__ import annotations

import importlib
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from advisor.escape import escape_control
from advisor.finding import Finding
from advisor.severity import Severity

FORMATS = ("text", "json", "sarif", "github", "junit")
#: The command that applies a finding's fix, by the finding's `fix` ("safe" or "unsafe").
FIX_COMMANDS = {"safe": "advisor fix", "unsafe": "advisor fix --unsafe-fixes"}


@dataclass
class Report:
    """Everything a format may show.

    Args:
        findings: The findings, in file order.
        files: The inputs that were linted.
        rules: The rules that ran (`RuleSetup` list), for rule metadata.
        fail_on: The lowest severity that fails the run.
        statistics: Whether to show the number of findings per rule.
        color: Whether text output may use ANSI colours.
        errors: Inputs that could not be read (`InputError` list); the run exits 2.
    """

    findings: list[Finding]
    files: list[str]
    rules: list[Any] = field(default_factory=list)
    fail_on: Severity = Severity.WARNING
    statistics: bool = False
    color: bool = False
    errors: list[Any] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Number of findings per severity, every severity present."""
        counts = {s.value: 0 for s in Severity}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        return counts

    def fix_counts(self) -> tuple[int, int]:
        """(safe, unsafe): how many findings `advisor fix` remedies, and how many more it remedies
        with `--unsafe-fixes`."""
        kinds = Counter(finding.fix for finding in self.findings)
        return kinds["safe"], kinds["unsafe"]

    def rule_counts(self) -> list[tuple[str, str, str, int]]:
        """(code, name, severity, count) per rule, most frequent first."""
        counter = Counter((f.code, f.name, f.severity.value) for f in self.findings)
        ordered = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        return [(code, name, severity, count) for (code, name, severity), count in ordered]

    def summary(self) -> dict[str, Any]:
        """The `summary` object of the JSON report."""
        summary: dict[str, Any] = {
            "files": len(self.files),
            "findings": len(self.findings),
            "by_severity": self.counts(),
            "fail_on": self.fail_on.value,
        }
        if self.statistics:
            summary["by_rule"] = {code: count for code, _, _, count in self.rule_counts()}
        if self.errors:
            summary["errors"] = [error_dict(error) for error in self.errors]
        return summary


def display_path(path: str, escape: bool = True) -> str:
    """`path` relative to the working directory with forward slashes when it lies below it,
    else as given (with forward slashes). Every format shows paths this way, with control
    characters escaped unless `escape` is False (a URI percent-encodes them instead)."""
    if os.path.isabs(path):
        try:
            relative = os.path.relpath(path)
        except ValueError:  # another drive on Windows
            relative = path
        if not relative.startswith(".."):
            path = relative
    else:
        path = os.path.normpath(path)
    path = path.replace(os.sep, "/")
    return escape_control(path) if escape else path


def escaped(value: Any) -> Any:
    """`value` with control characters escaped in every string it holds (keys included): evidence
    carries input names (columns, metrics) as data."""
    if isinstance(value, str):
        return escape_control(value)
    if isinstance(value, dict):
        return {escaped(k): escaped(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [escaped(v) for v in value]
    return value


def fix_command(finding: Finding) -> str | None:
    """The command that applies the finding's remedy, when `advisor fix` can."""
    return FIX_COMMANDS.get(finding.fix or "")


def remedy_text(finding: Finding) -> str:
    """The finding's remedy id, with the command that applies it when `advisor fix` can."""
    command = fix_command(finding)
    return f"{finding.remedy} ({command})" if command else str(finding.remedy)


def error_dict(error: Any) -> dict[str, Any]:
    """An input error as plain data: path, line, column, message."""
    return {
        "path": display_path(getattr(error, "path", "")),
        "line": getattr(error, "line", None),
        "column": getattr(error, "column", None),
        "message": error.text() if hasattr(error, "text") else str(error),
    }


def render(fmt: str, report: Report) -> str:
    """Render `report` in format `fmt` (one of FORMATS)."""
    module = importlib.import_module(f"advisor.reports.{fmt}")
    return module.render(report)
