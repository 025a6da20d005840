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
    if found is None and _explain_engine_code(rule):
        return
    if found is None:
        import difflib

        close = difflib.get_close_matches(rule, [*registry.by_code, *registry.by_name], n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else "; `advisor rules` lists them"
        click.echo(f"advisor: error: unknown rule '{rule}'{hint}", err=True)
        sys.exit(2)
    click.echo(render_markdown(found), nl=False)


def _explain_engine_code(code: str) -> bool:
    """Print the page of a finding the engine itself reports (ADV001, ADV100); False if `code` is
    not one."""
    from advisor.engine import ENGINE_CODES

    key = code.strip().upper()
    by_name = {name: c for c, (name, _, _) in ENGINE_CODES.items()}
    key = by_name.get(code.strip().lower(), key)
    if key not in ENGINE_CODES:
        return False
    name, description, severity = ENGINE_CODES[key]
    click.echo(f"# {key} {name}\n\n{description}\n\n- Reported by the advisor itself, not by a rule.\n"
               f"- Severity: {severity.value}\n")
    return True
