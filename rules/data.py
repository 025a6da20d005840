"""DP: prepare the data (stage 4).

The rules read the per-feature profile in `data.features` (written in the record, or computed by
the readers from the data file, in which case a finding on `/data/features/<i>` lands on that
column's header in the CSV) and the preprocessing steps in `data.preprocessing`. A step applies to
the features named in its `columns`, or to every feature when it names none. The target, split,
time and group columns are not inputs and are not judged.
"""

from __future__ import annotations

from typing import NamedTuple

from pydantic import Field

from advisor import Rule, RuleOptions, Severity
from advisor.facts import input_features, present_pointer, total_samples
from advisor.record import Feature
from advisor.remedy import EDITS, SAFE, Advice, Remedy
from advisor.rule import WITH_DATA

NUMERIC_DTYPES = (None, "float", "int", "bool")
NON_NUMERIC_DTYPES = ("string", "category", "datetime")
#: Steps that bring values to a small scale (DP02).
SCALING_STEPS = ("standardize", "minmax", "scale")
#: Steps that give every feature the same spread (DP03). `scale` applies one factor to all.
NORMALIZING_STEPS = ("standardize", "minmax")


def covered(experiment, feature: str, steps: tuple[str, ...]) -> bool:
    """Whether a preprocessing step of one of the kinds in `steps` applies to `feature`."""
    data = experiment.data
    for step in (data.preprocessing or []) if data is not None else []:
        if step.step in steps and (step.columns is None or feature in step.columns):
            return True
    return False


def numeric_inputs(experiment) -> list[tuple[int, Feature]]:
    """Input features that are numbers (declared so, or with no dtype) and not one-hot encoded."""
    return [(index, feature) for index, feature in input_features(experiment)
            if feature.dtype in NUMERIC_DTYPES and not covered(experiment, feature.name, ("one_hot",))]


def _spread(feature) -> tuple[float, str] | None:
    """A feature's spread: its standard deviation, else its range."""
    if feature.std is not None:
        return feature.std, "std"
    if feature.min is not None and feature.max is not None:
        return feature.max - feature.min, "range"
    return None


class NonNumericFeatures(Rule):
    """Features that are not numbers, with no step that encodes them.

    ## What it does
    Fires for each input feature whose dtype is `string`, `category` or `datetime` when no
    preprocessing step turns it into numbers: `one_hot` (over every column, or naming this one)
    or a `feature_engineering` step naming it in `columns` for strings and categories; a
    `feature_engineering` step naming it for datetimes (one-hot encoding timestamps makes no
    sense). A `feature_engineering` step that names no columns adds features; it does not say
    that this one was encoded.

    ## Why is this bad?
    A neural network multiplies its inputs by weights: it only takes numbers. Strings must become
    numbers first, and the way matters: coding categories as 0, 1, 2... invents an order and
    distances between them that do not exist, while one-hot encoding does not.

    ## Anti-pattern
    ```yaml
    data:
      features:
        - {name: age, dtype: int, min: 18, max: 90, std: 14.1}
        - {name: city, dtype: string, categories: 12}
      preprocessing:
        - {step: standardize, columns: [age]}
    ```

    ## Best practice
    ```yaml
    data:
      features:
        - {name: age, dtype: int, min: 18, max: 90, std: 14.1}
        - {name: city, dtype: string, categories: 12}
      preprocessing:
        - {step: standardize, columns: [age]}
        - {step: one_hot, columns: [city]}
    ```

    ## Fix
    `encode_features` adds a `one_hot` step for the string and category features.
    """

    code = "DP01"
    name = "non-numeric-features"
    stage = 4
    severity = Severity.ERROR
    judged = WITH_DATA
    remedy = "encode_features"

    class Evidence(NamedTuple):
        feature: str
        dtype: str | None

    def check(self, experiment, options):
        for index, feature in input_features(experiment):
            if feature.dtype not in NON_NUMERIC_DTYPES:
                continue
            encoders = ("feature_engineering",) if feature.dtype == "datetime" else ("one_hot", "feature_engineering")
            if _encoded(experiment, feature.name, feature.dtype):
                continue
            kinds = f" with {feature.categories} categories" if feature.categories is not None else ""
            yield self.violation(
                f"feature '{feature.name}' is {feature.dtype}{kinds} and no step encodes it "
                f"(threshold: every input numeric; expected one of {', '.join(encoders)}): a network "
                "only takes numbers; one-hot encode it",
                f"/data/features/{index}",
                feature=feature.name, dtype=feature.dtype, categories=feature.categories,
            )


