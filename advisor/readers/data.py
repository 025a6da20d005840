"""Fill an experiment record from the data files it names (`data.path`, `splits.files`).

Runs on the parsed record before validation (advisor/readers/references.py). The data is profiled
(advisor/readers/profile.py) and the profile fills only the fields the record leaves unset: record
fields win. Every value added keeps where it came from: a feature points at its CSV header cell
(or the NPZ/Parquet column), the overlap at the first copied row, so a finding names the column or
row to look at.

Which files: `splits.files` when given (one file per split; `data.path` then stands for the
training split only when `splits.files` has no `train`); else `data.path`, split by
`data.split_column` (values train, validation, test; also val/valid/dev, training, holdout) or, for
an NPZ, by its `x_train`/`x_test` arrays.

Which columns: the target is `data.target_column` (a missing one is an error), else `problem.target`
when it names a column; `split_column`, `time_column` and `group_column` must exist and are not
features. The features are the columns the record's `data.features` lists, else every other column.
Statistics describe all rows of all files; the overlap compares training rows with validation and
test rows over the features and the target.
"""

from __future__ import annotations

import difflib
import os
from typing import Any

from advisor.errors import InputError
from advisor.locations import Location, SourceMap, join_pointer

SPLITS = ("train", "validation", "test")


def merge_data_files(record_path: str, base: str, data: dict[str, Any], sources: SourceMap) -> None:
    """Profile the data files the record names and fill the record's unset fields from the profile.

    Args:
        record_path: The record file (data paths are relative to its folder).
        base: The record's folder, absolute.
        data: The parsed record; filled in place.
        sources: The record's positions; gains the position of every value added.

    Raises:
        InputError: a named file is missing or unreadable, or a named column is not in the data.
    """
    dataset = data.get("data")
    splits = data.get("splits")
    if (dataset is not None and not isinstance(dataset, dict)) or (splits is not None and not isinstance(splits, dict)):
        return  # the record's own shape is wrong: validation reports it
    dataset = dataset if dataset is not None else {}
    splits = splits if splits is not None else {}
    specs = _file_specs(dataset, splits)
    if specs is None:
        return
    from advisor.readers.artifacts import named_error
    from advisor.readers.profile import profile_data
    from advisor.readers.target import Declared

    named = {_shown(record_path, relative): pointer for _, relative, pointer in specs}
    try:
        parts = _parts(record_path, base, specs, dataset, sources)
        roles = _roles(dataset, data.get("problem"), parts)
        features = _features(dataset, parts, roles)
        problem = data.get("problem")
        if not isinstance(problem, dict):
            problem = {}
        declared = Declared(_text(problem.get("type")), _text(problem.get("labels")))
        split_names = {part.split for part in parts}
        find_duplicates = ("train" in split_names and bool(split_names & {"validation", "test"})
                           and splits.get("overlap") is None)
        profile = profile_data(parts, features, roles["targets"], roles["time"], declared, find_duplicates)
    except InputError as exc:  # in a batch, the record line naming the file says which record is at fault
        if exc.path not in named:
            raise
        raise named_error(record_path, sources, named[exc.path], exc) from None
    first = parts[0].file
    if data.get("data") is None:
        data["data"] = dataset
    _fill_data(dataset, profile, first, roles, sources)
    if profile.split_sizes or profile.overlap is not None:
        if data.get("splits") is None:
            data["splits"] = splits
        _fill_splits(splits, profile, parts, roles, sources)


# --- which files -------------------------------------------------------------------------------

def _file_specs(dataset: dict[str, Any], splits: dict[str, Any]) -> list[tuple[str | None, str, str]] | None:
    """(split, relative path, record pointer) of each file to read; None when nothing valid is named."""
    files = splits.get("files")
    path = dataset.get("path")
    specs: list[tuple[str | None, str, str]] = []
    if isinstance(files, dict) and files:
        if any(split not in SPLITS or not isinstance(value, str) for split, value in files.items()):
            return None  # validation reports the wrong key or type
        specs = [(split, files[split], join_pointer("splits", "files", split)) for split in SPLITS if split in files]
        if "train" not in files and isinstance(path, str):
            specs.insert(0, ("train", path, "/data/path"))
        return specs
    if isinstance(path, str) and path:
        return [(None, path, "/data/path")]
    return None


