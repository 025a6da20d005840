"""MC: the last-layer activation, the loss and the optimizer (stage 5).

The valid combinations, by problem type:

| problem type | last-layer activation | loss |
|---|---|---|
| binary_classification | sigmoid (1 unit) | binary_crossentropy |
| multiclass_classification | softmax (classes units) | categorical_crossentropy (one-hot), sparse_categorical_crossentropy (integer) |
| multilabel_classification | sigmoid (labels units) | binary_crossentropy |
| regression | none / linear | mse (also mae, huber, log_cosh) |
| bounded_regression | sigmoid | mse or binary_crossentropy |

A linear last layer with `from_logits: true` crossentropy is equivalent to the sigmoid/softmax row;
softmax over 2 units with (sparse) categorical crossentropy is a valid binary classifier.

Who reports what, so one mistake gives one finding per field to change. MC01-MC06 each judge one
part of one measurement of the output head (`rules.output_head.judged_output`), the one that
`fix_output_layer` also reads to write the head the table calls for. Each rule judges on its
own; where two overlap, the wider one declares that it `supersedes` the other, and the engine
folds the narrower finding into it when both are about the same output layer (and keeps it when
the wider rule is not selected or is suppressed there):
- MC01 owns every invalid activation/loss pair (a crossentropy after an unsquashed activation
  without from_logits, categorical crossentropy after sigmoid, binary crossentropy after a
  multi-unit softmax), with or without a problem type. When the problem type is known, it points
  at the half of the pair that does not fit it and gives the table's advice. It supersedes
  MC02-MC05.
- MC02 judges the last-layer activation and MC03 the loss against the problem type (declared, or
  implied by the labels; never guessed from the model): a model consistent in itself but built
  for another problem, or a pair MC01 does not judge (a regression loss after a sigmoid).
- MC04 judges the units of the output layer (and a softmax over 1 unit); MC02 supersedes it, since
  the units follow from the activation.
- MC05 judges the label encoding of a categorical crossentropy; MC03 supersedes it, since the
  encoding matters only for a loss that fits the problem.
- MC06 owns `from_logits: true` after a squashing activation; MC01 never reports it.
"""

from __future__ import annotations

from typing import NamedTuple

from pydantic import Field, ValidationInfo, field_validator

from advisor import Rule, RuleOptions, Severity
from advisor.facts import applied_activation, hidden_dense_layers
from advisor.names import (
    ADAPTIVE_OPTIMIZERS, DENSE_LAYER_TYPES, DROPOUT_LAYER_TYPES, LINEAR_LAYER_TYPES, PROBLEM_ACTIVATIONS, PROBLEM_LOSSES,
    canonical_activation, canonical_layer_type, canonical_optimizer,
)
from advisor.remedy import EDITS, SAFE, Advice, Remedy
from advisor.rule import BEFORE_TRAINING
from rules.output_head import OutputFit, judged_output

# --- wording of the table's advice (the judgements are rules.output_head's) --------------------

#: What each problem type needs of the last layer, in words (MC02's advice).
_ACTIVATION_ADVICE = {
    "binary_classification": "sigmoid over 1 unit (or softmax over 2 units), or no activation with a "
                             "from_logits crossentropy",
    "multiclass_classification": "softmax over the classes, or no activation with a from_logits crossentropy",
    "multilabel_classification": "sigmoid, one unit per label, or no activation with a from_logits "
                                 "binary crossentropy",
    "regression": "no activation (linear), so predictions can take any value",
    "bounded_regression": "sigmoid, so predictions stay in [0, 1], or no activation with a from_logits "
                          "binary crossentropy",
}


def _suggested_loss(problem: str, encoding: str | None) -> str:
    """The losses the table gives for `problem`, in words, narrowed by the label encoding."""
    if problem == "multiclass_classification":
        if encoding == "integer":
            return "sparse_categorical_crossentropy (integer labels)"
        if encoding == "one_hot":
            return "categorical_crossentropy (one-hot labels)"
        return "categorical_crossentropy (one-hot labels) or sparse_categorical_crossentropy (integer labels)"
    return {
        "binary_classification": "binary_crossentropy",
        "multilabel_classification": "binary_crossentropy (one independent probability per label)",
        "regression": "mse (or mae, huber, log_cosh)",
        "bounded_regression": "mse or binary_crossentropy",
    }[problem]


