"""`advisor schema`"""

from __future__ import annotations

import json

import click


@click.command("schema")
def command() -> None:
    """Print the experiment record's JSON Schema (draft 2020-12)."""
    from advisor.record import json_schema

    click.echo(json.dumps(json_schema(), indent=2))
