"""Report formats for `advisor lint`. Each module exposes `render(report) -> str`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from advisor.finding import Finding
from advisor.severity import Severity

FORMATS = ("text", "json", "sarif", "github", "junit")


@dataclass
class Report:
    """Everything a format may show: findings, the files linted, the rules that ran."""

    findings: list[Finding]
    files: list[str]
    rules: list[Any] = field(default_factory=list)  # RuleSetup list, for rule metadata
    fail_on: Severity = Severity.WARNING
    statistics: bool = False
    color: bool = False
    #: Fixable remedies, "N fixable with advisor fix" in the summary.
    fixable: int = 0

    def counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Severity}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        return counts

    def summary(self) -> dict[str, Any]:
        return {
            "files": len(self.files),
            "findings": len(self.findings),
            "by_severity": self.counts(),
            "fail_on": self.fail_on.value,
        }


def render(fmt: str, report: Report) -> str:
    module = importlib.import_module(f"advisor.reports.{fmt}")
    return module.render(report)
