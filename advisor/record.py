"""The experiment record (format version 1) as pydantic models; docs/record.md is generated from them.

Every section and field is optional. Unknown fields are errors. Fields marked "extension" are not
in the core format; readers fill them from artifacts (data profiles, split class counts, run status)
so rules can judge real data, and users may write them too.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from advisor.locations import SourceMap

ProblemType = Literal[
    "binary_classification",
    "multiclass_classification",
    "multilabel_classification",
    "regression",
    "bounded_regression",
]
LabelEncoding = Literal["integer", "one_hot", "multi_hot", "continuous"]
StepName = Literal[
    "standardize", "minmax", "scale", "log", "one_hot", "impute",
    "feature_selection", "feature_engineering", "deduplicate",
]
FitOn = Literal["train", "train+validation", "all", "test"]
SplitName = Literal["validation", "test"]

PROBLEM_TYPES: tuple[str, ...] = ProblemType.__args__  # type: ignore[attr-defined]
CLASSIFICATION_TYPES = ("binary_classification", "multiclass_classification", "multilabel_classification")


class Section(BaseModel):
    """Base of every record section: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


def _name_only(value: Any) -> Any:
    """Accept the short spelling `loss: mse` for `loss: {name: mse}`."""
    return {"name": value} if isinstance(value, str) else value


def _stringify_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    return value


# --- problem, data -------------------------------------------------------------------------

class Problem(Section):
    type: Optional[ProblemType] = None
    target: Optional[str] = None
    classes: Optional[int] = Field(None, ge=1)
    labels: Optional[LabelEncoding] = None
    ranking: Optional[bool] = None


class Feature(Section):
    name: str
    dtype: Optional[Literal["float", "int", "bool", "string", "category", "datetime"]] = None
    min: Optional[float] = None
    max: Optional[float] = None
    mean: Optional[float] = None
    std: Optional[float] = Field(None, ge=0)
    missing: Optional[int] = Field(None, ge=0)
    categories: Optional[int] = Field(None, ge=0, description="Distinct values of a string or category feature.")
    distinct: Optional[int] = Field(None, ge=0, description="Extension: distinct values.")
    target_score: Optional[float] = Field(
        None, description="Extension: how well this feature alone predicts the target "
        "(absolute correlation, or single-feature accuracy for classification)."
    )


class PreprocessingStep(Section):
    step: StepName
    fit_on: Optional[FitOn] = None
    columns: Optional[list[str]] = None


class TargetProfile(Section):
    """Extension: the target column as found in the data."""

    distinct: Optional[int] = Field(None, ge=0)
    min: Optional[float] = None
    max: Optional[float] = None
    encoding: Optional[LabelEncoding] = None
    columns: Optional[int] = Field(None, ge=1, description="Target columns (one-hot, multi-hot, multi-output).")
    multi_label_rows: Optional[int] = Field(None, ge=0, description="Rows with more than one positive label.")


class Data(Section):
    path: Optional[str] = None
    target_column: Optional[str] = None
    split_column: Optional[str] = None
    time_column: Optional[str] = None
    group_column: Optional[str] = None
    samples: Optional[int] = Field(None, ge=0)
    class_counts: Optional[dict[str, int]] = None
    features: Optional[list[Feature]] = None
    preprocessing: Optional[list[PreprocessingStep]] = None
    target: Optional[TargetProfile] = None
    time_ordered: Optional[bool] = Field(None, description="Extension: rows are sorted by time_column.")
    ordered_by: Optional[Literal["target", "time"]] = Field(
        None, description="Extension: rows sorted or grouped by the target or by time (seen in training code).")

    _keys = field_validator("class_counts", mode="before")(_stringify_keys)


# --- splits, protocol, metric, baseline -----------------------------------------------------

class SplitFiles(Section):
    train: Optional[str] = None
    validation: Optional[str] = None
    test: Optional[str] = None


SplitSize = Union[int, float]
#: Counts from here on do not convert to a float, which sample arithmetic needs.
_LARGEST_COUNT = 2 ** 1023


