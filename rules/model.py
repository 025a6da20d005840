"""MC: the last-layer activation, the loss and the optimizer (RULES.md 5b).

The valid combinations, by problem type:

| problem type | last-layer activation | loss |
|---|---|---|
| binary_classification | sigmoid (1 unit) | binary_crossentropy |
| multiclass_classification | softmax (classes units) | categorical_crossentropy (one-hot), sparse_categorical_crossentropy (integer) |
| multilabel_classification | sigmoid (labels units) | binary_crossentropy |
| regression | none / linear | mse (also mae, huber, log_cosh) |
| bounded_regression | sigmoid | mse or binary_crossentropy |

A linear last layer with `from_logits: true` crossentropy is equivalent to the sigmoid/softmax row.
"""

from __future__ import annotations

from advisor import Rule, Severity
from advisor.facts import loss, output_layer
from advisor.names import BINARY_CROSSENTROPY_LOSSES, CATEGORICAL_CROSSENTROPY_LOSSES, CROSSENTROPY_LOSSES

#: Activations that do not squash outputs into probabilities.
_UNSQUASHED = {"linear", "relu", "tanh", "elu", "selu", "gelu", "silu", "leaky_relu", "relu6", "softplus", "softsign", "exponential", "mish"}


class LossActivationMismatch(Rule):
    """Last-layer activation and loss are no valid pair.

    ## What it does
    Checks that the loss can consume what the last layer emits: crossentropy losses need
    probabilities (sigmoid or softmax) or raw logits declared with `from_logits: true`; categorical
    crossentropy needs a softmax, not independent sigmoids; binary crossentropy after a softmax over
    several units mixes two output conventions.

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
    remedy = "fix_output_layer"

    def check(self, experiment, options):
        out, fact = output_layer(experiment), loss(experiment)
        if out is None or fact is None or fact.name not in CROSSENTROPY_LOSSES:
            return
        act = out.activation
        evidence = {"activation": act, "loss": fact.name, "from_logits": fact.from_logits, "units": out.units}
        if act in _UNSQUASHED and not fact.from_logits:
            yield self.violation(
                f"{fact.name} expects probabilities, but the last layer's activation is {act}; "
                f"use {'softmax' if fact.name in CATEGORICAL_CROSSENTROPY_LOSSES else 'sigmoid'} "
                "or declare the loss with from_logits: true",
                out.activation_pointer, **evidence,
            )
        elif act == "sigmoid" and fact.name in CATEGORICAL_CROSSENTROPY_LOSSES and not fact.from_logits:
            yield self.violation(
                f"{fact.name} expects a softmax over the classes, but the last layer is sigmoid; "
                "use softmax for single-label classes, or binary_crossentropy for independent labels",
                out.activation_pointer, **evidence,
            )
        elif act == "softmax" and (out.units or 0) > 1 and fact.name in BINARY_CROSSENTROPY_LOSSES and not fact.from_logits:
            yield self.violation(
                f"{fact.name} after a softmax over {out.units} units: use categorical crossentropy "
                "for single-label classes, or sigmoid units for independent labels",
                fact.pointer, **evidence,
            )


RULES: list[type] = [LossActivationMismatch]
