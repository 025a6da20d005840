"""A record file opened for editing, whatever its format.

Remedies edit a `Document` through JSON pointers (RFC 6901) into the record: `get`, `set`,
`insert` and `delete`. Each format has a backend (YAML, TOML, JSON) that applies those operations to
a tree that remembers the file's layout, and renders text that keeps the file's comments, key order,
quoting and indentation, changing only the lines an edit touches.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from advisor.readers import kind_of


class _Missing:
    """The value of a pointer that leads nowhere in the document."""

    _instance: "_Missing | None" = None

    def __new__(cls) -> "_Missing":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def split_pointer(pointer: str) -> list[str]:
    """`/model/layers/1` -> ["model", "layers", "1"] (RFC 6901 escapes undone).

    Raises:
        ValueError: the pointer is not empty and does not start with "/".
    """
    if not pointer:
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"a JSON pointer starts with '/': {pointer!r}")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def escape_token(token: Any) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _same(old: Any, new: Any) -> bool:
    """Equal and of the same kind, so that 1, 1.0 and true differ."""
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(_same(old[k], new[k]) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new))
    return type(old) is type(new) and old == new


def is_mapping(node: Any) -> bool:
    return isinstance(node, Mapping)


def is_sequence(node: Any) -> bool:
    return isinstance(node, Sequence) and not isinstance(node, (str, bytes))


def is_leaf_mapping(value: Any) -> bool:
    """A mapping whose values are scalars or lists of scalars: small enough for one line."""
    return isinstance(value, dict) and all(
        not isinstance(item, dict) and not (isinstance(item, list) and any(isinstance(x, (dict, list)) for x in item))
        for item in value.values()
    )


def prefers_one_line(value: Any, depth: int, sibling_one_line: bool | None) -> bool:
    """Whether a new mapping or list is written on one line (flow style, inline table).

    Args:
        value: The new mapping or list.
        depth: How many levels below the top of the record it is placed (a section is at 1).
        sibling_one_line: The style of a neighbouring item of the same list, when there is one.

    Returns:
        True for one line: as its siblings are written; else lists of scalars and small mappings
        inside a section; sections themselves are written as blocks.
    """
    if sibling_one_line is not None:
        return sibling_one_line
    if not value:
        return False  # an empty mapping is a parent about to receive keys
    if isinstance(value, list):
        return all(not isinstance(item, (dict, list)) for item in value)
    return depth >= 2 and is_leaf_mapping(value)


class Document(ABC):
    """A record file as an editable tree of mappings, sequences and scalars.

    Args:
        path: The file, for messages.
        text: Its content.

    Backends implement `root` (the tree), `_wrap` (turn a plain value into a node of the tree, in
    the style the place calls for), `_plain` (the reverse) and `render`.
    """

    def __init__(self, path: str, text: str):
        self.path = path
        self.original = text

    # --- what a backend provides ------------------------------------------------------------

    @property
    @abstractmethod
    def root(self) -> MutableMapping:
        """The top of the record."""

    @abstractmethod
    def _wrap(self, value: Any, parent: Any, depth: int, old: Any = MISSING) -> Any:
        """A node holding `value` for a place `depth` levels down inside `parent`; `old` is the
        node it replaces, whose scalar style (quoting) a new scalar keeps."""

    @abstractmethod
    def render(self) -> str:
        """The document's text with the edits applied, unchanged lines as they were."""

    def _plain(self, node: Any) -> Any:
        """Plain Python data (dict, list, str, int, float, bool, None) for a node of the tree."""
        if is_mapping(node):
            return {str(key): self._plain(value) for key, value in node.items()}
        if is_sequence(node):
            return [self._plain(item) for item in node]
        return node

    # --- operations -----------------------------------------------------------------------

    def get(self, pointer: str) -> Any:
        """The plain value at `pointer`, or MISSING."""
        node = self._find(split_pointer(pointer))
        return MISSING if node is MISSING else self._plain(node)

    def has(self, pointer: str) -> bool:
        return self._find(split_pointer(pointer)) is not MISSING

    def set(self, pointer: str, value: Any) -> bool:
        """Set the value at `pointer`, creating missing parent mappings.

        Returns:
            Whether the document changed (setting an equal value changes nothing).

        Raises:
            ValueError: the pointer crosses a scalar or indexes past the end of a list.
        """
        tokens = split_pointer(pointer)
        if not tokens:
            raise ValueError("cannot replace the whole record")
        parent = self._container(tokens[:-1])
        key = tokens[-1]
        depth = len(tokens)
        if is_sequence(parent):
            index = self._index(parent, key, pointer, allow_end=False)
            old = parent[index]
            if _same(self._plain(old), value):
                return False
            parent[index] = self._wrap(value, parent, depth, old)
            return True
        old = parent.get(key, MISSING)
        if old is not MISSING and _same(self._plain(old), value):
            return False
        if is_mapping(old) and isinstance(value, dict):
            # Update in place, so the comments and layout of the kept keys stay.
            for name in [name for name in old if name not in value]:
                del old[name]
            for name, item in value.items():
                self.set(f"{pointer}/{escape_token(name)}", item)
            return True
        if old is MISSING:
            self._add_key(parent, tokens[:-1], key, self._wrap(value, parent, depth))
        else:
            parent[key] = self._wrap(value, parent, depth, old)
        return True

    def insert(self, pointer: str, value: Any) -> None:
        """Insert `value` into a list before the index the pointer ends with (`-` appends). A
        missing list is created.

        Raises:
            ValueError: the pointer's parent is not a list.
        """
        tokens = split_pointer(pointer)
        if not tokens:
            raise ValueError("cannot insert at the top of the record")
        if self._find(tokens[:-1]) in (MISSING, None):
            self.set(pointer[: pointer.rfind("/")], [value])
            return
        parent = self._container(tokens[:-1])
        if not is_sequence(parent):
            raise ValueError(f"{self.path}: {pointer}: not a list")
        index = len(parent) if tokens[-1] == "-" else self._index(parent, tokens[-1], pointer, allow_end=True)
        parent.insert(index, self._wrap(value, parent, len(tokens)))

    def delete(self, pointer: str) -> bool:
        """Remove the value at `pointer`. Returns whether something was removed."""
        tokens = split_pointer(pointer)
        if not tokens:
            raise ValueError("cannot delete the whole record")
        parent = self._find(tokens[:-1])
        if is_sequence(parent):
            index = self._index(parent, tokens[-1], pointer, allow_end=False)
            del parent[index]
            return True
        if is_mapping(parent) and tokens[-1] in parent:
            del parent[tokens[-1]]
            return True
        return False

    # --- navigation --------------------------------------------------------------------------

    def _find(self, tokens: list[str]) -> Any:
        node: Any = self.root
        for token in tokens:
            if is_mapping(node):
                node = node.get(token, MISSING)
            elif is_sequence(node) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return MISSING
            if node is MISSING:
                return MISSING
        return node

    def _container(self, tokens: list[str]) -> Any:
        """The mapping or list at `tokens`, creating missing mappings."""
        node: Any = self.root
        for position, token in enumerate(tokens):
            if is_mapping(node):
                child = node.get(token, MISSING)
                if child is MISSING:
                    self._add_key(node, tokens[:position], token, self._wrap({}, node, position + 1))
                    child = node[token]
                elif child is None:
                    node[token] = self._wrap({}, node, position + 1)
                    child = node[token]
                node = child
            elif is_sequence(node):
                node = node[self._index(node, token, "/".join(tokens), allow_end=False)]
            else:
                raise ValueError(f"{self.path}: /{'/'.join(tokens[: position + 1])} is not a mapping or list")
        if not (is_mapping(node) or is_sequence(node)):
            raise ValueError(f"{self.path}: /{'/'.join(tokens)} is not a mapping or list")
        return node

    def _index(self, sequence: Any, token: str, pointer: str, allow_end: bool) -> int:
        if not token.isdigit():
            raise ValueError(f"{self.path}: {pointer}: expected a list index, received {token!r}")
        index = int(token)
        if index > len(sequence) or (index == len(sequence) and not allow_end):
            raise ValueError(f"{self.path}: {pointer}: index {index} is past the end of the list")
        return index

    def _add_key(self, mapping: Any, parent_tokens: list[str], key: str, node: Any) -> None:
        """Add a new key where the record format orders it (the order of sections and fields
        in docs/record.md), after the keys that come before it."""
        self._insert_key(mapping, key_position(list(mapping.keys()), key, field_order(parent_tokens)), key, node)

    def _insert_key(self, mapping: Any, index: int, key: str, node: Any) -> None:
        """Insert `key` at `index` among the mapping's keys (backends that cannot, append)."""
        mapping[key] = node

    def sibling_one_line(self, parent: Any) -> bool | None:
        """The one-line style of the first container item of the list `parent`, if any."""
        if not is_sequence(parent):
            return None
        for item in parent:
            if is_mapping(item) or is_sequence(item):
                return self._is_one_line(item)
        return None

    def _is_one_line(self, node: Any) -> bool:
        """Whether an existing container is written on one line (backends refine this)."""
        return False


