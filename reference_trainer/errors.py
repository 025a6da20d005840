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
