"""The record format reference (docs/record.md), generated from the record's pydantic models.

Every section and field of `advisor.record.Experiment` gets a row: its name, type, allowed values
and bounds, and its description (the models' `Field(description=...)`, a section's docstring).
`python -m advisor.record_docs docs/record.md` writes the page, and
`python -m advisor.record_docs --check docs/record.md` exits 1 when it is stale, as
`python -m advisor.docs` does for the rule pages.
"""

from __future__ import annotations

import os
import re
import types
import typing
from typing import Any, Literal, Union

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from advisor.docs import arguments, check_or_write
from advisor.readers.record_validation import _unwrap as _model_in
from advisor.record import Experiment

#: The page's first line: a file without it is never replaced.
MARKER = "<!-- Generated from the record models by `python -m advisor.record_docs docs/record.md`; do not edit. -->"
REGENERATE = "python -m advisor.record_docs docs/record.md"
DEFAULT_PATH = os.path.join("docs", "record.md")

SCALARS = {int: "integer", float: "number", str: "string", bool: "boolean", type(None): "null"}
BOUNDS = ((annotated_types.Ge, "ge", ">="), (annotated_types.Gt, "gt", ">"), (annotated_types.Le, "le", "<="),
          (annotated_types.Lt, "lt", "<"))

INTRO = """\
One file describes one experiment: what is predicted, from which data, how success is measured and
evaluated, which model was trained, and what it logged. It is what `advisor lint` reads and what
`advisor train` reads and writes. YAML, JSON and TOML spell the same structure
(`experiment.yaml`, `experiment.json`, `experiment.toml`).

- Every section and field is optional. A rule that needs a missing field does not run, except the
  rules whose job is to say that something essential is missing.
- Unknown fields, wrong types and values out of bounds are errors that name the file, the line and
  the closest known name, with exit code 2.
- Paths are relative to the record's folder, and are read only inside the project (the folder of
  the configuration file, else the working directory) unless `allow-paths` or `--allow-path` allow
  more.
- Fields marked *Extension* are not in the core format: readers fill them from the artifacts (data
  profiles, split class counts, run status) so rules judge the real data, and you may write them
  too. Values from a named artifact fill only what the record leaves out: the record wins.
- `advisor schema` prints the same structure as a JSON Schema (draft 2020-12), with these
  descriptions, for editors that validate YAML or JSON as you type.
"""

EXAMPLE = """\
version: 1
name: wine-mlp
description: Recognise the cultivar of a wine from 13 chemical measurements.
problem: {type: multiclass_classification, target: cultivar, classes: 3, labels: integer}
data:
  path: data/wine.csv              # profiled: features, class counts, duplicates across splits
  target_column: cultivar
  preprocessing:
    - {step: standardize, fit_on: train}
splits: {method: stratified, shuffle: true, train: 0.6, validation: 0.2, test: 0.2}
protocol: {type: kfold, folds: 4}
metric: {name: accuracy, goal: maximize, others: [precision, recall]}
baseline: {strategy: most_frequent, score: 0.4}
model:
  layers:
    - {type: dense, units: 32, activation: relu, l2: 0.001}
    - {type: dropout, rate: 0.3}
    - {type: dense, units: 3, activation: softmax}     # the output layer
  loss: sparse_categorical_crossentropy               # short for {name: sparse_categorical_crossentropy}
  optimizer: {name: rmsprop, learning_rate: 0.001}
  epochs: 60
  batch_size: 16
  early_stopping: {monitor: val_loss, patience: 5, restore_best_weights: true}
history:                           # or {file: logs/history.csv}, as Keras' CSVLogger writes it
  loss: [1.10, 0.72, 0.41, 0.27]
  val_loss: [1.05, 0.70, 0.45, 0.36]
  accuracy: [0.38, 0.71, 0.90, 0.95]
  val_accuracy: [0.40, 0.69, 0.86, 0.92]
tuning: {trials: 6, architectures: 2, selected_on: validation, test_evaluations: 1}
final: {trained_on: train+validation, epochs: 40, validation_score: 0.93, test_score: 0.92}
"""

OTHER_INPUTS = """\
These inputs are read into the same record, so the same rules judge them:

- A run directory: a folder holding an experiment record, with `history.csv` (Keras' CSVLogger)
  and `model.keras` beside it, as `advisor train` writes it.
- A `.keras` archive or a Keras model JSON (`model.to_json()`) alone: it fills `model`.
- A Keras History JSON or a CSVLogger CSV alone: it fills `history`.
- An MLflow run, in a file store (`mlruns/<experiment>/<run>/`) or a SQLite store (`mlflow.db`):
  `history` from its metrics, `model` and `tuning` from the params and tags Keras autologging writes
  and from any param, tag or metric named after a record field (`problem.type`).
- `model.file`, `history.file`, `tuning.file` and `data.path` name such artifacts from a record.

Each value keeps where it came from (file, line, column and pointer), so a finding points at the
line that set it, in the record or in the artifact.
"""


