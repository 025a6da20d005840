"""Parse YAML, JSON and TOML text into plain data plus the position of every value.

Positions are keyed by JSON pointer. For a mapping entry the position is that of its key (the
line a user edits); for a sequence item, that of the item.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from advisor.errors import InputError
from advisor.locations import Location, SourceMap, escape_token

#: Records are small; a larger file is refused before it is parsed.
MAX_RECORD_BYTES = 10 * 1024 * 1024
#: Values a document may expand to (YAML aliases can multiply a small file into billions).
MAX_VALUES = 200_000
MAX_DEPTH = 64

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_text(path: str, limit: int = MAX_RECORD_BYTES) -> str:
    """Read a UTF-8 text file, refusing oversize, binary and undecodable content."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
    except IsADirectoryError:
        raise InputError(path, "is a directory; expected a file") from None
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise InputError(path, f"is larger than {limit // (1024 * 1024)} MB; refusing to read it as an experiment record")
    if b"\x00" in raw:
        raise InputError(path, "is binary (contains NUL bytes); expected a YAML, JSON or TOML text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(path, "is not UTF-8 text; expected a YAML, JSON or TOML text file", line) from None
    if not text.strip():
        raise InputError(path, "is empty; expected an experiment record")
    return text


def parse(path: str, text: str, fmt: str) -> tuple[Any, SourceMap]:
    """Parse `text` written in `fmt` ("yaml", "json" or "toml").

    Returns:
        The data and a SourceMap of every value's position.

    Raises:
        InputError: on a syntax error (with its line and column) or a refused document.
    """
    if fmt == "json":
        return _parse_json(path, text)
    if fmt == "toml":
        return _parse_toml(path, text)
    return _parse_yaml(path, text)


# --- YAML ------------------------------------------------------------------------------------

def _parse_yaml(path: str, text: str) -> tuple[Any, SourceMap]:
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or exc.context or "invalid YAML"
            raise InputError(path, f"invalid YAML: {problem}", *_mark(mark)) from None
        except yaml.YAMLError as exc:
            raise InputError(path, f"invalid YAML: {exc}") from None
        if node is None:
            raise InputError(path, "is empty; expected an experiment record")
        sources = SourceMap(path)
        _walk_yaml(path, node, "", sources, [0], 0)
        try:
            data = loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            raise InputError(path, f"invalid YAML: {exc.problem}", *_mark(exc.problem_mark)) from None
    finally:
        loader.dispose()
    return data, sources


def _mark(mark: Any) -> tuple[int | None, int | None]:
    if mark is None:
        return None, None
    return mark.line + 1, mark.column + 1


def _walk_yaml(path: str, node: Any, pointer: str, sources: SourceMap, count: list[int], depth: int) -> None:
    count[0] += 1
    if count[0] > MAX_VALUES or depth > MAX_DEPTH:
        line, column = _mark(node.start_mark)
        raise InputError(
            path,
            f"refused: the document expands to more than {MAX_VALUES:,} values or {MAX_DEPTH} levels "
            "(nested YAML aliases?); an experiment record is far smaller",
            line,
            column,
        )
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            if key == "<<":  # merge key: its members land in this mapping
                _walk_yaml(path, value_node, pointer, sources, count, depth + 1)
                continue
            if key in seen:
                raise InputError(path, f"duplicate key '{key}'", *_mark(key_node.start_mark))
            seen.add(key)
            child = f"{pointer}/{escape_token(key)}"
            line, column = _mark(key_node.start_mark)
            sources.add(child, Location(path, line, column, child))
            _walk_yaml(path, value_node, child, sources, count, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = f"{pointer}/{index}"
            line, column = _mark(item.start_mark)
            sources.add(child, Location(path, line, column, child))
            _walk_yaml(path, item, child, sources, count, depth + 1)


# --- JSON ------------------------------------------------------------------------------------

def _parse_json(path: str, text: str) -> tuple[Any, SourceMap]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise InputError(path, f"refused: nested deeper than {MAX_DEPTH} levels") from None
    # JSON is YAML 1.2 flow syntax: the YAML composer gives the positions.
    try:
        _, sources = _parse_yaml(path, text)
    except InputError as exc:
        if exc.message.startswith("refused") or exc.message.startswith("duplicate key"):
            raise
        sources = SourceMap(path)
    return data, sources


# --- TOML ------------------------------------------------------------------------------------

_TABLE = re.compile(r"^\s*\[(\[)?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")


def _split_dotted(key: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", key)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def _parse_toml(path: str, text: str) -> tuple[Any, SourceMap]:
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        raise InputError(path, f"invalid TOML: {message}", line, column) from None
    return data, _toml_positions(path, text)


def _toml_positions(path: str, text: str) -> SourceMap:
    """Line positions of TOML tables and keys (tomllib keeps none)."""
    sources = SourceMap(path)
    table: list[str] = []
    array_counts: dict[tuple[str, ...], int] = {}
    multiline_quote: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if multiline_quote:
            if line.count(multiline_quote) % 2 == 1:
                multiline_quote = None
            continue
        header = _TABLE.match(line)
        if header:
            names = _split_dotted(header.group(2))
            if header.group(1):  # [[array.of.tables]]
                key = tuple(names)
                index = array_counts.get(key, -1) + 1
                array_counts[key] = index
                table = names + [str(index)]
            else:
                table = names
            pointer = "".join("/" + escape_token(t) for t in table)
            sources.add(pointer, Location(path, number, line.index("[") + 1, pointer))
            continue
        key = _KEY.match(line)
        if key:
            pointer = "".join("/" + escape_token(t) for t in table + _split_dotted(key.group(1)))
            column = len(line) - len(line.lstrip()) + 1
            sources.add(pointer, Location(path, number, column, pointer))
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    multiline_quote = quote
    return sources


FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}
