"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run whose tool driver lists the rules that ran (id, name, descriptions, markdown help from the
rule's documentation, configured level and options, tags and precision) and one located result per
finding. Paths are relative to the working directory under the `%SRCROOT%` base, as GitHub expects
when the tool runs at the repository root. Inputs that could not be read become tool execution
notifications, with `executionSuccessful: false`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from advisor import __version__
from advisor.readers.source.regions import in_file
from advisor.reports import Report, display_path, error_dict, escaped
from advisor.reports.json import finite, plain

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/ml-advisor/"
SRCROOT = "%SRCROOT%"
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def render(report: Report) -> str:
    """The SARIF log as indented JSON.

    Args:
        report: What to show.

    Returns:
        The SARIF 2.1.0 document, ending in a newline.
    """
    descriptors, index = _rule_descriptors(report)
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "ml-advisor",
            "fullName": "ml-advisor: a linter for machine-learning experiments",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": descriptors,
        }},
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The directory advisor ran in."}}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(finding, index) for finding in report.findings],
        "invocations": [_invocation(report)],
    }
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, allow_nan=False, default=plain) + "\n"


def _rule_descriptors(report: Report) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Descriptors of the rules that ran, then of engine codes that occur; code -> index."""
    from advisor.docs import render_markdown, sections

    descriptors: list[dict[str, Any]] = []
    for setup in report.rules:
        rule = setup.rule
        parts = sections(rule)
        summary = parts["Summary"] or rule.name
        descriptors.append({
            "id": rule.code,
            "name": _pascal_case(rule.name),
            "shortDescription": {"text": summary},
            "fullDescription": {"text": _plain_text(parts.get("What it does") or summary)},
            "help": {"text": _plain_text(parts.get("Why is this bad?") or summary), "markdown": render_markdown(rule)},
            "defaultConfiguration": {
                "level": _LEVELS[setup.severity.value],
                "parameters": finite(_options(setup.options)),
            },
            "properties": {
                "tags": ["machine-learning", f"stage-{rule.stage}", rule.family()],
                "precision": "high",
                **({"remedy": rule.remedy} if rule.remedy else {}),
            },
        })
    from advisor.engine import ENGINE_CODES

    known = {d["id"] for d in descriptors}
    for code in sorted({f.code for f in report.findings} - known):
        name, description, severity = ENGINE_CODES.get(code, (code.lower(), code, None))
        level = _LEVELS[severity.value] if severity is not None else "warning"
        descriptors.append({
            "id": code,
            "name": _pascal_case(name),
            "shortDescription": {"text": description},
            "fullDescription": {"text": description},
            "help": {"text": description, "markdown": f"# {code} {name}\n\n{description}\n"},
            "defaultConfiguration": {"level": level},
            "properties": {"tags": ["machine-learning", "advisor"], "precision": "very-high"},
        })
    return descriptors, {d["id"]: i for i, d in enumerate(descriptors)}


def _result(finding: Any, index: dict[str, int]) -> dict[str, Any]:
    located, line, column = in_file(finding.path, finding.line, finding.column)  # notebook cells: in the .ipynb
    path = display_path(located, escape=False)  # the URI percent-encodes what needs it
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index[finding.code],
        "level": _LEVELS[finding.severity.value],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": _artifact(path),
            "region": {"startLine": line or 1, "startColumn": column or 1},
        }}],
        "partialFingerprints": {"advisorFinding/v1": _fingerprint(path, finding)},
        "properties": finite(escaped({key: value for key, value in (("name", finding.name), ("pointer", finding.pointer),
                              ("evidence", finding.evidence), ("remedy", finding.remedy), ("fix", finding.fix))
                              if value})),
    }
    if finding.pointer:
        result["locations"][0]["logicalLocations"] = [{"fullyQualifiedName": escaped(finding.pointer), "kind": "element"}]
    if finding.subject:
        result["properties"]["subject"] = finding.subject
    return result


def _invocation(report: Report) -> dict[str, Any]:
    invocation: dict[str, Any] = {"executionSuccessful": not report.errors}
    if report.errors:
        notifications = []
        for error in report.errors:
            data = error_dict(error)
            located, line, column = in_file(error.path, data["line"], data["column"])
            location: dict[str, Any] = {"artifactLocation": _artifact(display_path(located, escape=False))}
            if line:
                location["region"] = {"startLine": line, "startColumn": column or 1}
            notifications.append({"level": "error", "message": {"text": data["message"]},
                                  "locations": [{"physicalLocation": location}]})
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def _artifact(path: str) -> dict[str, str]:
    """A relative path under %SRCROOT%, or an absolute file URI for a path outside it."""
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        from pathlib import Path

        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path, safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}  # raw bytes of non-UTF-8 names


def _fingerprint(path: str, finding: Any) -> str:
    """Stable across line moves: the file, the rule and the record field, not the line number."""
    key = "\0".join((path, finding.code, finding.pointer or str(finding.line), finding.subject or ""))
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _options(options: Any) -> dict[str, Any]:
    dump = getattr(options, "model_dump", None)
    return dump() if dump is not None else {}


def _pascal_case(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def _plain_text(markdown: str) -> str:
    """Markdown section text without code fences, for viewers that show plain text."""
    kept = []
    fenced = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            kept.append(line)
    return " ".join(" ".join(kept).split())
