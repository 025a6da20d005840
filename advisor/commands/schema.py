"""`advisor schema`: the experiment record's JSON Schema (draft 2020-12)."""

from __future__ import annotations

import json
from typing import Any

import click

#: Short spellings the record accepts (its validators expand them before validation) that the
#: models' own schema does not show: (section, field) -> the extra alternative.
SHORTHANDS: dict[tuple[str, str], dict[str, Any]] = {
    ("Model", "loss"): {"type": "string", "description": "A Keras loss name: short for {name: ...}."},
    ("Model", "optimizer"): {"type": "string", "description": "A Keras optimizer name: short for {name: ...}."},
    ("Model", "early_stopping"): {"type": "boolean",
                                  "description": "true: early stopping with Keras defaults; false: none."},
}


#: pydantic keeps a numeric bound it cannot place on a union (`int | float`, ge=0) under its own
#: keyword; JSON Schema validators ignore unknown keywords, so each is moved onto the numeric
#: alternatives under its standard name.
BOUND_KEYWORDS = {"ge": "minimum", "gt": "exclusiveMinimum", "le": "maximum", "lt": "exclusiveMaximum"}


def _standard_bounds(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _standard_bounds(item)
        return
    if not isinstance(node, dict):
        return
    bounds = {BOUND_KEYWORDS[k]: node.pop(k) for k in list(node) if k in BOUND_KEYWORDS}
    if bounds:
        targets = [o for o in node.get("anyOf", [node]) if o.get("type") in ("integer", "number")] or [node]
        for target in targets:
            target.update(bounds)
    for value in node.values():
        _standard_bounds(value)


def record_schema() -> dict[str, Any]:
    """The record's JSON Schema, including the short spellings the record allows (`loss: mse`),
    with standard keywords only.

    Returns:
        The schema as a dict.
    """
    from advisor.record import json_schema

    schema = json_schema()
    sections = schema.get("$defs", {})
    for (section, name), alternative in SHORTHANDS.items():
        properties = sections.get(section, {}).get("properties", {})
        field = properties.get(name)
        if field is None:
            continue
        if "anyOf" not in field:
            kept = {k: field.pop(k) for k in ("default", "title", "description") if k in field}
            field = properties[name] = {"anyOf": [field], **kept}
        if not any(option.get("type") == alternative["type"] for option in field["anyOf"]):
            field["anyOf"].insert(0, dict(alternative))
    _standard_bounds(schema)
    return schema


@click.command("schema")
def command() -> None:
    """Print the experiment record's JSON Schema (draft 2020-12)."""
    click.echo(json.dumps(record_schema(), indent=2))
