"""The record's preprocessing steps as a scikit-learn pipeline, fit on the rows the step's
`fit_on` names (the training rows of the fold by default) and applied to every split.

Each step becomes a `ColumnTransformer` over its `columns` (default: every numeric feature; text
features for `one_hot`) that passes the other columns through, so later steps see earlier results
by name. A `feature_selection` step removes the columns it names, or, naming none, the features
without variance on the training rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reference_trainer.errors import TrainerError

#: Steps that change no statistics the trainer can compute (the user's own code did them).
DECLARATIVE_STEPS = ("feature_engineering", "deduplicate")


@dataclass(frozen=True)
class Step:
    """One preprocessing step: its kind, the columns it covers (None: default) and `fit_on`."""

    step: str
    columns: tuple[str, ...] | None = None
    fit_on: str = "train"


def steps_from_record(experiment) -> list[Step]:
    data = experiment.data
    if data is None or not data.preprocessing:
        return []
    return [Step(s.step, tuple(s.columns) if s.columns else None, s.fit_on or "train") for s in data.preprocessing]


def _is_text(series) -> bool:
    return series.dtype.kind not in "biuf"


def _transformer(step: str):
    """The scikit-learn transformer of a step (only its module is imported: a standardize step
    need not load sklearn.feature_selection)."""
    if step == "feature_selection":
        from sklearn.feature_selection import VarianceThreshold

        return VarianceThreshold()
    import sklearn.preprocessing as transformers

    return {
        "standardize": lambda: transformers.StandardScaler(),
        "minmax": lambda: transformers.MinMaxScaler(),
        "scale": lambda: transformers.MaxAbsScaler(),
        "log": lambda: transformers.FunctionTransformer(_signed_log1p, feature_names_out="one-to-one"),
        "one_hot": lambda: transformers.OneHotEncoder(handle_unknown="ignore", sparse_output=False),
    }[step]()


def _signed_log1p(values):
    values = np.asarray(values, dtype="float64")
    return np.sign(values) * np.log1p(np.abs(values))


def _impute(frame, columns: list[str]):
    from sklearn.impute import SimpleImputer

    numeric = [c for c in columns if not _is_text(frame[c])]
    text = [c for c in columns if _is_text(frame[c])]
    parts = []
    if numeric:
        parts.append(("impute_numbers", SimpleImputer(strategy="median"), numeric))
    if text:
        parts.append(("impute_text", SimpleImputer(strategy="most_frequent"), text))
    return parts


class Preprocessor:
    """The fitted steps of one fold (or of the final training rows).

    Args:
        steps: The record's steps, in order.
        source: The data file, for messages.
    """

    def __init__(self, steps: list[Step], source: str):
        self.steps = [s for s in steps if s.step not in DECLARATIVE_STEPS]
        self.source = source
        self.fitted: list = []
        self._one_row = None

    def fit(self, frame, rows_by_fit_on: dict[str, np.ndarray]) -> "Preprocessor":
        """Fit each step on the rows its fit_on names, transforming `frame` (every row) as it goes.

        Args:
            frame: The features of every row (a DataFrame).
            rows_by_fit_on: "train", "train+validation" and "all" -> row indices.
        """
        from sklearn.compose import ColumnTransformer

        self.fitted = []
        self._one_row = frame.iloc[:1]  # to know the output's width when there are no rows to transform
        current = frame
        for step in self.steps:
            columns = list(step.columns) if step.columns else [
                c for c in current.columns if _is_text(current[c]) == (step.step == "one_hot")]
            missing = [c for c in columns if c not in current.columns]
            if missing:
                raise TrainerError(self.source, f"has no column {missing[0]!r} (named by the {step.step} step's columns)")
            if not columns:
                continue
            if step.step == "impute":
                parts = _impute(current, columns)
            elif step.step == "feature_selection" and step.columns:
                parts = [("drop", "drop", columns)]  # the columns a feature_selection step names are removed
            else:
                parts = [(step.step, _transformer(step.step), columns)]
            transformer = ColumnTransformer(parts, remainder="passthrough", verbose_feature_names_out=False)
            transformer.set_output(transform="pandas")
            rows = rows_by_fit_on.get(step.fit_on, rows_by_fit_on["train"])
            try:
                transformer.fit(current.iloc[rows])
                current = transformer.transform(current)
            except (ValueError, TypeError) as exc:
                raise TrainerError(self.source, f"the {step.step} step cannot be applied: {exc}") from None
            self.fitted.append(transformer)
        self._check(current)
        return self

    def transform(self, frame) -> np.ndarray:
        """The model's input matrix (float32) for `frame` (no rows: an empty matrix of the right width,
        where scikit-learn's transformers refuse empty input)."""
        if len(frame) == 0:
            return self.transform(self._one_row)[:0]
        current = frame
        for transformer in self.fitted:
            current = transformer.transform(current)
        # row-major, as Keras slices batches of rows (a DataFrame's block gives column-major)
        return np.ascontiguousarray(current.to_numpy(dtype="float32"))

    def _check(self, frame) -> None:
        if frame.shape[1] == 0:
            raise TrainerError(self.source, "no feature is left to learn from after the preprocessing steps")
        text = [c for c in frame.columns if _is_text(frame[c])]
        if text:
            raise TrainerError(self.source, f"feature {text[0]!r} is not numeric and no one_hot step encodes it; "
                                            "declare {step: one_hot} in data.preprocessing")
        if frame.isna().to_numpy().any():
            column = next(c for c in frame.columns if frame[c].isna().any())
            raise TrainerError(self.source, f"feature {column!r} has missing values and no impute step fills them; "
                                            "declare {step: impute} in data.preprocessing")


def fit_preprocessor(steps: list[Step], frame, train: np.ndarray, validation: np.ndarray, source: str) -> Preprocessor:
    """A Preprocessor fit on `train` rows (or the wider rows a step's fit_on declares)."""
    everything = np.arange(len(frame))
    rows = {"train": train, "train+validation": np.concatenate([train, validation]), "all": everything}
    return Preprocessor(steps, source).fit(frame, rows)
