"""The record's `model` section for a trained ModelSpec: what the run directory's record says, and
what the trainer lints a trial by before writing it (reference_trainer.judge)."""

from __future__ import annotations

from typing import Any

from reference_trainer.model import ModelSpec


def layers_section(spec: ModelSpec) -> list[dict[str, Any]]:
    """The layers as the record writes them, input to output (settings that are None left out)."""
    layers = []
    for layer in spec.layers:
        entry: dict[str, Any] = {"type": layer.type}
        for key in ("units", "activation", "rate", "l1", "l2"):
            value = getattr(layer, key)
            if value is not None:
                entry[key] = value
        layers.append(entry)
    return layers


def update_model_section(model: dict[str, Any], spec: ModelSpec, declared: ModelSpec) -> None:
    """Write what training used into a record's `model` section (a plain dict, edited in place):
    layers, loss, epochs, batch size, early stopping, and the learning rate when training changed
    the declared one (`--fix` lowered it).

    Args:
        model: The section, as the record holds it.
        spec: The configuration trained.
        declared: The configuration the record declares.
    """
    model["layers"] = layers_section(spec)
    loss: Any = spec.loss
    if spec.from_logits or spec.label_smoothing:
        loss = {"name": spec.loss, "from_logits": spec.from_logits}
        if spec.label_smoothing:
            loss["label_smoothing"] = spec.label_smoothing
    model["loss"] = loss
    model["epochs"] = spec.epochs
    model["batch_size"] = spec.batch_size
    if spec.early_stopping is not None:
        model["early_stopping"] = dict(spec.early_stopping)
    else:
        model.pop("early_stopping", None)
    if spec.learning_rate != declared.learning_rate:
        optimizer = model.get("optimizer")
        optimizer = dict(optimizer) if isinstance(optimizer, dict) else {
            "name": optimizer if isinstance(optimizer, str) and optimizer else spec.optimizer}
        optimizer["learning_rate"] = spec.learning_rate
        model["optimizer"] = optimizer
