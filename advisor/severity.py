"""Finding severities. Kept apart from the rule base so reports load without pydantic."""

from __future__ import annotations

import enum


class Severity(str, enum.Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def letter(self) -> str:
        return self.value[0].upper()

    @classmethod
    def parse(cls, value: str) -> "Severity":
        """Accept `error`/`warning`/`info` and the letters E/W/I."""
        text = str(value).strip().lower()
        for severity in cls:
            if text in (severity.value, severity.value[0]):
                return severity
        raise ValueError(f"expected one of error, warning, info; received {value!r}")


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}
