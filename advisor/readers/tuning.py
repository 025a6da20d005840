"""How a tuning artifact alone or named by `tuning.file` becomes a record.

The readers for KerasTuner project folders, Optuna SQLite studies and TensorBoard logs each
produce plain record sections with a location for every value (as the other artifact readers do),
as `advisor.readers.tuning_sections.Sections`; this module picks the reader and merges them.
"""

from __future__ import annotations

import os
from typing import Any

from advisor.errors import InputError
from advisor.locations import SourceMap
from advisor.readers.artifacts import merge_section, named_by, named_file
from advisor.readers.tuning_sections import Sections


def read_tuning_artifact(path: str, shown: str | None = None) -> list[tuple[str | None, Sections]]:
    """Read a KerasTuner project folder, an Optuna SQLite file or a TensorBoard log folder.

    Returns:
        (subject, sections) pairs: one per Optuna study (subject: the study's name), else one.

    Raises:
        InputError: the artifact is none of these or cannot be read.
    """
    from advisor.readers import sniff

    shown = shown or path
    if sniff.is_kerastuner_project(path):
        from advisor.readers.kerastuner import read_project

        return [(None, read_project(path, shown))]
    if sniff.is_optuna_storage(path):
        from advisor.readers.optuna import read_studies

        return read_studies(path, shown)
    if sniff.is_tensorboard_logdir(path):
        from advisor.readers.tensorboard import read_logdir

        return [(None, read_logdir(path, shown))]
    if not os.path.exists(path):
        raise InputError(shown, "no such file or directory")
    raise InputError(shown, "is not a tuning artifact; expected a KerasTuner project folder (oracle.json, "
                     "trial_*/trial.json), an Optuna SQLite study (optuna.db) or a TensorBoard log folder "
                     "(train/ and validation/ event files)")


def read_tuning_input(path: str) -> list[tuple[str | None, Any]]:
    """Read a tuning artifact given alone: one record per study or run, holding `tuning` and
    `history` as the artifact logs them.

    Raises:
        InputError: the artifact cannot be read.
    """
    return [(subject, sections.experiment(path)) for subject, sections in read_tuning_artifact(path)]


def merge_tuning_file(record_path: str, base: str, data: dict[str, Any], sources: SourceMap) -> None:
    """Fill the record's `tuning` (and `history`) from the artifact `tuning.file` names; fields
    the record writes win.

    Raises:
        InputError: the artifact is missing, unreadable or holds several studies (at the record
            line naming it).
    """
    path, shown = named_file(record_path, base, data, sources, "tuning", "file")
    with named_by(record_path, sources, "/tuning/file"):
        found = read_tuning_artifact(path, shown)
        if len(found) != 1:
            names = ", ".join(str(subject) for subject, _ in found)
            raise InputError(shown, f"holds {len(found)} studies ({names}); a record describes one: lint the "
                             "file alone, or keep one study in it")
    sections = found[0][1]
    for section, values in sections.values.items():
        merge_section(data, section, values, sections.locations[section], sources)
