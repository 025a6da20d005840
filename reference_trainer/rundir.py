"""Run directories: built in a hidden folder beside the target and renamed into place at the end,
so a directory under the run's name is either complete or says in its record why it is not.

Layout (docs/record.md, "Other inputs"): `experiment.yaml` (the complete record), `history.csv`
(keras.callbacks.CSVLogger format) and `model.keras` (keras `Model.save`).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from typing import Any

from advisor.atomic import rename_directory_into_place, write_text_atomic
from reference_trainer.errors import TrainerError

RECORD_NAME = "experiment.yaml"
HISTORY_NAME = "history.csv"
MODEL_NAME = "model.keras"


class RunDirectory:
    """A run directory being written.

    Args:
        path: Where the finished run will be; must not exist.

    Raises:
        TrainerError: `path` exists already (a run directory is never overwritten).
    """

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        self._refuse_existing()
        parent = os.path.dirname(self.path)
        try:
            os.makedirs(parent, exist_ok=True)
            self.work = tempfile.mkdtemp(prefix=f".{os.path.basename(self.path)}.", suffix=".partial", dir=parent)
        except OSError as exc:
            raise TrainerError(parent, f"cannot create the run directory here: {exc.strerror}") from None

    def _refuse_existing(self) -> None:
        if os.path.lexists(self.path):
            raise self._taken()

    def _taken(self) -> TrainerError:
        return TrainerError(self.path, "already exists; a run directory is never overwritten "
                                       "(choose another --out, or move the old run away)")

    def file(self, name: str) -> str:
        """Path of `name` inside the directory being written."""
        return os.path.join(self.work, name)

    def write_record(self, record: dict[str, Any]) -> None:
        import yaml

        text = yaml.safe_dump(record, sort_keys=False, default_flow_style=None, width=110, allow_unicode=True)
        write_text_atomic(self.file(RECORD_NAME), text)

    def write_history(self, history: dict[str, list[float]]) -> None:
        """The history as keras.callbacks.CSVLogger writes it: `epoch` then the sorted metric keys."""
        keys = sorted(history)
        rows = len(history[keys[0]]) if keys else 0
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["epoch", *keys])
        for epoch in range(rows):
            writer.writerow([epoch, *(history[key][epoch] for key in keys)])
        write_text_atomic(self.file(HISTORY_NAME), buffer.getvalue())

    def commit(self) -> str:
        """Rename the finished directory into place.

        Raises:
            TrainerError: something took the name while the run was going on.
        """
        try:
            rename_directory_into_place(self.work, self.path)
        except FileExistsError:
            raise self._taken() from None
        except OSError as exc:
            raise TrainerError(self.path, f"cannot create the run directory: {exc.strerror}") from None
        return self.path

    def discard(self) -> None:
        """Remove the unfinished directory (the run failed before anything worth keeping)."""
        shutil.rmtree(self.work, ignore_errors=True)


def relative_to(path: str, directory: str) -> str:
    """`path` relative to `directory`, with forward slashes (records are shared across systems)."""
    return os.path.relpath(os.path.abspath(path), os.path.abspath(directory)).replace(os.sep, "/")
