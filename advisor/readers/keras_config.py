"""Turn a Keras model config (config.json of a `.keras` archive, or `model.to_json()`) into the
record's `model` fields, with the position of each value inside the config.

Nothing is deserialized: classes, functions and custom objects are kept by name.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Iterator, TypeGuard

from advisor.errors import InputError
from advisor.locations import Location, SourceMap
from advisor.names import snake
from advisor.readers.artifacts import Locations, float32_value
from advisor.readers.keras_graph import config_object, flatten_layers, layer_refs

#: Models with more layers than this are refused (the largest published architectures have a few
#: thousand): every layer becomes a record entry that each rule reads.
MAX_LAYERS = 10_000
#: Layer classes whose snake-case spelling differs from the name rules use.
_LAYER_TYPE_NAMES = {"LeakyReLU": "leaky_relu", "PReLU": "prelu", "ReLU": "relu", "ELU": "elu"}


class ModelConfigReader:
    """Turns a Keras model config (as JSON data) into the record's `model` fields.

    Args:
        shown: The path findings name.
        what: How messages name the JSON ("config.json" or "the file").
        positions: Positions of the JSON's values, by pointer.
    """

    def __init__(self, shown: str, what: str, positions: SourceMap):
        self.shown = shown
        self.what = what
        self.positions = positions
        self.locations: Locations = {}

    def read(self, config: Any) -> tuple[dict[str, Any], Locations]:
        """Raises: InputError when `config` is not a Keras model config."""
        self._require_model(config)
        model: dict[str, Any] = {}
        layers = self._layers(config)
        if layers:
            model["layers"] = layers
            self._at("/layers", "/config/layers")
        compiled = config.get("compile_config") or config.get("training_config")
        if isinstance(compiled, dict):
            pointer = "/compile_config" if "compile_config" in config else "/training_config"
            self._compiled(model, compiled, pointer, self._output_name(config))
        return model, self.locations

    def _require_model(self, config: Any) -> None:
        if not isinstance(config, dict) or not isinstance(config.get("class_name"), str) or "config" not in config:
            found = f"keys {', '.join(sorted(map(str, config))[:6])}" if isinstance(config, dict) else type(config).__name__
            raise InputError(self.shown, f"{self.what} is not a Keras model config: expected an object with "
                             f"'class_name' and 'config' (as Keras saves a model), found {found}")
        inner = config["config"]
        if inner is not None and not isinstance(inner, dict):
            raise InputError(self.shown, f"{self.what} is not a Keras model config: 'config' should be an object")
        if isinstance(inner, dict) and "layers" in inner and not isinstance(inner["layers"], list):
            raise InputError(self.shown, f"{self.what} is not a Keras model config: 'config.layers' should be a list")

    def _at(self, field: str, pointer: str) -> None:
        location = self.positions.locate(pointer)
        self.locations[field] = Location(self.shown, location.line, location.column, pointer)

    # --- layers ---

    def _layers(self, config: dict[str, Any]) -> list[dict[str, Any]]:
        layers: list[dict[str, Any]] = []
        listed = config["config"].get("layers") if isinstance(config["config"], dict) else None
        if isinstance(listed, list) and len(listed) > MAX_LAYERS:
            raise self._too_many_layers()
        for layer, pointer in flatten_layers(config, "", 0, self.shown):
            index = len(layers)
            if index == MAX_LAYERS:  # nested models add up
                raise self._too_many_layers()
            layers.append(self._layer(layer, pointer, f"/layers/{index}"))
        return layers

    def _too_many_layers(self) -> InputError:
        return InputError(self.shown, f"{self.what} holds more than {MAX_LAYERS:,} layers, over the limit the advisor "
                          "reads; expected a Keras model config (lint a smaller model, or write its layers in the record)")

    def _layer(self, layer: dict[str, Any], pointer: str, field: str) -> dict[str, Any]:
        conf = config_object(layer)
        out: dict[str, Any] = {"type": layer_type(layer["class_name"])}
        self._at(field, pointer)
        self._at(field + "/type", pointer + "/class_name")
        name = conf.get("name", layer.get("name"))
        if isinstance(name, str):
            out["name"] = name
            self._at(field + "/name", pointer + "/config/name")
        units = conf.get("units")
        if isinstance(units, int) and not isinstance(units, bool) and units >= 1:
            out["units"] = units
            self._at(field + "/units", pointer + "/config/units")
        if "activation" in conf:
            activation = activation_name(conf["activation"])
            if activation is not None:
                out["activation"] = activation
                self._at(field + "/activation", pointer + "/config/activation")
        rate = conf.get("rate")
        if _number(rate) and 0 <= rate <= 1:
            out["rate"] = float(rate)
            self._at(field + "/rate", pointer + "/config/rate")
        for penalty, value, where in _regularizer(conf.get("kernel_regularizer")):
            out[penalty] = value
            self._at(f"{field}/{penalty}", f"{pointer}/config/kernel_regularizer{where}")
        return out

    # --- compile config ---

    def _output_name(self, config: dict[str, Any]) -> str | None:
        outputs = layer_refs(config["config"].get("output_layers")) if isinstance(config.get("config"), dict) else []
        return outputs[0] if outputs else None

    def _compiled(self, model: dict[str, Any], compiled: dict[str, Any], pointer: str, output: str | None) -> None:
        found = _per_output(compiled.get("loss"), f"{pointer}/loss", output)
        if found is not None:
            loss = self._loss(*found)
            if loss is not None:
                model["loss"] = loss
        optimizer = self._optimizer(compiled.get("optimizer"), f"{pointer}/optimizer")
        if optimizer:
            model["optimizer"] = optimizer
        metrics: list[str] = []
        for key in ("metrics", "weighted_metrics"):
            for value, where in _flat_items(compiled.get(key), f"{pointer}/{key}"):
                name = _object_name(value, prefer_config_name=True)
                if name is not None and name not in metrics:
                    self._at(f"/metrics/{len(metrics)}", where)
                    metrics.append(name)
        if metrics:
            model["metrics"] = metrics
            self._at("/metrics", f"{pointer}/metrics")

    def _loss(self, value: Any, pointer: str) -> dict[str, Any] | None:
        name = _object_name(value, prefer_config_name=False)
        if name is None:
            return None
        loss: dict[str, Any] = {"name": name}
        self._at("/loss", pointer)
        self._at("/loss/name", pointer + ("/class_name" if isinstance(value, dict) else ""))
        conf = value.get("config") if isinstance(value, dict) else None
        if isinstance(conf, dict):
            if isinstance(conf.get("from_logits"), bool):
                loss["from_logits"] = conf["from_logits"]
                self._at("/loss/from_logits", pointer + "/config/from_logits")
            smoothing = conf.get("label_smoothing")
            if _number(smoothing) and 0 <= smoothing <= 1:
                loss["label_smoothing"] = float(smoothing)
                self._at("/loss/label_smoothing", pointer + "/config/label_smoothing")
        return loss

    def _optimizer(self, value: Any, pointer: str) -> dict[str, Any]:
        if isinstance(value, str):
            self._at("/optimizer", pointer)
            self._at("/optimizer/name", pointer)
            return {"name": optimizer_name(value)}
        if not isinstance(value, dict) or not isinstance(value.get("class_name"), str):
            return {}
        conf = config_object(value)
        inner = conf.get("inner_optimizer")
        if value["class_name"] == "LossScaleOptimizer" and isinstance(inner, dict):
            return self._optimizer(inner, pointer + "/config/inner_optimizer")
        optimizer: dict[str, Any] = {"name": optimizer_name(value["class_name"])}
        self._at("/optimizer", pointer)
        self._at("/optimizer/name", pointer + "/class_name")
        rate, where = conf.get("learning_rate"), "/config/learning_rate"
        if isinstance(rate, dict) and isinstance(rate.get("config"), dict):  # a schedule: its initial rate
            rate, where = rate["config"].get("initial_learning_rate"), where + "/config/initial_learning_rate"
        if _number(rate) and rate > 0:
            optimizer["learning_rate"] = float32_value(float(rate))
            self._at("/optimizer/learning_rate", pointer + where)
        for key in ("momentum", "weight_decay"):
            if _number(conf.get(key)) and conf[key] >= 0:
                optimizer[key] = float32_value(float(conf[key]))
                self._at(f"/optimizer/{key}", f"{pointer}/config/{key}")
        return optimizer


# --- names -------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1024)  # a model repeats a few classes thousands of times
def layer_type(class_name: str) -> str:
    """`Dense` -> `dense`, `LeakyReLU` -> `leaky_relu`, `Conv2D` -> `conv2d`."""
    name = class_name.rsplit(">", 1)[-1]
    if name in _LAYER_TYPE_NAMES:
        return _LAYER_TYPE_NAMES[name]
    return re.sub(r"(\d)_d\b", r"\1d", snake(name))


def activation_name(value: Any) -> str | None:
    """An activation as Keras serializes it: a name, null (linear), a function (`{"class_name":
    "function", "config": "my_package>swish"}`) or an activation layer (`LeakyReLU`)."""
    if value is None:
        return "linear"
    if isinstance(value, str):
        return value.rsplit(">", 1)[-1]
    if isinstance(value, dict) and isinstance(value.get("class_name"), str):
        if value["class_name"] == "function" and isinstance(value.get("config"), str):
            return value["config"].rsplit(">", 1)[-1]
        return layer_type(value["class_name"])
    return None


def optimizer_name(class_name: str) -> str:
    """`RMSprop` -> `rmsprop`, `AdamW` -> `adamw`, `rm_sprop` (MLflow's spelling) -> `rmsprop`."""
    from advisor.names import OPTIMIZER_ALIASES, canonical_optimizer

    name = canonical_optimizer(class_name.rsplit(">", 1)[-1]) or class_name
    if name not in OPTIMIZER_ALIASES:
        return OPTIMIZER_ALIASES.get(name.replace("_", ""), name)
    return OPTIMIZER_ALIASES[name]


def _object_name(value: Any, prefer_config_name: bool) -> str | None:
    """Name of a serialized loss or metric: a string, a function, or a class (snake case of the
    class, or the configured name for metrics, which Keras logs under that name)."""
    if isinstance(value, str):
        return value.rsplit(">", 1)[-1]
    if not isinstance(value, dict) or not isinstance(value.get("class_name"), str):
        return None
    conf = value.get("config")
    if value["class_name"] == "function" and isinstance(conf, str):
        return conf.rsplit(">", 1)[-1]
    if prefer_config_name and isinstance(conf, dict) and isinstance(conf.get("name"), str):
        return conf["name"]
    return snake(value["class_name"].rsplit(">", 1)[-1])


def _per_output(value: Any, pointer: str, output: str | None) -> tuple[Any, str] | None:
    """The loss of the model's first output: a list or a mapping by output name hold one per output."""
    if isinstance(value, list):
        return (value[0], pointer + "/0") if value else None
    if isinstance(value, dict) and "class_name" not in value:
        if not value:
            return None
        key = output if output in value else next(iter(value))
        return value[key], f"{pointer}/{key}"
    return None if value is None else (value, pointer)


def _flat_items(value: Any, pointer: str) -> Iterator[tuple[Any, str]]:
    """Metrics, flattened across outputs (lists of lists, mappings by output name)."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _flat_items(item, f"{pointer}/{index}")
    elif isinstance(value, dict) and "class_name" not in value:
        for key, item in value.items():
            yield from _flat_items(item, f"{pointer}/{key}")
    elif value is not None:
        yield value, pointer


def _regularizer(value: Any) -> Iterator[tuple[str, float, str]]:
    """(penalty, factor, pointer suffix) of a kernel regularizer: L1, L2, L1L2, or "l1"/"l2"/"l1_l2"."""
    if isinstance(value, str):
        for penalty in ("l1", "l2"):
            if penalty in snake(value).split("_"):
                yield penalty, 0.01, ""  # Keras' default factor for a regularizer given by name
        return
    if not isinstance(value, dict) or not isinstance(value.get("config"), dict):
        return
    for penalty in ("l1", "l2"):
        factor = value["config"].get(penalty)
        if _number(factor) and factor >= 0:
            yield penalty, float(factor), f"/config/{penalty}"


def _number(value: Any) -> TypeGuard[int | float]:
    """A JSON number that a float can hold (an integer of 400 digits is left out, as Keras could not
    have written it)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    return not isinstance(value, int) or abs(value) < 2 ** 1023
