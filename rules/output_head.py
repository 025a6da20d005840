"""Whether the output head fits the problem: the last-layer activation, its units and the loss,
measured once against the output table (`advisor.names`: PROBLEM_ACTIVATIONS, PROBLEM_LOSSES,
PROBLEM_OUTPUT; rules/model.py writes it out).

`measure_output` is the one definition. MC01-MC06 (rules/model.py) each judge one part of the
measurement, taken once per record (`judged_output`), and `fix_output_layer` (rules/fixes/model.py) writes the head it calls for, so a rule
and its fix cannot disagree about what fits. As with a Deepchecks check and its condition, the
measurement exists whether or not a rule fires.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from advisor.facts import (
    LossFact, OutputLayer, class_count, label_encoding, loss, output_layer, problem_type, target_count,
)
from advisor.names import (
    BINARY_CROSSENTROPY_LOSSES, CATEGORICAL_CROSSENTROPY_LOSSES, CLASSIFICATION_TYPES, CROSSENTROPY_LOSSES,
    KNOWN_ACTIVATIONS, KNOWN_LOSSES, PROBABILITY_ACTIVATIONS, PROBLEM_ACTIVATIONS, PROBLEM_LOSSES, PROBLEM_OUTPUT,
    SIGMOID_ACTIVATIONS,
)

if TYPE_CHECKING:
    from advisor.record import Experiment  # the public `advisor.Experiment`, spelled so mypy sees its fields

#: Known activations whose outputs are not probabilities.
_UNSQUASHED = KNOWN_ACTIVATIONS - PROBABILITY_ACTIVATIONS
#: Crossentropies that expect one-hot labels (their sparse twin takes integer class indices).
_ONE_HOT_LOSSES = {"categorical_crossentropy", "categorical_focal_crossentropy"}
#: Losses on raw scores (labels -1/1 or one-hot), which a linear last layer feeds.
_HINGE_LOSSES = {"hinge", "squared_hinge", "categorical_hinge"}


class Pairing(NamedTuple):
    """Why the last-layer activation and the loss are no valid pair, whatever the problem.

    Args:
        wrong: What is wrong, in words.
        advice: The generic advice (the table's, for a known problem type, is the rule's to word).
        pointer: The record pointer of the field to change.
    """

    wrong: str
    advice: str
    pointer: str


class OutputFit(NamedTuple):
    """The output head measured against one problem type.

    Args:
        problem: The problem type judged against; None when unknown (only the pairing, the units
            of a softmax over 1 unit, the label encoding and the double squashing are judged).
        pointer: The head as a record pointer: the output layer's (the loss's, when the record has
            no dense layer). MC01-MC05 report it as what they judge, so the engine folds their
            overlapping findings.
        output: The output layer, when the record has a dense layer.
        loss: The loss, when the record names one.
        labels: How the labels are encoded, when known.
        activation_fits: Whether the last-layer activation fits the problem (the table's
            activation column); None when it cannot be judged (see `_activation_fits`).
        loss_fits: Whether the loss fits the problem (the loss column); None for a custom loss.
        pairing: Why the activation and the loss are no valid pair, or None.
        units_needed: The units the problem needs of the activation as written; None when the
            activation does not fit (or is not judged) or the record does not say how many.
        units_why: `units_needed`'s reason in words ("" with no number).
        loss_for_labels: The categorical crossentropy the label encoding calls for when the loss is
            its twin for the other encoding, else None.
        squashed_twice: A `from_logits: true` crossentropy after a squashing activation.
        target_activation: The activation the table calls for, keeping the one written when it
            fits (None without an output layer or a problem type).
        target_loss: The loss the table calls for, keeping the one written when it fits (None
            without a problem type).
        target_from_logits: Whether `target_loss` takes logits (a linear layer kept for it).
        target_units: The units `target_activation` and `target_loss` need, when known.
    """

    problem: str | None
    pointer: str
    output: OutputLayer | None
    loss: LossFact | None
    labels: str | None
    activation_fits: bool | None
    loss_fits: bool | None
    pairing: Pairing | None
    units_needed: int | None
    units_why: str
    loss_for_labels: str | None
    squashed_twice: bool
    target_activation: str | None
    target_loss: str | None
    target_from_logits: bool
    target_units: int | None

    @property
    def softmax_over_one_unit(self) -> bool:
        """A softmax over 1 unit, which outputs 1.0 whatever the input (whatever the problem)."""
        return self.output is not None and self.output.activation == "softmax" and self.output.units == 1

    @property
    def units_fit(self) -> bool | None:
        """Whether the output layer's units are what the problem needs; None when either is unknown."""
        if self.output is None or self.output.units is None:
            return None
        if self.softmax_over_one_unit:
            return False
        return None if self.units_needed is None else self.units_needed == self.output.units

    @property
    def valid(self) -> bool | None:
        """Whether the output head is valid for the problem.

        Returns:
            False when any part does not fit; True when every part is judged and fits; None when
            nothing is wrong but a part cannot be judged (no problem type, no output layer or loss,
            a custom activation or loss, an unknown number of classes or targets).
        """
        if (self.pairing is not None or self.activation_fits is False or self.loss_fits is False
                or self.units_fit is False or self.loss_for_labels is not None or self.squashed_twice):
            return False
        if self.activation_fits is None or self.loss_fits is None or self.units_fit is None:
            return None
        return True


