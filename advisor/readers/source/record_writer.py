"""Write the record a training script shows, beside it, so a team can adopt the record step by
step: the written record names its script (`source:`), and every field it sets wins over what the
script shows from then on."""

from __future__ import annotations

import os

from advisor.errors import InputError

HEADER = ("# Read from {script} by `advisor`; edit freely: fields set here win over what the script\n"
          "# shows, and the script still fills the fields this record leaves out.\n")


def record_text(script: str) -> str:
    """The YAML record of what `script` shows, naming the script as its `source`.

    Raises:
        InputError: the script cannot be read, or trains nothing.
    """
    import yaml

    from advisor.readers.source import extract

    data, _, _, trains = extract(script)
    if not trains or not data:
        raise InputError(script, "trains nothing that can be read statically; no record to write")
    record = {"version": 1, "source": os.path.basename(script), **data}
    return HEADER.format(script=os.path.basename(script)) + yaml.safe_dump(record, sort_keys=False)


def write_record(script: str, output: str | None = None) -> str:
    """Write the record of `script` to `output` (default: `experiment.yaml` beside the script).

    Returns:
        The path written.

    Raises:
        InputError: the script cannot be read, or `output` exists (a user's file is never overwritten).
    """
    target = output or os.path.join(os.path.dirname(script), "experiment.yaml")
    text = record_text(script)
    try:
        with open(target, "x", encoding="utf-8") as handle:  # never replaces a file
            handle.write(text)
    except FileExistsError:
        raise InputError(target, "exists; refusing to overwrite it (name another file)") from None
    except OSError as exc:
        raise InputError(target, f"cannot be written: {exc.strerror or exc}") from None
    return target
