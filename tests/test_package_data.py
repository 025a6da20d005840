"""Every file the package data names exists, so the wheel ships it (py.typed marks the package typed)."""

from __future__ import annotations

import glob
import os

from advisor.toml_compat import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _package_data() -> dict[str, list[str]]:
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as handle:
        return tomllib.load(handle)["tool"]["setuptools"]["package-data"]


def test_the_package_is_marked_typed():
    assert "py.typed" in _package_data()["advisor"]
    assert os.path.isfile(os.path.join(ROOT, "advisor", "py.typed"))


def test_every_package_data_pattern_matches_a_file():
    unmatched = [f"{package}: {pattern}" for package, patterns in _package_data().items() for pattern in patterns
                 if not glob.glob(os.path.join(ROOT, package.replace(".", os.sep), pattern))]
    assert unmatched == []
