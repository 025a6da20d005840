"""File helpers for the reader tests."""

from __future__ import annotations

#: The size of the "2 GB file" the readers must refuse without reading it.
TWO_GB = 2 * 1024 ** 3


def sparse_file(path, head: bytes = b"", size: int = TWO_GB) -> str:
    """Write `head`, then extend the file to `size` bytes without writing them (a sparse file:
    2 GB on paper, nothing on disk). Returns the path."""
    with open(path, "wb") as handle:
        handle.write(head)
        handle.truncate(size)
    return str(path)
