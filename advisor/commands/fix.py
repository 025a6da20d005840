"""`advisor fix PATH...`"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import click

from advisor.commands.lint import allow_path_option
from advisor.escape import escape_control


@click.command("fix")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--diff", "show_diff", is_flag=True,
              help="Print the edits as a unified diff and write nothing; exit 1 when there is something to fix.")
@click.option("--quiet", "-q", is_flag=True, help="Do not print the diff of the edits written.")
@click.option("--write-record", is_flag=True,
              help="For each training script or notebook, write the record its code shows beside it "
              "(never over a file), naming it in `source:`, with the fixes that keep it true to the code.")
@click.option("--record-name", metavar="NAME", default=None,
              help="File name of the records --write-record writes, relative to each script's folder "
              "[default: experiment.yaml]; implies --write-record.")
@click.option("--unsafe-fixes", is_flag=True,
              help="Also apply the fixes that change a decision: problem type, metric, protocol, splits, architecture.")
@click.option("--select", multiple=True, help="Rules whose findings to fix: codes, names or prefixes (comma-separated).")
@click.option("--extend-select", multiple=True, help="Rules to fix in addition to the configured selection.")
@click.option("--ignore", multiple=True, help="Rules to leave alone: codes, names or prefixes (comma-separated).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None,
              help="Lowest severity of a remaining finding that makes the exit code 1 [default: warning].")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings remain.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Read settings from FILE (advisor.toml or pyproject.toml).")
@allow_path_option
def command(paths, show_diff, quiet, write_record, record_name, unsafe_fixes, select, extend_select, ignore, fail_on,
            exit_zero, config_file, allow_paths) -> None:
    """Apply the record edits that remedy findings in the experiment records under PATHS.

    Edits keep each file's comments, key order, quoting and indentation, and are written
    atomically; the edits written are printed as a unified diff (not with --quiet). Remedies that
    need data or training are reported with the `advisor train` command that performs them. Exit
    codes: 0 nothing left at or above the fail level (with --diff: nothing to fix), 1 findings
    remain (with --diff: there are edits), 2 the advisor could not do its job.
    """
    from advisor.commands.lint import _split as split_selectors
    from advisor.engine import fails
    from advisor.errors import AdvisorError
    from advisor.fix.report import summary
    from advisor.fix.runner import Fixer, fix_paths
    from advisor.fix.script_record import ScriptRecordFixer, adopt_paths, write_fix, written
    from advisor.lint import build_config

    try:
        from advisor.config import confine_command

        confine_command(config_file, allow_paths, paths)
        config = build_config(config_file, split_selectors(select) or None, split_selectors(ignore),
                              split_selectors(extend_select), fail_on, start=".")
        if write_record or record_name:
            fixes = adopt_paths(list(paths), config, unsafe_fixes, record_name)
        else:
            # A record that names its script never gets an edit contradicting the script, whichever way it came.
            fixes = fix_paths(list(paths), config, unsafe_fixes, ScriptRecordFixer(config, unsafe_fixes))
    except AdvisorError as exc:
        _fail(str(exc))
    fixer = Fixer(config, unsafe_fixes)
    if show_diff:
        _echo_diff(fixes)
        for line in written(fixes, would=True) + summary(fixes, fixer, would=True):
            click.echo(escape_control(line), err=True)
        sys.exit(1 if any(fix.changed for fix in fixes) else 0)
    errors = []
    for fix in fixes:
        if fix.changed:
            try:
                write_fix(fix)
            except AdvisorError as exc:
                errors.append(str(exc))
                fix.fixed, fix.after, fix.applied = fix.original, fix.before, []
    if not quiet:
        _echo_diff(fixes)  # what was written, so a pre-commit run shows what changed
    for line in written(fixes, would=False):
        click.echo(escape_control(line))
    _show(fixes, config, fixer)
    for error in errors:
        click.echo(f"advisor: error: {error}", err=True)
    if errors:
        sys.exit(2)
    if not exit_zero and fails([f for fix in fixes for f in fix.after], config.fail_on):
        sys.exit(1)


def _show(fixes, config, fixer) -> None:
    from advisor.fix.report import changes, summary
    from advisor.reports import Report, render

    for line in changes(fixes):
        click.echo(escape_control(line))
    remaining = [f for fix in fixes for f in fix.after]
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    if remaining:
        report = Report(remaining, [fix.path for fix in fixes], config.rules, config.fail_on, color=color)
        click.echo(render("text", report), nl=False)
    for line in summary(fixes, fixer, would=False):
        click.echo(escape_control(line))


def _echo_diff(fixes) -> None:
    """Print the edits of every changed record as one unified diff."""
    from advisor.fix.report import unified_diff

    click.echo(_shown_diff("".join(unified_diff(fix) for fix in fixes if fix.changed)), nl=False)


def _shown_diff(diff: str) -> str:
    """The diff with control characters escaped inside its lines, so a record cannot send escape
    sequences to the terminal; tabs and line ends (CRLF too) stay, as content a patch reproduces."""
    lines = []
    for line in diff.split("\n"):
        end = "\r" if line.endswith("\r") else ""
        body = line[: len(line) - len(end)]
        lines.append("\t".join(escape_control(part) for part in body.split("\t")) + end)
    return "\n".join(lines)


def _fail(message: str) -> NoReturn:
    click.echo(f"advisor: error: {message}", err=True)
    sys.exit(2)
