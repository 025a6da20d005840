"""The standard library's TOML reader, `tomllib` (Python 3.11+), or its backport `tomli` on Python 3.10."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

__all__ = ["tomllib"]