def _mc01_finding(fit: OutputFit) -> tuple[str, str] | None:
    """MC01's (message, pointer), or None when the activation and the loss make a valid pair.

    An invalid pair is reported whatever the problem type; when the problem type is known and one
    half of the pair does not fit it, the finding points at that half and gives the table's advice.
    """
    out, fact = fit.output, fit.loss
    if fit.pairing is None or out is None or fact is None:
        return None
    wrong, advice, pointer = fit.pairing.wrong, fit.pairing.advice, fit.pairing.pointer
    problem = fit.problem
    if problem is not None:
        if fit.activation_fits is False:
            also = f", with {_suggested_loss(problem, fit.labels)}" if fit.loss_fits is False else ""
            advice, pointer = f"for {problem} use {_ACTIVATION_ADVICE[problem]}{also}", out.activation_pointer
        elif fit.loss_fits is False:
            advice, pointer = f"for {problem} use {_suggested_loss(problem, fit.labels)}", fact.pointer
    return f"{wrong}; {advice}", pointer


# --- the rules --------------------------------------------------------------------------------

class LossActivationMismatch(Rule):
    """Last-layer activation and loss are no valid pair.

    ## What it does
    Checks that the loss can consume what the last layer emits: crossentropy losses need
    probabilities (sigmoid or softmax) or raw logits declared with `from_logits: true`; categorical
    crossentropy needs a softmax, not independent sigmoids; binary crossentropy after a softmax over
    several units mixes two output conventions. Losses other than crossentropies are judged
    against the problem type by MC03.

    This rule owns every invalid pair, whether or not the problem type is known: MC02-MC05
    findings about the same output layer are folded into its finding. When the problem type is
    known (declared, or implied by the labels) and one half of the pair does not fit it, the
    finding points at that half and gives the table's advice: relu + binary crossentropy for a
    binary problem points at the activation, a linear layer + binary crossentropy for regression
    at the loss. `from_logits: true` after a sigmoid or softmax is MC06's.

    ## Why is this bad?
    A crossentropy fed unsquashed values takes logarithms of numbers outside (0, 1): the loss is
    wrong or NaN and training learns nothing useful. Pairing the wrong crossentropy with an
    activation trains a different model from the one intended, and metrics such as accuracy
    silently measure the wrong thing.

    ## Anti-pattern
    ```yaml
    problem: {type: binary_classification}
    model:
      layers:
        - {type: dense, units: 16, activation: relu}
        - {type: dense, units: 1, activation: relu}
      loss: binary_crossentropy
    ```

    ## Best practice
    ```yaml
    problem: {type: binary_classification}
    model:
      layers:
        - {type: dense, units: 16, activation: relu}
        - {type: dense, units: 1, activation: sigmoid}
      loss: binary_crossentropy
    ```

    ## Fix
    `fix_output_layer` sets the last-layer activation, units and loss from the table for the
    problem type (safe: it changes only the output layer and loss that are invalid as written).
    """

    code = "MC01"
    name = "loss-activation-mismatch"
    stage = 5
    severity = Severity.ERROR
    judged = BEFORE_TRAINING
    remedy = "fix_output_layer"
    supersedes = ("MC02", "MC03", "MC04", "MC05")

    def check(self, experiment, options):
        fit = judged_output(experiment)
        if fit is None or fit.output is None or fit.loss is None:
            return
        finding = _mc01_finding(fit)
        if finding is None:
            return
        message, pointer = finding
        yield self.violation(message, pointer, about=fit.pointer, activation=fit.output.activation,
                             loss=fit.loss.name, from_logits=fit.loss.from_logits, units=fit.output.units)