#: The last record `judged_output` measured, with its measurement.
_judged: tuple[Experiment, OutputFit | None] | None = None


def judged_output(experiment: Experiment) -> OutputFit | None:
    """The measurement MC01-MC06 judge: against the problem type declared or implied by the labels
    (`facts.problem_type`), never by the model they judge.

    Measured once per record, since the six rules ask in turn about the same one; a record is
    never edited in place (readers and fixes build a new Experiment), so its identity is the key.
    """
    global _judged
    last = _judged
    if last is not None and last[0] is experiment:
        return last[1]
    fit = measure_output(experiment, problem_type(experiment))
    _judged = (experiment, fit)
    return fit


def measure_output(experiment: Experiment, problem: str | None) -> OutputFit | None:
    """Measure the record's output head against `problem`.

    Args:
        experiment: The record.
        problem: The problem type to judge against: the rules pass `facts.problem_type` (declared
            or implied by the labels, never by the model they judge), the fix
            `facts.inferred_problem_type`.

    Returns:
        The measurement; None when the record has neither a dense layer nor a loss.
    """
    out, fact = output_layer(experiment), loss(experiment)
    if out is not None:
        pointer = out.pointer
    elif fact is not None:
        pointer = fact.pointer
    else:
        return None
    encoding = label_encoding(experiment)
    act_fits = _activation_fits(problem, out, fact) if problem is not None and out is not None else None
    loss_fit = _loss_fits(problem, fact) if problem is not None and fact is not None else None
    needed, why = None, ""
    if act_fits and problem is not None and out is not None:  # units are counted only for a fitting activation
        needed, why = _needed_units(experiment, problem, out.activation, fact.name if fact is not None else None)
    target_activation, target_loss, target_from_logits, target_units = (
        _target_head(experiment, problem, out, fact, encoding) if problem is not None else (None, None, False, None))
    return OutputFit(
        problem=problem, pointer=pointer, output=out, loss=fact, labels=encoding,
        activation_fits=act_fits, loss_fits=loss_fit,
        pairing=_pairing_error(out, fact) if out is not None and fact is not None else None,
        units_needed=needed, units_why=why, loss_for_labels=_loss_for_labels(fact, encoding),
        squashed_twice=out is not None and _is_logits_loss(fact) and out.activation in PROBABILITY_ACTIVATIONS,
        target_activation=target_activation, target_loss=target_loss, target_from_logits=target_from_logits,
        target_units=target_units,
    )


# --- the parts ---------------------------------------------------------------------------------

def _is_logits_loss(fact: LossFact | None) -> bool:
    """True for a crossentropy declared with `from_logits: true`."""
    return fact is not None and fact.from_logits and fact.name in CROSSENTROPY_LOSSES


def _takes_raw_scores(fact: LossFact) -> bool:
    """True for a loss that expects unsquashed scores: a from_logits crossentropy or a hinge loss."""
    return _is_logits_loss(fact) or fact.name in _HINGE_LOSSES


def _activation_fits(problem: str, out: OutputLayer, fact: LossFact | None) -> bool | None:
    """Whether the last-layer activation fits the problem type (the table's activation column).

    Returns:
        True or False; None when it cannot be judged: a custom activation, or a linear last layer
        of a classifier whose loss (and so whether it takes logits) is unknown.
    """
    act = out.activation
    if act not in KNOWN_ACTIVATIONS:
        return None
    if act == "linear" and problem != "regression":
        return None if fact is None else _takes_raw_scores(fact)
    return act in PROBLEM_ACTIVATIONS[problem]


def _loss_fits(problem: str, fact: LossFact) -> bool | None:
    """Whether the loss fits the problem type (the table's loss column); None for a custom loss."""
    if fact.name not in KNOWN_LOSSES:
        return None
    return fact.name in PROBLEM_LOSSES[problem]


def _pairing_error(out: OutputLayer, fact: LossFact) -> Pairing | None:
    """Why the activation and the loss are no valid pair; None when they are, or when the pair is
    not judged here (a loss other than a crossentropy, a custom activation, or any pair with
    from_logits, which is MC06's)."""
    act, name = out.activation, fact.name
    if name not in CROSSENTROPY_LOSSES or fact.from_logits:
        return None
    if act in _UNSQUASHED:
        wanted = "softmax" if name in CATEGORICAL_CROSSENTROPY_LOSSES else "sigmoid"
        return Pairing(f"{name} expects probabilities, but the last layer's activation is {act}",
                       f"use {wanted} or declare the loss with from_logits: true", out.activation_pointer)
    if act in SIGMOID_ACTIVATIONS and name in CATEGORICAL_CROSSENTROPY_LOSSES:
        return Pairing(f"{name} expects a softmax over the classes, but the last layer is {act}",
                       "use softmax for single-label classes, or binary_crossentropy for independent labels",
                       out.activation_pointer)
    if act == "softmax" and (out.units or 0) > 1 and name in BINARY_CROSSENTROPY_LOSSES:
        return Pairing(f"{name} after a softmax over {out.units} units",
                       "use categorical crossentropy for single-label classes, or sigmoid units for independent "
                       "labels", fact.pointer)
    return None


