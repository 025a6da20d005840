"""Inline suppression comments in record files.

    loss: mse  # advisor: ignore[MC03]            one line, by code or name
    # advisor: ignore-file[DP06, small-data-feature-engineering]   the whole file
    # advisor: ignore                             every rule, on that line
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_COMMENT = re.compile(r"#\s*advisor:\s*(ignore-file|ignore)\b(?:\s*\[([^\]]*)\])?", re.IGNORECASE)


@dataclass(slots=True)
class Suppression:
    path: str
    line: int
    column: int
    whole_file: bool
    #: Codes or names as written; empty means every rule.
    selectors: tuple[str, ...]
    used: set[str] = field(default_factory=set)

    def covers(self, path: str, line: int | None) -> bool:
        """Whether the suppression applies to a finding at `path`:`line`.

        A file-wide suppression covers every finding of the record, including those located in
        the files it names (a `.keras` archive or a CSV cannot hold comments); a line suppression
        covers findings on its own line.
        """
        return self.whole_file or (self.path == path and self.line == line)

    def matches(self, code: str, name: str) -> str | None:
        """The selector that matches the rule (or "*" for a bare ignore), else None."""
        if not self.selectors:
            return "*"
        for selector in self.selectors:
            if selector.upper() == code or selector.lower() == name:
                return selector
        return None


def scan(path: str, text: str) -> list[Suppression]:
    """Find the suppression comments in `text`."""
    if "advisor:" not in text and "ADVISOR:" not in text.upper():
        return []
    found: list[Suppression] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "#" not in line:
            continue
        for match in _COMMENT.finditer(line):
            selectors = tuple(s.strip() for s in (match.group(2) or "").split(",") if s.strip())
            found.append(Suppression(path, number, match.start() + 1, match.group(1).lower() == "ignore-file", selectors))
    return found
