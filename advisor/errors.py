"""Errors that end a run with exit code 2: the tool could not do its job."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from advisor.escape import escape_control


class AdvisorError(Exception):
    """Base class of the errors the CLI reports as one message and exit code 2; its text has any
    control character from an input escaped."""

    def __str__(self) -> str:
        return escape_control(super().__str__())


class InputError(AdvisorError):
    """An input the advisor cannot read: bad syntax, wrong types, unknown fields, too large.

    Args:
        path: The file (or directory) at fault.
        message: What was wrong and what was expected.
        line: 1-based line of the problem, when known.
        column: 1-based column of the problem, when known.
        details: Further problems, each shown on a line of its own below the message.
    """

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None,
                 details: tuple[str, ...] | list[str] = ()):
        self.path = str(path)
        self.message = message
        self.line = line
        self.column = column
        self.details = tuple(details)
        super().__init__(self.format())

    def __reduce__(self):  # picklable, so worker processes can report it
        return (type(self), (self.path, self.message, self.line, self.column, self.details))

    def text(self, details: bool = True) -> str:
        """The message with its detail lines, control characters escaped (what formats show)."""
        shown = escape_control(self.message)
        if details:
            shown += "".join("\n  " + escape_control(detail) for detail in self.details)
        return shown

    def format(self, details: bool = True) -> str:
        """`path:line:column: message` (escaped), with the detail lines unless `details` is False."""
        where = escape_control(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.text(details)}"

    def __str__(self) -> str:
        return self.format()


class ConfigError(AdvisorError):
    """A configuration file or option the advisor cannot accept."""


class UsageError(AdvisorError):
    """Arguments that do not make sense together."""


@contextlib.contextmanager
def reading(path: str) -> Iterator[None]:
    """Turn an unexpected failure while reading `path` into an InputError naming the file, so a
    reader's bug or an exhausted resource ends in one message and exit code 2, never a traceback.

    Raises:
        InputError: whatever went wrong inside the block (an InputError passes through).
    """
    try:
        yield
    except InputError:
        raise
    except RecursionError:
        raise InputError(path, "refused: nested too deeply to read") from None
    except MemoryError:
        raise InputError(path, "refused: too large to read into memory") from None
    except Exception as exc:  # noqa: BLE001 - a reader bug must not end in a traceback
        raise InputError(path, f"could not be read: {type(exc).__name__}: {exc} "
                               "(an internal error of the advisor; please report it)") from None