def _encoded(experiment, feature: str, dtype: str) -> bool:
    """Whether a step turns a non-numeric feature into numbers: a `one_hot` step over it (strings
    and categories), or a `feature_engineering` step that names it. A feature_engineering step
    that names no columns says features were added, not that this one was encoded."""
    for step in experiment.data.preprocessing or []:
        if step.step == "one_hot" and dtype != "datetime" and (step.columns is None or feature in step.columns):
            return True
        if step.step == "feature_engineering" and step.columns is not None and feature in step.columns:
            return True
    return False


class ValuesNotScaled(Rule):
    """Feature values are large and nothing scales them.

    ## What it does
    Takes the largest absolute value (from `min` and `max`) of each numeric input feature that no
    `standardize`, `minmax` or `scale` step covers, and fires when the largest exceeds
    `max_abs_value` (5). One finding, at the feature with the largest value; the evidence lists
    every feature over the threshold. `log` alone does not count: log-transformed values are still
    unscaled. One-hot encoded features are not judged.

    ## Why is this bad?
    Networks train best on small values (roughly -1 to 1 or 0 to 1). Large inputs make large
    activations and gradients: the first updates overshoot, training is unstable or slow, and
    units saturate.

    ## Anti-pattern
    ```yaml
    data:
      features:
        - {name: mean_radius, dtype: float, min: 6.98, max: 28.11, std: 3.52}
        - {name: mean_area, dtype: float, min: 143.5, max: 2501.0, std: 351.9}
    ```

    ## Best practice
    ```yaml
    data:
      features:
        - {name: mean_radius, dtype: float, min: 6.98, max: 28.11, std: 3.52}
        - {name: mean_area, dtype: float, min: 143.5, max: 2501.0, std: 351.9}
      preprocessing:
        - {step: standardize, fit_on: train}
    ```

    ## Fix
    `scale_features` adds a `standardize` step fit on the training data.
    """

    code = "DP02"
    name = "values-not-scaled"
    stage = 4
    severity = Severity.WARNING
    judged = WITH_DATA
    remedy = "scale_features"

    class Options(RuleOptions):
        max_abs_value: float = Field(5.0, gt=0, description="Largest absolute feature value that needs no scaling.")

    def check(self, experiment, options):
        over = []
        for index, feature in numeric_inputs(experiment):
            bounds = [abs(value) for value in (feature.min, feature.max) if value is not None]
            if bounds and max(bounds) > options.max_abs_value and not covered(experiment, feature.name, SCALING_STEPS):
                over.append((max(bounds), index, feature.name))
        if not over:
            return
        largest, index, name = max(over)
        others = len(over) - 1
        subject = f"feature '{name}' reaches" if not others else (
            f"feature '{name}' and {others} other feature{'s' if others > 1 else ''} reach")
        yield self.violation(
            f"{subject} absolute values up to {largest:,.4g} (threshold "
            f"{options.max_abs_value:g}) with no scaling step: large inputs make training unstable; "
            "standardize the features",
            f"/data/features/{index}",
            feature=name, max_abs_value=largest, threshold=options.max_abs_value,
            features_over=[feature for _, _, feature in sorted(over, reverse=True)],
        )


