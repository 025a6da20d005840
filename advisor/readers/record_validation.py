"""Validate parsed record data as an `Experiment`, naming each problem at its file position.

Every reader ends here: a record file, a model, log or tuning artifact given alone, an MLflow run.
"""

from __future__ import annotations

import difflib
import typing
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from advisor.errors import InputError
from advisor.locations import Location, SourceMap, escape_token
from advisor.record import Experiment

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

#: At most this many validation problems are listed in one error message.
MAX_LISTED_ERRORS = 5


def validate_record(path: str, data: Any, sources: SourceMap) -> Experiment:
    """Validate parsed data as an experiment record, mapping errors to file positions."""
    if not isinstance(data, dict):
        raise InputError(path, f"expected a mapping of record sections (problem, data, model, ...), received {_kind(data)}", 1, 1)
    try:
        experiment = Experiment.model_validate(data)
    except ValidationError as exc:
        raise _describe(path, data, sources, exc) from None
    return experiment.with_sources(sources)


def _describe(path: str, data: Any, sources: SourceMap, exc: ValidationError) -> InputError:
    problems: list[tuple[Location, str]] = []
    seen: set[str] = set()
    for error in exc.errors(include_url=False):
        tokens, fields = _data_path(data, error["loc"])
        pointer = "".join("/" + escape_token(t) for t in tokens)
        if pointer in seen:  # a union reports one problem once per member
            continue
        seen.add(pointer)
        problems.append((sources.locate(pointer), _explain(error, tokens, fields)))
    first_location, message = problems[0]
    details = [f"{loc.line or '?'}:{loc.column or '?'}: {text}" for loc, text in problems[1:MAX_LISTED_ERRORS]]
    more = len(problems) - MAX_LISTED_ERRORS
    if more > 0:
        details.append(f"... and {more} more")
    return InputError(path, message, first_location.line, first_location.column, details)


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[list[Any], list[str]]:
    """Follow an error location through the input, skipping the union-member tags pydantic adds.

    Returns the tokens that exist in the input, and the field names (dotted path) for the message.
    """
    tokens: list[Any] = []
    current = data
    for item in loc:
        if isinstance(current, dict) and item in current:
            current = current[item]
            tokens.append(item)
        elif isinstance(current, list) and isinstance(item, int) and 0 <= item < len(current):
            current = current[item]
            tokens.append(item)
        elif isinstance(current, dict) and isinstance(item, str) and "[" not in item and item not in _TYPE_TAGS:
            tokens.append(item)  # a missing field: report at its parent
            current = None
    return tokens, [str(t) for t in tokens]


_TYPE_TAGS = {"int", "float", "str", "bool", "list", "dict", "none"}


def _explain(error: ErrorDetails, tokens: list[Any], fields: list[str]) -> str:
    kind = error["type"]
    where = ".".join(fields) or "the record"
    received = error.get("input")
    if kind == "extra_forbidden":
        parent = tokens[:-1]
        name = str(tokens[-1]) if tokens else "?"
        known = sorted(_fields_at(parent))
        section = ".".join(str(t) for t in parent) or "the record"
        hint = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else f"; expected one of: {', '.join(known)}"
        return f"unknown field '{name}' in {section}{suggestion}"
    if kind == "missing":
        return f"{where}: required field missing"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        options = [part.strip(" '") for part in expected.replace(" or ", ",").split(",") if part.strip(" '")]
        hint = difflib.get_close_matches(str(received), options, n=1, cutoff=0.5)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        return f"{where}: expected one of {expected}, received {received!r}{suggestion}"
    if kind == "value_error":
        return f"{where}: {error['msg'].removeprefix('Value error, ')}"
    expected = _EXPECTED.get(kind.split("_")[0], error["msg"].replace("Input should be ", "").rstrip("."))
    return f"{where}: expected {expected}, received {_kind(received)} {_short(received)}".rstrip()


_EXPECTED = {
    "int": "an integer",
    "float": "a number",
    "string": "a string",
    "bool": "true or false",
    "list": "a list",
    "dict": "a mapping",
    "model": "a mapping",
}


def _kind(value: Any) -> str:
    import datetime

    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "an integer",
            float: "a number", type(None): "null", datetime.date: "a date", datetime.datetime: "a date-time",
            datetime.time: "a time"}.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return ""
    isoformat = getattr(value, "isoformat", None)  # dates and times that TOML and YAML read
    text = isoformat() if callable(isoformat) and not isinstance(value, (str, int, float)) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fields_at(tokens: list[Any]) -> set[str]:
    """Field names of the record section at `tokens` (for "did you mean")."""
    model: Any = Experiment
    for token in tokens:
        if isinstance(token, int):
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or token not in fields:
            return set()
        model = _unwrap(fields[token].annotation)
    return set(getattr(model, "model_fields", {}) or {})


def _unwrap(annotation: Any) -> Any:
    """The BaseModel inside Optional[...], list[...] and unions, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _unwrap(arg)
        if found is not None:
            return found
    return None
