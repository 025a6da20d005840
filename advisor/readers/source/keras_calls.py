"""Keras calls in a script as record fields: layer constructors, `compile` arguments (loss,
optimizer, metrics) and callbacks, in the spellings Keras 3, `tf.keras` and Keras 2 accept.

Each reader takes the call's arguments already evaluated (`Args`) and returns the record fields
with the location of each; a value that is not a literal (or a name bound to one) is left out.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from advisor.locations import Location
from advisor.names import snake
from advisor.readers.keras_config import layer_type, optimizer_name
from advisor.readers.source.known import DEFAULT_LEARNING_RATES
from advisor.readers.source.values import Callback, Const, LayerValue, Reference

#: Layers whose activation defaults to linear when none is given.
_LINEAR_BY_DEFAULT = {"Dense", "Conv1D", "Conv2D", "Conv3D", "EinsumDense", "SeparableConv2D", "Conv2DTranspose"}
#: Keras 2 keyword spellings -> Keras 3.
_LEGACY_KEYWORDS = {"output_dim": "units", "nb_epoch": "epochs", "lr": "learning_rate", "W_regularizer": "kernel_regularizer",
                    "p": "rate"}
#: Positional parameters, per layer class (first ones only).
_POSITIONAL = {"Dense": ("units", "activation"), "Dropout": ("rate",), "Activation": ("activation",),
               "SpatialDropout1D": ("rate",), "SpatialDropout2D": ("rate",), "GaussianDropout": ("rate",),
               "AlphaDropout": ("rate",)}


@dataclass
class Args:
    """A call's arguments: evaluated values and the nodes they came from."""

    positional: list[Any]
    keywords: dict[str, Any]
    nodes: dict[str, ast.AST]
    call: ast.Call

    def get(self, name: str, position: int | None = None) -> Any:
        if name in self.keywords:
            return self.keywords[name]
        if position is not None and position < len(self.positional):
            return self.positional[position]
        return None

    def node(self, name: str, position: int | None = None) -> ast.AST:
        if name in self.nodes:
            return self.nodes[name]
        if position is not None and position < len(self.call.args):
            return self.call.args[position]
        return self.call

    def has(self, name: str, position: int | None = None) -> bool:
        return name in self.keywords or (position is not None and position < len(self.positional))


def modern_keywords(keywords: dict[str, Any], nodes: dict[str, ast.AST]) -> None:
    """Rename Keras 2 keywords (`nb_epoch`, `lr`, `output_dim`) in place."""
    for old, new in _LEGACY_KEYWORDS.items():
        if old in keywords and new not in keywords:
            keywords[new] = keywords.pop(old)
            nodes[new] = nodes.pop(old)


def number(value: Any) -> float | None:
    if isinstance(value, Const) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool):
        return float(value.value)
    return None


def integer(value: Any) -> int | None:
    if isinstance(value, Const) and isinstance(value.value, int) and not isinstance(value.value, bool):
        return value.value
    return None


def text(value: Any) -> str | None:
    return value.value if isinstance(value, Const) and isinstance(value.value, str) else None


def boolean(value: Any) -> bool | None:
    return value.value if isinstance(value, Const) and isinstance(value.value, bool) else None


def activation_of(value: Any) -> str | None:
    """An activation given as a string, None (linear), a function reference or an activation layer."""
    if isinstance(value, Const):
        if value.value is None:
            return "linear"
        return value.value if isinstance(value.value, str) else None
    if isinstance(value, Reference):
        return value.name.rsplit(".", 1)[-1]
    if isinstance(value, LayerValue) and value.fields.get("type"):
        return value.fields["type"]
    return None


def regularizer_of(value: Any) -> dict[str, float] | None:
    """`l2(0.01)`, `regularizers.L2(l2=0.01)`, `L1L2(l1=..., l2=...)` or `"l2"` as penalties."""
    if isinstance(value, Const) and isinstance(value.value, str):
        name = snake(value.value)
        return {penalty: 0.01 for penalty in ("l1", "l2") if penalty in name.split("_")} or None
    if isinstance(value, Const) and isinstance(value.value, dict):
        return value.value or None
    return None


def regularizer_call(cls: str, args: Args) -> Const | None:
    """The penalties a regularizer constructor call sets: `l2(0.01)`, `L2()` (Keras' default 0.01),
    `l1_l2(l1=..., l2=...)` (only the factors written: the defaults differ between Keras versions)."""
    name = snake(cls)
    if name in ("l1", "l2"):
        if not args.has(name, 0):
            return Const({name: 0.01})
        factor = number(args.get(name, 0))
        return Const({name: factor}) if factor is not None else None
    if name == "l1_l2":
        penalties: dict[str, float] = {}
        for index, penalty in enumerate(("l1", "l2")):
            if args.has(penalty, index):
                factor = number(args.get(penalty, index))
                if factor is None:
                    return None
                penalties[penalty] = factor
        return Const(penalties)
    return None


