"""`advisor lint PATH...`"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import click

from advisor.reports import FORMATS


#: `--allow-path`, shared by the commands that read records (lint, next, fix).
allow_path_option = click.option(
    "--allow-path", "allow_paths", multiple=True, type=click.Path(),
    help="Let records read PATH although it lies outside the project root (repeatable).")


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@click.command("lint")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")
@click.option("--select", multiple=True, help="Rules to run: codes, names or prefixes (comma-separated); replaces the configured selection.")
@click.option("--extend-select", multiple=True, help="Rules to run in addition to the configured selection.")
@click.option("--ignore", multiple=True, help="Rules to skip: codes, names or prefixes (comma-separated).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None, help="Lowest severity that makes the exit code 1 [default: warning].")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings are reported.")
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False), default=None, help="Write the report to FILE instead of standard output.")
@click.option("--statistics", is_flag=True, help="Show the number of findings per rule.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None, help="Read settings from FILE (advisor.toml or pyproject.toml).")
@click.option("--warn-unused-ignores", is_flag=True, default=None, help="Report `# advisor: ignore[...]` comments that suppress nothing.")
@click.option("--color/--no-color", default=None, help="Colour the text output [default: only on a terminal].")
@click.option("--no-cache", is_flag=True, help="Lint every input afresh instead of reusing the results of unchanged ones (.advisor_cache/).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), default=None, help="Report only the findings FILE (from --write-baseline) does not hold [default: the configured baseline].")
@click.option("--write-baseline", "write_baseline", type=click.Path(dir_okay=False), default=None, help="Record today's findings in FILE, so later runs report only new ones; prints no report.")
@allow_path_option
def command(paths, fmt, select, extend_select, ignore, fail_on, exit_zero, output, statistics, config_file,
            warn_unused_ignores, color, no_cache, baseline_file, write_baseline, allow_paths) -> None:
    """Lint experiment records, runs and artifacts under PATHS.

    A directory is searched for experiment.{yaml,yml,json,toml} files and other inputs.
    Exit codes: 0 nothing at or above the fail level, 1 findings, 2 the advisor could not do its job.
    """
    from advisor.engine import fails
    from advisor.errors import AdvisorError
    from advisor.lint import build_config, lint_paths, settings_fingerprint
    from advisor.reports import Report, render

    selection = (_split(select) or None, _split(ignore), _split(extend_select))

    def resolve_config():
        return build_config(config_file, *selection, fail_on, warn_unused_ignores, start=".")

    try:
        from advisor.config import confine_command

        confine_command(config_file, allow_paths, paths)
        if output:
            _refuse_overwriting_inputs(output, paths)
        if write_baseline:
            _refuse_overwriting_inputs(write_baseline, paths, "--write-baseline")
        cache = None
        if not no_cache and fmt != "sarif":  # SARIF describes every rule that ran: it needs them loaded
            from advisor.cache import LintCache
            from advisor.plugins import source_locations
            from advisor.registry import ENTRY_POINT_GROUP, REMEDY_GROUP

            # A pack's rules decide the findings, its remedies which of them are fixable.
            packs = sorted({*source_locations(ENTRY_POINT_GROUP), *source_locations(REMEDY_GROUP)})
            cache = LintCache(settings_fingerprint(config_file, (*selection, allow_paths), warn_unused_ignores),
                              packs)
        result = lint_paths(list(paths), resolve_config if cache is not None else resolve_config(),
                            keep_going=True, cache=cache)
        config = result.config or _light_config(config_file, fail_on)
    except AdvisorError as exc:
        _fail(str(exc))
    for error in result.errors:
        click.echo(f"advisor: error: {error}", err=True)
    if write_baseline:
        _write_baseline(write_baseline, result)
    findings = _apply_baseline(baseline_file, config_file, result, resolve_config)
    colored = fmt == "text" and _use_color(color, output)
    report = Report(findings, result.files, config.rules, config.fail_on, statistics, colored,
                    errors=result.errors)
    text = render(fmt, report)
    if output:
        if os.path.realpath(output) in {os.path.realpath(path) for path in result.files_read}:
            _fail(f"--output {output}: is one of the files being linted or read by them; refusing to overwrite it")
        try:
            from advisor.atomic import write_text_atomic

            write_text_atomic(output, text)
        except OSError as exc:
            _fail(f"{output}: cannot write the report: {exc.strerror or exc}")
    else:
        click.echo(text, nl=False, color=colored)  # click strips colour from pipes unless told
    if result.errors:
        sys.exit(2)
    if not exit_zero and fails(findings, config.fail_on):
        sys.exit(1)


def _write_baseline(path: str, result) -> NoReturn:
    """Record the run's findings in the baseline file `path` and exit (0, or 2 when an input could
    not be read: its findings would be missing from the baseline)."""
    from advisor import baseline
    from advisor.atomic import write_text_atomic

    if result.errors:
        _fail(f"--write-baseline {path}: not written, since some inputs could not be read")
    if os.path.realpath(path) in {os.path.realpath(p) for p in result.files_read}:
        _fail(f"--write-baseline {path}: is one of the files being linted or read by them; refusing to overwrite it")
    root = os.path.dirname(os.path.abspath(path))
    entries = baseline.entries_for(result.findings, root)
    if os.path.exists(path):
        if not baseline.is_baseline_file(path):
            _fail(f"--write-baseline {path}: exists and is not an advisor baseline; refusing to overwrite it")
        seen = result.files_read | {os.path.abspath(p) for p in result.files}
        entries += [entry for entry in baseline.load(path)  # keep what this run did not lint
                    if os.path.abspath(os.path.join(root, entry.path)) not in seen]
        entries.sort(key=lambda e: (e.path, e.code, e.pointer, e.subject or "", e.fingerprint))
    try:
        write_text_atomic(path, baseline.render(entries))
    except OSError as exc:
        _fail(f"{path}: cannot write the baseline: {exc.strerror or exc}")
    count = sum(entry.count for entry in entries)
    click.echo(f"advisor: wrote {count} finding{'' if count == 1 else 's'} to the baseline {path}", err=True)
    sys.exit(0)


def _apply_baseline(baseline_file: str | None, config_file: str | None, result, resolve_config) -> list:
    """The findings the baseline (given, or configured in [tool.advisor]) does not accept; notes
    on standard error say how many it accepted and which of its entries no longer occur."""
    from advisor import baseline
    from advisor.errors import AdvisorError

    shown = baseline_file
    if shown is None:
        from advisor.config import find_config_file, load_settings

        try:
            settings = load_settings(config_file if config_file else find_config_file("."))
        except AdvisorError as exc:
            _fail(str(exc))
        if settings.baseline is None:
            return result.findings
        shown = os.path.relpath(os.path.join(settings.root, settings.baseline))
    try:
        entries = baseline.load(shown)
    except AdvisorError as exc:
        _fail(f"baseline: {exc}")
    root = os.path.dirname(os.path.abspath(shown))
    seen = result.files_read | {os.path.abspath(p) for p in result.files}
    outcome = baseline.apply(result.findings, entries, root, seen)
    if outcome.stale:  # an entry of a rule that did not run is not stale: resolve the selection
        try:
            selected = {setup.rule.code for setup in (result.config or resolve_config()).rules}
        except AdvisorError as exc:
            _fail(str(exc))
        outcome.stale = [entry for entry in outcome.stale if entry.code in selected or entry.code.startswith("ADV")]
    for line in baseline.notes(outcome, shown):
        click.echo(line, err=True)
    return outcome.findings


def _light_config(config_file: str | None, fail_on: str | None):
    """What the report needs when every input came from the cache: the fail level, no rules."""
    from advisor.config import ResolvedConfig, find_config_file, load_settings
    from advisor.severity import Severity

    settings = load_settings(config_file if config_file else find_config_file("."))
    level = Severity.parse(fail_on) if fail_on else settings.fail_on
    return ResolvedConfig([], [], level, settings.warn_unused_ignores, settings.root)


def _fail(message: str) -> NoReturn:
    click.echo(f"advisor: error: {message}", err=True)
    sys.exit(2)


def _use_color(requested: bool | None, output: str | None) -> bool:
    """`--color/--no-color` when given; else only on a terminal, and never with NO_COLOR set."""
    if requested is not None:
        return requested
    return output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _refuse_overwriting_inputs(output: str, paths: tuple[str, ...], option: str = "--output") -> None:
    """The report must not replace a file being linted (nothing a user owns is overwritten).

    Raises:
        UsageError: `output` is one of the inputs, or an existing directory.
    """
    from advisor.errors import UsageError

    if os.path.isdir(output):
        raise UsageError(f"{option} {output}: is a directory; expected a file name")
    target = os.path.realpath(output)
    if any(os.path.isfile(path) and os.path.realpath(path) == target for path in paths):
        raise UsageError(f"{option} {output}: is one of the files being linted; refusing to overwrite it")
