"""Positions inside a notebook cell as positions in the notebook file.

Findings name a notebook cell as ruff does (`nb.ipynb:cell 4`, line and column inside the cell).
Formats that need a real file region (SARIF, GitHub annotations) translate it here into the line
and column of that code inside the `.ipynb` JSON, where the cell's source string sits.
"""

from __future__ import annotations

import functools
import json
import os
import re

_CELL = re.compile(r"^(?P<path>.+\.ipynb):cell (?P<number>\d+)$", re.IGNORECASE)


def split_cell(path: str) -> tuple[str, int] | None:
    """(`nb.ipynb`, 4) for `nb.ipynb:cell 4`; None for any other path."""
    match = _CELL.match(path)
    return (match.group("path"), int(match.group("number"))) if match else None


def in_file(path: str, line: int | None, column: int | None) -> tuple[str, int | None, int | None]:
    """`file_region` for a notebook cell's position; any other position unchanged (cheaply)."""
    return file_region(path, line, column) if ".ipynb:cell " in path else (path, line, column)


def file_region(path: str, line: int | None, column: int | None) -> tuple[str, int | None, int | None]:
    """The notebook file and the line and column in it for a position inside a cell.

    Args:
        path: A finding's path (`nb.ipynb:cell 4`); other paths are returned unchanged.
        line, column: 1-based, inside the cell.

    Returns:
        (file, line, column) in the notebook's JSON; the cell's start when the line is not found.
    """
    cell = split_cell(path)
    if cell is None:
        return path, line, column
    notebook, number = cell
    positions = _positions(notebook, _stamp(notebook))
    found = positions.get((number, line or 1)) or positions.get((number, 0))
    if found is None:
        return notebook, None, None
    json_line, json_column, text, first = found
    lines = text.splitlines(keepends=True) or [""]
    index = min(max((line or 1) - first, 0), len(lines) - 1)
    before = "".join(lines[:index]) + lines[index][: max((column or 1) - 1, 0)]
    written = len(json.dumps(before, ensure_ascii=False)) - 2
    return notebook, json_line, json_column + 1 + written


def _stamp(path: str) -> tuple[int, int]:
    try:
        info = os.stat(path)
    except OSError:
        return (0, 0)
    return (info.st_size, info.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _positions(path: str, stamp: tuple[int, int]) -> dict[tuple[int, int], tuple[int, int, str, int]]:
    """(cell number, line in cell) -> (line and column of the JSON string's opening quote, the text
    of that string, the cell line it starts with); (cell, 0) is the cell's source value. Empty when
    the notebook is unreadable."""
    from advisor.errors import InputError
    from advisor.readers.structured import parse

    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
        document, sources = parse(path, text, "json")
    except (OSError, UnicodeDecodeError, InputError, RecursionError):
        return {}
    found: dict[tuple[int, int], tuple[int, int, str, int]] = {}
    cells = document.get("cells") if isinstance(document, dict) else None
    for index, cell in enumerate(cells if isinstance(cells, list) else []):
        source = cell.get("source") if isinstance(cell, dict) else None
        whole = sources.exact(f"/cells/{index}/source")
        number = index + 1
        if whole is not None and whole.line is not None:
            found[(number, 0)] = (whole.line, whole.column or 1, "", 1)
        if isinstance(source, str) and whole is not None and whole.line is not None:
            quote = _value_quote(text, whole.line, whole.column or 1)
            for offset, _ in enumerate(source.splitlines() or [""], start=1):
                # one JSON string: every line of the cell sits on the string's own line
                found[(number, offset)] = (whole.line, quote, source, 1)
        elif isinstance(source, list):
            for offset, part in enumerate(source, start=1):
                where = sources.exact(f"/cells/{index}/source/{offset - 1}")
                if isinstance(part, str) and where is not None and where.line is not None:
                    found[(number, offset)] = (where.line, where.column or 1, part, offset)
    return found


def _value_quote(text: str, line: int, column: int) -> int:
    """The column of the opening quote of the value whose key starts at `line`:`column`."""
    lines = text.splitlines()
    current = lines[line - 1] if 0 < line <= len(lines) else ""
    colon = current.find(":", column - 1)
    quote = current.find('"', colon + 1) if colon >= 0 else -1
    return quote + 1 if quote >= 0 else column