def layer(cls: str, args: Args, locate: Callable[[ast.AST], Location]) -> LayerValue | None:
    """A layer constructor call as a record layer; None for an input layer."""
    if cls in ("InputLayer", "Input"):
        return None
    fields: dict[str, Any] = {"type": layer_type(cls)}
    locations = {"": locate(args.call), "type": locate(args.call.func)}
    positional = _POSITIONAL.get(cls, ())

    def position(name: str) -> int | None:
        return positional.index(name) if name in positional else None

    name = text(args.get("name"))
    if name is not None:
        fields["name"], locations["name"] = name, locate(args.node("name"))
    units = integer(args.get("units", position("units")))
    if units is not None and units >= 1:
        fields["units"], locations["units"] = units, locate(args.node("units", position("units")))
    if args.has("activation", position("activation")):
        activation = activation_of(args.get("activation", position("activation")))
        if activation is not None:
            fields["activation"] = activation
            locations["activation"] = locate(args.node("activation", position("activation")))
    elif cls in _LINEAR_BY_DEFAULT:
        fields["activation"], locations["activation"] = "linear", locate(args.call)
    rate = number(args.get("rate", position("rate")))
    if rate is not None and 0 <= rate <= 1:
        fields["rate"], locations["rate"] = rate, locate(args.node("rate", position("rate")))
    penalties = regularizer_of(args.get("kernel_regularizer"))
    for penalty, factor in (penalties or {}).items():
        if factor is not None and factor >= 0 and penalty in ("l1", "l2"):
            fields[penalty], locations[penalty] = float(factor), locate(args.node("kernel_regularizer"))
    return LayerValue(fields, locations)


def loss(value: Any, node: ast.AST, locate: Callable[[ast.AST], Location]) -> tuple[dict, dict] | None:
    """The `loss` argument of `compile`: a name, a function or a loss object."""
    where = locate(node)
    if isinstance(value, Const) and isinstance(value.value, str):
        return {"name": value.value}, {"": where, "/name": where}
    if isinstance(value, Reference):
        return {"name": snake(value.name)}, {"": where, "/name": where}
    if isinstance(value, Callback) and value.kind == "loss":
        return dict(value.fields), {"": where, **value.locations}
    return None


def loss_object(cls: str, args: Args, locate: Callable[[ast.AST], Location]) -> Callback:
    """`keras.losses.BinaryCrossentropy(from_logits=True)` (kept as a Callback of kind loss)."""
    fields: dict[str, Any] = {"name": snake(cls)}
    locations = {"/name": locate(args.call.func)}
    if cls.endswith("Crossentropy"):  # Keras' defaults, as a saved model records them
        fields["from_logits"], locations["/from_logits"] = False, locate(args.call)
        if not cls.startswith("Sparse"):
            fields["label_smoothing"], locations["/label_smoothing"] = 0.0, locate(args.call)
    logits = boolean(args.get("from_logits"))
    if logits is not None:
        fields["from_logits"], locations["/from_logits"] = logits, locate(args.node("from_logits"))
    smoothing = number(args.get("label_smoothing"))
    if smoothing is not None and 0 <= smoothing <= 1:
        fields["label_smoothing"], locations["/label_smoothing"] = smoothing, locate(args.node("label_smoothing"))
    return Callback("loss", fields, locations)


def optimizer(value: Any, node: ast.AST, locate: Callable[[ast.AST], Location]) -> tuple[dict, dict] | None:
    """The `optimizer` argument of `compile`: a name (Keras' default learning rate) or an optimizer."""
    where = locate(node)
    if isinstance(value, Const) and isinstance(value.value, str):
        name = optimizer_name(value.value)
        fields: dict[str, Any] = {"name": name}
        locations = {"": where, "/name": where}
        if name in DEFAULT_LEARNING_RATES:
            fields["learning_rate"], locations["/learning_rate"] = DEFAULT_LEARNING_RATES[name], where
        return fields, locations
    if isinstance(value, Callback) and value.kind == "optimizer":
        return dict(value.fields), {"": where, **value.locations}
    return None


def optimizer_object(cls: str, args: Args, locate: Callable[[ast.AST], Location]) -> Callback | None:
    """`Adam(learning_rate=1e-3)`, `SGD(lr=0.1, momentum=0.9)`; None when the rate is not a literal."""
    name = optimizer_name(cls)
    fields: dict[str, Any] = {"name": name}
    locations = {"/name": locate(args.call.func)}
    if args.has("learning_rate", 0):
        rate = number(args.get("learning_rate", 0))
        if rate is not None and rate > 0:
            fields["learning_rate"], locations["/learning_rate"] = rate, locate(args.node("learning_rate", 0))
    elif name in DEFAULT_LEARNING_RATES:
        fields["learning_rate"], locations["/learning_rate"] = DEFAULT_LEARNING_RATES[name], locate(args.call)
    for key in ("momentum", "weight_decay"):
        found = number(args.get(key))
        if found is not None and found >= 0:
            fields[key], locations["/" + key] = found, locate(args.node(key))
    return Callback("optimizer", fields, locations)


def callback(cls: str, args: Args, locate: Callable[[ast.AST], Location]) -> Callback | None:
    """EarlyStopping (with Keras' defaults), CSVLogger and ModelCheckpoint."""
    if cls == "EarlyStopping":
        fields: dict[str, Any] = {"monitor": "val_loss", "patience": 0, "restore_best_weights": False}
        locations = {key: locate(args.call) for key in fields}
        for key, position, read in (("monitor", 0, text), ("patience", 2, integer), ("restore_best_weights", 7, boolean),
                                    ("min_delta", 1, number), ("mode", 4, text)):
            if args.has(key, position):
                value = read(args.get(key, position))
                if value is None:
                    fields.pop(key, None)  # not a literal: unknown, not the default
                    continue
                fields[key], locations[key] = value, locate(args.node(key, position))
        if fields.get("mode") not in (None, "auto", "min", "max"):
            fields.pop("mode")
        return Callback("early_stopping", fields, locations)
    if cls == "CSVLogger":
        path = text(args.get("filename", 0))
        return Callback("csv_logger", {"file": path} if path else {}, {"file": locate(args.node("filename", 0))})
    if cls == "ModelCheckpoint":
        return Callback("checkpoint", {"save_best_only": boolean(args.get("save_best_only", 3))}, {})
    return None
