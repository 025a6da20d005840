"""Training scripts and notebooks as experiment records, by static analysis only.

A `.py` script or an `.ipynb` notebook is parsed with the standard library's `ast`; the user's
code is never imported or run. `interpret` follows the data, the model and the scikit-learn
objects through the code, and the facts it finds become one `Experiment` record whose every value
points at the code that shows it (`train.py:42:17`; in a notebook `nb.ipynb:cell 4:3:17`, the
cell counted from 1 and the line inside it, as ruff shows notebook diagnostics). Literal data and
log paths that exist beside the script are read like a record's `data.path` and `history.file`.
"""

from __future__ import annotations

import os
from typing import Any

from advisor.errors import InputError
from advisor.locations import Location, SourceMap
from advisor.readers.source.parse import load_units

#: Libraries whose use makes a script a training script.
TRAINING_LIBRARIES = {"keras", "tensorflow", "sklearn", "xgboost", "lightgbm"}


def extract(path: str) -> tuple[dict[str, Any], dict[str, Location], list[Any], bool]:
    """Read the script or notebook at `path` into record data.

    Returns:
        (record data, where each value came from by record pointer, suppression comments, whether it
        trains anything).

    Raises:
        InputError: the file is not readable Python 3 or not an nbformat 4 notebook.
    """
    from advisor.readers.source.interpret import Interpreter
    from advisor.suppression import scan

    units = load_units(path)
    interpreter = Interpreter(units, os.path.dirname(os.path.abspath(path)))
    facts = interpreter.run()
    data, locations = facts.record(interpreter.base)
    suppressions = [found for unit in units for found in scan(unit.path, unit.text)]
    trains = bool(interpreter.imports.libraries & TRAINING_LIBRARIES) and facts.fit_calls > 0
    return data, locations, suppressions, trains


def script_shown(record_path: str, value: str) -> str:
    """The path findings name for the script a record names: relative to the record, in its style."""
    return os.path.normpath(os.path.join(os.path.dirname(record_path), value))


def script_suppressions(record_path: str, value: str) -> list[Any]:
    """The `# advisor: ignore[...]` comments of the script a record names (none if unreadable:
    reading the record already reported that)."""
    from advisor.suppression import scan

    try:
        units = load_units(script_shown(record_path, value))
    except InputError:
        return []
    return [found for unit in units for found in scan(unit.path, unit.text)]


def merge_source_file(record_path: str, base: str, data: dict[str, Any], sources: SourceMap) -> None:
    """Fill what a record leaves out from the script it names in `source` (record fields win).

    Raises:
        InputError: the script is missing or unreadable, reported at the record line naming it.
    """
    from advisor.readers.artifacts import merge_section, named_by

    value = data.get("source")
    if not isinstance(value, str):
        location = sources.locate("/source")
        raise InputError(record_path, "source: expected a path to a .py script or .ipynb notebook", location.line,
                         location.column)
    path = os.path.join(base, value)
    shown = script_shown(record_path, value)
    with named_by(record_path, sources, "/source"):
        if not os.path.isfile(path):
            raise InputError(shown, "no such file; expected a .py script or .ipynb notebook")
        script, locations, _, _ = extract(shown if os.path.isfile(shown) else path)
    for section, values in script.items():
        if isinstance(values, dict):
            prefix = "/" + section
            inside = {pointer[len(prefix):]: location for pointer, location in locations.items()
                      if pointer.startswith(prefix + "/") or pointer == prefix}
            merge_section(data, section, values, inside, sources)
