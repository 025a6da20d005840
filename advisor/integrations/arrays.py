"""The data facts of in-memory arrays: the same profile `advisor lint` computes from a data file
(ranges, missing values, class counts, split sizes, held-out rows copied from training), for the
`(x, y)` pairs training code holds.

`x` is anything numpy can turn into a samples x features array (a pandas DataFrame keeps its
column names); `y` is 1-D labels or values, or 2-D one-hot / multi-hot / multi-output targets.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np

from advisor.errors import InputError

#: The record's split names, in the order the profile lists them.
SPLITS = ("train", "validation", "test")


def as_pair(value: Any, what: str) -> tuple[np.ndarray, np.ndarray | None, list[str] | None]:
    """`(x, y)` (or `x` alone) as numpy arrays, with the feature names of a DataFrame.

    Raises:
        InputError: the value is not arrays of samples.
    """
    x, y = (value[0], value[1]) if isinstance(value, (tuple, list)) and len(value) == 2 else (value, None)
    names = [str(name) for name in x.columns] if hasattr(x, "columns") else None
    try:
        features = np.asarray(x)
        labels = None if y is None else np.asarray(y)
    except Exception as exc:  # noqa: BLE001 - a tf.data dataset, a generator: not arrays
        raise InputError(what, f"expected arrays (x, y) of samples, received {type(x).__name__} ({exc})") from None
    if features.ndim == 0 or features.dtype.hasobject:
        raise InputError(what, f"expected a numeric samples x features array, received {features.dtype} "
                               f"with shape {features.shape}")
    if labels is not None and (labels.ndim == 0 or len(labels) != len(features)):
        raise InputError(what, f"x has {len(features)} rows but y has {labels.size if labels.ndim == 0 else len(labels)}; "
                               "expected one label per sample")
    return features.reshape(len(features), -1), labels, names


def fingerprint(x: np.ndarray, y: np.ndarray | None) -> str:
    """A digest of the values (not the identity) of a split: equal data, equal fingerprint."""
    digest = hashlib.sha256()
    for array in (x, y):
        if array is not None:
            array = np.ascontiguousarray(array)
            digest.update(repr((array.shape, array.dtype.str)).encode())
            digest.update(array.tobytes())
    return digest.hexdigest()


def profile_arrays(splits: dict[str, tuple[np.ndarray, np.ndarray | None, list[str] | None]],
                   problem_type: str | None = None, labels: str | None = None) -> dict[str, Any]:
    """The `data` and `splits` fields the arrays of each split show.

    Args:
        splits: train / validation / test -> (x, y, feature names), as `as_pair` returns them.
        problem_type: The declared problem type (how to read the target), if any.
        labels: The declared label encoding, if any.

    Returns:
        `{"data": {...}, "splits": {...}}` with the profile's fields.

    Raises:
        InputError: the splits disagree in their features, or the target holds no usable labels.
    """
    from advisor.readers.profile import Part, profile_data
    from advisor.readers.target import Declared

    parts = []
    names: list[str] | None = None
    targets: list[str] = []
    for split in (name for name in SPLITS if name in splits):
        x, y, given = splits[split]
        file, features, targets = _data_file(split, x, y, given)
        if names is not None and features != names:
            raise InputError(file.path, f"has {len(features)} features, the training data {len(names)}; every split "
                                        "needs the same features")
        names = features
        parts.append(Part(split if len(splits) > 1 else None, file))
    if names is None:
        return {}
    find_duplicates = "train" in splits and len(splits) > 1
    profile = profile_data(parts, names, targets, None, Declared(problem_type, labels), find_duplicates)
    data: dict[str, Any] = {"samples": profile.samples, "features": [_rounded(f.record_fields()) for f in profile.features]}
    first = splits.get("train") or next(iter(splits.values()))
    steps = observed_scaling(first[0], names)
    if steps:
        data["preprocessing"] = steps
    if profile.target is not None:
        data["target_column"] = "y"  # the y given beside x: what is predicted
        if profile.target.class_counts is not None:
            data["class_counts"] = profile.target.class_counts
        data["target"] = dict(profile.target.fields)
    found: dict[str, Any] = {}
    if len(splits) > 1:
        for split in SPLITS:
            if split in splits:
                found[split] = len(splits[split][0])
        if profile.split_class_counts:
            found["class_counts"] = profile.split_class_counts
        if profile.overlap is not None:
            found["overlap"] = profile.overlap.rows
    return {"data": data, "splits": found} if found else {"data": data}


#: A training feature counts as standardized when its mean is within this of 0 and its std of 1.
STANDARDIZED_TOLERANCE = 0.05
#: ... and as standardized with statistics of the training rows themselves when within this.
FIT_ON_TRAIN_TOLERANCE = 1e-3


def observed_scaling(x: np.ndarray, names: list[str]) -> list[dict[str, Any]]:
    """The preprocessing the training arrays show was already applied: features with mean 0 and
    std 1 were standardized, features spanning exactly [0, 1] min-max scaled. Arrays given to a
    model are its inputs, after whatever preprocessing the training code did.

    A scaler fit on the training rows leaves them at mean 0 and std 1 to float precision, so such
    steps say `fit_on: train`; one fit on more rows leaves them only close, and `fit_on` stays
    unknown (it may have seen validation or test rows).

    Returns:
        `data.preprocessing` steps (`standardize`, `minmax`) naming the columns they cover.
    """
    if x.dtype.kind not in "fiu" or not len(x):
        return []
    with np.errstate(all="ignore"):
        values = x.astype(np.float64, copy=False)
        mean, std = np.nanmean(values, axis=0), np.nanstd(values, axis=0)
        low, high = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
    off = np.maximum(np.abs(mean), np.abs(std - 1))
    standardized = off <= STANDARDIZED_TOLERANCE
    minmax = ~standardized & (low == 0) & (high == 1)
    steps = []
    for step, covered, exact in (("standardize", standardized, off <= FIT_ON_TRAIN_TOLERANCE),
                                 ("minmax", minmax, minmax)):
        for on_train in (True, False):
            columns = [name for name, hit, tight in zip(names, covered, exact) if hit and tight == on_train]
            if columns:
                steps.append({"step": step, **({"fit_on": "train"} if on_train else {}), "columns": columns})
    return steps


def _rounded(fields: dict[str, Any]) -> dict[str, Any]:
    """Mean and std to 6 significant digits (min and max stay exact: they are the data's values)."""
    for key in ("mean", "std"):
        if isinstance(fields.get(key), float) and math.isfinite(fields[key]):
            fields[key] = float(f"{fields[key]:.6g}")
    return fields


def _data_file(split: str, x: np.ndarray, y: np.ndarray | None, given: list[str] | None):
    from advisor.readers.columns import numpy_column
    from advisor.readers.data_files import DataFile

    shown = f"the {split} data"
    names = given if given is not None and len(given) == x.shape[1] else [f"x{j}" for j in range(x.shape[1])]
    columns = {name: numpy_column(name, np.ascontiguousarray(x[:, j])) for j, name in enumerate(names)}
    targets: list[str] = []
    if y is not None:
        y = y.reshape(len(y), -1) if y.ndim > 2 else y
        if y.ndim == 1 or y.shape[1] == 1:
            targets = ["y"]
            columns["y"] = numpy_column("y", np.ascontiguousarray(y.reshape(len(y))))
        else:
            targets = [f"y[{j}]" for j in range(y.shape[1])]
            for j, name in enumerate(targets):
                columns[name] = numpy_column(name, np.ascontiguousarray(y[:, j]))
    if set(names) & set(targets):
        raise InputError(shown, f"a feature is named like the target ('{min(set(names) & set(targets))}')")
    file = DataFile(shown, "npz", len(x), columns, split=split, target_names=targets or None)
    return file, names, targets
