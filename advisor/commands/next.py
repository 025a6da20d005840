"""`advisor next PATH...`: where each experiment stands in the workflow, and what to do next."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from advisor.commands.lint import allow_path_option

#: Checklist marks by stage status, and plain ones for terminals that cannot show them.
MARKS = {"done": "✓", "blocked": "✗", "not_reached": "·"}
PLAIN_MARKS = {"done": "+", "blocked": "x", "not_reached": "-"}
CURRENT, PLAIN_CURRENT = "◀ current", "<- current"
STATUS_WORDS = {"done": "done", "blocked": "blocked", "not_reached": "not reached"}

_GREEN, _RED, _DIM, _BOLD, _CYAN, _YELLOW, _RESET = (
    "\x1b[32m", "\x1b[31m", "\x1b[2m", "\x1b[1m", "\x1b[36m", "\x1b[33m", "\x1b[0m")
_MARK_STYLE = {"done": _GREEN, "blocked": _RED, "not_reached": _DIM}
_SEVERITY_STYLE = {"error": _RED, "warning": _YELLOW, "info": _CYAN}


@click.command("next")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Read settings from FILE (advisor.toml or pyproject.toml).")
@click.option("--color/--no-color", default=None, help="Colour the text output [default: only on a terminal].")
@allow_path_option
def command(paths, fmt, config_file, color, allow_paths) -> None:
    """Show where the experiments under PATHS stand in the workflow, and what to do next.

    Each of the seven stages is done, blocked (by the findings listed) or not reached (its evidence
    is missing); the current stage is the first that is not done. The next steps follow, most
    important first, each with the command that performs it where one exists.

    Exit codes: 0 the advisor could answer (even when stages are blocked), 2 it could not (bad
    arguments, unreadable input).
    """
    from advisor.errors import AdvisorError

    try:
        from advisor.config import confine_command

        confine_command(config_file, allow_paths, paths)
        assessments, errors = assess_paths(list(paths), config_file)
    except AdvisorError as exc:
        click.echo(f"advisor: error: {exc}", err=True)
        sys.exit(2)
    for error in errors:
        click.echo(f"advisor: error: {error}", err=True)
    if assessments:
        _show(assessments, fmt, color)
    if errors:
        sys.exit(2)


def _show(assessments: list[Any], fmt: str, color: bool | None) -> None:
    """Print the assessments: JSON, or text coloured on a terminal (unless NO_COLOR or --no-color)."""
    if fmt == "json":
        click.echo(render_json(assessments), nl=False)
        return
    use_color = color if color is not None else (sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    fancy = _can_encode("".join(MARKS.values()) + CURRENT, encoding)
    text = render_text(assessments, bool(use_color), fancy)
    if not fancy:  # messages may hold characters the terminal cannot show either
        text = text.encode(encoding, "replace").decode(encoding)
    click.echo(text, nl=False, color=bool(use_color))  # click strips colour from pipes unless told


def assess_paths(paths: list[str], config_file: str | None = None) -> tuple[list[Any], list[Any]]:
    """Read every input under `paths`, lint it and place it in the workflow; go on past inputs that
    cannot be read, as `advisor lint` does.

    Args:
        paths: Records, run directories, or any input `advisor lint` accepts.
        config_file: Settings file; discovered from the working directory when None.

    Returns:
        One `advisor.workflow.Assessment` per experiment, in input order, and one `InputError` per
        input that could not be read.

    Raises:
        AdvisorError: bad settings.
    """
    from advisor.engine import Linter, measure_evidence
    from advisor.errors import InputError
    from advisor.lint import _read, build_config
    from advisor.readers import discover, kind_of
    from advisor.workflow import assess

    config = build_config(config_file, start=".")
    linter = Linter(config)
    rules = [setup.rule for setup in config.rules]
    assessments, errors = [], []
    inputs: list[str] = []
    for path in paths:
        try:
            inputs.extend(discover([path]))
        except InputError as exc:
            errors.append(exc)
    for path in dict.fromkeys(inputs):
        try:
            experiments = _read(path)
        except InputError as exc:
            errors.append(exc)
            continue
        for subject, experiment in experiments:
            kind = kind_of(experiment.path) if experiment.path and os.path.isfile(experiment.path) else None
            commands = subject is None and kind is not None and kind.name == "record"
            findings = linter.lint(experiment, subject)
            assessments.append(assess(experiment, findings, rules, commands=commands, subject=subject,
                                      measured=measure_evidence(experiment, config)))
    return assessments, errors


def render_json(assessments: list[Any]) -> str:
    """One experiment: its assessment object. Several: `{"experiments": [...]}`, in input order."""
    from advisor.reports import display_path, escaped
    from advisor.reports.json import finite, plain

    documents = []
    for assessment in assessments:
        document = escaped(assessment.to_dict())  # names from inputs, as in every format
        document["path"] = display_path(document["path"])
        for stage in document["stages"]:
            for finding in stage["findings"]:
                finding["path"] = display_path(finding["path"])
        documents.append(finite(document))
    document = documents[0] if len(documents) == 1 else {"experiments": documents}
    return json.dumps(document, indent=2, allow_nan=False, default=plain) + "\n"


def render_text(assessments: list[Any], color: bool = False, fancy: bool = True) -> str:
    """A checklist per experiment, then its numbered next steps.

    Args:
        assessments: What `assess_paths` returned.
        color: Use ANSI colours.
        fancy: Use the ✓ ✗ · marks (False: plain ASCII marks, for terminals that cannot show them).
    """
    blocks = [_render_one(assessment, color, fancy) for assessment in assessments]
    return "\n".join(blocks)


def _render_one(assessment: Any, color: bool, fancy: bool) -> str:
    def paint(text: str, style: str) -> str:
        return f"{style}{text}{_RESET}" if color else text

    from advisor.escape import escape_control
    from advisor.reports import display_path

    marks = MARKS if fancy else PLAIN_MARKS
    current = assessment.current
    title = display_path(assessment.path) + (f" [{escape_control(assessment.subject)}]" if assessment.subject else "")
    if assessment.complete:
        headline = f"{title}: all {len(assessment.stages)} stages done"
    else:
        headline = (f"{title}: stage {current.number} of {len(assessment.stages)}, {current.name} "
                    f"({STATUS_WORDS[current.status]})")
    lines = [paint(headline, _BOLD)]
    for stage in assessment.stages:
        mark = paint(marks[stage.status], _MARK_STYLE[stage.status])
        row = f"  {mark} {stage.number}  {stage.name}"
        if stage is current:
            row = f"{paint(row, _BOLD)}   {paint(CURRENT if fancy else PLAIN_CURRENT, _BOLD)}"
        lines.append(row)
        # Everything the JSON holds: blockers first, then the stage's other findings (info, and the
        # reported absences that leave it not reached), then the evidence it lacks.
        for finding in [*stage.blocking, *(f for f in stage.findings if f not in stage.blocking)]:
            code = paint(finding.code, _SEVERITY_STYLE.get(finding.severity.value, ""))
            where = _where(finding, assessment.path)
            lines.append(f"       {code} {finding.message}" + (f" {paint(where, _DIM)}" if where else ""))
        lines.extend(f"       missing: {what}" for what in stage.missing)
    lines.append("")
    if not assessment.steps:
        if assessment.complete:
            lines.append("Nothing left to do: every stage is done and the final model was retrained on "
                         "train+validation.")
        return "\n".join(lines) + "\n"
    lines.append(paint("Next steps:", _BOLD))
    for number, step in enumerate(assessment.steps, 1):
        codes = f" [{', '.join(step.codes)}]" if step.codes else ""
        lines.append(f"  {number}. {step.text}{paint(codes, _DIM)}")
        lines.append(paint(f"     Why: {step.why}", _DIM))
        if step.command:
            lines.append(f"     {paint('$ ' + step.command, _CYAN)}")
    return "\n".join(lines) + "\n"


def _where(finding: Any, record_path: str) -> str:
    """`(line 12)` in the record itself; `(path:12)` in another file (a history CSV, a .keras)."""
    from advisor.reports import display_path

    if finding.path and finding.path != record_path:
        return f"({display_path(finding.path)}{':' + str(finding.line) if finding.line else ''})"
    return f"(line {finding.line})" if finding.line else ""


def _can_encode(text: str, encoding: str) -> bool:
    """Whether `encoding` (standard output's) can show `text`."""
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
