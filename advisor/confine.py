"""Confined reads: the files inputs name are read only inside the project root.

The advisor runs in CI on pull requests from people the project does not control. A record may
name any path (`../../etc/passwd`, `/proc/self/environ`, a symbolic link in the repository that
points out of it, an MLflow `artifact_uri` anywhere), and what a file holds (column names,
statistics) shows up in findings and annotations. So the commands confine reads to the project
root (the folder of the configuration file, else the working directory), resolved through
symbolic links, plus the inputs given on the command line and what the user allows on purpose:
`allow-paths` in `[tool.advisor]` (relative to the configuration's folder) or `--allow-path`.

Library use (a script calling the readers) is not confined unless it calls `confine`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from advisor.errors import InputError

#: Resolved folders (or files) reads may touch; None: reads are not confined.
_allowed: tuple[str, ...] | None = None
_root: str | None = None


def confine(root: str, allowed: Iterable[str] = ()) -> None:
    """Confine every later read of a named file to `root` and the `allowed` paths.

    Args:
        root: The project root.
        allowed: Further folders or files (absolute, or relative to the working directory).
    """
    global _allowed, _root
    _root = _resolved(root)
    _allowed = tuple(dict.fromkeys([_root, *(_resolved(path) for path in allowed)]))


def unconfine() -> None:
    """Read anywhere again (the default)."""
    global _allowed, _root
    _allowed = _root = None


def _resolved(path: str) -> str:
    try:
        return os.path.realpath(path)
    except (ValueError, OSError):  # a NUL character: the read reports it
        return os.path.abspath(path)


def is_allowed(path: str) -> bool:
    """Whether reads may touch `path` (resolved through symbolic links)."""
    return _allowed is None or _inside(_resolved(path))


def _inside(path: str) -> bool:
    assert _allowed is not None
    return any(path == folder or path.startswith(folder.rstrip(os.sep) + os.sep) for folder in _allowed)


def _outside() -> str:
    return (f"outside the project root {_root}; the advisor reads only files inside it (allow more with "
            "allow-paths in [tool.advisor], or --allow-path)")


def refusal(named: str) -> str:
    """The message for a path outside the root, in the words of the field that names it."""
    return f"'{named}' lies {_outside()}"


def check_named(path: str, named: str, record_path: str, field: str, line: int | None, column: int | None) -> None:
    """Refuse a file a record names outside the allowed paths, at the record line that names it.

    Args:
        path: The file to open.
        named: The path as the record writes it.
        record_path: The record.
        field: The dotted field naming the file (`data.path`).
        line, column: Where the record names it.

    Raises:
        InputError: `path` lies outside.
    """
    if not is_allowed(path):
        message = refusal(named)
        if _allowed is not None and _inside(os.path.abspath(path)):  # the link is inside, its target is not
            message = f"'{named}' is a symbolic link to a file {_outside()}"
        raise InputError(record_path, f"{field}: {message}", line, column)


def check_read(path: str) -> None:
    """Refuse to read `path` outside the allowed paths: the last line of defence, for files found
    by walking a folder (a symbolic link in a run directory or an MLflow store pointing out).

    Raises:
        InputError: `path` lies outside.
    """
    if not is_allowed(path):
        raise InputError(path, f"resolves to a file {_outside()}")
