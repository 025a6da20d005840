"""`--format json`: {"findings": [...], "summary": {...}}."""

from __future__ import annotations

import json
import math
from typing import Any

from advisor.reports import Report, display_path, escaped


def finite(value: Any) -> Any:
    """JSON has no NaN or Infinity: write them as strings so the output stays strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def plain(value: Any) -> Any:
    """Evidence values json cannot write itself: numpy scalars and arrays, sets, anything else."""
    if hasattr(value, "tolist"):
        return finite(value.tolist())
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


def _finding(finding) -> dict[str, Any]:
    data = escaped(finding.to_dict())  # names in the pointer and the evidence come from inputs
    data["path"] = display_path(finding.path)
    return finite(data)


def render(report: Report) -> str:
    """The stable machine-readable contract: `{"findings": [...], "summary": {...}}`, strict JSON.

    Args:
        report: What to show.

    Returns:
        The JSON document, ending in a newline.
    """
    document = {
        "findings": [_finding(f) for f in report.findings],
        "summary": report.summary(),
    }
    return json.dumps(document, indent=2, allow_nan=False, default=plain) + "\n"
