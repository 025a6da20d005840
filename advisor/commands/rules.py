"""`advisor rules`"""

from __future__ import annotations

import json

import click


@click.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def command(fmt: str) -> None:
    """List every registered rule: code, name, stage, severity and remedy."""
    from advisor.docs import options_table, sections
    from advisor.registry import load_registry

    from advisor.fix.remedies import safety

    rules = load_registry().rules
    if fmt == "json":
        rows = [{
            "code": r.code, "name": r.name, "stage": r.stage, "severity": r.severity.value, "remedy": r.remedy,
            "summary": sections(r)["Summary"], "fix": safety(r.remedy, r),
            "options": {o["name"]: o["default"] for o in options_table(r)},
        } for r in rules]
        click.echo(json.dumps(rows, indent=2))
        return
    width = max((len(r.name) for r in rules), default=4)
    for r in rules:
        click.echo(f"{r.code:<6} {r.name:<{width}}  {r.severity.letter}  stage {r.stage}  {sections(r)['Summary']}")
    click.echo(f"{len(rules)} rules")
