"""ml-advisor: a rule-based advisor and linter for machine-learning experiments.

The public API for rule packs: `Rule`, `RuleOptions`, `Severity`, `Violation`, `Measurement`,
`Experiment`, the remedies of `advisor.remedy`, the edit interface `advisor.fix.context.FixContext`,
and the helpers in `advisor.names`, `advisor.facts` and `advisor.curves`. Nothing heavy is imported
here.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Experiment", "Measurement", "Rule", "RuleOptions", "Severity", "Violation", "__version__"]


def __getattr__(name: str):
    # Lazy, so `advisor --version` and `advisor --help` stay instant.
    if name in ("Measurement", "Rule", "RuleOptions", "Severity", "Violation"):
        from advisor import rule

        return getattr(rule, name)
    if name == "Experiment":
        from advisor.record import Experiment

        return Experiment
    raise AttributeError(f"module 'advisor' has no attribute {name!r}")
