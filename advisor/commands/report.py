"""`advisor report PATH...`: one self-contained HTML page (or Markdown) per run of the advisor."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import click


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@click.command("report")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False), default=None,
              help="Write the report to FILE instead of standard output (never an input, nor a file an input reads).")
@click.option("--format", "fmt", type=click.Choice(["html", "markdown"]), default="html", show_default=True,
              help="html: one self-contained page with charts; markdown: the summary and findings for "
                   "$GITHUB_STEP_SUMMARY or a pull-request comment.")
@click.option("--select", multiple=True, help="Rules to run: codes, names or prefixes (comma-separated); replaces the configured selection.")
@click.option("--extend-select", multiple=True, help="Rules to run in addition to the configured selection.")
@click.option("--ignore", multiple=True, help="Rules to skip: codes, names or prefixes (comma-separated).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None, help="Lowest severity that makes the exit code 1 [default: warning].")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings are reported.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None, help="Read settings from FILE (advisor.toml or pyproject.toml).")
@click.option("--warn-unused-ignores", is_flag=True, default=None, help="Report `# advisor: ignore[...]` comments that suppress nothing.")
@click.option("--allow-path", "allow_paths", multiple=True, type=click.Path(),
              help="Let records read PATH although it lies outside the project root (repeatable).")
def command(paths, output, fmt, select, extend_select, ignore, fail_on, exit_zero, config_file,
            warn_unused_ignores, allow_paths) -> None:
    """Write a report of the experiments under PATHS: where each stands in the workflow, its
    findings with remedies and commands, its learning curves, data and scores.

    PATHS are whatever `advisor lint` reads, with the same configuration, selection and
    suppressions. The HTML page needs no network and no JavaScript: charts are inline SVG.
    Exit codes, as `advisor lint`: 0 nothing at or above the fail level, 1 findings, 2 an input
    could not be read (the page still shows the others).
    """
    from advisor.commands.lint import _refuse_overwriting_inputs
    from advisor.config import confine_command
    from advisor.engine import fails
    from advisor.errors import AdvisorError
    from advisor.lint import build_config

    try:
        if output:
            _refuse_overwriting_inputs(output, paths)
        confine_command(config_file, allow_paths, paths)  # reads stay inside the project root, as lint's
        config = build_config(config_file, _split(select) or None, _split(ignore), _split(extend_select), fail_on,
                              warn_unused_ignores, start=".")
        from advisor.report.collect import collect

        collected = collect(list(paths), config)
    except AdvisorError as exc:
        _fail(str(exc))
    for error in collected.errors:
        click.echo(f"advisor: error: {error}", err=True)
    if collected.errors and not collected.entries:
        sys.exit(2)  # nothing could be read: the messages say why, and no empty page is written
    text = _render(collected, fmt)
    if output:
        if os.path.realpath(output) in {os.path.realpath(path) for path in collected.files_read}:
            _fail(f"--output {output}: is one of the files being linted or read by them; refusing to overwrite it")
        from advisor.report.page import write_page

        try:
            write_page(output, text)
        except OSError as exc:
            _fail(f"{output}: cannot write the report: {exc.strerror or exc}")
    else:
        click.echo(text, nl=False)
    if collected.errors:
        sys.exit(2)
    findings = [finding for entry in collected.entries for finding in entry.findings]
    if not exit_zero and fails(findings, config.fail_on):
        sys.exit(1)


def _render(collected, fmt: str) -> str:
    if fmt == "markdown":
        from advisor.report.markdown import render_markdown

        return render_markdown(collected)
    try:
        from advisor.report.page import render_page

        return render_page(collected)
    except ModuleNotFoundError as exc:
        if exc.name not in ("matplotlib", "jinja2"):
            raise
        _fail(f"the HTML report needs {exc.name}: install the report extra (pip install \"ml-advisor[report]\")")


def _fail(message: str) -> NoReturn:
    click.echo(f"advisor: error: {message}", err=True)
    sys.exit(2)
