"""Follow a Keras model config's layer graph: the layers, input to output, that lead to the
model's first output, with nested models flattened in place (Sequential and Functional, Keras 3
`keras_history` and Keras 2 inbound-node lists)."""

from __future__ import annotations

from typing import Any, Iterator

from advisor.errors import InputError

#: Nested models deeper than this are refused (a real model nests a few levels).
MAX_NESTING = 32
_INPUT_LAYERS = {"InputLayer"}


def flatten_layers(model: dict[str, Any], pointer: str, depth: int, shown: str) -> Iterator[tuple[dict[str, Any], str]]:
    """The layers of a model config, input to output, nested models flattened, input layers skipped."""
    if depth > MAX_NESTING:
        raise InputError(shown, f"models are nested more than {MAX_NESTING} levels deep; refusing the config")
    conf = model.get("config")
    if not isinstance(conf, dict) or not isinstance(conf.get("layers"), list):
        return
    layers = conf["layers"]
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
            yield from flatten_layers(layer, child, depth + 1, shown)
        else:
            yield layer, child


def config_object(serialized: dict[str, Any]) -> dict[str, Any]:
    """The `config` object of a serialized Keras object; {} when it has none or it is not an object."""
    conf = serialized.get("config")
    return conf if isinstance(conf, dict) else {}


def _on_output_path(conf: dict[str, Any], layers: list[Any]) -> list[int]:
    """Indexes of the layers that lead to the model's first output, in config order (all layers of
    a Sequential model, or when the graph cannot be followed)."""
    outputs = layer_refs(conf.get("output_layers"))
    if not outputs:
        return list(range(len(layers)))
    by_name: dict[str, int] = {}
    parents: dict[str, set[str]] = {}
    for index, layer in enumerate(layers):
        if not isinstance(layer, dict):
            continue
        inner = config_object(layer)
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


def layer_refs(value: Any) -> list[str]:
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
