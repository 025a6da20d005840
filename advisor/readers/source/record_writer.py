"""Write the record a training script shows, beside it, so a team can adopt the record step by
step: the written record names its script (`source:`), and every field it sets wins over what the
script shows from then on."""

from __future__ import annotations

import os
from typing import Any

from advisor.errors import InputError
from advisor.escape import escape_control
from advisor.record_files import map_file_paths

HEADER = ("# Read from {script} by `advisor`; edit freely: fields set here win over what the script\n"
          "# shows, and the script still fills the fields this record leaves out.\n")

class NothingToRecord(InputError):
    """The script trains nothing whose settings can be read statically: there is no record to write."""


def record_data(script: str, record_path: str | None = None) -> dict[str, Any]:
    """The record of what `script` shows, naming the script as its `source`, with every path
    relative to the folder of `record_path` (default: the script's own folder).

    Raises:
        InputError: the script cannot be read (`NothingToRecord`: it trains nothing readable).
    """
    from advisor.readers.source import extract

    data, _, _, trains = extract(script)
    if not trains or not data:
        raise NothingToRecord(script, "trains nothing that can be read statically; no record to write")
    script_folder = os.path.dirname(os.path.abspath(script))
    record_folder = os.path.dirname(os.path.abspath(record_path)) if record_path else script_folder

    def relative(path: str) -> str:
        return os.path.relpath(os.path.join(script_folder, path), record_folder).replace(os.sep, "/")

    if record_folder != script_folder:
        data = map_file_paths(data, relative)
    return {"version": 1, "source": relative(os.path.basename(script)), **data}


def record_text(script: str, record_path: str | None = None) -> str:
    """The YAML text of `record_data(script, record_path)`, under a header saying how it is read.

    Raises:
        InputError: the script cannot be read, or trains nothing.
    """
    import yaml

    record = record_data(script, record_path)
    # No line wrapping: a comment appended to a line (a carried suppression) never lands inside a value.
    body = yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=1 << 30)
    return HEADER.format(script=escape_control(record["source"])) + body  # a newline in a name ends the comment


def write_record(script: str, output: str | None = None) -> str:
    """Write the record of `script` to `output` (default: `experiment.yaml` beside the script).

    Returns:
        The path written.

    Raises:
        InputError: the script cannot be read, or `output` exists (a user's file is never overwritten).
    """
    target = output or os.path.join(os.path.dirname(script), "experiment.yaml")
    text = record_text(script, target)
    try:
        with open(target, "x", encoding="utf-8") as handle:  # never replaces a file
            handle.write(text)
    except FileExistsError:
        raise InputError(target, "exists; refusing to overwrite it (name another file)") from None
    except OSError as exc:
        raise InputError(target, f"cannot be written: {exc.strerror or exc}") from None
    return target
