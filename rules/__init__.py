"""The built-in rule pack: one module per workflow family.

Registered in pyproject.toml under the `advisor.rules` and `advisor.remedies` entry point groups,
exactly as a third-party pack would be. Imports only advisor's public API. Each family module
declares its rules (`RULES`) and the remedies they name (`REMEDIES`); the record edits of those
remedies live in `rules.fixes`, named by import path so that linting never loads them.
"""

from __future__ import annotations

import importlib

#: Family modules, in workflow order (`advisor.rule.STAGES`).
FAMILIES = (
    "rules.problem",      # PD: define the problem and assemble a dataset
    "rules.metric",       # MS: choose a measure of success
    "rules.protocol",     # EP: decide on an evaluation protocol
    "rules.data",         # DP: prepare the data
    "rules.baseline",     # BL: beat a baseline
    "rules.model",        # MC: last-layer activation, loss and optimizer
    "rules.dynamics",     # TD: training dynamics
    "rules.overfit",      # OF: scale up until the model overfits
    "rules.regularize",   # RG: regularize, tune, evaluate once
    "rules.leakage",      # LK: leakage
)


def get_rules() -> list[type]:
    """Every rule class of the pack (the `advisor.rules` entry point)."""
    rules: list[type] = []
    for name in FAMILIES:
        rules.extend(importlib.import_module(name).RULES)
    return rules


def get_remedies() -> list:
    """Every remedy the pack's rules name (the `advisor.remedies` entry point)."""
    remedies: list = []
    for name in FAMILIES:
        remedies.extend(importlib.import_module(name).REMEDIES)
    return remedies
