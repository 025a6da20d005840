"""Record edits of the model: output layer and loss, hidden activations, learning rate, early
stopping and dropout, compiled metrics."""

from __future__ import annotations

from advisor.facts import OutputLayer, hidden_dense_layers, inferred_problem_type
from advisor.fix.context import FixContext, NotFixable
from advisor.fix.document import MISSING
from advisor.names import (
    ACTIVATION_LAYER_TYPES, CROSSENTROPY_LOSSES, DROPOUT_LAYER_TYPES, canonical_layer_type, canonical_loss,
    canonical_metric,
)
from rules.model import DropoutOptions, LinearHiddenLayers
from rules.output_head import measure_output

#: Keras's default learning rate for every adaptive optimizer (Adam, RMSprop, Nadam, AdamW, ...).
DEFAULT_ADAPTIVE_LEARNING_RATE = 0.001
#: Early stopping as a fix declares it: stop when validation loss has not improved for 5 epochs and
#: keep the best epoch's weights.
EARLY_STOPPING = {"monitor": "val_loss", "patience": 5, "restore_best_weights": True}
#: The dropout rate a fix inserts after each hidden dense layer (lowered to MC09's `max_rate` when
#: that is configured below it, so the fix never inserts a layer MC09 reports).
DROPOUT_RATE = 0.5


# --- output layer and loss ---------------------------------------------------------------------

def _set_activation(ctx: FixContext, out: OutputLayer, wanted: str) -> None:
    """Set the output activation where the record sets it: the dense layer, or a trailing
    activation layer (a `Softmax` or `ReLU` layer becomes an `Activation` layer)."""
    layer_pointer = out.activation_pointer.rsplit("/", 1)[0]
    layer = ctx.current(layer_pointer)
    kind = canonical_layer_type(layer.get("type")) if isinstance(layer, dict) else "dense"
    if kind in ACTIVATION_LAYER_TYPES and ACTIVATION_LAYER_TYPES[kind] is not None:
        ctx.set(f"{layer_pointer}/type", "activation")
    ctx.set(out.activation_pointer, wanted)


def _write_loss(ctx: FixContext, name: str, from_logits: bool) -> None:
    """Declare the loss `name`, keeping the record's spelling when it already names it."""
    written = ctx.current("/model/loss")
    if isinstance(written, dict):
        if canonical_loss(written.get("name")) != name:
            ctx.set("/model/loss/name", name)
        if name not in CROSSENTROPY_LOSSES and "from_logits" in written:
            ctx.delete("/model/loss/from_logits")
        elif bool(written.get("from_logits")) != from_logits and ("from_logits" in written or from_logits):
            ctx.set("/model/loss/from_logits", from_logits)
    elif written is MISSING or canonical_loss(str(written)) != name or from_logits:
        ctx.set("/model/loss", {"name": name, "from_logits": True} if from_logits else name)


def fix_output_layer(ctx: FixContext) -> None:
    """Set the last-layer activation, units and loss from the table for the problem type.

    Writes the head that the rules' own measurement calls for (`rules.output_head.measure_output`,
    against the problem type declared or implied by the labels or the model), so the fix and
    MC01-MC06 share one definition of what fits. It keeps what already fits: a loss of the right
    family (focal variants included), a linear last layer feeding a classifier's `from_logits:
    true` crossentropy (the equivalent of the sigmoid/softmax row). A probability activation
    feeding a `from_logits: true` loss keeps the activation and drops from_logits, so the model
    still outputs probabilities. The loss follows the label encoding: sparse categorical
    crossentropy for integer labels, categorical for one-hot.

    Raises:
        NotFixable: the problem type is neither declared nor implied by the labels or the model.
    """
    problem = inferred_problem_type(ctx.experiment)
    if problem is None:
        raise NotFixable("the problem type is unknown: declare problem.type, then run `advisor fix` again")
    fit = measure_output(ctx.experiment, problem)
    if fit is None:
        return  # neither an output layer nor a loss to set
    out = fit.output
    if out is not None:
        if fit.target_activation is not None and fit.target_activation != out.activation:
            _set_activation(ctx, out, fit.target_activation)
        if fit.target_units is not None and out.units is not None and fit.target_units != out.units:
            ctx.set(f"{out.pointer}/units", fit.target_units)
    if fit.loss is not None and fit.target_loss is not None:
        _write_loss(ctx, fit.target_loss, fit.target_from_logits)


