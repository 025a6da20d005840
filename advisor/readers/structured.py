"""Parse YAML, JSON and TOML text into plain data plus the position of every value.

Positions are keyed by JSON pointer. For a mapping entry the position is that of its key (the
line a user edits); for a sequence item, that of the item.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any

import yaml

from advisor.errors import InputError
from advisor.locations import Location, SourceMap, escape_token

#: Records are small; a larger file is refused before it is parsed.
MAX_RECORD_BYTES = 10 * 1024 * 1024
#: Values a document may expand to (YAML aliases can multiply a small file into billions).
MAX_VALUES = 200_000
MAX_DEPTH = 64

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, with the tag of each plain scalar remembered: records repeat the same keys
    and values thousands of times, and resolving a tag runs several regular expressions."""

    _resolved: dict[tuple[str, tuple[bool, bool]], str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is not yaml.ScalarNode or self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = self._resolved.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(self._resolved) > 100_000:
                self._resolved.clear()
            self._resolved[key] = tag
        return tag


def read_text(path: str, limit: int = MAX_RECORD_BYTES, what: str = "an experiment record",
              allow_empty: bool = False) -> str:
    """Read a UTF-8 text file, refusing oversize, binary and undecodable content, and anything
    but a regular file (opening a FIFO would block forever).

    Args:
        path: The file.
        limit: The largest size read, in bytes.
        what: What the file should hold, for messages.
        allow_empty: Return an empty or blank file's text instead of refusing it.

    Raises:
        InputError: the file cannot be read, is not a regular file, or holds no usable text.
    """
    import stat

    from advisor.confine import check_read

    check_read(path)
    try:
        mode = os.stat(path).st_mode
    except OSError:
        mode = None  # open() below names the problem
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        from advisor.readers.artifacts import file_type

        raise InputError(path, f"is {file_type(mode)}, not a regular file; expected {what}")
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
    if not text.strip() and not allow_empty:
        raise InputError(path, f"is empty; expected {what}")
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
            if mark is not None and _character_at(text, mark.line, mark.column) == "\t":
                problem = "found a tab character where YAML allows only spaces (indent with spaces)"
            raise InputError(path, f"invalid YAML: {problem}", *_mark(mark)) from None
        except yaml.reader.ReaderError as exc:  # its text names PyYAML's "<unicode string>", not the file
            line = text.count("\n", 0, exc.position) + 1
            column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
            raise InputError(path, f"invalid YAML: character U+{exc.character:04X} is not allowed in YAML "
                             "(control characters must be written as escapes in a double-quoted string)",
                             line, column) from None
        except yaml.YAMLError as exc:
            raise InputError(path, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    if node is None:
        raise InputError(path, "is empty; expected an experiment record")
    sources = SourceMap(path)
    data = _Builder(path, sources).build(node, "", 0)
    return data, sources


def _character_at(text: str, line: int, column: int) -> str:
    """The character at 0-based `line` and `column` of `text`; empty past the end."""
    lines = text.split("\n", line + 1)
    return lines[line][column:column + 1] if line < len(lines) else ""


def _mark(mark: Any) -> tuple[int | None, int | None]:
    if mark is None:
        return None, None
    return mark.line + 1, mark.column + 1


_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_INT_TAG = "tag:yaml.org,2002:int"
_EXPONENT_FLOAT = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+$")


class _Builder:
    """Builds Python values from the composed YAML node tree and records every value's position,
    in one pass. Counting values as they are built refuses alias bombs before they expand."""

    def __init__(self, path: str, sources: SourceMap):
        self.path = path
        self.sources = sources
        self.count = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def refuse(self, node: Any) -> InputError:
        return InputError(
            self.path,
            f"refused: the document expands to more than {MAX_VALUES:,} values or {MAX_DEPTH} levels "
            "(nested YAML aliases?); an experiment record is far smaller",
            *_mark(node.start_mark),
        )

    def build(self, node: Any, pointer: str, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_VALUES or depth > MAX_DEPTH:
            raise self.refuse(node)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        add = self.sources.add
        path = self.path
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                child = f"{pointer}/{index}"
                mark = item.start_mark
                add(child, Location(path, mark.line + 1, mark.column + 1, child))
                items.append(self.build(item, child, depth + 1))
            return items
        mapping: dict[Any, Any] = {}
        merges: list[Any] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
                continue
            key = self.scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else "?"
            if key in mapping:
                raise InputError(path, f"duplicate key '{key}'", *_mark(key_node.start_mark))
            child = f"{pointer}/{escape_token(key)}"
            mark = key_node.start_mark
            add(child, Location(path, mark.line + 1, mark.column + 1, child))
            mapping[key] = self.build(value_node, child, depth + 1)
        for merge in merges:  # `<<: *base` — explicit keys win over merged ones
            sources = merge.value if isinstance(merge, yaml.SequenceNode) else [merge]
            for source in sources:
                merged = self.build(source, pointer, depth + 1)
                if not isinstance(merged, dict):
                    raise InputError(path, "a merge key (<<) expects a mapping or a list of mappings", *_mark(source.start_mark))
                for key, value in merged.items():
                    mapping.setdefault(key, value)
        return mapping

    def scalar(self, node: Any) -> Any:
        tag = node.tag
        if tag == _STR_TAG:
            # YAML 1.1 reads `1e-3` as a string; YAML 1.2 (and every user) means a number.
            if not node.style and _EXPONENT_FLOAT.match(node.value):
                return float(node.value)
            return node.value
        if tag == _NULL_TAG:
            return None
        if tag == _FLOAT_TAG:
            value = node.value
            if value[-1:].isdigit() and ":" not in value:  # plain decimals; .inf, .nan, 1:30 below
                return float(value.replace("_", ""))
        elif tag == _INT_TAG:
            value = node.value
            if len(value) > sys.get_int_max_str_digits():
                raise InputError(self.path, f"a number with more than {sys.get_int_max_str_digits():,} digits; "
                                 "expected a number of reasonable size", *_mark(node.start_mark))
            if value.isdigit() and (value == "0" or value[0] != "0"):  # not octal or sexagesimal
                return int(value)
        constructor = self.constructor.yaml_constructors.get(tag)
        if constructor is None:
            raise InputError(self.path, f"unsupported YAML tag {tag}; expected plain values", *_mark(node.start_mark))
        try:
            return constructor(self.constructor, node)
        except yaml.MarkedYAMLError as exc:
            raise InputError(self.path, f"invalid YAML: {exc.problem}", *_mark(exc.problem_mark)) from None
        except (ValueError, KeyError, TypeError, OverflowError):  # `!!float abc`, `!!bool x`, `!!timestamp 2020-13-45`
            kind, value = tag.rsplit(":", 1)[-1], node.value
            shown = repr(value if len(value) <= 40 else value[:40] + "...")
            raise InputError(self.path, f"invalid YAML: {shown} is not a valid !!{kind} value",
                             *_mark(node.start_mark)) from None


# --- JSON ------------------------------------------------------------------------------------

def _parse_json(path: str, text: str) -> tuple[Any, SourceMap]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise InputError(path, f"refused: nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:  # an integer over Python's digit limit for int conversion
        raise InputError(path, f"invalid JSON: a number with more than {sys.get_int_max_str_digits():,} digits; "
                         "expected a number of reasonable size", _line_of(text, _LONG_NUMBER)) from None
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
    from advisor.toml_compat import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        raise InputError(path, f"invalid TOML: {message}", line, column) from None
    except RecursionError:
        raise InputError(path, "invalid TOML: arrays or tables nested too deeply to read") from None
    except ValueError:  # an integer over Python's digit limit for int conversion
        line = _line_of(text, _LONG_NUMBER)
        raise InputError(path, f"invalid TOML: a number with more than {sys.get_int_max_str_digits():,} digits; "
                         "expected a number of reasonable size", line) from None
    return data, _toml_positions(path, text)


_LONG_NUMBER = re.compile("[0-9_]{" + str(sys.get_int_max_str_digits() + 1) + ",}")


def _line_of(text: str, pattern: re.Pattern[str]) -> int | None:
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


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
        key_match = _KEY.match(line)
        if key_match:
            pointer = "".join("/" + escape_token(t) for t in table + _split_dotted(key_match.group(1)))
            column = len(line) - len(line.lstrip()) + 1
            sources.add(pointer, Location(path, number, column, pointer))
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    multiline_quote = quote
    return sources


FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}
