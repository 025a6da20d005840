"""Log the advisor's verdict to the active MLflow run, so the MLflow UI and `advisor lint` of the
store say the same thing.

What is logged (only when the training code imported MLflow and a run is active; MLflow is never
imported here otherwise):

- artifacts `advisor/findings.txt` (the text report) and `advisor/findings.json` (the findings
  as `advisor lint --format json` lists them);
- tags `advisor.errors`, `advisor.warnings`, `advisor.infos` (counts) and `advisor.verdict` (the
  summary line);
- the record's fields as tags under their own names (`problem.type`, `model.layers`,
  `data.features`, ...), which the store reader reads back, and the history as metrics when the
  run has not logged them (autologging already does). A field too long for a tag is left out.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

from advisor.finding import Finding

#: MLflow refuses longer tag values (8,000 characters in MLflow 2 and 3).
MAX_TAG_CHARS = 8000
#: Record sections logged as tags; history goes in as metrics, run is MLflow's own.
TAGGED_SECTIONS = ("problem", "data", "splits", "protocol", "metric", "baseline", "model", "tuning", "final")
#: Fields naming files beside a record, meaningless inside a store.
_FILE_FIELDS = {"data.path", "model.file", "history.file", "splits.files"}


def active_run() -> Any:
    """The active MLflow run, or None (also when the training code never imported MLflow)."""
    mlflow = sys.modules.get("mlflow")
    if mlflow is None or not hasattr(mlflow, "active_run"):
        return None
    return mlflow.active_run()


def log_verdict(findings: list[Finding], text: str, record: dict[str, Any],
                history: dict[str, list[float | None]] | None = None) -> bool:
    """Log the findings, their counts and the record to the active MLflow run.

    Args:
        findings: The final findings.
        text: The text report of the findings.
        record: The experiment record the findings judge.
        history: The metric series, logged as metrics when the run has none under their names.

    Returns:
        True when a run was active and got the verdict.
    """
    run = active_run()
    if run is None:
        return False
    import mlflow

    from advisor.integrations.session import severity_counts

    counts = severity_counts(findings)
    summary = text.strip().splitlines()[-1] if text.strip() else ""
    mlflow.log_text(text, "advisor/findings.txt")
    payload = {"findings": [f.to_dict() for f in findings], "summary": counts}
    mlflow.log_text(json.dumps(payload, indent=2, default=str), "advisor/findings.json")
    tags = {f"advisor.{severity}s": str(count) for severity, count in counts.items()}
    tags["advisor.verdict"] = summary
    tags.update(record_tags(record))
    mlflow.set_tags(tags)
    if history:
        logged = set(mlflow.get_run(run.info.run_id).data.metrics)
        for key, values in history.items():
            if key in logged:
                continue
            for step, value in enumerate(values):
                if value is not None:
                    mlflow.log_metric(key, value if math.isfinite(value) else float("nan"), step=step)
    return True


def record_tags(record: dict[str, Any]) -> dict[str, str]:
    """The record's fields as `section.field` tags holding JSON values (what the store reader
    parses back); fields too long for a tag and file references are left out."""
    tags: dict[str, str] = {}
    for section in TAGGED_SECTIONS:
        fields = record.get(section)
        if not isinstance(fields, dict):
            continue
        for key, value in fields.items():
            name = f"{section}.{key}"
            if value is None or name in _FILE_FIELDS:
                continue
            try:
                text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), allow_nan=False)
            except (TypeError, ValueError):  # NaN or an object JSON cannot hold
                continue
            if len(text) <= MAX_TAG_CHARS:
                tags[name] = text
    return tags
