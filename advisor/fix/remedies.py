"""The remedies `advisor fix` applies: remedy id (a rule's `remedy`) -> edit of the record, and its safety.

- safe: changes nothing a user decided on purpose that is valid (an output layer that cannot work,
  a missing impute step); applied by `advisor fix`.
- unsafe: changes a decision (problem type, success metric, evaluation protocol, split method, the
  architecture); applied with `advisor fix --unsafe-fixes`.
- training: needs data or a run, not an edit; `advisor train RECORD --fix --stage STAGE` performs it.

A rule may declare its own `fix_safety` ("safe" or "unsafe"); it wins over this table.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from advisor.fix.context import FixContext

SAFE, UNSAFE, TRAINING = "safe", "unsafe", "training"
#: The batch of the edits that read what they change from the file itself (splits, steps, layers),
#: so they can be made one after the other before the record is read again. The problem type and
#: the metric are read again before anything that depends on them.
EDITS = "edits"


@dataclass(frozen=True)
class Remedy:
    """One corrective step.

    Args:
        id: The remedy id, as rules name it in `Rule.remedy`.
        safety: SAFE, UNSAFE or TRAINING.
        edit_name: The edit of the record as `module.function` in this package (None for TRAINING
            remedies): `advisor lint` reads this table to count what is fixable, and must not load
            the edits (nor the facts they compute) to do so.
        stage: For TRAINING remedies, the `advisor train --stage` that performs it.
        by_rule: Rules for which the edit's safety differs from `safety`.
        batch: Remedies of one batch are applied together, before the record is read again: they
            read the fields they edit from the file, so none depends on another's result.
    """

    id: str
    safety: str
    edit_name: str | None = None
    stage: str | None = None
    by_rule: Mapping[str, str] = field(default_factory=dict)
    batch: str | None = None

    @property
    def edit(self) -> Callable[[FixContext], None] | None:
        """The edit function, imported on first use; None for a TRAINING remedy."""
        if self.edit_name is None:
            return None
        module, function = self.edit_name.split(".")
        return getattr(importlib.import_module(f"advisor.fix.{module}"), function)


#: In the order `advisor fix` applies them: the problem type and metric first (the other edits read
#: them), then the splits and protocol, the data steps (constant features dropped before scaling is
#: sized), and the model (layers inserted last, so the indices the others use stay valid).
REMEDIES: dict[str, Remedy] = {remedy.id: remedy for remedy in (
    # Decisions: problem type, success metric, protocol, splits.
    Remedy("set_problem_type", UNSAFE, "edits_protocol.set_problem_type"),
    Remedy("set_metric", UNSAFE, "edits_protocol.set_metric", by_rule={"MS03": SAFE}),
    Remedy("time_split", UNSAFE, "edits_protocol.time_split", batch=EDITS),
    Remedy("stratify_split", UNSAFE, "edits_protocol.stratify_split", batch=EDITS),
    Remedy("add_validation", UNSAFE, "edits_protocol.add_validation", batch=EDITS),
    Remedy("hold_out_test", UNSAFE, "edits_protocol.hold_out_test", batch=EDITS),
    Remedy("use_kfold", UNSAFE, "edits_protocol.use_kfold", batch=EDITS),
    Remedy("use_iterated_kfold", UNSAFE, "edits_protocol.use_iterated_kfold", batch=EDITS),
    # Data preparation: steps the data needs, fit on the training rows.
    Remedy("deduplicate_splits", SAFE, "edits_data.deduplicate_splits", batch=EDITS),
    Remedy("drop_constant_features", SAFE, "edits_data.drop_constant_features", batch=EDITS),
    Remedy("impute_missing", SAFE, "edits_data.impute_missing", batch=EDITS),
    Remedy("encode_features", SAFE, "edits_data.encode_features", batch=EDITS),
    Remedy("normalize_features", SAFE, "edits_data.standardize_features", batch=EDITS),
    Remedy("scale_features", SAFE, "edits_data.standardize_features", batch=EDITS),
    # Model: an output layer, loss or learning rate that cannot work as written; training settings.
    Remedy("fix_output_layer", SAFE, "edits_model.fix_output_layer", batch=EDITS),
    Remedy("fix_hidden_activation", SAFE, "edits_model.fix_hidden_activation", batch=EDITS),
    Remedy("fix_learning_rate", SAFE, "edits_model.fix_learning_rate", batch=EDITS),
    Remedy("log_metric", SAFE, "edits_model.log_metric", batch=EDITS),
    Remedy("restore_best_epoch", SAFE, "edits_model.restore_best_epoch", batch=EDITS),
    Remedy("regularize", UNSAFE, "edits_model.regularize", batch=EDITS),
    # Needs data or training.
    Remedy("compute_baseline", TRAINING, stage="baseline"),
    Remedy("lower_learning_rate", TRAINING, stage="fit"),
    Remedy("scale_up", TRAINING, stage="overfit"),
    Remedy("retrain_final", TRAINING, stage="final"),
)}

#: Remedy ids that are edits of the record.
EDIT_REMEDIES = frozenset(remedy.id for remedy in REMEDIES.values() if remedy.edit_name is not None)


def safety(remedy_id: str | None, rule: Any = None) -> str | None:
    """SAFE, UNSAFE or TRAINING for a rule's remedy; None when `advisor fix` has nothing for it.

    Args:
        remedy_id: The remedy id.
        rule: The rule (class or instance) whose finding it remedies, or its code; a rule's own
            `fix_safety` attribute wins for an edit remedy.
    """
    remedy = REMEDIES.get(remedy_id or "")
    if remedy is None:
        return None
    if remedy.safety == TRAINING:
        return TRAINING
    declared = getattr(rule, "fix_safety", None)
    if declared in (SAFE, UNSAFE):
        return declared
    code = rule if isinstance(rule, str) else getattr(rule, "code", None)
    return remedy.by_rule.get(code, remedy.safety)


def edit_safety(remedy_id: str | None, rule: Any = None) -> str | None:
    """SAFE or UNSAFE when `advisor fix` (with `--unsafe-fixes` for UNSAFE) edits the record to
    remedy a rule's finding; None when no record edit does (no remedy, or one that needs training).

    Args:
        remedy_id: The remedy id.
        rule: The rule (class or instance) or its code, as for `safety`.
    """
    if remedy_id not in EDIT_REMEDIES:
        return None
    kind = safety(remedy_id, rule)
    return kind if kind in (SAFE, UNSAFE) else None


def fix_note(rule: Any) -> str | None:
    """What a rule's documentation says about its fix (the `- Fix:` line), or None."""
    remedy = REMEDIES.get(rule.remedy or "")
    kind = safety(rule.remedy, rule)
    if remedy is None or kind is None:
        return None
    if kind == TRAINING:
        return f"needs training (`advisor train RECORD --fix --stage {remedy.stage}`)"
    if kind == UNSAFE:
        return "unsafe (`advisor fix --unsafe-fixes`: it changes a decision recorded on purpose)"
    return "safe (`advisor fix`)"
