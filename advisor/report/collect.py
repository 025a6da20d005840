"""What a report shows, gathered as `advisor lint` gathers it: the same inputs, configuration,
selection and suppressions, the same messages for inputs that cannot be read; plus each
experiment's record and its place in the workflow (the answer of `advisor next`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from advisor.config import ResolvedConfig
from advisor.errors import InputError
from advisor.finding import Finding
from advisor.record import Experiment


@dataclass
class Entry:
    """One experiment of the report.

    Args:
        experiment: The record, with what its artifacts filled in.
        subject: Its name inside its input (an MLflow run id), if any.
        findings: Its findings after selection and suppression.
        assessment: Where it stands in the workflow (`advisor.workflow.Assessment`).
    """

    experiment: Experiment
    subject: str | None
    findings: list[Finding]
    assessment: Any

    @property
    def path(self) -> str:
        return self.experiment.path

    @property
    def title(self) -> str:
        """The experiment's name, else its file (and run id)."""
        from advisor.reports import display_path

        shown = display_path(self.path) + (f" [{self.subject}]" if self.subject else "")
        return self.experiment.name or shown


@dataclass
class Collected:
    """Every experiment found under the inputs, and the inputs that could not be read."""

    entries: list[Entry]
    config: ResolvedConfig
    errors: list[InputError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    #: Absolute paths of the inputs and of every file they read: what `-o` must never replace.
    files_read: set[str] = field(default_factory=set)


def collect(paths: list[str], config: ResolvedConfig) -> Collected:
    """Read and lint every input below `paths`, going on past inputs that cannot be read.

    Args:
        paths: Files and directories, as the user gave them.
        config: The resolved configuration (selection, options, fail level).

    Returns:
        The experiments in input order, with their findings and assessments.
    """
    from advisor.engine import Linter, measure_evidence
    from advisor.lint import _files_read, _read
    from advisor.readers import discover, kind_of
    from advisor.workflow import assess

    linter = Linter(config)
    rules = [setup.rule for setup in config.rules]
    collected = Collected([], config)
    inputs: list[str] = []
    for path in paths:
        try:
            inputs.extend(discover([path]))
        except InputError as exc:
            collected.errors.append(exc)
    collected.files_read.update(os.path.abspath(path) for path in inputs)
    for path in dict.fromkeys(inputs):
        try:
            experiments = _read(path)
        except InputError as exc:
            collected.errors.append(exc)
            continue
        collected.files.append(path)
        collected.files_read.update(_files_read(path, experiments))
        for subject, experiment in experiments:
            findings = linter.lint(experiment, subject)
            kind = kind_of(experiment.path) if experiment.path and os.path.isfile(experiment.path) else None
            commands = subject is None and kind is not None and kind.name == "record"
            assessment = assess(experiment, findings, rules, commands=commands, subject=subject,
                                measured=measure_evidence(experiment, config))
            collected.entries.append(Entry(experiment, subject, findings, assessment))
    return collected