class ActivationProblemMismatch(Rule):
    """Last-layer activation does not fit the problem type.

    ## What it does
    Compares the last layer's activation (a missing or `null` activation is linear, as in Keras;
    a trailing `Activation`/`Softmax` layer counts) with the table for the problem type:
    sigmoid for binary (or softmax over 2 units), softmax for single-label multiclass, sigmoid for
    multilabel, none for regression, sigmoid for bounded regression. A linear last layer fits a
    classifier, and bounded regression, when the loss is a crossentropy with `from_logits: true`.

    The problem type is the declared one, or the one the labels imply; the model is judged against
    it, never used to guess it. An activation that also makes no valid pair with the loss is
    MC01's (which then points here with the same advice, and this finding is folded into it), so
    this rule adds a model that is consistent in itself but built for another problem. Units are
    MC04's.

    ## Why is this bad?
    The activation fixes the range of every prediction. A softmax makes labels compete, so a
    multilabel model cannot say "both"; a sigmoid or relu caps a regression's predictions; a relu
    or linear output gives a classifier scores that are not probabilities. The model then cannot
    represent the answer, however long it trains.

    ## Anti-pattern
    ```yaml
    problem: {type: regression, target: price}
    model:
      layers:
        - {type: dense, units: 64, activation: relu}
        - {type: dense, units: 1, activation: sigmoid}
      loss: mse
    ```

    ## Best practice
    ```yaml
    problem: {type: regression, target: price}
    model:
      layers:
        - {type: dense, units: 64, activation: relu}
        - {type: dense, units: 1}
      loss: mse
    ```

    ## Fix
    `fix_output_layer` sets the last-layer activation (with its units and loss) from the table for
    the problem type.
    """

    code = "MC02"
    name = "activation-problem-mismatch"
    stage = 5
    severity = Severity.ERROR
    judged = BEFORE_TRAINING
    remedy = "fix_output_layer"
    supersedes = ("MC04",)

    def check(self, experiment, options):
        fit = judged_output(experiment)
        if fit is None or fit.activation_fits is not False or fit.problem is None or fit.output is None:
            return
        problem, out = fit.problem, fit.output
        act = out.activation
        unmarked = " with a loss that does not declare from_logits: true" if act == "linear" else ""
        yield self.violation(
            f"last-layer activation {act}{unmarked} does not fit {problem}: use {_ACTIVATION_ADVICE[problem]}",
            out.activation_pointer, about=out.pointer, activation=act, problem_type=problem,
            expected=sorted(PROBLEM_ACTIVATIONS[problem]),
        )


class LossProblemMismatch(Rule):
    """Loss does not fit the problem type.

    ## What it does
    Compares the loss (any Keras spelling: `mse`, `mean_squared_error`, `MeanSquaredError`) with the
    table for the problem type: binary crossentropy for binary and multilabel classification
    (binary also takes (sparse) categorical crossentropy over a 2-unit softmax, and hinge losses),
    categorical or sparse categorical crossentropy for single-label multiclass, mse, mae, huber,
    log_cosh (and mape, msle, poisson) for regression, and those or binary crossentropy for bounded
    regression. Custom losses are not judged.

    A loss that also makes no valid pair with the last-layer activation is MC01's (which then
    points here with the same advice, and this finding is folded into it). Which of the two
    categorical crossentropies matches the labels is MC05's.

    ## Why is this bad?
    The loss is what training minimizes. A regression loss on class labels treats classes as
    numbers on a line; a crossentropy on a continuous target is meaningless outside [0, 1];
    categorical crossentropy on a multilabel problem forces the labels to share one unit of
    probability. The model optimizes the wrong objective and the metric suffers for it.

    ## Anti-pattern
    ```yaml
    problem: {type: binary_classification}
    model:
      layers:
        - {type: dense, units: 16, activation: relu}
        - {type: dense, units: 1, activation: sigmoid}
      loss: mean_squared_error
    ```

    ## Best practice
    ```yaml
    problem: {type: binary_classification}
    model:
      layers:
        - {type: dense, units: 16, activation: relu}
        - {type: dense, units: 1, activation: sigmoid}
      loss: binary_crossentropy
    ```

    ## Fix
    `fix_output_layer` sets the loss (with the last-layer activation and units) from the table for
    the problem type.
    """

    code = "MC03"
    name = "loss-problem-mismatch"
    stage = 5
    severity = Severity.ERROR
    judged = BEFORE_TRAINING
    remedy = "fix_output_layer"
    supersedes = ("MC05",)

    def check(self, experiment, options):
        fit = judged_output(experiment)
        if fit is None or fit.loss_fits is not False or fit.problem is None or fit.loss is None:
            return
        problem, fact = fit.problem, fit.loss
        yield self.violation(
            f"loss {fact.name} does not fit {problem}: use {_suggested_loss(problem, fit.labels)}",
            fact.pointer, about=fit.pointer, loss=fact.name, problem_type=problem,
            expected=sorted(PROBLEM_LOSSES[problem]),
        )


