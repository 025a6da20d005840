"""Load a script or a notebook into parsed code units, never importing or running it.

A `.py` file is one unit; a notebook gives one unit per code cell, and positions inside a cell are
shown the way ruff shows them (`nb.ipynb:cell 4:3:17`). IPython magics and shell escapes are
blanked before parsing so the rest of the cell is still read.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from dataclasses import dataclass

from advisor.errors import InputError
from advisor.readers.artifacts import MB, read_artifact_text

#: Largest script or notebook read (a 10 MB generated script is refused, never parsed slowly).
MAX_SOURCE_BYTES = 8 * MB
_MAGIC = re.compile(r"^(\s*)([%!?]|\w+\s*=\s*[%!]).*$", re.MULTILINE)
#: Cell magics whose body is Python.
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "memit", "debug"}
_PY2_HINTS = (re.compile(r"^\s*print\s+[\"'\w]", re.MULTILINE), re.compile(r"^\s*exec\s+[\"'\w]", re.MULTILINE))


@dataclass
class Unit:
    """One piece of code: the whole script, or one notebook cell.

    Args:
        path: What locations name: the script, or `nb.ipynb:cell 4`.
        text: The code.
        tree: Its syntax tree.
    """

    path: str
    text: str
    tree: ast.Module


def load_units(path: str) -> list[Unit]:
    """Parse the script or notebook at `path`.

    Raises:
        InputError: the file is unreadable, too large, not Python 3 or not an nbformat 4 notebook.
    """
    if path.lower().endswith(".ipynb"):
        return [_parse(label, text, path) for label, text in notebook_cells(path)]
    text = read_artifact_text(path, MAX_SOURCE_BYTES, "a Python training script")
    return [_parse(path, text, path)]


def notebook_cells(path: str) -> list[tuple[str, str]]:
    """(`nb.ipynb:cell N`, code) for each code cell; N counts every cell from 1, as ruff does.

    Raises:
        InputError: the notebook is not JSON or not nbformat 4.
    """
    text = read_artifact_text(path, MAX_SOURCE_BYTES, "a Jupyter notebook (nbformat 4 JSON)")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"invalid JSON: {exc.msg}; expected a Jupyter notebook (nbformat 4)", exc.lineno, exc.colno) from None
    except RecursionError:
        raise InputError(path, "refused: nested too deeply to be a Jupyter notebook") from None
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise InputError(path, "is not a Jupyter notebook: expected a JSON object with a 'cells' list (nbformat 4)", 1, 1)
    version = document.get("nbformat")
    if version != 4:
        raise InputError(path, f"nbformat {version!r} is not supported; expected nbformat 4 "
                         "(convert with `jupyter nbconvert --to notebook --nbformat 4`)", 1, 1)
    cells: list[tuple[str, str]] = []
    for number, cell in enumerate(document["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(part for part in source if isinstance(part, str))
        if isinstance(source, str) and not _foreign_cell(source):
            cells.append((f"{path}:cell {number}", source))
    return cells


def _foreign_cell(source: str) -> bool:
    """A cell magic whose body is not Python (`%%bash`, `%%html`): skipped, as ruff skips it."""
    first = source.lstrip().split("\n", 1)[0]
    return first.startswith("%%") and first[2:].split(" ", 1)[0] not in _PYTHON_CELL_MAGICS


def _parse(label: str, text: str, path: str) -> Unit:
    code = _MAGIC.sub(lambda m: m.group(1) + "pass", text) if ":cell " in label else text
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in user strings
            tree = ast.parse(code, filename=label)
    except SyntaxError as exc:
        hint = "; this looks like Python 2 code, expected Python 3" if any(p.search(code) for p in _PY2_HINTS) else ""
        raise InputError(label, f"invalid Python syntax: {exc.msg}{hint}", exc.lineno, exc.offset) from None
    except (RecursionError, MemoryError):
        raise InputError(label, "refused: expressions nested too deeply to parse") from None
    except ValueError as exc:  # null bytes
        raise InputError(label, f"is not Python source: {exc}") from None
    return Unit(label, text, tree)
