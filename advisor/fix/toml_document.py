"""TOML records, edited with tomlkit, which keeps every comment, blank line and quote as written."""

from __future__ import annotations

from typing import Any

from advisor.fix.document import MISSING, Document, prefers_one_line, split_pointer


def _padded(parent: Any) -> bool:
    """Whether the inline tables of an array are written `{ key = value }`, with inner spaces."""
    from tomlkit.items import Array, InlineTable

    return isinstance(parent, Array) and any(
        isinstance(item, InlineTable) and item.as_string().startswith("{ ") for item in parent)


def _padded_inline_table(values: dict[str, Any]) -> Any:
    """An inline table written `{ key = value, ... }`."""
    import tomlkit

    body = ", ".join(f"{tomlkit.key(key).as_string()} = {tomlkit.item(item).as_string()}" for key, item in values.items())
    return tomlkit.parse(f"x = {{ {body} }}")["x"]


def _ends_blank(table: Any) -> bool:
    """Whether an array table is followed by a blank line."""
    return table.as_string().endswith("\n\n")


class TomlDocument(Document):
    """A TOML record."""

    def __init__(self, path: str, text: str):
        super().__init__(path, text)
        import tomlkit

        self._root = tomlkit.parse(text)

    @property
    def root(self) -> Any:
        return self._root

    def _plain(self, node: Any) -> Any:
        unwrap = getattr(node, "unwrap", None)
        return unwrap() if unwrap is not None else node

    def _is_one_line(self, node: Any) -> bool:
        from tomlkit.items import Array, InlineTable

        return isinstance(node, (InlineTable, Array))

    def _wrap(self, value: Any, parent: Any, depth: int, old: Any = MISSING) -> Any:
        import tomlkit
        from tomlkit.items import AoT, Array, InlineTable, String, StringType

        inside_line = isinstance(parent, (InlineTable, Array))
        if isinstance(value, dict):
            one_line = inside_line or (not isinstance(parent, AoT)
                                       and prefers_one_line(value, depth, self.sibling_one_line(parent)))
            if one_line and _padded(parent):
                return _padded_inline_table({key: self._wrap(item, parent, depth + 1) for key, item in value.items()})
            table: Any = tomlkit.inline_table() if one_line else tomlkit.table()
            for key, item in value.items():
                table.append(key, self._wrap(item, table, depth + 1))
            return table
        if isinstance(value, list):
            # Always an inline array: an array of tables could not sit between a table's keys.
            array = tomlkit.array()
            for item in value:
                array.append(self._wrap(item, array, depth + 1))
            return array
        if isinstance(value, str) and isinstance(old, String) and old.type in (StringType.SLL, StringType.MLL):
            return tomlkit.string(value, literal=True)
        return value

    def insert(self, pointer: str, value: Any) -> None:
        """Insert into a list, keeping the file's spacing: one-line arrays keep `, ` between items
        and array tables keep the blank lines between them."""
        from tomlkit.items import AoT, Array

        parent = self._find(split_pointer(pointer)[:-1])
        spaced = isinstance(parent, AoT) and any(_ends_blank(table) for table in list(parent)[:-1])
        last_spaced = isinstance(parent, AoT) and len(parent) > 0 and _ends_blank(parent[-1])
        super().insert(pointer, value)
        if isinstance(parent, Array) and "\n" not in parent.as_string():
            items = list(parent)
            parent.clear()  # re-appending writes the separators tomlkit's insert leaves out
            for item in items:
                parent.append(item)
        if spaced or last_spaced:
            import tomlkit

            tables = list(parent)
            for table in tables[:-1]:
                if not _ends_blank(table):
                    table.add(tomlkit.nl())
            if last_spaced and not _ends_blank(tables[-1]):
                tables[-1].add(tomlkit.nl())

    def render(self) -> str:
        import tomlkit

        from advisor.toml_compat import tomllib

        text = tomlkit.dumps(self._root)
        tomllib.loads(text)  # an edit that broke the syntax is a bug: fail loudly, write nothing
        return crlf_kept(self.original, text)


def crlf_kept(original: str, text: str) -> str:
    """`text` with CRLF line ends when every line of `original` ends so (tomlkit writes the lines it
    adds with LF, which would leave a CRLF file with mixed line ends)."""
    crlf = original.count("\r\n")
    if not crlf or crlf != original.count("\n"):
        return text
    return text.replace("\r\n", "\n").replace("\n", "\r\n")