class OutputUnitsMismatch(Rule):
    """Last-layer units differ from what the problem needs.

    ## What it does
    Counts the last layer's units against the problem: 1 for a binary sigmoid (2 for a binary
    softmax), one per class for a multiclass softmax, one per label for multilabel, one per target
    for regression. Classes and labels come from `problem.classes` or the data; regression targets
    from the data's target columns, or 1 when one target column is named. A softmax over 1 unit is
    reported whatever the problem.

    Units are counted only for an activation that fits the problem type. When MC01 or MC02
    reports the output layer, this finding is folded into theirs: the units follow from their fix.

    ## Why is this bad?
    Too few units cannot represent every class; extra units are classes that never occur, and the
    loss either fails on the label shapes or quietly trains outputs nobody reads. A softmax over a
    single unit always outputs 1.0, whatever the input: the model cannot learn anything.

    ## Anti-pattern
    ```yaml
    problem: {type: multiclass_classification, classes: 10, labels: integer}
    model:
      layers:
        - {type: dense, units: 64, activation: relu}
        - {type: dense, units: 1, activation: softmax}
      loss: sparse_categorical_crossentropy
    ```

    ## Best practice
    ```yaml
    problem: {type: multiclass_classification, classes: 10, labels: integer}
    model:
      layers:
        - {type: dense, units: 64, activation: relu}
        - {type: dense, units: 10, activation: softmax}
      loss: sparse_categorical_crossentropy
    ```

    ## Fix
    `fix_output_layer` sets the last layer's units from the table for the problem type.
    """

    code = "MC04"
    name = "output-units-mismatch"
    stage = 5
    severity = Severity.ERROR
    judged = BEFORE_TRAINING
    remedy = "fix_output_layer"

    def check(self, experiment, options):
        fit = judged_output(experiment)
        if fit is None or fit.units_fit is not False or fit.output is None:
            return
        out, needed, why = fit.output, fit.units_needed, fit.units_why
        pointer = f"{out.pointer}/units"
        evidence = {"units": out.units, "expected": needed, "activation": out.activation, "problem_type": fit.problem}
        if fit.softmax_over_one_unit:
            advice = (f"{why} needs {needed} units" if needed else
                      "use sigmoid for one binary output, or one softmax unit per class")
            yield self.violation(f"a softmax over 1 unit always outputs 1.0, whatever the input: {advice}",
                                 pointer, about=out.pointer, **evidence)
        else:
            yield self.violation(f"the last layer has {out.units} units, but {why} needs {needed}",
                                 pointer, about=out.pointer, **evidence)


class LabelEncodingMismatch(Rule):
    """Categorical crossentropy does not match how the labels are encoded.

    ## What it does
    Reads how the labels are encoded (`problem.labels`, or what the data shows) and checks the
    categorical crossentropy against it: `categorical_crossentropy` (and its focal variant) takes
    one-hot rows, `sparse_categorical_crossentropy` takes integer class indices.

    When MC01 or MC03 reports the loss (the wrong family for the activation or the problem), this
    finding is folded into theirs.

    ## Why is this bad?
    With integer labels, categorical crossentropy fails on the shapes or, with one output per
    sample, silently compares the wrong numbers; with one-hot labels, the sparse loss fails on the
    shapes. Either way the run crashes late or trains on garbage.

    ## Anti-pattern
    ```yaml
    problem: {type: multiclass_classification, classes: 3, labels: integer}
    model:
      layers:
        - {type: dense, units: 32, activation: relu}
        - {type: dense, units: 3, activation: softmax}
      loss: categorical_crossentropy
    ```

    ## Best practice
    ```yaml
    problem: {type: multiclass_classification, classes: 3, labels: integer}
    model:
      layers:
        - {type: dense, units: 32, activation: relu}
        - {type: dense, units: 3, activation: softmax}
      loss: sparse_categorical_crossentropy
    ```

    ## Fix
    `fix_output_layer` picks the crossentropy that matches the label encoding.
    """

    code = "MC05"
    name = "label-encoding-mismatch"
    stage = 5
    severity = Severity.ERROR
    judged = BEFORE_TRAINING
    remedy = "fix_output_layer"

    def check(self, experiment, options):
        fit = judged_output(experiment)
        if fit is None or fit.loss_for_labels is None or fit.loss is None:
            return
        fact, wanted = fit.loss, fit.loss_for_labels
        if wanted == "sparse_categorical_crossentropy":
            message = (f"{fact.name} expects one-hot labels, but the labels are integer class indices: use "
                       f"{wanted} (or one-hot encode the labels)")
        else:
            message = f"{fact.name} expects integer class indices, but the labels are one-hot: use {wanted}"
        yield self.violation(message, fact.pointer, about=fit.pointer, loss=fact.name, labels=fit.labels,
                             expected=wanted)