# --- hidden layers, optimizer -----------------------------------------------------------------

def fix_hidden_activation(ctx: FixContext) -> None:
    """Give the hidden dense layers that feed another dense layer linearly a relu activation."""
    flagged = [found.layer for found in ctx.evidence(LinearHiddenLayers.Evidence)]
    if not flagged:
        flagged = [index for index, layer in hidden_dense_layers(ctx.experiment)
                   if (layer.activation or "linear").lower() in ("linear", "none", "")]
    for index in sorted(set(flagged)):
        ctx.set(f"/model/layers/{index}/activation", "relu")


def fix_learning_rate(ctx: FixContext) -> None:
    """Keep the optimizer and set its learning rate to 0.001, the Keras default of every adaptive
    optimizer (RMSprop included): switching optimizers would change a valid choice."""
    written = ctx.current("/model/optimizer")
    if isinstance(written, str):
        ctx.set("/model/optimizer", {"name": written, "learning_rate": DEFAULT_ADAPTIVE_LEARNING_RATE})
    else:
        ctx.set("/model/optimizer/learning_rate", DEFAULT_ADAPTIVE_LEARNING_RATE)


def log_metric(ctx: FixContext) -> None:
    """Compile the model with the success metric, so the next run logs its validation values."""
    metric = ctx.current("/metric/name")
    if not isinstance(metric, str) or not metric:
        raise NotFixable("no success metric is declared: declare metric.name first")
    compiled = ctx.current("/model/metrics")
    if not isinstance(compiled, list):
        ctx.set("/model/metrics", [metric])
    elif canonical_metric(metric) not in {canonical_metric(str(name)) for name in compiled}:
        ctx.insert("/model/metrics/-", metric)


# --- early stopping, regularization -----------------------------------------------------------

def _declare_early_stopping(ctx: FixContext, restore: bool) -> None:
    """Declare early stopping when the record has none; with `restore`, make it keep the best
    epoch's weights."""
    written = ctx.current("/model/early_stopping")
    if written is MISSING or written is None or written is False:
        ctx.set("/model/early_stopping", dict(EARLY_STOPPING))
    elif written is True:  # `early_stopping: true` means Keras's defaults
        if restore:
            ctx.set("/model/early_stopping", {"restore_best_weights": True})
    elif restore:
        ctx.set("/model/early_stopping/restore_best_weights", True)


def restore_best_epoch(ctx: FixContext) -> None:
    """Keep the best validation epoch's weights: `restore_best_weights: true` on the early stopping
    (declared with val_loss and patience 5 when the record has none)."""
    _declare_early_stopping(ctx, restore=True)


def regularize(ctx: FixContext) -> None:
    """Declare early stopping (restoring the best weights) and a dropout layer (rate 0.5) after
    each hidden dense layer that has none."""
    _declare_early_stopping(ctx, restore=False)
    layers = ctx.experiment.model.layers if ctx.experiment.model is not None else None
    if not layers:
        return
    for index, _ in reversed(hidden_dense_layers(ctx.experiment)):
        following = layers[index + 1] if index + 1 < len(layers) else None
        if following is not None and canonical_layer_type(following.type) in DROPOUT_LAYER_TYPES:
            continue
        ctx.insert(f"/model/layers/{index + 1}", {"type": "dropout", "rate": min(DROPOUT_RATE, ctx.options(DropoutOptions).max_rate)})
