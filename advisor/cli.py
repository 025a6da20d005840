"""The `advisor` command. Sub-commands are imported only when run, so start-up stays light.

Built-in commands live in `advisor.commands.<name>`; packs add commands through the
`advisor.commands` entry point group (the reference trainer adds `train` that way).
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from advisor import __version__

BUILTIN_COMMANDS = {
    "init": ("advisor.commands.init", "Start an experiment record from the model, log, data and script already there."),
    "lint": ("advisor.commands.lint", "Lint experiment records, runs and artifacts."),
    "next": ("advisor.commands.next", "Show where the experiment stands in the workflow and what to do next."),
    "fix": ("advisor.commands.fix", "Apply the record edits that remedy findings."),
    "report": ("advisor.commands.report", "Write an HTML page (or Markdown) with the verdict, findings, curves and data."),
    "rules": ("advisor.commands.rules", "List the rules."),
    "explain": ("advisor.commands.explain", "Show a rule's documentation, options and defaults."),
    "schema": ("advisor.commands.schema", "Print the experiment record's JSON Schema."),
}
COMMAND_GROUP = "advisor.commands"


class LazyGroup(click.Group):
    """Lists commands by name and short help; imports a command's module only to run it."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*BUILTIN_COMMANDS, *_plugin_commands()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in BUILTIN_COMMANDS:
            module = importlib.import_module(BUILTIN_COMMANDS[name][0])
            return module.command
        plugin = _plugin_commands().get(name)
        return plugin.load() if plugin is not None else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, BUILTIN_COMMANDS[name][1]) for name in sorted(BUILTIN_COMMANDS)]
        rows += [(name, _plugin_help(ep, formatter.width)) for name, ep in sorted(_plugin_commands().items())
                 if name not in BUILTIN_COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))


def _plugin_help(entry_point, width: int) -> str:
    """A plugin command's short help, loading it only for `--help`; where it comes from if it
    cannot be loaded (a pack's missing dependency must not break the command list)."""
    origin = "(from " + entry_point.value.split(":")[0] + ")"
    try:
        loaded = entry_point.load()
        summary = loaded.get_short_help_str(max(45, width - 12))
    except Exception:  # noqa: BLE001 - any failure of a third-party pack
        return origin
    return summary or origin


def _plugin_commands() -> dict:
    from advisor.plugins import group_entry_points

    return {ep.name: ep for ep in group_entry_points(COMMAND_GROUP)}


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="advisor")
def cli() -> None:
    """ml-advisor: lint machine-learning experiments against the universal workflow of ML."""


def _pass_undecodable_file_names_through() -> None:
    """File names that are not valid UTF-8 reach Python as lone surrogates; write their original
    bytes back out (as `ls` does) instead of failing on them, whatever the locale's error mode."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if reconfigure is not None:
            try:
                reconfigure(errors="surrogateescape" if encoding == "utf8" else "backslashreplace")
            except (ValueError, OSError):
                pass


def main() -> None:
    _pass_undecodable_file_names_through()
    # pydantic looks for its own plugins by scanning every installed distribution when it builds
    # the record's validator; the advisor's models need none (a user's setting is kept).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        cli.main(prog_name="advisor")
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