class LogitsMismatch(Rule):
    """`from_logits: true` after a sigmoid or softmax.

    ## What it does
    Checks a crossentropy declared with `from_logits: true` against the last layer: logits are the
    raw scores before any squashing, so the last layer must have no activation.

    ## Why is this bad?
    The loss applies the sigmoid or softmax itself, so the outputs are squashed twice: every
    prediction is pushed towards the middle of (0, 1), the gradients shrink, training crawls, and
    the probabilities the model reports are not the ones it was trained on.

    ## Anti-pattern
    ```yaml
    problem: {type: binary_classification}
    model:
      layers:
        - {type: dense, units: 16, activation: relu}
        - {type: dense, units: 1, activation: sigmoid}
      loss: {name: binary_crossentropy, from_logits: true}
    ```

    ## Best practice
    ```yaml
    problem: {type: binary_classification}
    model:
      layers:
        - {type: dense, units: 16, activation: relu}
        - {type: dense, units: 1}
      loss: {name: binary_crossentropy, from_logits: true}
    ```

    ## Fix
    `fix_output_layer` keeps one squashing: the activation from the table, and the loss without
    `from_logits`.
    """

    code = "MC06"
    name = "logits-mismatch"
    stage = 5
    severity = Severity.ERROR
    judged = BEFORE_TRAINING
    remedy = "fix_output_layer"

    def check(self, experiment, options):
        fit = judged_output(experiment)
        if fit is None or not fit.squashed_twice or fit.output is None or fit.loss is None:
            return
        out, fact = fit.output, fit.loss
        yield self.violation(
            f"{fact.name} declares from_logits: true, but the last layer already applies {out.activation}: "
            "the outputs are squashed twice; remove from_logits, or drop the activation to emit logits",
            f"{fact.pointer}/from_logits", activation=out.activation, loss=fact.name, from_logits=True,
        )


class LearningRateOptions(RuleOptions):
    min_lr: float = Field(1e-6, gt=0, description="Smallest sensible learning rate for an adaptive optimizer.")
    max_lr: float = Field(0.1, gt=0, description="Learning rate from which an adaptive optimizer's steps overshoot.")
    max_sgd_lr: float = Field(1.0, gt=0, description="Learning rate from which plain SGD's steps overshoot.")

    @field_validator("max_lr")
    @classmethod
    def _above_min_lr(cls, value: float, info: ValidationInfo) -> float:
        low = info.data.get("min_lr")
        if low is not None and value <= low:
            raise ValueError(f"must be above min_lr ({low})")
        return value


