"""Write the record `advisor init` starts: the fields naming the artifacts, then, as commented-out
entries each under a `# TODO(advisor init):` line, the decisions the workflow asks of the user.

A commented-out entry reads as no entry at all, so the record stays valid and lints exactly as the
artifacts do until the user fills it in.
"""

from __future__ import annotations

import os
from typing import Any

import yaml

from advisor.adopt.found import Found
from advisor.adopt.read import Named, name_artifacts
from advisor.errors import InputError
from advisor.escape import escape_control
from advisor.record import PROBLEM_TYPES, Experiment

TODO = "# TODO(advisor init): "
#: Comment lines wrap at this width (entries inside a section are indented two more).
WIDTH = 98
#: Sections in the order the record lists them.
SECTION_ORDER = tuple(Experiment.model_fields)
#: Section -> its TODO entries: (comment lines, the entry's lines commented out).
Todos = dict[str, list[tuple[list[str], list[str]]]]


def record_text(found: Found, record: str) -> str:
    """The YAML record started from `found`, to be written at `record` (paths relative to it).

    Raises:
        InputError: an artifact cannot be read, or the record would not read back.
    """
    from advisor.facts import problem_type

    named = name_artifacts(found, record)
    if not named.fields:  # only a script that trains nothing (a note has said so)
        shown = ", ".join(path for paths in found.paths.values() for path in paths)
        raise InputError(shown, "holds nothing to start a record from: no model, log, data or training code "
                         "the advisor can read")
    fields: dict[str, Any] = {"version": 1, "name": _name(record), **named.fields}
    read = _read_back(record, _dump(fields))
    from_labels = problem_type(read) if read.problem is None or read.problem.type is None else None
    if from_labels is not None:
        fields["problem"] = {"type": from_labels, **fields.get("problem", {})}
    text = _header(named) + _body(fields, _decisions(read, fields))
    if from_labels is not None:  # the declared type guides how the data is read: check the record again
        _read_back(record, text)
    return text


def _name(record: str) -> str:
    return os.path.basename(os.path.dirname(os.path.abspath(record))) or "experiment"


def _read_back(record: str, text: str) -> Experiment:
    """The record as lint will read it (the artifacts it names merged in)."""
    from advisor.readers.record import read_record

    return read_record(record, text)


# --- the decisions left to the user ------------------------------------------------------------

def _decisions(read: Experiment, fields: dict[str, Any]) -> Todos:
    """A TODO entry, by section, for each decision neither the record nor its artifacts make."""
    from advisor.facts import problem_type_from_model
    from advisor.workflow import STAGE_WHY

    todos: Todos = {}

    def add(section: str, why: str, entry: dict[str, Any]) -> None:
        todos.setdefault(section, []).append(_todo(why, entry))

    data, splits = read.data, read.splits
    if data is not None and (data.path or (splits is not None and splits.files)) \
            and not (data.target_column or data.target or (read.problem and read.problem.target)):
        last = data.features[-1].name if data.features else None
        hint = f" (the last column is '{escape_control(last)}')" if last is not None else ""
        add("data", "name the column to predict (data.target_column); until then every column is read as a "
            f"feature{hint}.", {"target_column": last if last is not None else "<column>"})
    kind = fields.get("problem", {}).get("type") or (read.problem.type if read.problem is not None else None)
    if kind is None:
        implied = problem_type_from_model(read)
        hint = (f" The model's last layer and loss imply {implied}; declare it only if that is the problem, "
                "since the model is checked against it." if implied else "")
        add("problem", f"declare the problem type (one of {', '.join(PROBLEM_TYPES)}). {STAGE_WHY[1]}{hint}",
            {"type": implied or "<problem type>"})
    if read.metric is None or read.metric.name is None:
        add("metric", "choose the success metric: accuracy for balanced classes, PR AUC or F1 for imbalanced "
            "ones, average precision for multilabel or ranking problems, MAE for regression. "
            f"{STAGE_WHY[2]}", {"name": _metric_hint(read, kind)})
    if read.protocol is None or read.protocol.type is None:
        add("protocol", "choose the evaluation protocol: holdout with a large validation set, kfold with few "
            f"samples, iterated_kfold with very few. {STAGE_WHY[3]}", {"type": "holdout"})
    if not _has_test_split(read):
        add("splits", "hold out a test set (splits.test, or splits.files.test) and evaluate on it once, at the "
            f"end. {STAGE_WHY[7]}", {"test": 0.2})
    if read.baseline is None or read.baseline.score is None:
        regression = kind in ("regression", "bounded_regression")
        add("baseline", "record a common-sense baseline's validation score (`advisor train --stage baseline` "
            f"computes it). {STAGE_WHY[5]}",
            {"strategy": "mean" if regression else "most_frequent", "score": "<score>"})
    return todos


