"""The experiment record (format version 1) as pydantic models; docs/record.md is generated from them.

Every section and field is optional. Unknown fields are errors. Fields marked "extension" are not
in the core format; readers fill them from artifacts (data profiles, split class counts, run status)
so rules can judge real data, and users may write them too.
"""

# No `from __future__ import annotations`: pydantic then gets each field's type as an object
# instead of compiling its text, which makes start-up faster.

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
#: A split of the data, as `splits.class_counts` and the facts about splits name it.
DataSplit = Literal["train", "validation", "test"]

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
    """What is predicted, and what kind of prediction it is."""

    type: Optional[ProblemType] = Field(
        None, description="The kind of prediction; `bounded_regression` predicts values in [0, 1].")
    target: Optional[str] = Field(None, description="What is predicted (a column name when the data has one).")
    classes: Optional[int] = Field(
        None, ge=1, description="Classes (single-label) or labels (multilabel); not for regression.")
    labels: Optional[LabelEncoding] = Field(None, description="How the targets are encoded.")
    ranking: Optional[bool] = Field(None, description="The output is used to rank items.")


class Feature(Section):
    """One feature (column) of the data, summarized."""

    name: str = Field(description="The feature's name (its column).")
    dtype: Optional[Literal["float", "int", "bool", "string", "category", "datetime"]] = Field(
        None, description="The kind of values it holds.")
    min: Optional[float] = Field(None, description="The smallest value.")
    max: Optional[float] = Field(None, description="The largest value.")
    mean: Optional[float] = Field(None, description="The mean value.")
    std: Optional[float] = Field(None, ge=0, description="The standard deviation.")
    missing: Optional[int] = Field(None, ge=0, description="Missing values (empty cells, NaN).")
    categories: Optional[int] = Field(None, ge=0, description="Distinct values of a string or category feature.")
    distinct: Optional[int] = Field(None, ge=0, description="Extension: distinct values.")
    target_score: Optional[float] = Field(
        None, description="Extension: how well this feature alone predicts the target "
        "(absolute correlation, or single-feature accuracy for classification)."
    )


class PreprocessingStep(Section):
    """One preprocessing step, in the order the steps are applied."""

    step: StepName = Field(description="What the step does.")
    fit_on: Optional[FitOn] = Field(None, description="The rows the step's statistics came from.")
    columns: Optional[list[str]] = Field(None, description="The features it applies to (default: all of them).")


class TargetProfile(Section):
    """Extension: the target column as found in the data."""

    distinct: Optional[int] = Field(None, ge=0, description="Distinct target values.")
    min: Optional[float] = Field(None, description="The smallest target value.")
    max: Optional[float] = Field(None, description="The largest target value.")
    encoding: Optional[LabelEncoding] = Field(None, description="How the targets in the data are encoded.")
    columns: Optional[int] = Field(None, ge=1, description="Target columns (one-hot, multi-hot, multi-output).")
    multi_label_rows: Optional[int] = Field(None, ge=0, description="Rows with more than one positive label.")


class Data(Section):
    """The dataset: where it is, its columns' roles, its size and how it is preprocessed."""

    path: Optional[str] = Field(None, description="The data file (CSV, TSV, NPZ or Parquet); profiled when present.")
    target_column: Optional[str] = Field(
        None, description="The target's column (default: `problem.target` when it names a column).")
    split_column: Optional[str] = Field(
        None, description="A column whose values say each row's split: train, validation or test (also val, "
        "valid, dev, holdout).")
    time_column: Optional[str] = Field(None, description="A column that orders the samples in time.")
    group_column: Optional[str] = Field(None, description="A column of groups whose rows belong together.")
    samples: Optional[int] = Field(None, ge=0, description="All samples; counted from `path` when present.")
    class_counts: Optional[dict[str, int]] = Field(
        None, description="Samples per class (class label -> count); counted from `path` when present.")
    features: Optional[list[Feature]] = Field(
        None, description="A summary per feature; computed from `path` when present.")
    preprocessing: Optional[list[PreprocessingStep]] = Field(
        None, description="The preprocessing steps, in the order they are applied.")
    target: Optional[TargetProfile] = Field(None, description="Extension: the target column as found in the data.")
    time_ordered: Optional[bool] = Field(None, description="Extension: rows are sorted by time_column.")
    ordered_by: Optional[Literal["target", "time"]] = Field(
        None, description="Extension: rows sorted or grouped by the target or by time (seen in training code).")

    _keys = field_validator("class_counts", mode="before")(_stringify_keys)


# --- splits, protocol, metric, baseline -----------------------------------------------------

class SplitFiles(Section):
    """One data file per split, instead of a split column."""

    train: Optional[str] = Field(None, description="The training rows' file.")
    validation: Optional[str] = Field(None, description="The validation rows' file.")
    test: Optional[str] = Field(None, description="The test rows' file.")


