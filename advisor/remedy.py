"""Remedies: the corrective steps rules name, declared by a rule pack beside its rules.

A rule names its remedy by id (`Rule.remedy`); the pack declares that remedy once, as a `Remedy`,
and registers its remedies in the `advisor.remedies` entry point group (a list of `Remedy`, or a
function returning one), exactly as it registers its rules in `advisor.rules`. Everything the
advisor does with a remedy reads that one declaration:

- `advisor lint` counts a finding as fixable when its remedy has an `edit`;
- `advisor fix` applies the `edit` to the record file (`safety` decides whether `--unsafe-fixes`
  is needed);
- `advisor next` prints the `advice`, with the `advisor train --stage` command when training
  performs it;
- the rule pages say how the finding is fixed.

Safety, as ruff's fix safety:

- safe: changes nothing a user decided on purpose that is valid (an output layer that cannot work,
  a missing impute step); applied by `advisor fix`.
- unsafe: changes a decision (problem type, success metric, evaluation protocol, split method, the
  architecture); applied with `advisor fix --unsafe-fixes`.
- training: needs data or a run, not an edit; `advisor train RECORD --fix --stage STAGE` performs it.
- advice: neither an edit nor a run: `advisor next` says what to do.

A rule may declare its own `fix_safety` ("safe" or "unsafe"); it wins over its remedy's.

This module imports nothing heavy: `advisor lint` loads every declaration to count what is fixable.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Union

if TYPE_CHECKING:
    from advisor.fix.context import FixContext
    from advisor.record import Experiment

SAFE, UNSAFE, TRAINING, ADVICE = "safe", "unsafe", "training", "advice"
SAFETIES = (SAFE, UNSAFE, TRAINING, ADVICE)

#: The parts of a record edits change, in the order `advisor fix` applies them: the problem type and
#: metric first (the other edits read them), then the splits and protocol, which rows the data keeps,
#: the feature steps, the model's settings and layers, and edits that insert layers last (so the
#: layer indices the other edits use stay valid).
PHASES = ("problem", "metric", "protocol", "rows", "features", "model", "new_layers")

#: The batch of the edits that read what they change from the file itself (splits, steps, layers),
#: so they can be made one after the other before the record is read again. The problem type and
#: the metric are read again before anything that depends on them.
EDITS = "edits"

Edit = Callable[["FixContext"], None]


@dataclass(frozen=True)
class Advice:
    """What to do, why, and how: the step `advisor next` prints.

    Args:
        text: The action, in the imperative.
        why: One sentence in the workflow's terms; empty to use the stage's.
        train_stage: The `advisor train --stage` that performs it, or a function of the record
            returning one; None when no training performs it.
        with_fix: The trainer performs it only under `--fix` (it acts on what the run shows).
    """

    text: str
    why: str = ""
    train_stage: Union[str, Callable[[Experiment], str], None] = None
    with_fix: bool = False


@dataclass(frozen=True)
class Remedy:
    """One corrective step, declared once by the pack whose rules name it.

    Args:
        id: The remedy id, as rules name it in `Rule.remedy`.
        safety: SAFE or UNSAFE for an edit of the record, TRAINING for a step a run performs,
            ADVICE for one only the user can take.
        advice: What `advisor next` prints for it; its `train_stage` is the trainer stage of a
            TRAINING remedy.
        edit: The record edit of a SAFE or UNSAFE remedy: a function of a
            `advisor.fix.context.FixContext`, or its import path as `"package.module:function"`,
            imported on first use (so `advisor lint`, which only counts what is fixable, never
            loads the edits nor what they import).
        phase: The part of the record the edit changes (one of `PHASES`): edits apply in phase
            order, and in declaration order within a phase.
        batch: Remedies of one batch are applied together, before the record is read again: they
            read the fields they edit from the file, so none depends on another's result.

    Raises:
        ValueError: the declaration is inconsistent (an edit without an edit function, a training
            remedy without a trainer stage, an unknown safety or phase).
    """

    id: str
    safety: str
    advice: Advice
    edit: Union[str, Edit, None] = None
    phase: str = "model"
    batch: Union[str, None] = None

    def __post_init__(self) -> None:
        problems = []
        if self.safety not in SAFETIES:
            problems.append(f"safety {self.safety!r}, expected one of {', '.join(SAFETIES)}")
        if self.phase not in PHASES:
            problems.append(f"phase {self.phase!r}, expected one of {', '.join(PHASES)}")
        if (self.edit is not None) != (self.safety in (SAFE, UNSAFE)):
            problems.append(f"safety {self.safety!r} with {'an' if self.edit is not None else 'no'} edit "
                            "(safe and unsafe remedies edit the record, the others do not)")
        if self.safety == TRAINING and not isinstance(self.advice.train_stage, str):
            problems.append("a training remedy without its trainer stage (advice.train_stage)")
        if isinstance(self.edit, str) and ":" not in self.edit:
            problems.append(f"edit {self.edit!r}, expected 'package.module:function'")
        if problems:
            raise ValueError(f"remedy {self.id!r}: " + "; ".join(problems))

    @property
    def stage(self) -> str | None:
        """The `advisor train --stage` of a TRAINING remedy; None for the others."""
        stage = self.advice.train_stage
        return stage if self.safety == TRAINING and isinstance(stage, str) else None

    @property
    def is_edit(self) -> bool:
        """Whether `advisor fix` performs it by editing the record."""
        return self.edit is not None

    def edit_function(self) -> Edit:
        """The edit, imported on first use.

        Raises:
            ValueError: the remedy is no edit.
            ImportError, AttributeError: its import path names nothing.
        """
        if self.edit is None:
            raise ValueError(f"remedy {self.id!r} is not an edit of the record")
        if callable(self.edit):
            return self.edit
        module, _, function = self.edit.partition(":")
        found: Any = getattr(importlib.import_module(module), function)
        return found
