"""Record edits of data preparation: the steps of `data.preprocessing`.

A step covers the features its `columns` name, or every feature when it names none. A fix extends
the columns of an existing step of the right kind when that step lists columns, and otherwise adds
one step; statistics are always fit on the training rows (`fit_on: train`).
"""

from __future__ import annotations

from typing import Any, Callable

from advisor.facts import input_features
from advisor.fix.context import FixContext, NotFixable
from rules.data import (
    NON_NUMERIC_DTYPES, NORMALIZING_STEPS, SCALING_STEPS, ConstantFeature, HeterogeneousRangesNotNormalized,
    MissingValues, NonNumericFeatures, ValuesNotScaled,
)
from rules.leakage import PreprocessingFitOnAllData


def _steps(ctx: FixContext) -> list[dict[str, Any]]:
    steps = ctx.current("/data/preprocessing")
    return [step for step in steps if isinstance(step, dict)] if isinstance(steps, list) else []


def _cover(ctx: FixContext, kinds: tuple[str, ...], features: list[str], new_step: dict[str, Any],
           position: Callable[[list[dict[str, Any]]], int]) -> None:
    """Make a step of one of `kinds` cover `features`.

    Args:
        ctx: The remedy's context.
        kinds: Step names that do the job.
        features: The features to cover.
        new_step: The step to add when no step of those kinds lists columns to extend.
        position: Where to add it, given the current steps.
    """
    steps = _steps(ctx)
    for index, step in enumerate(steps):
        if step.get("step") not in kinds:
            continue
        columns = step.get("columns")
        if not isinstance(columns, list):
            return  # covers every feature already
        for name in features:
            if name not in columns:
                ctx.insert(f"/data/preprocessing/{index}/columns/-", name)
        return
    ctx.insert(f"/data/preprocessing/{position(steps)}", new_step)


def _first(steps: list[dict[str, Any]]) -> int:
    return 0


def _last(steps: list[dict[str, Any]]) -> int:
    return len(steps)


def _before_scaling(steps: list[dict[str, Any]]) -> int:
    for index, step in enumerate(steps):
        if step.get("step") in SCALING_STEPS:
            return index
    return len(steps)


def _numeric_inputs(ctx: FixContext) -> list[str]:
    """Input features a scaling step should cover: numbers, not one-hot encoded or dropped, not
    booleans."""
    handled = {column for step in _steps(ctx) if step.get("step") in ("one_hot", "feature_selection")
               for column in (step.get("columns") or [])}
    return [feature.name for _, feature in input_features(ctx.experiment)
            if feature.dtype not in NON_NUMERIC_DTYPES and feature.dtype != "bool" and feature.name not in handled]


def standardize_features(ctx: FixContext) -> None:
    """normalize_features and scale_features: fit the flagged preprocessing steps on the training
    rows (LK01), and standardize the numeric features (DP02, DP03).

    A new `standardize` step names the numeric features when the record has non-numeric ones, and
    covers every feature otherwise.
    """
    for index in sorted({found.index for found in ctx.evidence(PreprocessingFitOnAllData.Evidence)}):
        ctx.set(f"/data/preprocessing/{index}/fit_on", "train")
    if not ctx.codes & {ValuesNotScaled.code, HeterogeneousRangesNotNormalized.code}:
        return
    features = _numeric_inputs(ctx)
    step: dict[str, Any] = {"step": "standardize", "fit_on": "train"}
    if any(feature.dtype in NON_NUMERIC_DTYPES for _, feature in input_features(ctx.experiment)):
        step["columns"] = features
    kinds = NORMALIZING_STEPS if HeterogeneousRangesNotNormalized.code in ctx.codes else SCALING_STEPS
    _cover(ctx, kinds, features, step, _last)


def encode_features(ctx: FixContext) -> None:
    """One-hot encode the string and category features no step encodes (before any scaling step).

    Raises:
        NotFixable: only datetime features are flagged: they need engineered features (hour, day of
            week, time since an event), which no edit can write for the user.
    """
    flagged = ctx.evidence(NonNumericFeatures.Evidence)
    categorical = [found.feature for found in flagged if found.dtype != "datetime"]
    dates = [found.feature for found in flagged if found.dtype == "datetime"]
    if categorical:
        _cover(ctx, ("one_hot",), categorical, {"step": "one_hot", "fit_on": "train", "columns": categorical},
               _before_scaling)
    if dates and not categorical:
        raise NotFixable(f"datetime feature(s) {', '.join(dates)} need features engineered from them "
                         "(hour, weekday, time since an event): add a feature_engineering step by hand")


def impute_missing(ctx: FixContext) -> None:
    """Impute the features with missing values, first of all steps, with training statistics."""
    names = sorted({found.feature for found in ctx.evidence(MissingValues.Evidence)}, key=_order(ctx))
    if names:
        _cover(ctx, ("impute",), names, {"step": "impute", "fit_on": "train", "columns": names}, _first)


def drop_constant_features(ctx: FixContext) -> None:
    """Declare a `feature_selection` step, first of all steps, over the constant features: the
    columns a feature_selection step names are the ones it removes."""
    listed = ctx.evidence(ConstantFeature.Evidence)
    names = sorted({name for found in listed for name in found.constant_features}, key=_order(ctx))
    if names:
        _cover(ctx, ("feature_selection",), names, {"step": "feature_selection", "columns": names}, _first)


def deduplicate_splits(ctx: FixContext) -> None:
    """Declare a `deduplicate` step, first of all steps, so duplicates go before the split. The
    overlap measured on the current splits stays until the data is split again."""
    if not any(step.get("step") == "deduplicate" for step in _steps(ctx)):
        ctx.insert("/data/preprocessing/0", {"step": "deduplicate"})


def _order(ctx: FixContext) -> Callable[[str], int]:
    """Sort key: a feature's position in data.features."""
    positions = {feature.name: index for index, feature in input_features(ctx.experiment)}
    return lambda name: positions.get(name, len(positions))