def _parts(record_path: str, base: str, specs: list[tuple[str | None, str, str]], dataset: dict[str, Any],
           sources: SourceMap) -> list:
    from advisor.readers.data_files import MemoryBudget, data_kind, load_data_file
    from advisor.readers.profile import Part

    parts = []
    budget = MemoryBudget()  # every file of the record is held at once
    for split, relative, pointer in specs:
        shown = _shown(record_path, relative)
        real = relative if os.path.isabs(relative) else os.path.join(base, relative)
        where = sources.locate(pointer)
        field = pointer.strip("/").replace("/", ".")
        if "\0" in relative:
            raise InputError(record_path, f"{field}: the path holds a NUL character; expected the path of a CSV, "
                             "Parquet or NPZ file", where.line, where.column)
        from advisor.confine import check_named

        check_named(real, relative, record_path, field, where.line, where.column)
        if data_kind(relative) is None:
            raise InputError(record_path, f"{field}: '{relative}' is not a data file the advisor reads; expected .csv, "
                             ".tsv, .parquet or .npz", where.line, where.column)
        if os.path.isdir(real):
            raise InputError(record_path, f"{field}: '{relative}' is a directory; expected a CSV, Parquet or NPZ file",
                             where.line, where.column)
        if os.path.exists(real) and not os.path.isfile(real):  # a FIFO would block the read forever
            from advisor.readers.artifacts import file_type

            raise InputError(record_path, f"{field}: '{relative}' is {file_type(os.stat(real).st_mode)}, not a regular "
                             "file; expected a CSV, Parquet or NPZ file", where.line, where.column)
        if not os.path.isfile(real):
            looked = f" (looked for {shown})" if shown != relative else ""
            raise InputError(record_path, f"{field}: no such data file '{relative}'{looked}", where.line, where.column)
        loaded = load_data_file(shown, budget)
        if split is not None:
            if len(loaded) > 1:
                raise InputError(shown, "holds arrays for several splits; name it as data.path, not as one split file")
            parts.append(Part(split, loaded[0]))
        elif len(loaded) > 1 or loaded[0].split is not None:
            order: dict[str | None, int] = {name: number for number, name in enumerate(SPLITS)}
            parts.extend(Part(f.split, f) for f in sorted(loaded, key=lambda f: order.get(f.split, -1)))
        else:
            parts.extend(_split_by_column(loaded[0], dataset.get("split_column")))
    return parts


def _shown(record_path: str, relative: str) -> str:
    """A data file's path as messages name it (from where the record was named)."""
    return relative if os.path.isabs(relative) else os.path.normpath(os.path.join(os.path.dirname(record_path), relative))


def _split_by_column(data_file, split_column: Any) -> list:
    """One part per split named in the split column (or the whole file when there is none)."""
    import numpy as np

    from advisor.readers.columns import TEXT_KINDS, encode_text
    from advisor.readers.data_files import SPLIT_ALIASES
    from advisor.readers.profile import Part

    if not isinstance(split_column, str) or not split_column:
        return [Part(None, data_file)]
    column = _column(data_file, split_column, "split column", "named by data.split_column")
    location = data_file.column_location(split_column)
    if column.kind not in TEXT_KINDS:
        raise InputError(data_file.path, f"split column '{split_column}' holds {column.kind} values; expected text: "
                         "train, validation or test", location.line, location.column)
    encode_text([column])
    labels = column.labels.to_pylist()
    codes = np.full(data_file.length, -1, dtype=np.int64)
    for block in column.blocks:
        valid = block.valid if block.valid is not None else np.ones(len(block.values), dtype=bool)
        codes[block.start:block.start + len(block.values)] = np.where(valid, block.values, -1)
    if (codes < 0).any():
        row = int(np.flatnonzero(codes < 0)[0])
        raise _row_error(data_file, row, f"split column '{split_column}' is empty; every row needs train, validation or test")
    mapping = np.full(len(labels), -1, dtype=np.int64)
    for code, label in enumerate(labels):
        split = SPLIT_ALIASES.get(str(label).strip().lower())
        if split is None:
            row = int(np.flatnonzero(codes == code)[0])
            raise _row_error(data_file, row, f"split column '{split_column}' holds '{label}'; expected train, "
                                             "validation or test")
        mapping[code] = SPLITS.index(split)
    split_of_row = mapping[codes]
    return [Part(split, data_file, np.flatnonzero(split_of_row == number))
            for number, split in enumerate(SPLITS) if (split_of_row == number).any()]


def _row_error(data_file, row: int, message: str) -> InputError:
    location = data_file.row_location(row)
    if location.line is None:
        message += f" (row {row})"
    return InputError(data_file.path, message, location.line)


# --- which columns -----------------------------------------------------------------------------

def _roles(dataset: dict[str, Any], problem: Any, parts: list) -> dict[str, Any]:
    """The target, time, split and group columns, checked against every file."""
    files = list({id(p.file): p.file for p in parts}.values())
    roles: dict[str, Any] = {"targets": [], "time": None, "excluded": set()}
    target = _text(dataset.get("target_column"))
    layouts = {tuple(f.target_names) if f.target_names else None for f in files}
    if layouts != {None}:
        if len(layouts) > 1:
            raise InputError(files[-1].path, "X/y arrays differ from the other split files' layout; every split file "
                             "needs the same target arrays")
        roles["targets"] = list(files[0].target_names or [])
    elif target is not None:
        for data_file in files:
            _column(data_file, target, "target column", "named by data.target_column")
        roles["targets"] = [target]
    else:
        guess = _text(problem.get("target")) if isinstance(problem, dict) else None
        if guess is not None and all(guess in f.columns for f in files):
            roles["targets"] = [guess]
    for key, label in (("time_column", "time column"), ("group_column", "group column")):
        name = _text(dataset.get(key))
        if name is None:
            continue
        for data_file in files:
            _column(data_file, name, label, f"named by data.{key}")
        roles["excluded"].add(name)
        if key == "time_column":
            roles["time"] = name
    split_column = _text(dataset.get("split_column"))
    if split_column is not None:  # checked where it splits the data; never a feature
        roles["excluded"].add(split_column)
        roles["split"] = split_column
    return roles