def _loss_for_labels(fact: LossFact | None, encoding: str | None) -> str | None:
    """The categorical crossentropy `encoding` calls for, when the loss is its twin for the other."""
    if fact is None:
        return None
    if fact.name in _ONE_HOT_LOSSES and encoding == "integer":
        return "sparse_categorical_crossentropy"
    if fact.name == "sparse_categorical_crossentropy" and encoding == "one_hot":
        return "categorical_crossentropy"
    return None


def _needed_units(experiment: Experiment, problem: str, activation: str, loss_name: str | None) -> tuple[int | None, str]:
    """The units a last layer with `activation` feeding `loss_name` needs for the problem type.

    Returns:
        The units (None when the record does not say how many classes or targets) and the reason
        in words.
    """
    if problem == "binary_classification":
        if activation == "softmax":
            return 2, "binary_classification with a softmax (one unit per class)"
        if activation == "linear" and loss_name in CATEGORICAL_CROSSENTROPY_LOSSES:
            return 2, f"binary_classification with from_logits {loss_name} (one logit per class)"
        return 1, "binary_classification with one probability (or logit) per sample"
    if problem in ("multiclass_classification", "multilabel_classification"):
        count = class_count(experiment)
        what = "classes" if problem == "multiclass_classification" else "labels"
        return count, f"{problem} with {count} {what}"
    count = target_count(experiment)
    return count, f"{problem} with {count} target{'s' if count != 1 else ''}"


def _target_head(experiment: Experiment, problem: str, out: OutputLayer | None, fact: LossFact | None,
                 encoding: str | None) -> tuple[str | None, str, bool, int | None]:
    """The head the table calls for, keeping what already fits.

    Stricter than `_activation_fits`, since the loss it writes must pair with the activation it
    keeps: a linear layer is kept for regression and, for a classifier, only with a from_logits
    crossentropy (bounded regression gets the sigmoid instead), and a binary softmax only over two
    units with a categorical crossentropy (the valid binary softmax row); otherwise the activation
    becomes the row's first choice.

    Returns:
        (activation, loss, whether the loss takes logits, units): the activation is None without
        an output layer, the units None without one or when the record does not say how many.
    """
    current = fact.name if fact is not None else None
    activation = out.activation if out is not None else None
    keeps_logits = _is_logits_loss(fact) and activation == "linear" and problem in CLASSIFICATION_TYPES
    two_unit_softmax = (activation == "softmax" and out is not None and out.units == 2
                        and current in CATEGORICAL_CROSSENTROPY_LOSSES)
    target: str | None
    if activation is None or keeps_logits:
        target = activation
    elif activation in PROBLEM_ACTIVATIONS[problem] and (problem != "binary_classification" or activation != "softmax"
                                                         or two_unit_softmax):
        target = activation
    else:
        target = PROBLEM_OUTPUT[problem][0]
    # The squashing the model will apply: for logits, the one the loss applies to them.
    effective = PROBLEM_OUTPUT[problem][0] if keeps_logits else (target or PROBLEM_OUTPUT[problem][0])
    if keeps_logits and problem == "binary_classification" and current in CATEGORICAL_CROSSENTROPY_LOSSES:
        effective = "softmax"
    target_loss = _target_loss(problem, current, effective, encoding)
    units = _needed_units(experiment, problem, effective, target_loss)[0] if out is not None else None
    return target, target_loss, keeps_logits and target_loss in CROSSENTROPY_LOSSES, units


def _target_loss(problem: str, current: str | None, activation: str, encoding: str | None) -> str:
    """The loss the problem type calls for, keeping the current one when it already fits.

    Args:
        problem: The problem type.
        current: The canonical name of the loss now declared, if any.
        activation: The output activation the model will have (for logits, the one the loss
            applies).
        encoding: How the labels are encoded, if known.

    Returns:
        The canonical loss name.
    """
    if problem == "multiclass_classification" or (problem == "binary_classification" and activation == "softmax"):
        if encoding == "integer":
            return "sparse_categorical_crossentropy"
        if encoding == "one_hot":
            return current if current in _ONE_HOT_LOSSES else "categorical_crossentropy"
        return current if current in CATEGORICAL_CROSSENTROPY_LOSSES else PROBLEM_OUTPUT["multiclass_classification"][1]
    if problem in ("binary_classification", "multilabel_classification"):
        return current if current in BINARY_CROSSENTROPY_LOSSES else "binary_crossentropy"
    allowed = PROBLEM_LOSSES[problem] - ({"poisson"} if problem == "bounded_regression" else set())
    return current if current in allowed else PROBLEM_OUTPUT[problem][1]