class HeterogeneousRangesNotNormalized(Rule):
    """Features span very different ranges and nothing normalizes them per feature.

    ## What it does
    Compares the spreads (standard deviation, else range) of the numeric input features and fires
    when the largest is `max_spread_ratio` (10) or more times the smallest and at least one of the
    two is not covered by a per-feature normalization step (`standardize` or `minmax`; such a
    feature counts with spread 1). `scale` applies one factor to every feature and keeps their
    ratios, so it does not count. Binary indicators (dtype bool, or 2 distinct values) are left as
    they are by common practice and are not compared; constant features are DP05's.

    Features that share one range are not heterogeneous, whatever their spreads: when every
    compared feature's `min` and `max` are known, each reaches an end of the range they all cover
    together, and more than half of them span at least half of it (pixels in [0, 255], or in
    [0, 1] after scaling), their
    spreads differ by position (border pixels are mostly 0), not by units, and one `scale` step
    (or none, for values already small: DP02 judges the size) treats them alike.

    ## Why is this bad?
    With one feature spanning thousands and another hundredths, the large one dominates the first
    layer's weighted sums and its gradients, and the small one is effectively ignored until the
    weights grow to compensate, which gradient descent does slowly. Per-feature normalization puts
    every feature on the same footing.

    ## Anti-pattern
    ```yaml
    data:
      features:
        - {name: mean_smoothness, dtype: float, min: 0.053, max: 0.163, std: 0.014}
        - {name: mean_area, dtype: float, min: 143.5, max: 2501.0, std: 351.9}
    ```

    ## Best practice
    ```yaml
    data:
      features:
        - {name: mean_smoothness, dtype: float, min: 0.053, max: 0.163, std: 0.014}
        - {name: mean_area, dtype: float, min: 143.5, max: 2501.0, std: 351.9}
      preprocessing:
        - {step: standardize, fit_on: train}
    ```

    ## Fix
    `normalize_features` adds a `standardize` step (statistics from the training data only).
    """

    code = "DP03"
    name = "heterogeneous-ranges-not-normalized"
    stage = 4
    severity = Severity.WARNING
    judged = WITH_DATA
    remedy = "normalize_features"

    class Options(RuleOptions):
        max_spread_ratio: float = Field(10.0, gt=1, description="Largest over smallest feature spread that needs per-feature normalization.")

    def check(self, experiment, options):
        spreads = []  # (spread after preprocessing, normalized, measure, index, name)
        for index, feature in numeric_inputs(experiment):
            if feature.dtype == "bool" or feature.distinct == 2:
                continue
            measured = _spread(feature)
            if measured is None or measured[0] <= 0:
                continue
            normalized = covered(experiment, feature.name, NORMALIZING_STEPS)
            spread, measure = (1.0, "normalized") if normalized else measured
            spreads.append((spread, normalized, measure, index, feature.name))
        if len(spreads) < 2 or _share_one_range([experiment.data.features[entry[3]] for entry in spreads]):
            return
        largest, smallest = max(spreads), min(spreads)
        ratio = largest[0] / smallest[0]
        if ratio < options.max_spread_ratio or (largest[1] and smallest[1]):
            return
        target = largest if not largest[1] else smallest
        yield self.violation(
            f"largest/smallest feature spread {ratio:,.0f}x ('{largest[4]}' {largest[2]} "
            f"{largest[0]:.4g}, '{smallest[4]}' {smallest[2]} {smallest[0]:.4g}), threshold "
            f"{options.max_spread_ratio:g}x; no normalization step covers '{target[4]}': the large "
            "feature dominates learning; standardize each feature",
            f"/data/features/{target[3]}",
            ratio=round(ratio, 2), threshold=options.max_spread_ratio,
            largest={"feature": largest[4], "spread": largest[0], "measure": largest[2]},
            smallest={"feature": smallest[4], "spread": smallest[0], "measure": smallest[2]},
        )


def _share_one_range(features) -> bool:
    """Whether features hold values of one kind on one scale, such as pixels in [0, 255]: every
    feature's bounds are known, every feature reaches an end of the range they all cover together
    (a border pixel is 0 at least once), and more than half of them span at least half of that
    range. Their spreads then differ by position (border pixels are mostly 0), not by units."""
    if any(feature.min is None or feature.max is None for feature in features):
        return False
    low, high = min(feature.min for feature in features), max(feature.max for feature in features)
    if high <= low or any(feature.min != low and feature.max != high for feature in features):
        return False
    spanning = sum(1 for feature in features if feature.max - feature.min >= SHARED_RANGE_SPAN * (high - low))
    return spanning > SHARED_RANGE_SPAN * len(features)


#: DP03: features share one range when more than this share of them spans this share of the common range.
SHARED_RANGE_SPAN = 0.5


