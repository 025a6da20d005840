"""The registered remedies, looked up by the id a rule names: what `advisor lint` counts as fixable,
what `advisor fix` applies and with which safety, and what a rule's page says about its fix.

The remedies themselves are declared by the rule packs (`advisor.remedy.Remedy`, registered in the
`advisor.remedies` entry point group); this module only reads them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from advisor.registry import load_registry, load_remedies
from advisor.remedy import SAFE, TRAINING, UNSAFE, Remedy

__all__ = ["Remedy", "edit_remedy_ids", "edit_safety", "fix_note", "remedy_of", "safety"]


def remedy_of(remedy_id: str | None) -> Remedy | None:
    """The registered remedy with this id, or None."""
    return load_remedies().get(remedy_id or "")


@lru_cache(maxsize=1)
def edit_remedy_ids() -> frozenset[str]:
    """The ids of the remedies that are edits of the record (derived once per process, like the
    registered remedies it reads: `advisor lint` asks for every file)."""
    return frozenset(remedy.id for remedy in load_remedies().values() if remedy.is_edit)


def safety(remedy_id: str | None, rule: Any = None) -> str | None:
    """SAFE, UNSAFE, TRAINING or ADVICE for a rule's remedy; None when no remedy has that id.

    Args:
        remedy_id: The remedy id.
        rule: The rule (class or instance) whose finding it remedies, or its code; a rule's own
            `fix_safety` attribute ("safe" or "unsafe") wins for an edit remedy.
    """
    remedy = remedy_of(remedy_id)
    if remedy is None:
        return None
    if not remedy.is_edit:
        return remedy.safety
    if isinstance(rule, str):
        rule = load_registry().get(rule)
    declared = getattr(rule, "fix_safety", None)
    return declared if declared in (SAFE, UNSAFE) else remedy.safety


def edit_safety(remedy_id: str | None, rule: Any = None) -> str | None:
    """SAFE or UNSAFE when `advisor fix` (with `--unsafe-fixes` for UNSAFE) edits the record to
    remedy a rule's finding; None when no record edit does (no remedy, or one that needs training).

    Args:
        remedy_id: The remedy id.
        rule: The rule (class or instance) or its code, as for `safety`.
    """
    remedy = remedy_of(remedy_id)
    return safety(remedy_id, rule) if remedy is not None and remedy.is_edit else None


def fix_note(rule: Any) -> str | None:
    """What a rule's documentation says about its fix (the `- Fix:` line), or None."""
    remedy = remedy_of(rule.remedy)
    kind = safety(rule.remedy, rule)
    if remedy is None or kind is None or kind not in (SAFE, UNSAFE, TRAINING):
        return None
    if kind == TRAINING:
        return f"needs training (`advisor train RECORD --fix --stage {remedy.stage}`)"
    if kind == UNSAFE:
        return "unsafe (`advisor fix --unsafe-fixes`: it changes a decision recorded on purpose)"
    return "safe (`advisor fix`)"
