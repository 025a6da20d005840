"""The trainer's error: a record it cannot run, reported as one message with exit code 2."""

from __future__ import annotations

from advisor.errors import InputError


class TrainerError(InputError):
    """The record cannot be run as written: no data, a missing target column, labels that contradict
    the problem type, a model that cannot be built.

    Args:
        path: The record (or data file) at fault.
        message: What was wrong and what was expected.
        line: 1-based line of the problem in `path`, when known.
        column: 1-based column, when known.
    """


def located_error(experiment, record_path: str, pointer: str, message: str) -> TrainerError:
    """A TrainerError at the line of the record that declares `pointer` (or its closest parent)."""
    location = experiment.sources.locate(pointer)
    if location.path and location.line is not None:
        return TrainerError(location.path, message, location.line, location.column)
    return TrainerError(record_path, message)


class RunFailed(Exception):
    """The run could not finish for a reason outside the record (a cluster worker died, the cluster
    went away); the run directory's record then says `status: failed` and why.

    Args:
        message: What happened.
    """
