"""A finding: one rule's verdict on one experiment, located in the file a user must edit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from advisor.escape import escape_control
from advisor.severity import Severity


@dataclass(slots=True)
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    path: str
    line: int | None = None
    column: int | None = None
    pointer: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    remedy: str | None = None
    stage: int | None = None
    #: The record the finding is about, when several come from one file (MLflow runs).
    subject: str | None = None
    #: "safe" when `advisor fix` edits the record to remedy it, "unsafe" when only
    #: `advisor fix --unsafe-fixes` does (it changes a decision), None when no record edit does.
    fix: str | None = None

    def __post_init__(self) -> None:
        # Messages quote input text (column names, paths, values): no control character of it may
        # reach a report, a CI log or a terminal.
        self.message = escape_control(self.message)
        if self.subject is not None:
            self.subject = escape_control(self.subject)

    def sort_key(self) -> tuple[Any, ...]:
        return (self.path, self.line or 0, self.column or 0, self.code)

    def to_dict(self, full: bool = False) -> dict[str, Any]:
        """The `--format json` shape of one finding; `full` adds the stage, for the results cache."""
        data = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "pointer": self.pointer,
            "evidence": self.evidence,
            "remedy": self.remedy,
            "fix": self.fix,
        }
        if self.subject is not None:
            data["subject"] = self.subject
        if full:
            data["stage"] = self.stage
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
        """The inverse of `to_dict(full=True)`."""
        return cls(
            data["code"], data["name"], Severity(data["severity"]), data["message"], data["path"],
            data.get("line"), data.get("column"), data.get("pointer", ""), data.get("evidence") or {},
            data.get("remedy"), data.get("stage"), data.get("subject"), data.get("fix"),
        )
