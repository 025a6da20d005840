"""Read Keras models as JSON: `.keras` archives and model JSON from `model.to_json()`.

Only the archive's `config.json` is read, with a bounded read: weights are never loaded, Keras is
never imported and no object is deserialized, so a custom layer, loss or activation is kept by its
name and never run. The config becomes the record's `model` section:

- `layers`, input to output: Sequential layers in order; for a Functional model, the layers that
  lead to its (first) output, found through `output_layers` and each layer's `inbound_nodes`;
  nested models are flattened in place. Input layers are skipped.
- each layer's `type` (snake case of its class), `name`, `units`, `activation` (also when
  serialized as a function or an activation layer), `rate`, and `l1`/`l2` from its
  `kernel_regularizer` (L1, L2, L1L2).
- `loss` (by name, as a function, as a class with `from_logits`), `optimizer` (class and learning
  rate, the initial rate of a schedule) and `metrics`, from `compile_config`.

Every value keeps its position: the file is the archive (or the JSON file) and the pointer
addresses the value inside config.json, with its line and column there.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Iterator

from advisor.errors import InputError
from advisor.locations import Location, SourceMap
from advisor.names import snake
from advisor.readers.artifacts import (
    MB, Locations, check_size, float32_value, merge_section, named_by, named_file, read_artifact_text,
    section_sources,
)

#: Largest config.json accepted, declared or actually decompressed (a zip bomb is refused).
MAX_CONFIG_BYTES = 64 * MB
#: Largest model JSON file accepted.
MAX_MODEL_JSON_BYTES = 64 * MB
#: Nested models deeper than this are refused (a real model nests a few levels).
MAX_NESTING = 32
ZIP_MAGIC = b"PK"

#: Layer classes whose snake-case spelling differs from the name rules use.
_LAYER_TYPE_NAMES = {"LeakyReLU": "leaky_relu", "PReLU": "prelu", "ReLU": "relu", "ELU": "elu"}
_INPUT_LAYERS = {"InputLayer"}
_WHAT_ARCHIVE = "a .keras archive (a zip holding config.json, metadata.json and model.weights.h5)"
_WHAT_JSON = "a Keras model JSON (model.to_json())"


# --- public entry points ----------------------------------------------------------------------

def read_model_input(path: str) -> list[tuple[str | None, Any]]:
    """Read a `.keras` archive or model JSON given alone: a record with only `model`.

    Raises:
        InputError: the file cannot be read as a Keras model.
    """
    from advisor.readers.record import validate_record

    model, locations = read_model_file(path)
    sources = section_sources(path, "model", locations)
    return [(None, validate_record(path, {"model": model}, sources))]


def merge_model_file(record_path: str, base: str, data: dict[str, Any], sources: SourceMap) -> None:
    """Fill the record's `model` from the file named by `model.file` (record fields win).

    Raises:
        InputError: the file is missing or unreadable, reported at the record line naming it.
    """
    path, shown = named_file(record_path, base, data, sources, "model", "file")
    with named_by(record_path, sources, "/model/file"):
        model, locations = read_model_file(path, shown)
    merge_section(data, "model", model, locations, sources)


def read_model_file(path: str, shown: str | None = None) -> tuple[dict[str, Any], Locations]:
    """Read a `.keras` archive or a model JSON into the record's `model` fields.

    Args:
        path: The file to open.
        shown: The path findings name (default: `path`).

    Returns:
        The `model` fields and, for each, its location (keyed by pointer inside `model`).

    Raises:
        InputError: the file is not a readable Keras model.
    """
    shown = shown or path
    if _is_zip(path):
        text = _archive_config(path, shown)
        what = "config.json"
    else:
        text = read_artifact_text(path, MAX_MODEL_JSON_BYTES, _WHAT_JSON)
        what = "the file"
    config = _parse_json(shown, text, what)
    positions = _positions(shown, text)
    return ModelConfigReader(shown, what, positions).read(config)


# --- archive and JSON ---------------------------------------------------------------------------

def _is_zip(path: str) -> bool:
    from advisor.readers.sniff import head

    return path.lower().endswith(".keras") or head(path, 2) == ZIP_MAGIC


def _archive_config(path: str, shown: str) -> str:
    """config.json of a `.keras` archive, read with a bounded read."""
    import zipfile
    import zlib

    check_size(path, None, _WHAT_ARCHIVE)  # exists and is a file; no limit: weights may be large
    broken = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError)
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo("config.json")
            except KeyError:
                names = ", ".join(archive.namelist()[:5]) or "nothing"
                raise InputError(shown, f"holds no config.json (found {names}); expected {_WHAT_ARCHIVE}") from None
            if info.file_size > MAX_CONFIG_BYTES:
                raise InputError(shown, f"config.json declares {info.file_size:,} bytes uncompressed, over the "
                                 f"{MAX_CONFIG_BYTES // MB} MB limit; refusing to decompress it (a zip bomb?)")
            with archive.open(info) as member:
                raw = member.read(MAX_CONFIG_BYTES + 1)
    except InputError:
        raise
    except broken as exc:
        raise InputError(shown, f"is not a readable zip archive ({exc}); the file may be truncated or corrupt; "
                         f"expected {_WHAT_ARCHIVE}") from None
    except OSError as exc:
        raise InputError(shown, f"cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise InputError(shown, f"config.json decompresses to more than {MAX_CONFIG_BYTES // MB} MB; "
                         "refusing it (a zip bomb?)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(shown, "config.json is not UTF-8 text; expected a Keras model config") from None


def _parse_json(shown: str, text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"invalid JSON: {exc.msg}; expected a Keras model config"
        if what == "config.json":  # positions inside the archive's member, not the archive
            raise InputError(shown, f"config.json line {exc.lineno}, column {exc.colno}: {message}") from None
        raise InputError(shown, message, exc.lineno, exc.colno) from None
    except RecursionError:
        raise InputError(shown, f"{what} is nested too deeply to be a Keras model config") from None


def _positions(shown: str, text: str) -> SourceMap:
    """Positions of the config's values; none when the config is too large to map."""
    from advisor.readers.structured import parse

    try:
        return parse(shown, text, "json")[1]
    except InputError:
        return SourceMap(shown)


