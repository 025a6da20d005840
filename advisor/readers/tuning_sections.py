"""What the tuning tools' files share: which split a search chose on, read from the name of the
metric it optimized, and the record sections each tuning reader fills.
"""

from __future__ import annotations

import re
from typing import Any

from advisor.locations import SourceMap
from advisor.readers.artifacts import Locations, section_sources

#: Split names as they appear in metric names (`val_accuracy`, `test_loss`, `accuracy_holdout`).
_VALIDATION_WORDS = {"val", "valid", "validation", "dev", "holdout"}
_TEST_WORDS = {"test"}


def split_of_metric(name: str | None) -> str | None:
    """The split a metric name says it was measured on: "test", "validation" or None (training,
    or a name that says nothing, such as `score`)."""
    if not name:
        return None
    words = {word for word in re.split(r"[^a-z0-9]+", name.lower()) if word}
    if words & _TEST_WORDS:
        return "test"
    if words & _VALIDATION_WORDS:
        return "validation"
    return None


class Sections:
    """Record sections read from one tuning artifact, each with its value locations."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, Any]] = {}
        self.locations: dict[str, Locations] = {}

    def set(self, section: str, values: dict[str, Any], locations: Locations) -> None:
        if values:
            self.values[section] = values
            self.locations[section] = locations

    def sources(self, path: str) -> SourceMap:
        """A SourceMap for a record read from this artifact alone."""
        sources = SourceMap(path)
        for section, locations in self.locations.items():
            sources.update(section_sources(path, section, locations))
        return sources

    def experiment(self, path: str):
        from advisor.readers.record_validation import validate_record

        return validate_record(path, dict(self.values), self.sources(path))
