"""File helpers for the reader tests."""

from __future__ import annotations

#: The size of the "2 GB file" the readers must refuse without reading it.
TWO_GB = 2 * 1024 ** 3
#: `advisor lint` options for the 2 GB files: the results cache reads a whole input to hash it,
#: which these tests must not measure (the readers' own refusal is checked in-process).
NO_CACHE = ("--no-cache",)


def sparse_file(path, head: bytes = b"", size: int = TWO_GB) -> str:
    """Write `head`, then extend the file to `size` bytes without writing them (a sparse file:
    2 GB on paper, nothing on disk). Returns the path."""
    with open(path, "wb") as handle:
        handle.write(head)
        handle.truncate(size)
    return str(path)


def refused_without_reading(read, path) -> str:
    """Call `read(path)`, expecting an InputError, and check that it was raised without reading the
    file (far less memory allocated than the file's size). Returns the error message."""
    import tracemalloc

    import pytest

    from advisor.errors import InputError

    tracemalloc.start()
    try:
        with pytest.raises(InputError) as caught:
            read(str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, f"{peak:,} bytes allocated while refusing {path}"
    return str(caught.value)