SplitSize = Union[int, float]
#: Counts from here on do not convert to a float, which sample arithmetic needs.
_LARGEST_COUNT = 2 ** 1023


class Splits(Section):
    """How the samples are divided into training, validation and test data."""

    method: Optional[Literal["random", "stratified", "time", "group"]] = Field(
        None, description="How rows were assigned to the splits.")
    shuffle: Optional[bool] = Field(None, description="The rows were shuffled before splitting.")
    train: Optional[SplitSize] = Field(
        None, ge=0, description="Training samples: a count, or a fraction of `data.samples`.")
    validation: Optional[SplitSize] = Field(
        None, ge=0, description="Validation samples: a count, or a fraction of `data.samples`.")
    test: Optional[SplitSize] = Field(None, ge=0, description="Test samples: a count, or a fraction of `data.samples`.")
    overlap: Optional[int] = Field(
        None, ge=0, description="Validation or test rows identical to a training row; counted when the data has "
        "a split column or split files.")
    files: Optional[SplitFiles] = Field(None, description="One data file per split, instead of `data.split_column`.")
    keras_validation_split: Optional[float] = Field(
        None, gt=0, lt=1, description="Extension: the share of the last training rows Keras `validation_split` "
        "holds out, before any shuffling (seen in training code).")
    class_counts: Optional[dict[DataSplit, dict[str, int]]] = Field(
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
    """How generalization is measured."""

    type: Optional[Literal["holdout", "kfold", "iterated_kfold"]] = Field(
        None, description="Hold-out validation, K-fold, or K-fold repeated with reshuffling.")
    folds: Optional[int] = Field(None, description="Folds, for `kfold` and `iterated_kfold`.")
    repeats: Optional[int] = Field(None, ge=1, description="Repetitions, for `iterated_kfold`.")


class Metric(Section):
    """The measure of success."""

    name: Optional[str] = Field(None, description="The success metric (a Keras or scikit-learn metric name).")
    goal: Optional[Literal["maximize", "minimize"]] = Field(
        None, description="Whether higher or lower is better; inferred for known metrics.")
    others: Optional[list[str]] = Field(None, description="Other metrics that are tracked.")


class Baseline(Section):
    """The dumb baseline a model must beat."""

    strategy: Optional[Literal["most_frequent", "stratified", "uniform", "mean", "median", "constant", "custom"]] = Field(
        None, description="How the baseline predicts (scikit-learn's dummy estimators' strategies, or custom).")
    score: Optional[float] = Field(None, description="The baseline's score in `metric.name`, on the validation data.")
    value: Optional[float] = Field(None, description="Extension: the constant predicted by a constant baseline.")


# --- model ----------------------------------------------------------------------------------

class Layer(Section):
    """One layer of the model, from input to output."""

    type: Optional[str] = Field(None, description="The layer type, as Keras names it (dense, dropout, ...).")
    name: Optional[str] = Field(None, description="The layer's name.")
    units: Optional[int] = Field(None, ge=1, description="Output units (Dense layers).")
    activation: Optional[str] = Field(None, description="The activation; none (null) is linear.")
    rate: Optional[float] = Field(None, ge=0, le=1, description="The dropout rate (Dropout layers).")
    l1: Optional[float] = Field(None, ge=0, description="The L1 weight penalty of the layer's kernel.")
    l2: Optional[float] = Field(None, ge=0, description="The L2 weight penalty of the layer's kernel.")


class Loss(Section):
    """The loss the model is trained with; `loss: mse` is short for `loss: {name: mse}`."""

    name: str = Field(description="A Keras loss, by function or class name (binary_crossentropy, "
                      "BinaryCrossentropy).")
    from_logits: Optional[bool] = Field(None, description="The model outputs logits, not probabilities.")
    label_smoothing: Optional[float] = Field(None, ge=0, le=1, description="Keras' label smoothing factor.")


class Optimizer(Section):
    """The optimizer; `optimizer: rmsprop` is short for `optimizer: {name: rmsprop}`."""

    name: Optional[str] = Field(None, description="A Keras optimizer name (adam, rmsprop, sgd, ...).")
    learning_rate: Optional[float] = Field(None, gt=0, description="The learning rate.")
    momentum: Optional[float] = Field(None, ge=0, description="The momentum (SGD, RMSprop).")
    weight_decay: Optional[float] = Field(None, ge=0, description="The weight decay.")


class EarlyStopping(Section):
    """Keras' EarlyStopping callback; `early_stopping: true` uses its defaults, `false` removes it."""

    monitor: Optional[str] = Field(None, description="The logged metric watched (val_loss, ...).")
    patience: Optional[int] = Field(None, ge=0, description="Epochs without improvement before training stops.")
    restore_best_weights: Optional[bool] = Field(
        None, description="The weights of the best epoch are restored when training stops.")
    min_delta: Optional[float] = Field(None, description="The smallest change that counts as an improvement.")
    mode: Optional[Literal["auto", "min", "max"]] = Field(
        None, description="Whether the monitored metric should fall or rise; `auto` infers it from its name.")


class Model(Section):
    """The model: its layers, loss, optimizer and how it is trained."""

    file: Optional[str] = Field(
        None, description="A .keras archive or a Keras model JSON; layers, loss, optimizer and metrics are read "
        "from it (fields given here win).")
    layers: Optional[list[Layer]] = Field(None, description="The layers from input to output; the last is the output layer.")
    loss: Optional[Loss] = Field(None, description="The loss (a name, or a mapping).")
    optimizer: Optional[Optimizer] = Field(None, description="The optimizer (a name, or a mapping).")
    metrics: Optional[list[str]] = Field(None, description="The metrics the model is compiled with.")
    epochs: Optional[int] = Field(None, ge=0, description="Epochs trained.")
    batch_size: Optional[int] = Field(None, ge=1, description="Samples per gradient step.")
    early_stopping: Optional[EarlyStopping] = Field(None, description="Early stopping (a mapping, or true/false).")
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

    file: Optional[str] = Field(
        None, description="A Keras CSVLogger CSV, a Keras History JSON (metric name -> list), an MLflow run "
        "folder or a TensorBoard log folder that fills the history.")
    epoch: Optional[list[int]] = Field(None, description="The epoch numbers, as CSVLogger writes them.")
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
    """One configuration compared during tuning."""

    name: Optional[str] = Field(None, description="The trial's name.")
    score: Optional[float] = Field(None, description="Its score in `metric.name`.")
    architecture: Optional[str] = Field(None, description="The architecture it tried.")
    params: Optional[dict[str, Any]] = Field(None, description="Its hyperparameters (name -> value).")


class Tuning(Section):
    """Hyperparameter tuning: what was compared, and on which data the choice was made."""

    file: Optional[str] = Field(None, description="Extension: a KerasTuner project folder, an Optuna SQLite study "
                                "or a TensorBoard log folder that fills `tuning` (and `history`).")
    trials: Optional[Union[int, list[Trial]]] = Field(
        None, description="Configurations compared on validation results: a count, or the list of trials.")
    architectures: Optional[int] = Field(None, ge=0, description="Distinct architectures tried.")
    selected_on: Optional[SplitName] = Field(None, description="The data that chose the final configuration.")
    validation_data: Optional[SplitName] = Field(
        None, description="The data passed as validation data during training.")
    test_evaluations: Optional[int] = Field(None, ge=0, description="Times the test set was evaluated.")

    @property
    def trial_count(self) -> int | None:
        if isinstance(self.trials, list):
            return len(self.trials)
        return self.trials


class Final(Section):
    """The final model, trained once the configuration is chosen."""

    trained_on: Optional[Literal["train", "train+validation"]] = Field(
        None, description="The rows the final model was trained on.")
    epochs: Optional[int] = Field(None, ge=0, description="Epochs of the final training.")
    validation_score: Optional[float] = Field(
        None, description="`metric.name` on the validation data (the mean over the folds for K-fold).")
    test_score: Optional[float] = Field(None, description="`metric.name` on the test set.")


class Run(Section):
    """Extension: written by the reference trainer."""

    status: Optional[Literal["running", "completed", "interrupted", "failed"]] = Field(
        None, description="How the run ended, or that it is still running.")
    stage: Optional[str] = Field(None, description="The last workflow stage the trainer ran.")
    seed: Optional[int] = Field(None, description="The random seed.")
    started: Optional[str] = Field(None, description="When the run started (ISO 8601, UTC).")
    finished: Optional[str] = Field(None, description="When the run finished (ISO 8601, UTC).")
    advisor_version: Optional[str] = Field(None, description="The ml-advisor version that wrote the run.")
    backend: Optional[str] = Field(None, description="The Keras backend (jax, ...).")
    message: Optional[str] = Field(None, description="Why the run did not complete, when it did not.")


class Experiment(Section):
    """One experiment: what is predicted, from which data, how it is measured and evaluated, what
    model was trained and what it logged."""

    version: Optional[Literal[1]] = Field(1, description="The record format version.")
    name: Optional[str] = Field(None, description="The experiment's name.")
    description: Optional[str] = Field(None, description="What the experiment is about, in a sentence or two.")
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
    # A lambda, not `list`: pydantic inspects the factory's signature, and a builtin's costs a
    # tokenizer run on every start-up.
    _suppressions: list[Any] = PrivateAttr(default_factory=lambda: [])

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