class LearningRateOutOfRange(Rule):
    """Learning rate outside the range that works for the optimizer.

    ## What it does
    Checks `model.optimizer.learning_rate`. An adaptive optimizer (Adam, AdamW, RMSprop, Adagrad,
    Adamax, Nadam, Lion, Lamb, Adafactor) must run below `max_lr` (0.1) and at or above `min_lr`
    (1e-6): 0.1 itself is already too fast. Plain SGD (with or without momentum) must run below
    `max_sgd_lr` (1.0); no lower bound is set for it, since its useful range depends on momentum
    and batch size. Adadelta is left out: it was designed to run at a learning rate of 1.0.

    ## Why is this bad?
    Adaptive optimizers already scale each step; their useful learning rates sit around 1e-3, and
    at 0.1 the first epoch typically blows the loss up. SGD takes raw gradient steps: at 1.0 and
    above they overshoot on any but the flattest loss. Far above the range the loss oscillates or
    diverges to NaN; far below it, training barely moves and looks like a model that cannot learn.

    ## Anti-pattern
    ```yaml
    model:
      optimizer: {name: adam, learning_rate: 0.1}
    ```

    ## Best practice
    ```yaml
    model:
      optimizer: {name: adam, learning_rate: 0.001}
    ```

    ## Fix
    `fix_learning_rate` keeps the optimizer and sets its learning rate to 1e-3, the Keras default
    of every adaptive optimizer: switching optimizers would change a valid choice.
    """

    code = "MC07"
    name = "learning-rate-out-of-range"
    stage = 5
    severity = Severity.WARNING
    judged = BEFORE_TRAINING
    remedy = "fix_learning_rate"
    Options = LearningRateOptions

    def check(self, experiment, options):
        optimizer = experiment.model.optimizer if experiment.model is not None else None
        if optimizer is None or optimizer.learning_rate is None:
            return
        name = canonical_optimizer(optimizer.name)
        rate = optimizer.learning_rate
        if name == "sgd":
            if rate < options.max_sgd_lr:
                return
            yield self.violation(
                f"learning rate {rate:g} for sgd is at or above {options.max_sgd_lr:g} (threshold: below "
                f"{options.max_sgd_lr:g}): raw gradient steps that large overshoot, so the loss "
                "oscillates or diverges; lower it (Keras defaults SGD to 0.01)",
                "/model/optimizer/learning_rate", learning_rate=rate, max_sgd_lr=options.max_sgd_lr, optimizer=name,
            )
            return
        if name not in ADAPTIVE_OPTIMIZERS or name == "adadelta":
            return
        low, high = options.min_lr, options.max_lr
        if low <= rate < high:
            return
        effect = "steps overshoot, so the loss oscillates or diverges" if rate >= high else "training barely moves"
        yield self.violation(
            f"learning rate {rate:g} is outside [{low:g}, {high:g}) for {name} (threshold: at least "
            f"{low:g} and below {high:g}): {effect}; try 0.001",
            "/model/optimizer/learning_rate", learning_rate=rate, min_lr=low, max_lr=high, optimizer=name,
        )


def _collapses_into(layers, index: int) -> int | None:
    """The next dense layer that a linear dense layer at `index` feeds with nothing nonlinear
    between them, or None (a nonlinearity, an unknown layer, or the end comes first)."""
    for later in range(index + 1, len(layers)):
        layer = layers[later]
        kind = canonical_layer_type(layer.type)
        if kind in DENSE_LAYER_TYPES:
            return later
        applied = applied_activation(kind, layer)
        if applied is not None:
            if applied != "linear":
                return None
        elif kind not in LINEAR_LAYER_TYPES:
            return None
    return None


class LinearHiddenLayers(Rule):
    """Hidden dense layers without a nonlinearity.

    ## What it does
    Finds hidden dense layers with no activation (a missing or `null` activation is linear) that
    feed the next dense layer with nothing nonlinear between them: dropout, normalization and
    reshaping layers do not count; an activation layer (`Activation`, `ReLU`, ...) does. One
    finding per such layer.

    ## Why is this bad?
    A composition of linear maps is one linear map: the hidden layer adds parameters but no
    capacity, and the model can only learn what a single dense layer could. Depth only helps with
    a nonlinearity between the layers.

    ## Anti-pattern
    ```yaml
    model:
      layers:
        - {type: dense, units: 64}
        - {type: dropout, rate: 0.2}
        - {type: dense, units: 1, activation: sigmoid}
    ```

    ## Best practice
    ```yaml
    model:
      layers:
        - {type: dense, units: 64, activation: relu}
        - {type: dropout, rate: 0.2}
        - {type: dense, units: 1, activation: sigmoid}
    ```

    ## Fix
    `fix_hidden_activation` gives each such hidden layer `activation: relu`.
    """

    code = "MC08"
    name = "linear-hidden-layers"
    stage = 5
    severity = Severity.WARNING
    judged = BEFORE_TRAINING
    remedy = "fix_hidden_activation"

    class Evidence(NamedTuple):
        layer: int  # the index of the hidden layer that needs an activation

    def check(self, experiment, options):
        hidden = hidden_dense_layers(experiment)
        if not hidden:
            return
        layers = experiment.model.layers
        for index, layer in hidden:
            if canonical_activation(layer.activation) != "linear":
                continue
            following = _collapses_into(layers, index)
            if following is None:
                continue
            yield self.violation(
                f"hidden dense layer {index} ({layer.units or '?'} units) has no activation and feeds dense "
                f"layer {following} with nothing nonlinear between them: the two collapse into one linear map; "
                "use activation: relu",
                f"/model/layers/{index}/activation", layer=index, units=layer.units, activation="linear",
                next_dense_layer=following,
            )