class MissingValues(Rule):
    """Features with missing values, and no step that imputes them.

    ## What it does
    Fires for each input feature whose `missing` count is above zero when no `impute` step covers
    it. The share of missing rows is in the evidence when the sample count is known.

    ## Why is this bad?
    A NaN in an input makes the loss NaN for its whole batch, and the weights with it. Filling
    missing values with 0 silently is no better when 0 is a meaningful value. Impute them (with the
    training mean or median, plus an indicator feature when missingness itself says something).

    ## Anti-pattern
    ```yaml
    data:
      samples: 1000
      features:
        - {name: income, dtype: float, min: 0, max: 9.5, std: 1.8, missing: 37}
    ```

    ## Best practice
    ```yaml
    data:
      samples: 1000
      features:
        - {name: income, dtype: float, min: 0, max: 9.5, std: 1.8, missing: 37}
      preprocessing:
        - {step: impute, fit_on: train, columns: [income]}
    ```

    ## Fix
    `impute_missing` adds an `impute` step fit on the training data.
    """

    code = "DP04"
    name = "missing-values"
    stage = 4
    severity = Severity.ERROR
    judged = WITH_DATA
    remedy = "impute_missing"

    class Evidence(NamedTuple):
        feature: str  # with missing values

    def check(self, experiment, options):
        samples = total_samples(experiment)
        for index, feature in input_features(experiment):
            if not feature.missing or covered(experiment, feature.name, ("impute",)):
                continue
            share = feature.missing / samples if samples else None
            of = f" of {samples} ({share:.1%})" if share is not None else ""
            yield self.violation(
                f"feature '{feature.name}' has {feature.missing} missing values{of} (threshold 0) "
                "and no impute step: NaN inputs make the loss NaN; impute them",
                f"/data/features/{index}",
                feature=feature.name, missing=feature.missing, share=round(share, 4) if share is not None else None,
            )


class ConstantFeature(Rule):
    """A feature with a single value: it carries no information.

    ## What it does
    Looks for input features with zero variance: `std` of 0, equal `min` and `max`, or one
    distinct value (one category). One finding per record, at the first constant feature; the
    message names the first few and the count (image data often holds dozens of always-zero border
    pixels), the evidence lists them all. A feature that a `feature_selection` step covers is left
    to that step (variance thresholds drop constants).

    ## Why is this bad?
    A constant column cannot help any prediction, costs weights, and breaks standardization: its
    standard deviation is zero, so (x - mean) / std divides by zero and fills the column with NaN.
    It often signals a broken extraction or a filter applied before the split.

    ## Anti-pattern
    ```yaml
    data:
      features:
        - {name: age, dtype: int, min: 18, max: 90, std: 14.1}
        - {name: country, dtype: int, min: 1, max: 1, std: 0.0}
    ```

    ## Best practice
    ```yaml
    data:
      features:
        - {name: age, dtype: int, min: 18, max: 90, std: 14.1}
        - {name: country, dtype: int, min: 1, max: 2, std: 0.3}
    ```

    ## Fix
    `drop_constant_features` removes the column from the inputs.
    """

    code = "DP05"
    name = "constant-feature"
    stage = 4
    severity = Severity.WARNING
    judged = WITH_DATA
    remedy = "drop_constant_features"

    class Evidence(NamedTuple):
        constant_features: list[str]  # every constant input feature, in one finding

    def check(self, experiment, options):
        constant = []  # (index, feature, how it was measured)
        for index, feature in input_features(experiment):
            if covered(experiment, feature.name, ("feature_selection",)):
                continue
            measured = _constant(feature)
            if measured is not None:
                constant.append((index, feature, measured))
        if not constant:
            return
        index, first, measured = constant[0]
        names = [feature.name for _, feature, _ in constant]
        if len(constant) == 1:
            subject = f"feature '{first.name}' is constant ({measured}"
        else:
            listed = ", ".join(f"'{name}'" for name in names[:MAX_LISTED])
            more = f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
            subject = f"{len(names)} features are constant ({listed}{more}; '{first.name}' {measured}"
        yield self.violation(
            f"{subject}; threshold: variance above 0): a constant feature carries no information "
            "and breaks standardization; drop it",
            f"/data/features/{index}",
            feature=first.name, std=first.std, min=first.min, max=first.max,
            count=len(names), constant_features=names,
        )


#: DP05 names this many constant features in its message; the evidence lists them all.
MAX_LISTED = 5


