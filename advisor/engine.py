"""Run the selected rules on experiment records and turn violations into located findings."""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING, Iterable

from advisor.config import ResolvedConfig
from advisor.finding import Finding
from advisor.registry import load_registry
from advisor.severity import Severity

if TYPE_CHECKING:
    from advisor.record import Experiment

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

    def lint(self, experiment: Experiment, subject: str | None = None) -> list[Finding]:
        """Every finding for `experiment`, suppressions applied, in file order."""
        sources = experiment.sources
        findings: list[Finding] = []
        for setup, rule in self._runs:
            try:
                for violation in rule.check(experiment, setup.options):
                    location = sources.locate(violation.pointer)
                    findings.append(Finding(
                        rule.code, rule.name, setup.severity, violation.message, location.path,
                        location.line, location.column, location.pointer or violation.pointer,
                        violation.evidence, rule.remedy, rule.stage, subject,
                    ))
            except Exception as exc:  # a broken rule must not stop the others
                frame = traceback.extract_tb(exc.__traceback__)[-1]
                findings.append(Finding(
                    INTERNAL_ERROR[0], INTERNAL_ERROR[1], Severity.ERROR,
                    f"rule {rule.code} ({rule.name}) failed: {type(exc).__name__}: {exc} "
                    f"(at {frame.filename}:{frame.lineno}); please report it",
                    sources.path, 1, 1, "", {"rule": rule.code, "exception": type(exc).__name__}, None, None, subject,
                ))
        findings = self._filter(experiment, findings, subject)
        findings.sort(key=Finding.sort_key)
        return findings

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
            for suppression in suppressions:
                if not suppression.covers(finding.path, finding.line):
                    continue
                selector = suppression.matches(finding.code, finding.name)
                if selector is not None:
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


def fails(findings: Iterable[Finding], fail_on: Severity) -> bool:
    """True when any finding is at or above the fail level."""
    return any(f.severity.rank >= fail_on.rank for f in findings)
