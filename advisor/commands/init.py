"""`advisor init [PATH...]`: start an experiment record from the artifacts already there."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import click

from advisor.commands.lint import allow_path_option

RECORD_NAME = "experiment.yaml"


@click.command("init")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False), default=None,
              help="Write the record to FILE [default: experiment.yaml in PATH when PATH is one folder, else "
                   "in the working directory]. An existing file is never replaced.")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the record instead of writing it "
              "(its paths stay relative to where it would be written).")
@allow_path_option
def command(paths, output, to_stdout, allow_paths) -> None:
    """Start an experiment record from what PATHS hold [default: .].

    `advisor init` finds a Keras model (.keras), a training log (CSVLogger CSV, History JSON), a
    data file (CSV, Parquet, NPZ), a training script or notebook, an MLflow run, a KerasTuner
    project, an Optuna study or a TensorBoard log, reads each (never running any code), and writes
    a record that names them by relative path (model.file, history.file, data.path, source,
    tuning.file). The decisions only you can make (problem type when the labels do not say it,
    success metric, evaluation protocol, baseline, test split) are left as commented-out entries,
    each under a `# TODO(advisor init):` line saying what to choose and why. The record lints as
    written: `advisor init && advisor lint experiment.yaml`.

    Exit codes: 0 written, 2 an artifact could not be read or the record file exists already.
    """
    from advisor.errors import AdvisorError

    paths = list(paths) or ["."]
    record = output or _default_record(paths)
    try:
        _refuse_unwritable(record, to_stdout)
        from advisor.adopt.document import record_text
        from advisor.adopt.found import find_artifacts
        from advisor.config import confine_command

        confine_command(None, allow_paths, paths)  # reads stay inside the project root, as lint's
        text = record_text(find_artifacts(paths, skip=record), record)
    except AdvisorError as exc:
        _fail(str(exc))
    if to_stdout:
        click.echo(text, nl=False)
        return
    try:
        with open(record, "x", encoding="utf-8") as handle:  # "x": never replaces a file, even one made meanwhile
            handle.write(text)
    except FileExistsError:
        _fail(f"{record}: exists; refusing to overwrite it (remove it, or name another file with -o)")
    except OSError as exc:
        _fail(f"{record}: cannot write the record: {exc.strerror or exc}")
    click.echo(f"advisor: wrote {record}; fill in its TODO(advisor init) entries, then run: advisor lint {record}",
               err=True)


def _default_record(paths: list[str]) -> str:
    if len(paths) == 1 and os.path.isdir(paths[0]):
        return os.path.join(paths[0], RECORD_NAME)
    return RECORD_NAME


def _refuse_unwritable(record: str, to_stdout: bool) -> None:
    """Refuse a record that would replace a file, or that could not be written as YAML.

    Raises:
        UsageError: the record file (or a folder of that name) exists, its folder does not, or its
            name is not a YAML file's.
    """
    from advisor.errors import UsageError

    if not record.lower().endswith((".yaml", ".yml")):
        raise UsageError(f"--output {record}: the record is written as YAML, with comments; name a .yaml or .yml file")
    if to_stdout:
        return
    if os.path.lexists(record):
        raise UsageError(f"{record}: exists; refusing to overwrite it (remove it, or name another file with -o)")
    folder = os.path.dirname(record)
    if folder and not os.path.isdir(folder):
        raise UsageError(f"{record}: no such folder '{folder}' to write the record in")


def _fail(message: str) -> NoReturn:
    from advisor.escape import escape_control

    click.echo(f"advisor: error: {escape_control(message)}", err=True)
    sys.exit(2)
