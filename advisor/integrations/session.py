"""What the integrations share: a record built in memory, linted exactly as `advisor lint` lints
it once written, rendered in the advisor's text format, and written as a run directory.

A record built in memory is dumped to YAML and read back through the record reader, so every
finding points at the line it will have in the run directory's `experiment.yaml`.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterable
from typing import Any, Union

from advisor.atomic import rename_directory_into_place, write_text_atomic
from advisor.config import ResolvedConfig
from advisor.finding import Finding
from advisor.record import Experiment
from advisor.record_files import map_file_paths
from advisor.rule import Rule

RECORD_NAME = "experiment.yaml"
HISTORY_NAME = "history.csv"
MODEL_NAME = "model.keras"
#: Top-level order of a record written by an integration: the sections an epoch or the end
#: adds (history, run) come last, so the lines findings named before training stay where they were.
SECTION_ORDER = ("version", "name", "description", "source", "problem", "data", "splits", "protocol", "metric",
                 "baseline", "tuning", "final", "model", "history", "run")

RecordSource = Union[str, "os.PathLike[str]", dict, None]


class AdvisorWarning(UserWarning):
    """Something the advisor could not do during training; training itself was not affected."""


def warn(message: str) -> None:
    """Report a problem of the advisor itself as a warning (never an exception in training code)."""
    warnings.warn(f"advisor: {message}", AdvisorWarning, stacklevel=3)


# --- configuration ------------------------------------------------------------------------------

def load_config(start: str | None = None) -> ResolvedConfig:
    """The project's `[tool.advisor]` settings, found upward from `start` (default: the working
    directory) as `advisor lint` finds them.

    Raises:
        InputError: the configuration file is unreadable or invalid.
    """
    from advisor.lint import build_config

    return build_config(start=start or os.getcwd())


def only_rules(config: ResolvedConfig, keep: Callable[[type[Rule]], bool]) -> ResolvedConfig:
    """`config` restricted to the selected rules `keep` accepts (options and severities as
    configured)."""
    return dataclasses.replace(config, rules=[setup for setup in config.rules if keep(setup.rule)])


# --- records ------------------------------------------------------------------------------------

def ordered(record: dict[str, Any]) -> dict[str, Any]:
    """The record's sections in SECTION_ORDER (unknown keys last, for validation to name)."""
    rank = {name: number for number, name in enumerate(SECTION_ORDER)}
    return dict(sorted(record.items(), key=lambda item: rank.get(item[0], len(rank))))


def merged(declared: dict[str, Any], filled: dict[str, Any]) -> dict[str, Any]:
    """`filled` with `declared` on top: what the user's record declares wins, field by field."""
    result = copy.deepcopy(filled)
    for key, value in declared.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(value, result[key])
        else:
            result[key] = copy.deepcopy(value)
    return result


def load_declared(record: RecordSource) -> dict[str, Any]:
    """The record a user passed (`record=`): a mapping, or the path of a record file. File
    references are made absolute, so they hold wherever the run directory is written.

    Raises:
        InputError: the file cannot be read or is not a mapping.
    """
    from advisor.errors import InputError

    if record is None:
        return {}
    if isinstance(record, dict):
        return copy.deepcopy(record)
    from advisor.readers.structured import FORMATS, parse, read_text

    path = os.fspath(record)
    fmt = FORMATS.get(os.path.splitext(path)[1].lower())
    if fmt is None:
        raise InputError(path, "unknown record format; expected a .yaml, .yml, .json or .toml file")
    data, _ = parse(path, read_text(path), fmt)
    if not isinstance(data, dict):
        raise InputError(path, "expected a mapping of record sections (problem, data, model, ...)", 1, 1)
    return map_file_paths(data, lambda value: os.path.join(os.path.dirname(os.path.abspath(path)), value))


def relocated(record: dict[str, Any], directory: str) -> dict[str, Any]:
    """A copy of `record` whose absolute file references are relative to `directory` (a run
    directory is read from wherever it is moved, with the data beside it)."""
    return map_file_paths(record, lambda value: os.path.relpath(value, directory).replace(os.sep, "/")
                            if os.path.isabs(value) else value)


