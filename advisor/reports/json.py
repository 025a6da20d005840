"""`--format json`: {"findings": [...], "summary": {...}} (DESIGN.md)."""

from __future__ import annotations

import json
import math
from typing import Any

from advisor.reports import Report


def _finite(value: Any) -> Any:
    """JSON has no NaN or Infinity: write them as strings so the output stays strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def render(report: Report) -> str:
    document = {
        "findings": [_finite(f.to_dict()) for f in report.findings],
        "summary": report.summary(),
    }
    return json.dumps(document, indent=2, allow_nan=False) + "\n"
