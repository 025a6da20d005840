"""What a remedy works with: the record as read (every source merged), the findings it answers,
and the record file to edit."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, TypeVar, cast

from advisor.finding import Finding
from advisor.fix.document import MISSING, Document, escape_token, split_pointer
from advisor.record import Experiment
from advisor.registry import load_registry
from advisor.rule import Rule, RuleOptions

EvidenceT = TypeVar("EvidenceT")
OptionsT = TypeVar("OptionsT", bound=RuleOptions)


class NotFixable(Exception):
    """A remedy cannot edit its way out of a finding; the message says what the user must do."""


class NeedsTraining(Exception):
    """A remedy whose effect needs a run of the experiment (new data, new history).

    Args:
        stage: The `advisor train --stage` that performs it.
        reason: What the run does.
    """

    def __init__(self, stage: str, reason: str):
        self.stage = stage
        super().__init__(reason)


@dataclass
class FixContext:
    """One remedy's view of one record.

    Args:
        document: The record file, opened for editing.
        experiment: The record as linted: the file's fields merged with what the files it names
            (a `.keras` model, a history, a data profile) contributed.
        findings: The findings this remedy answers.
        rule_options: Each selected rule's resolved options, by code (as configured, else the
            rule's defaults), so an edit aims at the thresholds the rules will judge it by.
    """

    document: Document
    experiment: Experiment
    findings: list[Finding]
    rule_options: Mapping[str, RuleOptions] = field(default_factory=dict)
    #: What the remedy changed, one line each (`/model/loss: mse -> binary_crossentropy`).
    changes: list[str] = field(default_factory=list)

    @property
    def codes(self) -> set[str]:
        return {finding.code for finding in self.findings}

    def evidence(self, of: type[EvidenceT]) -> list[EvidenceT]:
        """The evidence of the findings this remedy answers whose rule declares `of` as its
        `Evidence` class, in the findings' order, as instances of `of`.

        Args:
            of: A rule's `Evidence` NamedTuple (`LinearHiddenLayers.Evidence`).

        Raises:
            KeyError: no registered rule declares `of`.
        """
        codes = {rule.code for rule in _declaring(of, "Evidence")}
        names: tuple[str, ...] = of._fields  # type: ignore[attr-defined]
        return [of(**{name: finding.evidence[name] for name in names if name in finding.evidence})
                for finding in self.findings if finding.code in codes]

    def options(self, of: type[OptionsT]) -> OptionsT:
        """The options this run judges by, of the rule whose `Options` class is `of`: as
        configured, else the rule's defaults (also for a rule that is not selected).

        Args:
            of: A rule's `Options` class (`KFoldFoldsTooSmall.Options`).

        Raises:
            KeyError: no registered rule, or more than one, takes `of` as its options.
        """
        rules = _declaring(of, "Options")
        if len(rules) > 1:
            codes = ", ".join(sorted(rule.code for rule in rules))
            raise KeyError(f"{of.__name__} is the options of {codes}: give each rule its own class")
        (rule,) = rules
        # Resolved options are instances of the rule's Options class, which is `of`.
        configured = self.rule_options.get(rule.code)
        return cast(OptionsT, configured if configured is not None else rule.default_options())

    @cached_property
    def _record_data(self) -> dict[str, Any]:
        return self.experiment.model_dump(mode="json", exclude_none=True)

    def record(self, pointer: str) -> Any:
        """The merged record's plain value at `pointer`, or MISSING."""
        node: Any = self._record_data
        for token in split_pointer(pointer):
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return MISSING
        return node

    def current(self, pointer: str) -> Any:
        """The value the record has at `pointer`: the file's own, else the one another source gave."""
        value = self.document.get(pointer)
        return value if value is not MISSING else self.record(pointer)

    # --- edits -------------------------------------------------------------------------------

    def set(self, pointer: str, value: Any) -> None:
        """Write `value` at `pointer` in the record file.

        A value that came from another file (a layer list read from a `.keras` archive) is first
        copied into the record file, where it wins over the archive; the archive is never edited.
        """
        self._materialize(pointer)
        before = self.document.get(pointer)
        if self.document.set(pointer, value):
            was = "(absent)" if before is MISSING else _short(before)
            self.changes.append(f"{pointer}: {was} -> {_short(value)}")

    def insert(self, pointer: str, value: Any) -> None:
        """Insert `value` into the list at `pointer`'s parent (the last token: index or `-`)."""
        self._materialize(pointer[: pointer.rfind("/")])
        self.document.insert(pointer, value)
        self.changes.append(f"{pointer}: inserted {_short(value)}")

    def delete(self, pointer: str) -> None:
        self._materialize(pointer)
        before = self.document.get(pointer)
        if self.document.delete(pointer):
            self.changes.append(f"{pointer}: {_short(before)} removed")

    def _materialize(self, pointer: str) -> None:
        """Copy into the file the nearest enclosing model value it lacks but the merged record has
        (read from `model.file`). Values measured from data or logs are never copied: they are
        facts of the artifacts, not decisions to write down."""
        if not pointer.startswith("/model/"):
            return
        tokens = split_pointer(pointer)
        for depth in range(1, len(tokens) + 1):
            prefix = "".join("/" + escape_token(token) for token in tokens[:depth])
            if self.document.has(prefix):
                continue
            value = self.record(prefix)
            if value is not MISSING:
                self.document.set(prefix, value)
                self.changes.append(f"{prefix}: copied into the record from {self._source(prefix)}")
            return

    def _source(self, pointer: str) -> str:
        """The file a value came from, relative to the record's folder when it lies below it."""
        import os

        path = self.experiment.sources.locate(pointer).path
        if not path:
            return "another file"
        folder = os.path.dirname(os.path.abspath(self.experiment.path))
        relative = os.path.relpath(os.path.abspath(path), folder)
        return path if relative.startswith("..") else relative


def _declaring(declared: type, attribute: str) -> list[type[Rule]]:
    """The registered rules whose `attribute` (`Evidence`, `Options`) is `declared`.

    Raises:
        KeyError: none is.
    """
    rules = [rule for rule in load_registry().rules if getattr(rule, attribute, None) is declared]
    if not rules:
        raise KeyError(f"no registered rule declares {declared.__qualname__} as its {attribute}")
    return rules


def _short(value: Any) -> str:
    """A value as JSON, cut to 60 characters."""
    import json

    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