def _features(dataset: dict[str, Any], parts: list, roles: dict[str, Any]) -> list[str]:
    """The record's listed features that are columns, else every column that has no other role."""
    files = list({id(p.file): p.file for p in parts}.values())
    reserved = set(roles["targets"]) | roles["excluded"]
    listed = dataset.get("features")
    if isinstance(listed, list) and listed:
        names = [entry.get("name") for entry in listed if isinstance(entry, dict)]
        return [name for name in names if isinstance(name, str) and name not in reserved
                and all(name in f.columns for f in files)]
    features = [name for name in files[0].columns if name not in reserved]
    for data_file in files[1:]:
        for name in features:
            _column(data_file, name, "column", f"it is a column of {files[0].path}")
    return features


def _column(data_file, name: str, role: str, named_by: str):
    """The column `name` of `data_file`, or an error listing the columns it has."""
    column = data_file.columns.get(name)
    if column is not None:
        return column
    known = list(data_file.columns)
    hint = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    message = [f"no {role} '{name}' ({named_by})"]
    if hint:
        message.append(f"did you mean '{hint[0]}'?")
    listing = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
    message.append(f"{'the header' if data_file.kind == 'csv' else 'the file'} has: {listing}")
    raise InputError(data_file.path, "; ".join(message), 1 if data_file.kind == "csv" else None)


# --- filling the record ------------------------------------------------------------------------

def _fill_data(dataset: dict[str, Any], profile, first, roles: dict[str, Any], sources: SourceMap) -> None:
    _set(dataset, "samples", profile.samples, "/data/samples", first.file_location(), sources)
    _fill_features(dataset, profile.features, first, sources)
    target = profile.target
    if target is not None:
        where = first.column_location(roles["targets"][0])
        if first.target_names:  # NPZ X/y arrays: the data itself says what is predicted
            _set(dataset, "target_column", "y", "/data/target_column", where, sources)
        if target.class_counts is not None:
            _set(dataset, "class_counts", target.class_counts, "/data/class_counts", where, sources)
        existing = dataset.get("target")
        if existing is None:
            _set(dataset, "target", dict(target.fields), "/data/target", where, sources)
        elif isinstance(existing, dict):
            for key, value in target.fields.items():
                _set(existing, key, value, f"/data/target/{key}", where, sources)
    if profile.time_ordered is not None:
        _set(dataset, "time_ordered", profile.time_ordered, "/data/time_ordered",
             first.column_location(roles["time"]), sources)


def _fill_features(dataset: dict[str, Any], features: list, first, sources: SourceMap) -> None:
    by_name = {feature.name: feature for feature in features}
    listed = dataset.get("features")
    if listed is None:
        dataset["features"] = [feature.record_fields() for feature in features]
        for index, feature in enumerate(features):
            sources.add(f"/data/features/{index}", first.column_location(feature.name))
        return
    if not isinstance(listed, list):
        return
    for index, entry in enumerate(listed):
        feature = by_name.get(entry.get("name")) if isinstance(entry, dict) else None
        if feature is None:
            continue
        where = first.column_location(feature.name)
        for key, value in feature.record_fields().items():
            _set(entry, key, value, f"/data/features/{index}/{key}", where, sources)


def _fill_splits(splits: dict[str, Any], profile, parts: list, roles: dict[str, Any], sources: SourceMap) -> None:
    split_column = roles.get("split")
    for split, size in profile.split_sizes.items():
        part = next(p for p in parts if p.split == split)
        where = part.file.column_location(split_column) if part.rows is not None and split_column \
            else part.file.file_location()
        _set(splits, split, size, f"/splits/{split}", where, sources)
    overlap = profile.overlap
    if overlap is not None:
        if overlap.first is not None:
            where = overlap.first[0].row_location(overlap.first[1])
        else:
            held_out = next(p for p in parts if p.split in ("validation", "test"))
            where = held_out.file.file_location()
        _set(splits, "overlap", overlap.rows, "/splits/overlap", where, sources)
    if profile.split_class_counts:
        first = parts[0].file
        where = first.column_location(roles["targets"][0]) if roles["targets"] else first.file_location()
        _set(splits, "class_counts", profile.split_class_counts, "/splits/class_counts", where, sources)


def _set(section: dict[str, Any], key: str, value: Any, pointer: str, location: Location, sources: SourceMap) -> None:
    """Set `section[key]` unless the record sets it (record fields win), with its source."""
    if section.get(key) is not None:
        return
    section[key] = value
    sources.add(pointer, location)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
