"""JSON records, edited as data and written back in the file's own layout.

The file's indentation and separators are measured, and each object or array remembers whether it
was written on one line or spread over several. The document is rendered in that layout before and
after the edits, and only the lines the edits changed are carried onto the original text
(`advisor.fix.merge`); key order is kept throughout.
"""

from __future__ import annotations

import json
import re
from typing import Any

from advisor.fix.document import MISSING, Document, prefers_one_line
from advisor.fix.merge import merge_lines


def _indent_unit(text: str) -> str:
    """The smallest indentation of an indented line: the file's indentation step (two spaces when
    nothing is indented)."""
    widths = [match.group(1) for match in re.finditer(r"\n([ \t]+)\S", text)]
    if widths and all(width.startswith("\t") for width in widths):
        return "\t"
    spaces = [len(width) for width in widths if set(width) == {" "}]
    return " " * min(spaces) if spaces else "  "


class _WrittenFloat(float):
    """A number read from the file, which keeps its spelling (`1e-3` stays `1e-3`)."""

    text: str

    def __new__(cls, text: str) -> "_WrittenFloat":
        number = super().__new__(cls, text)
        number.text = text
        return number


class JsonDocument(Document):
    """A JSON record."""

    def __init__(self, path: str, text: str):
        super().__init__(path, text)
        self._root = json.loads(text, parse_float=_WrittenFloat)
        if not isinstance(self._root, dict):
            raise ValueError(f"{path}: expected a JSON object at the top of the record")
        self._unit = _indent_unit(text)
        self._key_separator = ":" if len(re.findall(r'":(?=\S)', text)) > len(re.findall(r'": ', text)) else ": "
        self._item_separator = "," if len(re.findall(r",(?=[^\s])", text)) > len(re.findall(r", ", text)) else ", "
        self._ascii = "\\u" in text
        #: id(container) -> written on one line; the containers are kept alive so ids stay unique.
        self._one_line: dict[int, bool] = {}
        self._kept: list[Any] = []
        self._measure(text)
        self._baseline = self._dump(self._root, 0)

    @property
    def root(self) -> Any:
        return self._root

    def _measure(self, text: str) -> None:
        """Record which containers the file writes on one line (positions from the YAML composer,
        JSON being YAML's flow syntax); all are spread over lines when that cannot be read."""
        import yaml

        try:
            node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError:
            return

        def walk(value: Any, node: Any) -> None:
            if isinstance(value, (dict, list)):
                self._remember(value, node.start_mark.line == node.end_mark.line)
            if isinstance(value, dict) and isinstance(node, yaml.MappingNode):
                for (_key_node, value_node), item in zip(node.value, value.values()):
                    walk(item, value_node)
            elif isinstance(value, list) and isinstance(node, yaml.SequenceNode):
                for item, item_node in zip(value, node.value):
                    walk(item, item_node)

        walk(self._root, node)

    def _remember(self, container: Any, one_line: bool) -> None:
        self._one_line[id(container)] = one_line
        self._kept.append(container)

    def _insert_key(self, mapping: Any, index: int, key: str, node: Any) -> None:
        items = list(mapping.items())
        items.insert(index, (key, node))
        mapping.clear()  # the same object, so its remembered layout stays
        mapping.update(items)

    def _is_one_line(self, node: Any) -> bool:
        return self._one_line.get(id(node), False)

    def _wrap(self, value: Any, parent: Any, depth: int, old: Any = MISSING) -> Any:
        if not isinstance(value, (dict, list)):
            return value
        one_line = self._is_one_line(parent) or prefers_one_line(value, depth, self.sibling_one_line(parent))
        node: Any = {} if isinstance(value, dict) else []
        self._remember(node, one_line)
        if isinstance(value, dict):
            for key, item in value.items():
                node[key] = self._wrap(item, node, depth + 1)
        else:
            for item in value:
                node.append(self._wrap(item, node, depth + 1))
        return node

    def _dump(self, value: Any, level: int) -> str:
        if isinstance(value, _WrittenFloat):
            return value.text
        if not isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=self._ascii)
        if not value:
            return "{}" if isinstance(value, dict) else "[]"
        if isinstance(value, dict):
            parts = [json.dumps(str(key), ensure_ascii=self._ascii) + self._key_separator + self._dump(item, level + 1)
                     for key, item in value.items()]
            opening, closing = "{", "}"
        else:
            parts = [self._dump(item, level + 1) for item in value]
            opening, closing = "[", "]"
        if self._is_one_line(value):
            return opening + self._item_separator.join(parts) + closing
        inner = self._unit * (level + 1)
        return opening + "\n" + ",\n".join(inner + part for part in parts) + "\n" + self._unit * level + closing

    def render(self) -> str:
        ending = "\n" if self.original.endswith("\n") else ""
        modified = self._dump(self._root, 0) + ending
        baseline = self._baseline + ending
        if modified == baseline:
            return self.original
        merged = merge_lines(self.original, baseline, modified, comments=False)
        if merged is not None:
            try:
                if json.loads(merged) == self._root:
                    return merged
            except json.JSONDecodeError:
                pass
        return modified