def field_order(tokens: list[str]) -> list[str]:
    """The record format's field names, in order, of the section at `tokens` (list indices are
    skipped); empty for a place the format does not describe."""
    from pydantic import BaseModel

    from advisor.record import Experiment

    def model_in(annotation: Any) -> Any:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
        for argument in getattr(annotation, "__args__", ()) or ():
            found = model_in(argument)
            if found is not None:
                return found
        return None

    model: Any = Experiment
    for token in tokens:
        if token.isdigit():
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or token not in fields:
            return []
        model = model_in(fields[token].annotation)
    return list(getattr(model, "model_fields", None) or {})


def key_position(keys: list[str], key: str, order: list[str]) -> int:
    """Where `key` goes among `keys`: after the last key that `order` puts before it, else before
    the first that comes after it; at the end when `order` does not know it."""
    if key not in order:
        return len(keys)
    rank = order.index(key)
    after = [index for index, name in enumerate(keys) if name in order and order.index(name) < rank]
    if after:
        return after[-1] + 1
    before = [index for index, name in enumerate(keys) if name in order and order.index(name) > rank]
    return before[0] if before else len(keys)


def document_format(path: str) -> str | None:
    """"yaml", "toml" or "json" by the file's extension; None for other files."""
    return {".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".json": "json"}.get(os.path.splitext(path)[1].lower())


def is_record_file(path: str) -> bool:
    """Whether `advisor fix` edits the input `path`: an experiment record in YAML, TOML or JSON, not
    another input read from such a file (a Keras model JSON, a History JSON)."""
    kind = kind_of(path)
    return kind is not None and kind.name == "record" and document_format(path) is not None