class Splits(Section):
    method: Optional[Literal["random", "stratified", "time", "group"]] = None
    shuffle: Optional[bool] = None
    train: Optional[SplitSize] = Field(None, ge=0)
    validation: Optional[SplitSize] = Field(None, ge=0)
    test: Optional[SplitSize] = Field(None, ge=0)
    overlap: Optional[int] = Field(None, ge=0)
    files: Optional[SplitFiles] = None
    keras_validation_split: Optional[float] = Field(
        None, gt=0, lt=1, description="Extension: the share of the last training rows Keras `validation_split` "
        "holds out, before any shuffling (seen in training code).")
    class_counts: Optional[dict[Literal["train", "validation", "test"], dict[str, int]]] = Field(
        None, description="Extension: class counts per split."
    )

    @field_validator("class_counts", mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: _stringify_keys(v) for k, v in value.items()}
        return value

    @field_validator("train", "validation", "test")
    @classmethod
    def _finite_size(cls, value: Any) -> Any:
        """A split is a count or a fraction: infinity (YAML's 1e400 too) and counts past what a
        float holds are no size."""
        if value is not None and not (isinstance(value, int) and value < _LARGEST_COUNT) and not (
                isinstance(value, float) and math.isfinite(value)):
            shown = f"a count of about 2^{value.bit_length()}" if isinstance(value, int) else f"{value}"
            raise ValueError(f"expected a sample count or a fraction of the samples, received {shown}")
        return value

    @model_validator(mode="after")
    def _fractions_within_the_data(self) -> "Splits":
        """Fractions of the samples (floats in (0, 1]) cannot add up to more than all of them."""
        fractions = {name: size for name in ("train", "validation", "test")
                     if isinstance(size := getattr(self, name), float) and 0 < size <= 1}
        total = sum(fractions.values())
        if total > 1 + 1e-9:
            listed = " + ".join(f"{name} {size:g}" for name, size in fractions.items())
            raise ValueError(f"split fractions add up to {total:g} ({listed}), more than all the samples; "
                             "expected fractions that sum to at most 1")
        return self


class Protocol(Section):
    type: Optional[Literal["holdout", "kfold", "iterated_kfold"]] = None
    folds: Optional[int] = None
    repeats: Optional[int] = Field(None, ge=1)


class Metric(Section):
    name: Optional[str] = None
    goal: Optional[Literal["maximize", "minimize"]] = None
    others: Optional[list[str]] = None


class Baseline(Section):
    strategy: Optional[Literal["most_frequent", "stratified", "uniform", "mean", "median", "constant", "custom"]] = None
    score: Optional[float] = None
    value: Optional[float] = Field(None, description="Extension: the constant predicted by a constant baseline.")


# --- model ----------------------------------------------------------------------------------

class Layer(Section):
    type: Optional[str] = None
    name: Optional[str] = None
    units: Optional[int] = Field(None, ge=1)
    activation: Optional[str] = None
    rate: Optional[float] = Field(None, ge=0, le=1)
    l1: Optional[float] = Field(None, ge=0)
    l2: Optional[float] = Field(None, ge=0)


class Loss(Section):
    name: str
    from_logits: Optional[bool] = None
    label_smoothing: Optional[float] = Field(None, ge=0, le=1)


class Optimizer(Section):
    name: Optional[str] = None
    learning_rate: Optional[float] = Field(None, gt=0)
    momentum: Optional[float] = Field(None, ge=0)
    weight_decay: Optional[float] = Field(None, ge=0)


class EarlyStopping(Section):
    monitor: Optional[str] = None
    patience: Optional[int] = Field(None, ge=0)
    restore_best_weights: Optional[bool] = None
    min_delta: Optional[float] = None
    mode: Optional[Literal["auto", "min", "max"]] = None


class Model(Section):
    file: Optional[str] = None
    layers: Optional[list[Layer]] = None
    loss: Optional[Loss] = None
    optimizer: Optional[Optimizer] = None
    metrics: Optional[list[str]] = None
    epochs: Optional[int] = Field(None, ge=0)
    batch_size: Optional[int] = Field(None, ge=1)
    early_stopping: Optional[EarlyStopping] = None
    fit_on: Optional[FitOn] = Field(None, description="Extension: the rows the model was fit on (seen in training code).")

    _loss = field_validator("loss", "optimizer", mode="before")(_name_only)

    @field_validator("early_stopping", mode="before")
    @classmethod
    def _early_stopping_flag(cls, value: Any) -> Any:
        """`early_stopping: true` declares early stopping with Keras defaults; false removes it."""
        if value is True:
            return {}
        if value is False:
            return None
        return value


# --- history, tuning, final, run ------------------------------------------------------------

