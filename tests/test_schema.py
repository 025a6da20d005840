"""`advisor schema` prints a valid JSON Schema (draft 2020-12) that accepts every example and
fixture record in the repository and rejects what the reader rejects."""

from __future__ import annotations

import glob
import json
import os

import jsonschema
import pytest
import yaml

from advisor.toml_compat import tomllib
from tests.advisor_cli import run_advisor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECORD_GLOBS = ("examples/**/experiment.yaml", "examples/**/experiment.yml", "examples/**/experiment.json",
                "examples/**/experiment.toml", "tests/**/records/*.yaml", "tests/**/records/*.yml",
                "tests/**/records/*.json", "tests/**/records/*.toml")


def _record_files() -> list[str]:
    found = {os.path.relpath(path, ROOT) for pattern in RECORD_GLOBS
             for path in glob.glob(os.path.join(ROOT, pattern), recursive=True)}
    return sorted(found)


def _load(path: str):
    with open(os.path.join(ROOT, path), "rb") as handle:
        raw = handle.read()
    if path.endswith(".json"):
        return json.loads(raw)
    if path.endswith(".toml"):
        return tomllib.loads(raw.decode("utf-8"))
    return yaml.safe_load(raw)


def _case_records() -> list:
    params = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "rules", "cases", "*.yaml"))):
        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
        for case in document["cases"]:
            params.append(pytest.param(case["record"], id=f"{document['rule']}-{case['name']}"))
    return params


@pytest.fixture(scope="module")
def validator(tmp_path_factory):
    result = run_advisor("schema", cwd=tmp_path_factory.mktemp("schema"))
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_there_are_fixture_records_to_check():
    assert _record_files(), f"no records matched {RECORD_GLOBS}"


@pytest.mark.parametrize("path", _record_files())
def test_example_and_fixture_records_validate(validator, path):
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(_load(path))]
    assert errors == [], f"{path} does not match `advisor schema`"


@pytest.mark.parametrize("record", _case_records())
def test_rule_case_records_validate(validator, record):
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(record)]
    assert errors == []


def test_short_spellings_of_spec_validate(validator):
    record = {"model": {"loss": "binary_crossentropy", "optimizer": "rmsprop", "early_stopping": True,
                        "layers": [{"type": "dense", "units": 1, "activation": None}]},
              "data": {"class_counts": {"0": 212, "1": 357}}}
    assert list(validator.iter_errors(record)) == []


@pytest.mark.parametrize("record", [
    {"problem": {"tpye": "regression"}},
    {"probelm": {}},
    {"problem": {"type": "regresion"}},
    {"model": {"epochs": "many"}},
    {"model": {"loss": 3}},
    {"splits": {"method": "sideways"}},
], ids=["unknown-field", "unknown-section", "bad-enum", "wrong-type", "loss-not-a-name", "bad-split-method"])
def test_schema_rejects_what_the_reader_rejects(validator, record):
    assert list(validator.iter_errors(record)), f"the schema accepted {record}"


#: The keywords of JSON Schema draft 2020-12 that a record schema may use (plus annotations).
STANDARD_KEYWORDS = {
    "$schema", "$id", "$defs", "$ref", "title", "description", "default", "examples", "type", "enum",
    "const", "properties", "additionalProperties", "required", "items", "prefixItems", "anyOf", "oneOf",
    "allOf", "not", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minItems", "maxItems",
    "minLength", "maxLength", "pattern", "format", "propertyNames", "uniqueItems", "multipleOf",
    "minProperties", "maxProperties", "deprecated", "readOnly", "writeOnly",
}


def _keywords(node, found: set[str], under_properties: bool = False) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if not under_properties:
                found.add(key)
            _keywords(value, found, under_properties=key in ("properties", "$defs") and not under_properties)
    elif isinstance(node, list):
        for item in node:
            _keywords(item, found)
    return found


def test_schema_uses_standard_keywords_only(validator):
    assert _keywords(validator.schema, set()) - STANDARD_KEYWORDS == set()


def _bounded_fields(model, prefix=()):
    """(path to the field, a value just outside its bound) for every numeric bound in the record."""
    import typing

    from pydantic import BaseModel

    for name, field in model.model_fields.items():
        for constraint in field.metadata:
            for attribute, outside in (("ge", -1), ("gt", 0), ("le", 1), ("lt", 0)):
                bound = getattr(constraint, attribute, None)
                if isinstance(bound, (int, float)) and not isinstance(bound, bool):
                    yield (*prefix, name), bound + outside
        for inner in typing.get_args(field.annotation) or (field.annotation,):
            is_list = typing.get_origin(inner) is list
            target = typing.get_args(inner)[0] if is_list else inner
            if isinstance(target, type) and issubclass(target, BaseModel):
                yield from _bounded_fields(target, (*prefix, name, *([0] if is_list else [])))


def _record_at(path, value):
    record = value
    for key in reversed(path):
        record = [record] if key == 0 else {key: record}
    return record


def _bound_cases():
    from advisor.record import Experiment

    return [pytest.param(path, value, id="/".join(map(str, path))) for path, value in _bounded_fields(Experiment)]


def test_records_have_bounded_fields_to_check():
    assert len(_bound_cases()) >= 10


@pytest.mark.parametrize(("path", "value"), _bound_cases())
def test_a_value_out_of_bounds_is_rejected_by_reader_and_schema(validator, tmp_path, path, value):
    from advisor.errors import InputError
    from advisor.readers.record import read_record

    record = _record_at(path, value)
    (tmp_path / "experiment.json").write_text(json.dumps(record))
    with pytest.raises(InputError):
        read_record(str(tmp_path / "experiment.json"))
    assert list(validator.iter_errors(record)), f"the schema accepted {record}"
