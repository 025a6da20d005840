"""Rule and remedy discovery through the `advisor.rules` and `advisor.remedies` entry point groups,
and rule selection.

The built-in pack registers itself in those groups exactly as a third-party pack would, so the
engine never imports `rules/`. An `advisor.rules` entry point may name a Rule subclass, an iterable
of them, or a callable returning them; an `advisor.remedies` one an iterable of
`advisor.remedy.Remedy`, or a callable returning one.
"""

from __future__ import annotations

import fnmatch
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

from advisor.errors import AdvisorError, ConfigError

if TYPE_CHECKING:
    from advisor.remedy import Remedy
    from advisor.rule import Rule

ENTRY_POINT_GROUP = "advisor.rules"
REMEDY_GROUP = "advisor.remedies"


class RuleRegistry:
    """The known rules, by code and by name."""

    def __init__(self, rules: Iterable[type[Rule]]):
        self.rules: list[type[Rule]] = sorted(rules, key=lambda r: (r.stage, r.code))
        self.by_code: dict[str, type[Rule]] = {}
        self.by_name: dict[str, type[Rule]] = {}
        for rule in self.rules:
            for key, table in ((rule.code, self.by_code), (rule.name, self.by_name)):
                if key in table and table[key] is not rule:
                    raise AdvisorError(f"two rules claim '{key}': {table[key].__module__}.{table[key].__name__} "
                                       f"and {rule.__module__}.{rule.__name__}")
                table[key] = rule

    def get(self, code_or_name: str) -> type[Rule] | None:
        key = code_or_name.strip()
        return self.by_code.get(key.upper()) or self.by_name.get(key.lower())

    def resolve(self, selector: str, origin: str = "selector") -> list[type[Rule]]:
        """Rules matched by a code, a name, a code prefix (`MC`, `MC0`) or `ALL`.

        Raises:
            ConfigError: when the selector matches no rule.
        """
        key = selector.strip()
        if key.upper() == "ALL":
            return list(self.rules)
        exact = self.get(key)
        if exact is not None:
            return [exact]
        prefix = key.upper()
        matched = [r for r in self.rules if r.code.startswith(prefix)]
        if not matched and any(ch in key for ch in "*?["):
            matched = [r for r in self.rules if fnmatch.fnmatch(r.code, prefix) or fnmatch.fnmatch(r.name, key)]
        if not matched:
            import difflib

            close = difflib.get_close_matches(key, [*self.by_code, *self.by_name], n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else "; `advisor rules` lists them"
            raise ConfigError(f"{origin}: unknown rule '{selector}'{hint}")
        return matched


def _load_entry_point(entry_point) -> list[type[Rule]]:
    from advisor.rule import Rule

    obj = entry_point.load()
    if isinstance(obj, type) and issubclass(obj, Rule):
        return [obj]
    if callable(obj) and not isinstance(obj, type):
        obj = obj()
    rules = list(obj)
    for rule in rules:
        if not (isinstance(rule, type) and issubclass(rule, Rule)):
            raise AdvisorError(f"entry point '{entry_point.name}' in group {ENTRY_POINT_GROUP} "
                               f"gave {rule!r}; expected Rule subclasses")
    return rules


@lru_cache(maxsize=1)
def load_registry() -> RuleRegistry:
    """Every rule registered in the `advisor.rules` entry point group."""
    from advisor.plugins import group_entry_points

    rules: list[type[Rule]] = []
    for entry_point in group_entry_points(ENTRY_POINT_GROUP):
        rules.extend(_load_entry_point(entry_point))
    return RuleRegistry(rules)


@lru_cache(maxsize=1)
def load_remedies() -> dict[str, Remedy]:
    """Every remedy registered in the `advisor.remedies` entry point group, by id, in the order
    `advisor fix` applies them (`advisor.remedy.PHASES`, then the order of declaration).

    Raises:
        AdvisorError: an entry point gives something other than remedies, or two claim one id.
    """
    from advisor.plugins import group_entry_points
    from advisor.remedy import PHASES, Remedy

    declared: list[Remedy] = []
    for entry_point in group_entry_points(REMEDY_GROUP):
        obj = entry_point.load()
        items = list(obj() if callable(obj) else obj)
        for item in items:
            if not isinstance(item, Remedy):
                raise AdvisorError(f"entry point '{entry_point.name}' in group {REMEDY_GROUP} gave {item!r}; "
                                   "expected advisor.remedy.Remedy values")
        declared.extend(items)
    by_id: dict[str, Remedy] = {}
    for remedy in sorted(declared, key=lambda remedy: PHASES.index(remedy.phase)):  # stable: declaration order
        if remedy.id in by_id and by_id[remedy.id] != remedy:
            raise AdvisorError(f"two remedies claim the id '{remedy.id}'")
        by_id[remedy.id] = remedy
    return by_id