class History(BaseModel):
    """Logged metrics, one value per epoch, under Keras names (`loss`, `val_loss`, ...).

    `null` entries are read as NaN (Keras writes NaN for a diverged loss).
    """

    model_config = ConfigDict(extra="allow", defer_build=True)
    __pydantic_extra__: dict[str, list[Optional[float]]] = Field(init=False)

    file: Optional[str] = None
    epoch: Optional[list[int]] = None
    not_logged: Optional[dict[str, list[int]]] = Field(
        None, description="Extension: per metric, the epochs (0-based) that did not log it (CSVLogger's NA "
        "cells, say validation every other epoch with validation_freq=2); their values are no NaN.")

    @model_validator(mode="after")
    def _same_lengths(self) -> "History":
        lengths = {name: len(values) for name, values in self.series.items()}
        if len(set(lengths.values())) > 1:
            detail = ", ".join(f"{name}: {n}" for name, n in lengths.items())
            raise ValueError(f"every metric needs one value per epoch; the lists differ in length ({detail})")
        return self

    @property
    def series(self) -> dict[str, list[float]]:
        """Metric name -> values, with missing values as NaN."""
        extra = self.__pydantic_extra__ or {}
        return {name: [math.nan if v is None else float(v) for v in values] for name, values in extra.items()}

    def get(self, name: str) -> list[float] | None:
        values = (self.__pydantic_extra__ or {}).get(name)
        if values is None:
            return None
        return [math.nan if v is None else float(v) for v in values]

    @property
    def names(self) -> list[str]:
        """The logged metric names (`loss`, `val_loss`, ...), without converting their values."""
        return list(self.__pydantic_extra__ or {})

    @property
    def epochs(self) -> int:
        extra = self.__pydantic_extra__ or {}
        return max((len(v) for v in extra.values()), default=0)


class Trial(Section):
    name: Optional[str] = None
    score: Optional[float] = None
    architecture: Optional[str] = None
    params: Optional[dict[str, Any]] = None


class Tuning(Section):
    file: Optional[str] = Field(None, description="Extension: a KerasTuner project folder, an Optuna SQLite study "
                                "or a TensorBoard log folder that fills `tuning` (and `history`).")
    trials: Optional[Union[int, list[Trial]]] = None
    architectures: Optional[int] = Field(None, ge=0)
    selected_on: Optional[SplitName] = None
    validation_data: Optional[SplitName] = None
    test_evaluations: Optional[int] = Field(None, ge=0)

    @property
    def trial_count(self) -> int | None:
        if isinstance(self.trials, list):
            return len(self.trials)
        return self.trials


class Final(Section):
    trained_on: Optional[Literal["train", "train+validation"]] = None
    epochs: Optional[int] = Field(None, ge=0)
    validation_score: Optional[float] = None
    test_score: Optional[float] = None


class Run(Section):
    """Extension: written by the reference trainer."""

    status: Optional[Literal["running", "completed", "interrupted", "failed"]] = None
    stage: Optional[str] = None
    seed: Optional[int] = None
    started: Optional[str] = None
    finished: Optional[str] = None
    advisor_version: Optional[str] = None
    backend: Optional[str] = None
    message: Optional[str] = None


class Experiment(Section):
    """One experiment: what is predicted, from which data, how it is measured and evaluated, what
    model was trained and what it logged."""

    version: Optional[Literal[1]] = 1
    name: Optional[str] = None
    description: Optional[str] = None
    source: Optional[str] = Field(None, description="The training script or notebook (.py, .ipynb) that fills "
                                  "what the record leaves out.")
    problem: Optional[Problem] = None
    data: Optional[Data] = None
    splits: Optional[Splits] = None
    protocol: Optional[Protocol] = None
    metric: Optional[Metric] = None
    baseline: Optional[Baseline] = None
    model: Optional[Model] = None
    history: Optional[History] = None
    tuning: Optional[Tuning] = None
    final: Optional[Final] = None
    run: Optional[Run] = None

    _sources: SourceMap = PrivateAttr(default_factory=lambda: SourceMap(""))
    _suppressions: list[Any] = PrivateAttr(default_factory=list)

    @property
    def sources(self) -> SourceMap:
        """Where each value came from, by record JSON pointer."""
        return self._sources

    @property
    def path(self) -> str:
        """The main file the record was read from."""
        return self._sources.path

    @property
    def suppressions(self) -> list[Any]:
        """`# advisor: ignore[...]` comments of the files the record was read from."""
        return self._suppressions

    def with_sources(self, sources: SourceMap, suppressions: list[Any] | None = None) -> "Experiment":
        self._sources = sources
        if suppressions is not None:
            self._suppressions = suppressions
        return self


def json_schema() -> dict[str, Any]:
    """The record's JSON Schema (draft 2020-12), as `advisor schema` prints it."""
    schema = Experiment.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ml-advisor experiment record, format version 1"
    return schema
