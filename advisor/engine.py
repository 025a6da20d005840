"""Run the selected rules on experiment records and turn violations into located findings."""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING, Iterable, Iterator

from advisor.config import ResolvedConfig
from advisor.finding import Finding
from advisor.registry import load_registry
from advisor.severity import Severity

if TYPE_CHECKING:
    from advisor.record import Experiment
    from advisor.rule import Measurement, Rule
    from advisor.suppression import Suppression

#: Findings the engine itself reports; they are not rules and cannot be selected away.
INTERNAL_ERROR = ("ADV001", "internal-error")
UNUSED_SUPPRESSION = ("ADV100", "unused-suppression")
ENGINE_CODES = {
    INTERNAL_ERROR[0]: (INTERNAL_ERROR[1], "A rule raised an exception; the other rules still ran.", Severity.ERROR),
    UNUSED_SUPPRESSION[0]: (UNUSED_SUPPRESSION[1], "An `# advisor: ignore[...]` comment suppressed nothing.", Severity.WARNING),
}


class Linter:
    """Lints experiments with one resolved configuration."""

    def __init__(self, config: ResolvedConfig):
        self.config = config
        self._runs = [(setup, setup.rule()) for setup in config.rules]
        self._folded_into = folds(setup.rule for setup in config.rules)

    def lint(self, experiment: Experiment, subject: str | None = None) -> list[Finding]:
        """Every finding for `experiment`, overlaps folded, suppressions applied, in file order."""
        sources = experiment.sources
        judged: list[tuple[Finding, str]] = []  # each finding with the record part it is about
        for setup, rule in self._runs:
            try:
                for violation in rule.check(experiment, setup.options):
                    location = sources.locate(violation.pointer)
                    judged.append((Finding(
                        rule.code, rule.name, setup.severity, violation.message, location.path,
                        location.line, location.column, location.pointer or violation.pointer,
                        violation.evidence, rule.remedy, rule.stage, subject,
                    ), violation.about or violation.pointer))
            except Exception as exc:  # a broken rule must not stop the others
                frame = traceback.extract_tb(exc.__traceback__)[-1]
                judged.append((Finding(
                    INTERNAL_ERROR[0], INTERNAL_ERROR[1], Severity.ERROR,
                    f"rule {rule.code} ({rule.name}) failed: {type(exc).__name__}: {exc} "
                    f"(at {frame.filename}:{frame.lineno}); please report it",
                    sources.path, 1, 1, "", {"rule": rule.code, "exception": type(exc).__name__}, None, None, subject,
                ), ""))
        findings = self._fold(experiment, judged)
        findings = self._filter(experiment, findings, subject)
        findings.sort(key=Finding.sort_key)
        return findings

    def _fold(self, experiment: Experiment, judged: list[tuple[Finding, str]]) -> list[Finding]:
        """The findings without those folded into another: a finding goes when a rule superseding
        its rule fired about the same part of the record and that finding is neither ignored nor
        suppressed. Runs before suppressions are marked used, so a folded finding uses none, as if
        its rule had stayed silent."""
        if not self._folded_into or not any(f.code in self._folded_into for f, _ in judged):
            return [finding for finding, _ in judged]
        ignored = self.config.ignored_for(experiment.path)
        suppressions = experiment.suppressions
        superseding = set().union(*self._folded_into.values())
        standing = {
            (finding.code, about) for finding, about in judged
            if finding.code in superseding and finding.code not in ignored
            and next(_suppressing(finding, suppressions), None) is None
        }
        return [
            finding for finding, about in judged
            if not any((code, about) in standing for code in self._folded_into.get(finding.code, ()))
        ]

    def _filter(self, experiment: Experiment, findings: list[Finding], subject: str | None) -> list[Finding]:
        ignored = self.config.ignored_for(experiment.path)
        if ignored:
            findings = [f for f in findings if f.code not in ignored]
        suppressions = experiment.suppressions
        if not suppressions:
            return findings
        kept: list[Finding] = []
        for finding in findings:
            suppressed = False
            for suppression, selector in _suppressing(finding, suppressions):
                suppression.used.add(selector)
                suppressed = True
            if not suppressed:
                kept.append(finding)
        if self.config.warn_unused_ignores:
            kept.extend(self._unused(suppressions, subject))
        return kept

    def _unused(self, suppressions: Iterable, subject: str | None) -> list[Finding]:
        selected = {setup.rule.code for setup, _ in self._runs} | {setup.rule.name for setup, _ in self._runs}
        unused: list[Finding] = []
        for suppression in suppressions:
            selectors = suppression.selectors or ("*",)
            for selector in selectors:
                if selector in suppression.used:
                    continue
                what = "every rule" if selector == "*" else f"'{selector}'"
                if selector == "*" or selector.upper() in selected or selector.lower() in selected:
                    why = ""
                elif load_registry().get(selector) is None:
                    why = " (no such rule)"
                else:
                    why = " (not selected)"
                unused.append(Finding(
                    UNUSED_SUPPRESSION[0], UNUSED_SUPPRESSION[1], Severity.WARNING,
                    f"unused suppression of {what}{why}: no finding here to suppress; remove it",
                    suppression.path, suppression.line, suppression.column, "", {"selector": selector},
                    None, None, subject,
                ))
        return unused


def measure_evidence(experiment: Experiment, config: ResolvedConfig | None = None) -> dict[str, Measurement]:
    """Every registered rule's measurement of the workflow evidence it judges, by evidence key.

    Measured whether or not the rule is selected or would fire, with its options as `config`
    resolves them (else its defaults): the evidence is a fact of the record, not of the selection.
    A rule that fails to measure is left out (its check reports the failure when it runs).

    Args:
        experiment: The record.
        config: The lint configuration, for the rules' options.

    Returns:
        Evidence key -> measurement; a key no rule could measure is absent.
    """
    configured = {setup.rule.code: setup.options for setup in config.rules} if config is not None else {}
    measured: dict[str, Measurement] = {}
    for rule in load_registry().rules:
        if rule.evidence is None or rule.evidence in measured:
            continue
        try:
            found = rule().measure(experiment, configured.get(rule.code) or rule.default_options())
        except Exception:  # a broken rule must not break the assessment
            continue
        if found is not None:
            measured[rule.evidence] = found
    return measured


def folds(rules: Iterable[type[Rule]]) -> dict[str, set[str]]:
    """Which rules each rule's findings are folded into, among `rules` (the selected ones), from
    their `supersedes` and `folded_into` declarations.

    Args:
        rules: The selected rule classes.

    Returns:
        A map from a superseded rule's code to the codes of the selected rules superseding it.
    """
    rules = list(rules)
    selected = {rule.code for rule in rules}
    folded_into: dict[str, set[str]] = {}
    for rule in rules:
        for code in rule.supersedes:
            folded_into.setdefault(code, set()).add(rule.code)
        for code in rule.folded_into:
            if code in selected:
                folded_into.setdefault(rule.code, set()).add(code)
    return folded_into


def _suppressing(finding: Finding, suppressions: Iterable[Suppression]) -> Iterator[tuple[Suppression, str]]:
    """Each suppression that covers `finding`, with the selector that matches its rule."""
    for suppression in suppressions:
        if suppression.covers(finding.path, finding.line):
            selector = suppression.matches(finding.code, finding.name)
            if selector is not None:
                yield suppression, selector


def fails(findings: Iterable[Finding], fail_on: Severity) -> bool:
    """True when any finding is at or above the fail level."""
    return any(f.severity.rank >= fail_on.rank for f in findings)