def _without_none(annotation: Any) -> list[Any]:
    """The alternatives of an annotation, without None (Optional[X] -> [X])."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^a-z0-9 _-]", "", heading.lower()).replace(" ", "-")


def type_text(annotation: Any, places: dict[type[BaseModel], str], omissible: bool = True) -> str:
    """A field type in words: `integer`, `list of string`, a link to a nested section.

    Args:
        annotation: The field's annotation.
        places: Model -> its section's dotted name, for links.
        omissible: The value may be left out, so an Optional's None is not spelled (it is, as `null`,
            inside lists and mappings).

    Returns:
        Markdown, with Literal values as `one of` lists.
    """
    parts = []
    options = [annotation]
    if typing.get_origin(annotation) in (Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if not (omissible and a is type(None))]
    for option in options:
        origin, arguments = typing.get_origin(option), typing.get_args(option)
        if origin is Literal:
            parts.append("one of " + ", ".join(f"`{value}`" for value in arguments))
        elif origin is list:
            parts.append(f"list of {type_text(arguments[0], places, omissible=False)}")
        elif origin is dict:
            parts.append(f"mapping of {type_text(arguments[0], places, False)} to "
                         f"{type_text(arguments[1], places, False)}")
        elif isinstance(option, type) and issubclass(option, BaseModel):
            name = places[option]
            parts.append(f"[{name}](#{_slug(name)})")
        elif option is Any:
            parts.append("any value")
        else:
            parts.append(SCALARS.get(option, getattr(option, "__name__", str(option))))
    return " or ".join(parts)


def bounds_text(info: FieldInfo) -> str:
    """The numeric bounds of a field (`>= 0, <= 1`), or an empty string."""
    found = []
    for constraint in info.metadata:
        for kind, attribute, symbol in BOUNDS:
            if isinstance(constraint, kind):
                found.append(f"{symbol} {getattr(constraint, attribute)}")
    return ", ".join(found)


def _summary(model: type[BaseModel]) -> str:
    """A model's docstring as one paragraph."""
    return " ".join((model.__doc__ or "").split())


def _places(model: type[BaseModel], name: str, found: dict[type[BaseModel], str]) -> dict[type[BaseModel], str]:
    """Every model reachable from `model`, by the dotted name of its first place (`model.layers[]`)."""
    for field, info in model.model_fields.items():
        nested = _model_in(info.annotation)
        if nested is not None and nested not in found:
            is_list = any(typing.get_origin(option) is list for option in _without_none(info.annotation))
            found[nested] = f"{name}.{field}".lstrip(".") + ("[]" if is_list else "")
            _places(nested, found[nested], found)
    return found


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def field_rows(model: type[BaseModel], places: dict[type[BaseModel], str]) -> list[str]:
    """The table rows of a model's fields (field, type, bounds, meaning), plus its free keys if it takes any."""
    rows = []
    for field, info in model.model_fields.items():
        nested = _model_in(info.annotation)
        meaning = info.description or (_summary(nested) if nested is not None else "")
        if info.is_required():
            meaning = f"Required. {meaning}"
        elif info.default is not None:
            meaning = f"{meaning} Default: `{info.default}`."
        rows.append(f"| `{field}` | {_cell(type_text(info.annotation, places))} | {_cell(bounds_text(info))} | "
                    f"{_cell(meaning.strip())} |")
    if model.model_config.get("extra") == "allow":
        extra = typing.get_type_hints(model).get("__pydantic_extra__")
        value = typing.get_args(extra)[1] if extra is not None else Any
        rows.append(f"| any other key | {_cell(type_text(value, places))} |  | "
                    "Any key not listed above holds values as the section's description says. |")
    return rows


def render() -> str:
    """The whole page: introduction, example, one table per section, and the other inputs."""
    places = _places(Experiment, "", {})
    lines = [MARKER, "", "# The experiment record, format version 1", "", INTRO.rstrip(), "",
             "## Example", "", "```yaml", EXAMPLE.rstrip(), "```", "", "## Top level", "",
             _summary(Experiment), "", "| field | type | bounds | meaning |", "|---|---|---|---|",
             *field_rows(Experiment, places), ""]
    for model, name in places.items():
        depth = "#" * (2 + name.count("."))
        lines += [f"{depth} {name}", "", _summary(model), "", "| field | type | bounds | meaning |",
                  "|---|---|---|---|", *field_rows(model, places), ""]
    lines += ["## Other inputs", "", OTHER_INPUTS.rstrip(), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m advisor.record_docs [--check] [FILE]` (FILE defaults to docs/record.md).

    Returns:
        0 when written (or up to date with --check), 1 when --check finds it stale, 2 on error.
    """
    check, path = arguments(argv, DEFAULT_PATH)
    folder, name = os.path.split(path)
    return check_or_write(folder or ".", {name: render()}, check, MARKER, REGENERATE)


if __name__ == "__main__":
    raise SystemExit(main())