def _metric_hint(read: Experiment, kind: str | None) -> str:
    """A ranking metric for a multilabel problem; else a metric the model compiles with or the history
    logs; else one for the problem type."""
    if kind == "multilabel_classification":
        return "average_precision"
    logged = [name for name in (read.model.metrics or []) if name not in ("loss", "compile_metrics")] \
        if read.model is not None else []
    logged += [name for name in (read.history.names if read.history is not None else [])
               if not name.startswith("val_") and name not in ("loss", "epoch", "learning_rate", "lr")]
    if logged:
        return logged[0]
    if kind in ("regression", "bounded_regression"):
        return "mae"
    return "accuracy" if kind else "<metric>"


def _has_test_split(read: Experiment) -> bool:
    splits = read.splits
    return splits is not None and bool(splits.test or (splits.files and splits.files.test))


def _todo(why: str, entry: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The TODO comment lines, and the entry's lines commented out (relative to its section)."""
    import textwrap

    comment = textwrap.wrap(escape_control(why), WIDTH, initial_indent=TODO, subsequent_indent="#   ",
                            break_on_hyphens=False, break_long_words=False)
    return comment, ["# " + line for line in _dump(entry).splitlines()]


# --- the text ----------------------------------------------------------------------------------

def _header(named: Named) -> str:
    lines = ["# Started by `advisor init` from " + ", ".join(escape_control(o) for o in named.origins) + ".",
             "# Values read from those files are left to them: lint reads them again, so they stay current.",
             "# Uncomment and fill in each TODO(advisor init) entry: the decisions only you can make."]
    lines += ["# Left out: " + escape_control(note) + "." for note in named.notes]
    return "\n".join(lines) + "\n"


def _body(fields: dict[str, Any], todos: Todos) -> str:
    """Each section in record order: its fields, then its TODO entries (inside the section when it has
    fields, else as a commented-out section)."""
    parts = []
    for section in SECTION_ORDER:
        value = fields.get(section)
        pending = todos.get(section, [])
        if value is None and not pending:
            continue
        lines = _dump({section: value}).splitlines() if value is not None else []
        if isinstance(value, dict):
            lines += ["  " + line for comment, entry in pending for line in comment + entry]
        elif pending:
            lines += [line for comment, _ in pending for line in comment] + [f"# {section}:"]
            lines += ["#   " + line[2:] for _, entry in pending for line in entry]
        parts.append("\n".join(lines) + "\n")
    return "".join(part if index == 0 or len(part.splitlines()) == 1 else "\n" + part
                   for index, part in enumerate(parts))


class _Dumper(yaml.SafeDumper):
    """Block style, except lists of plain values (a copied metric series) on one line."""


def _list(dumper: yaml.SafeDumper, values: list) -> yaml.Node:
    flow = all(isinstance(value, (int, float, str, bool, type(None))) for value in values)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", values, flow_style=flow)


_Dumper.add_representer(list, _list)


def _dump(value: Any) -> str:
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=100)