class DropoutOptions(RuleOptions):
    max_rate: float = Field(0.5, ge=0, le=1, description="Largest dropout rate not reported.")


class ExcessiveDropout(Rule):
    """Dropout rate above the usual maximum.

    ## What it does
    Reports every dropout layer (any Keras dropout type) whose `rate` is above `max_rate`.

    ## Why is this bad?
    Dropout rates between 0.2 and 0.5 regularize; above that, most of the signal is thrown away at
    every step, training slows down and the model underfits. A very high rate is usually a slip
    (the keep probability of older APIs written as a drop rate).

    ## Anti-pattern
    ```yaml
    model:
      layers:
        - {type: dense, units: 64, activation: relu}
        - {type: dropout, rate: 0.8}
        - {type: dense, units: 1, activation: sigmoid}
    ```

    ## Best practice
    ```yaml
    model:
      layers:
        - {type: dense, units: 64, activation: relu}
        - {type: dropout, rate: 0.5}
        - {type: dense, units: 1, activation: sigmoid}
    ```

    ## Fix
    No automatic fix: lower the rate to 0.5 or less, and regularize with L2 or early stopping if
    the model still overfits.
    """

    code = "MC09"
    name = "excessive-dropout"
    stage = 5
    severity = Severity.INFO
    judged = BEFORE_TRAINING
    remedy = None
    Options = DropoutOptions

    def check(self, experiment, options):
        if experiment.model is None or not experiment.model.layers:
            return
        for index, layer in enumerate(experiment.model.layers):
            if canonical_layer_type(layer.type) not in DROPOUT_LAYER_TYPES or layer.rate is None:
                continue
            if layer.rate > options.max_rate:
                yield self.violation(
                    f"dropout rate {layer.rate} is above {options.max_rate} (layer {index}): "
                    f"{layer.rate:.0%} of the units are dropped at every step, so the model may underfit",
                    f"/model/layers/{index}/rate", layer=index, rate=layer.rate, max_rate=options.max_rate,
                )


RULES: list[type] = [
    LossActivationMismatch, ActivationProblemMismatch, LossProblemMismatch, OutputUnitsMismatch,
    LabelEncodingMismatch, LogitsMismatch, LearningRateOutOfRange, LinearHiddenLayers, ExcessiveDropout,
]


# --- remedies: what the rules above name, declared once ---------------------------------------

FIX_OUTPUT_LAYER = Remedy(
    "fix_output_layer", SAFE,
    Advice(
        "Set the last layer's activation and units and the loss for the problem type.",
        "The last-layer activation and the loss must fit the problem, or the model optimizes the wrong thing."),
    edit="rules.fixes.model:fix_output_layer", phase="model", batch=EDITS,
)

FIX_HIDDEN_ACTIVATION = Remedy(
    "fix_hidden_activation", SAFE,
    Advice(
        "Give the hidden layers a nonlinearity (relu).",
        "Without nonlinearities a stack of layers collapses into one linear map."),
    edit="rules.fixes.model:fix_hidden_activation", phase="model", batch=EDITS,
)

FIX_LEARNING_RATE = Remedy(
    "fix_learning_rate", SAFE,
    Advice(
        "Keep the optimizer and set its learning rate in the usual range (1e-3 for an adaptive one such as "
        "Adam or RMSprop).",
        "A learning rate far out of range keeps the model from learning at all."),
    edit="rules.fixes.model:fix_learning_rate", phase="model", batch=EDITS,
)

REMEDIES: list[Remedy] = [FIX_OUTPUT_LAYER, FIX_HIDDEN_ACTIVATION, FIX_LEARNING_RATE]
