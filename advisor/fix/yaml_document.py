"""YAML records, edited with ruamel.yaml's round-trip mode.

ruamel keeps comments, key order, quoting and flow or block style. It re-renders a few things
nobody edited (`null` becomes nothing, every list takes one indentation), so the edited lines are
carried back onto the original text by `advisor.fix.merge`, and the result is checked to hold
exactly the edited data.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

from advisor.fix.context import NotFixable
from advisor.fix.document import MISSING, Document, prefers_one_line
from advisor.fix.merge import merge_lines

_KEY_LINE = re.compile(r"^( *)[^\s#-][^:#]*:(\s|$)")
_DASH_LINE = re.compile(r"^( *)- +(\S)")
_OPENS_BLOCK = re.compile(r":\s*(#.*)?$")
#: Plain scalars that YAML 1.1 (the reader's PyYAML) reads as booleans and ruamel's 1.2 as text.
_YAML_11_BOOLEANS = {"yes": True, "no": False, "on": True, "off": False, "y": True, "n": False}


def _indentation(text: str) -> tuple[int, int, int]:
    """The file's (mapping indent, sequence indent, dash offset), as ruamel's `indent()` takes them.

    Measured on the first nested mapping key and the first block-list dash under a key; two
    spaces and dashes indented by two when the file has none.
    """
    mapping = sequence = offset = None
    previous_key_indent: int | None = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        dash = _DASH_LINE.match(line)
        if dash and offset is None and previous_key_indent is not None:
            offset = len(dash.group(1)) - previous_key_indent
            sequence = dash.start(2) - previous_key_indent
            previous_key_indent = None
            continue
        key = _KEY_LINE.match(line)
        if key:
            indent = len(key.group(1))
            if mapping is None and previous_key_indent is not None and indent > previous_key_indent:
                mapping = indent - previous_key_indent
            previous_key_indent = indent if _OPENS_BLOCK.search(line) else None
        else:
            previous_key_indent = None
        if mapping is not None and offset is not None:
            break
    mapping = mapping or 2
    if offset is None or sequence is None or offset < 0 or sequence < offset + 2:
        offset, sequence = 2, 4
    return mapping, sequence, offset


def _load(editor: Any, text: str) -> Any:
    """The round-trip tree of `text`.

    Raises:
        NotFixable: ruamel (YAML 1.2) refuses what the reader (PyYAML, YAML 1.1) took, such as a tab
            after a colon; said in the advisor's words, not ruamel's `in "<unicode string>"` text.
    """
    from ruamel.yaml import YAMLError

    try:
        return editor.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or type(exc).__name__
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        hint = "; write spaces instead of the tab" if "'\\t'" in problem else ""
        raise NotFixable(f"the record cannot be edited: {where}{problem} (an edit is written as YAML 1.2, which "
                         f"refuses it){hint}") from None


class YamlDocument(Document):
    """A YAML record."""

    def __init__(self, path: str, text: str):
        super().__init__(path, text)
        from ruamel.yaml import YAML

        self._yaml = YAML(typ="rt")
        self._yaml.preserve_quotes = True
        self._yaml.width = 1 << 16  # never fold long lines
        mapping, sequence, offset = _indentation(text)
        self._yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        self._yaml.explicit_start = text.lstrip().startswith("---")
        # ruamel keeps a CR inside comments on CRLF lines; edit LF text, `render` restores CRLF.
        self._root = _load(self._yaml, text.replace("\r\n", "\n"))
        self._baseline = self._dump()

    @property
    def root(self) -> Any:
        return self._root

    def _dump(self) -> str:
        stream = io.StringIO()
        self._yaml.dump(self._root, stream)
        return stream.getvalue()

    def _plain(self, node: Any) -> Any:
        from ruamel.yaml.scalarbool import ScalarBoolean

        if isinstance(node, ScalarBoolean):
            return bool(node)
        if isinstance(node, bool) or node is None:
            return node
        if type(node) is str and node.lower() in _YAML_11_BOOLEANS:
            return _YAML_11_BOOLEANS[node.lower()]  # read as the advisor's reader reads it
        if isinstance(node, str):
            return str(node)
        if isinstance(node, float):
            return float(node)
        if isinstance(node, int):
            return int(node)
        return super()._plain(node)

    def _insert_key(self, mapping: Any, index: int, key: str, node: Any) -> None:
        mapping.insert(index, key, node)

    def _is_one_line(self, node: Any) -> bool:
        return bool(getattr(node, "fa", None) is not None and node.fa.flow_style())

    def _wrap(self, value: Any, parent: Any, depth: int, old: Any = MISSING) -> Any:
        from ruamel.yaml.comments import CommentedMap, CommentedSeq
        from ruamel.yaml.scalarstring import ScalarString

        if isinstance(value, (dict, list)):
            one_line = prefers_one_line(value, depth, self.sibling_one_line(parent))
            if isinstance(value, dict):
                node: Any = CommentedMap()
                for key, item in value.items():
                    node[key] = self._wrap(item, node, depth + 1)
            else:
                node = CommentedSeq()
                for item in value:
                    node.append(self._wrap(item, node, depth + 1))
            if one_line:
                node.fa.set_flow_style()
            else:
                node.fa.set_block_style()
            return node
        if isinstance(value, str) and isinstance(old, ScalarString) and not isinstance(old, type(value)):
            return type(old)(value)  # keep the quoting the user chose
        return value

    def render(self) -> str:
        """The edited text; raises NotFixable rather than drop a comment of the original."""
        modified = self._dump()
        if modified == self._baseline:
            return self.original
        text = self._merged(modified)
        lost = Counter(_comments(self.original)) - Counter(_comments(text))
        if lost:
            raise NotFixable(f"the edit would drop the comment '{next(iter(lost))}' (the YAML library cannot keep "
                             "it where it stands); edit the record by hand")
        return text

    def _merged(self, modified: str) -> str:
        import yaml

        merged = merge_lines(self.original, self._baseline, modified)
        if merged is not None:
            try:
                if yaml.safe_load(merged) == yaml.safe_load(modified):
                    return merged
            except yaml.YAMLError:
                pass
        return modified.replace("\n", "\r\n") if "\r\n" in self.original else modified


def _comments(text: str) -> list[str]:
    """The comments of a YAML text, as written: `#` at a line's start or after a space, outside
    quotes (close enough for a check that an edit kept them all)."""
    found = []
    for line in text.splitlines():
        quote = None
        for index, char in enumerate(line):
            if quote:
                if char == quote:
                    quote = None
            elif char in "'\"" and (index == 0 or line[index - 1] in " \t[{,:"):
                quote = char
            elif char == "#" and (index == 0 or line[index - 1] in " \t"):
                found.append(line[index:].strip())
                break
    return found

