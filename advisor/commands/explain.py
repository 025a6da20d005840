"""`advisor explain CODE|NAME`"""

from __future__ import annotations

import sys

import click


@click.command("explain")
@click.argument("rule")
def command(rule: str) -> None:
    """Show a rule's documentation, options and defaults."""
    from advisor.docs import render_markdown
    from advisor.registry import load_registry

    registry = load_registry()
    found = registry.get(rule)
    if found is None:
        import difflib

        close = difflib.get_close_matches(rule, [*registry.by_code, *registry.by_name], n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else "; `advisor rules` lists them"
        click.echo(f"advisor: error: unknown rule '{rule}'{hint}", err=True)
        sys.exit(2)
    click.echo(render_markdown(found), nl=False)