def _constant(feature) -> str | None:
    """How a feature was found constant (zero std, equal bounds, one value), or None."""
    if feature.std == 0:
        return "std 0"
    if feature.min is not None and feature.min == feature.max:
        return f"min = max = {feature.min:g}"
    if feature.distinct == 1 or feature.categories == 1:
        return "one distinct value"
    return None


class SmallDataFeatureEngineering(Rule):
    """Little data and no feature engineering.

    ## What it does
    Fires when the data has fewer than `max_samples` (1000) samples (`data.samples`, else the
    splits added up) and no `feature_engineering` step is declared. Informational: the records of a
    small problem may well need none, but the question is worth asking.

    ## Why is this bad?
    Deep learning needs less feature engineering than classical methods when data is plentiful.
    With a few hundred samples there is not enough data to learn good representations from raw
    inputs: domain knowledge expressed as features (ratios, counts, time since an event) is often
    the largest gain available.

    ## Anti-pattern
    ```yaml
    data:
      samples: 569
      preprocessing:
        - {step: standardize, fit_on: train}
    ```

    ## Best practice
    ```yaml
    data:
      samples: 569
      preprocessing:
        - {step: feature_engineering, fit_on: train}
        - {step: standardize, fit_on: train}
    ```

    ## Fix
    No automatic remedy: design features from domain knowledge.
    """

    code = "DP06"
    name = "small-data-feature-engineering"
    stage = 4
    severity = Severity.INFO
    judged = WITH_DATA

    class Options(RuleOptions):
        max_samples: int = Field(1000, ge=1, description="Sample count below which feature engineering is advised.")

    def check(self, experiment, options):
        samples = total_samples(experiment)
        if samples is None or samples >= options.max_samples or samples == 0:
            return
        if self._engineered(experiment):
            return
        yield self.violation(
            f"{samples} samples (threshold {options.max_samples}) and no feature_engineering step: "
            "with this little data, features from domain knowledge often help more than a bigger "
            "model",
            present_pointer(experiment, "/data/preprocessing", "/data"),
            samples=samples, max_samples=options.max_samples,
        )

    @staticmethod
    def _engineered(experiment) -> bool:
        data = experiment.data
        return any(step.step == "feature_engineering" for step in (data.preprocessing or [])) if data else False


RULES: list[type] = [
    NonNumericFeatures, ValuesNotScaled, HeterogeneousRangesNotNormalized, MissingValues,
    ConstantFeature, SmallDataFeatureEngineering,
]


# --- remedies: what the rules above name, declared once ---------------------------------------

DROP_CONSTANT_FEATURES = Remedy(
    "drop_constant_features", SAFE,
    Advice(
        "Drop the constant features.",
        "A feature that never varies carries no information and breaks standardization."),
    edit="rules.fixes.data:drop_constant_features", phase="features", batch=EDITS,
)

IMPUTE_MISSING = Remedy(
    "impute_missing", SAFE,
    Advice(
        "Impute the missing values (with statistics of the training data).",
        "A network cannot take missing values, and dropping them silently changes the data."),
    edit="rules.fixes.data:impute_missing", phase="features", batch=EDITS,
)

ENCODE_FEATURES = Remedy(
    "encode_features", SAFE,
    Advice(
        "Encode the non-numeric features (for example one-hot).",
        "A neural network only takes tensors of numbers."),
    edit="rules.fixes.data:encode_features", phase="features", batch=EDITS,
)

NORMALIZE_FEATURES = Remedy(
    "normalize_features", SAFE,
    Advice(
        "Normalize each feature independently, with statistics computed on the training data only.",
        "Features on very different scales make learning harder; statistics taken from validation or test "
        "data leak them into training."),
    edit="rules.fixes.data:standardize_features", phase="features", batch=EDITS,
)

SCALE_FEATURES = Remedy(
    "scale_features", SAFE,
    Advice(
        "Scale the features to small values (for example into [0, 1]).",
        "Large input values cause large gradient updates that prevent the network from converging."),
    edit="rules.fixes.data:standardize_features", phase="features", batch=EDITS,
)

REMEDIES: list[Remedy] = [DROP_CONSTANT_FEATURES, IMPUTE_MISSING, ENCODE_FEATURES, NORMALIZE_FEATURES, SCALE_FEATURES]
