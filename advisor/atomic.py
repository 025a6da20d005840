"""Atomic writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile


def write_text_atomic(path: str, text: str, encoding: str = "utf-8") -> None:
    """Write `text` to `path` through a temporary file in the same folder and a rename.

    Keeps the permissions of an existing file. A symbolic link is written through: the file it
    points at gets the new text and the link stays. Raises OSError when the folder is not writable.
    """
    path = os.path.realpath(path)
    directory = os.path.dirname(path)
    mode = None
    if os.path.exists(path):
        mode = os.stat(path).st_mode & 0o7777
        if not os.access(path, os.W_OK):
            raise PermissionError(13, "Permission denied", path)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".advisor-", suffix=".tmp")
    try:
        # surrogateescape: file names that are not UTF-8 are written back as their own bytes.
        with os.fdopen(fd, "w", encoding=encoding, errors="surrogateescape", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