# --- the config ------------------------------------------------------------------------------------

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
        for layer, pointer in _flatten(config, "", 0, self.shown):
            index = len(layers)
            layers.append(self._layer(layer, pointer, f"/layers/{index}"))
        return layers

    def _layer(self, layer: dict[str, Any], pointer: str, field: str) -> dict[str, Any]:
        conf = layer.get("config") if isinstance(layer.get("config"), dict) else {}
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
        outputs = _layer_refs(config["config"].get("output_layers")) if isinstance(config.get("config"), dict) else []
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
        conf = value.get("config") if isinstance(value.get("config"), dict) else {}
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


# --- layer graph -------------------------------------------------------------------------------------

def _flatten(model: dict[str, Any], pointer: str, depth: int, shown: str) -> Iterator[tuple[dict[str, Any], str]]:
    """The layers of a model config, input to output, nested models flattened, input layers skipped."""
    if depth > MAX_NESTING:
        raise InputError(shown, f"models are nested more than {MAX_NESTING} levels deep; refusing the config")
    conf = model.get("config")
    layers = conf.get("layers") if isinstance(conf, dict) else None
    if not isinstance(layers, list):
        return
    indexes = _on_output_path(conf, layers)
    for index in indexes:
        layer = layers[index]
        if not isinstance(layer, dict) or not isinstance(layer.get("class_name"), str):
            continue
        child = f"{pointer}/config/layers/{index}"
        if layer["class_name"] in _INPUT_LAYERS:
            continue
        inner = layer.get("config")
        if isinstance(inner, dict) and isinstance(inner.get("layers"), list):
            yield from _flatten(layer, child, depth + 1, shown)
        else:
            yield layer, child


def _on_output_path(conf: dict[str, Any], layers: list[Any]) -> list[int]:
    """Indexes of the layers that lead to the model's first output, in config order (all layers of
    a Sequential model, or when the graph cannot be followed)."""
    outputs = _layer_refs(conf.get("output_layers"))
    if not outputs:
        return list(range(len(layers)))
    by_name: dict[str, int] = {}
    parents: dict[str, set[str]] = {}
    for index, layer in enumerate(layers):
        if not isinstance(layer, dict):
            continue
        inner = layer.get("config") if isinstance(layer.get("config"), dict) else {}
        name = layer.get("name", inner.get("name"))
        if isinstance(name, str):
            by_name[name] = index
            parents[name] = set(_history_names(layer.get("inbound_nodes")))
    if outputs[0] not in by_name:
        return list(range(len(layers)))
    seen: set[str] = set()
    stack = [outputs[0]]
    while stack:
        name = stack.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        stack.extend(parents.get(name, ()))
    output_index = by_name[outputs[0]]
    kept = [by_name[name] for name in seen if by_name[name] != output_index]
    return sorted(kept) + [output_index]


def _layer_refs(value: Any) -> list[str]:
    """Layer names of `input_layers`/`output_layers`: `["out", 0, 0]`, `[["a", 0, 0], ...]` or a
    mapping of output names to such triples."""
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list) or not value:
        return []
    if isinstance(value[0], str):
        return [value[0]]
    return [item[0] for item in value if isinstance(item, list) and item and isinstance(item[0], str)]


def _history_names(value: Any) -> Iterator[str]:
    """Names of the layers a layer's `inbound_nodes` read from (Keras 3 `keras_history`, or the
    Keras 2 `[name, node_index, tensor_index, kwargs]` lists)."""
    if isinstance(value, dict):
        history = value.get("keras_history")
        if isinstance(history, list) and history and isinstance(history[0], str):
            yield history[0]
            return
        for item in value.values():
            yield from _history_names(item)
    elif isinstance(value, list):
        if len(value) >= 3 and isinstance(value[0], str) and isinstance(value[1], int):
            yield value[0]
            return
        for item in value:
            yield from _history_names(item)


# --- names -------------------------------------------------------------------------------------------

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


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)