def record_text(record: dict[str, Any]) -> str:
    """The record as the run directory's experiment.yaml holds it."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: a tenth of the time, same text
    return yaml.dump(ordered(record), Dumper=dumper, sort_keys=False, default_flow_style=None, width=110,
                     allow_unicode=True)


def experiment_of(record: dict[str, Any], path: str) -> Experiment:
    """Read `record` as if it were the file at `path` (which need not exist yet).

    Raises:
        InputError: the record is invalid, or a file it names cannot be read.
    """
    from advisor.readers.record import read_record

    return read_record(path, record_text(record))


def lint_experiment(experiment: Experiment, config: ResolvedConfig, record_file: str | None = None) -> list[Finding]:
    """The findings of the rules `config` selects, suppressions and per-file ignores applied.

    Args:
        experiment: The record to lint.
        config: The resolved configuration.
        record_file: The record file written for it, if any: its findings then say what
            `advisor fix` can fix there, as `advisor lint` of that file does.
    """
    from advisor.engine import Linter
    from advisor.lint import mark_fixes

    linter = Linter(config)
    findings = linter.lint(experiment)
    if record_file is not None:
        mark_fixes(linter, record_file, findings)
    return findings


def render_findings(findings: list[Finding], files: list[str], config: ResolvedConfig) -> str:
    """The findings in the text format of `advisor lint` (without colour)."""
    from advisor.reports import Report
    from advisor.reports.text import render

    return render(Report(findings, files, config.rules, config.fail_on))


def severity_counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Number of findings per severity (error, warning, info)."""
    counts = {"error": 0, "warning": 0, "info": 0}
    for finding in findings:
        counts[finding.severity.value] = counts.get(finding.severity.value, 0) + 1
    return counts


# --- run directories ----------------------------------------------------------------------------

def default_run_path(runs: str, name: str | None) -> str:
    """`runs/<name>-<UTC timestamp>`, with a counter when that name is taken."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name or "run").strip("-").lower() or "run"
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S")
    path = os.path.join(runs, f"{slug}-{stamp}")
    candidate, number = path, 1
    while os.path.lexists(candidate):
        number += 1
        candidate = f"{path}-{number}"
    return candidate


def existing_path_error(path: str) -> str | None:
    """Why `path` cannot become a run directory, or None."""
    if os.path.lexists(path):
        return f"{path} already exists; a run directory is never written over an existing one"
    return None


#: What goes into a run directory: file name -> its text, or a function writing the file at a path.
RunFiles = dict[str, str | Callable[[str], None]]


def write_run_directory(path: str, files: RunFiles) -> str:
    """Write `files` into a new directory at `path`, atomically: they are written in a hidden
    folder beside it, which is renamed into place only when complete.

    Returns:
        The absolute path written.

    Raises:
        FileExistsError: `path` exists (before or after the files were written).
        OSError: the folder cannot be created or written.
    """
    target = os.path.abspath(path)
    if os.path.lexists(target):
        raise FileExistsError(17, "already exists; a run directory is never overwritten", target)
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    work = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.", suffix=".partial", dir=parent)
    try:
        for name, content in files.items():
            if isinstance(content, str):
                write_text_atomic(os.path.join(work, name), content)
            else:
                content(os.path.join(work, name))
        try:
            rename_directory_into_place(work, target)
        except FileExistsError:
            raise FileExistsError(17, "was created while the run was being written; not overwritten", target) from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return target


def history_csv(history: dict[str, list[float | None]]) -> str:
    """The history as keras.callbacks.CSVLogger writes it: `epoch`, then the metric names sorted;
    a value an epoch did not log is `NA`."""
    import csv
    import io

    keys = sorted(history)
    rows = max((len(values) for values in history.values()), default=0)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for epoch in range(rows):
        cells = [history[key][epoch] if epoch < len(history[key]) else None for key in keys]
        writer.writerow([epoch, *("NA" if value is None else repr(float(value)) for value in cells)])
    return buffer.getvalue()
