"""Shared fixtures: write records to temporary files and lint them through the real engine."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import pytest
import yaml

from advisor.engine import Linter
from advisor.readers.record import read_record


def write_record(directory, record, name="experiment.yaml") -> str:
    """Dump `record` (a dict, or YAML text) to `directory/name` and return the path."""
    path = os.path.join(str(directory), name)
    text = record if isinstance(record, str) else yaml.safe_dump(record, sort_keys=False)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def lint_record(directory, record, select=None, options=None):
    """Lint one record with the selected rules (and per-rule options) and return the findings."""
    from advisor.config import Settings, resolve
    from advisor.registry import load_registry

    path = write_record(directory, record)
    settings = Settings(select=list(select) if select else None, rules=dict(options or {}))
    config = resolve(settings, load_registry())
    return Linter(config).lint(read_record(path))


@pytest.fixture
def lint(tmp_path):
    def run(record, select=None, options=None):
        return lint_record(tmp_path, record, select, options)

    return run
