"""Record edits of the decisions: problem type, success metric, evaluation protocol and splits."""

from __future__ import annotations

from typing import Any

from advisor.facts import (
    class_imbalance, inferred_problem_type, label_encoding, observed_class_counts, problem_type,
)
from advisor.fix.context import FixContext, NeedsTraining, NotFixable
from advisor.fix.document import MISSING
from advisor.names import RANKING_METRICS, canonical_metric, metric_goal
from rules.leakage import TestSetUsedForTuning
from rules.metric import MetricOptions
from rules.problem import ProblemTypeContradictsLabels
from rules.protocol import FoldOptions, ProtocolOptions

DEFAULT_FOLDS = 4
DEFAULT_REPEATS = 3
#: The share of the samples a new validation or test split takes.
HELD_OUT_SHARE = 0.2
#: Metrics tracked beside accuracy on imbalanced classes.
IMBALANCE_METRICS = ("precision", "recall")
RANKING_METRIC = "average_precision"


# --- problem type ------------------------------------------------------------------------------

def _labels_type(experiment: Any) -> str | None:
    """The problem type the labels imply, ignoring the declared type and class count."""
    data = experiment.data
    target = data.target if data is not None else None
    if target is not None and (target.multi_label_rows or 0) > 0:
        return "multilabel_classification"
    probe = experiment.model_copy(deep=True)
    if probe.problem is not None:
        probe.problem.type = None
        probe.problem.classes = None
    if label_encoding(probe) == "continuous":
        low, high = (target.min, target.max) if target is not None else (None, None)
        bounded = low is not None and high is not None and 0 <= low and high <= 1
        return "bounded_regression" if bounded else "regression"
    return problem_type(probe)


def set_problem_type(ctx: FixContext) -> None:
    """Declare the problem type the labels imply, and the class count the data holds.

    Raises:
        NotFixable: nothing implies a type (PD01 fires only then): the user must declare it.
    """
    recounts = [found for found in ctx.evidence(ProblemTypeContradictsLabels.Evidence)
                if found.declared_classes is not None]
    for found in recounts:
        if found.labels_found:
            ctx.set("/problem/classes", int(found.labels_found))
    if len(recounts) == len(ctx.findings):  # only problem.classes was wrong
        return
    implied = _labels_type(ctx.experiment)
    if implied is None:
        raise NotFixable("neither the labels nor the model imply a problem type: declare problem.type")
    ctx.set("/problem/type", implied)


# --- success metric ----------------------------------------------------------------------------

def _recommended_metric(ctx: FixContext) -> str:
    experiment = ctx.experiment
    kind = inferred_problem_type(experiment)
    if kind is None:
        raise NotFixable("the problem type is unknown, so no metric can be chosen: declare problem.type")
    if kind == "multilabel_classification" or (experiment.problem is not None and experiment.problem.ranking):
        return RANKING_METRIC
    if kind in ("regression", "bounded_regression"):
        return "mae"
    imbalance = class_imbalance(observed_class_counts(experiment))
    if imbalance is not None and imbalance.ratio >= ctx.options(MetricOptions).max_imbalance_ratio:
        return "pr_auc" if kind == "binary_classification" else "f1"
    return "accuracy"


def _others(ctx: FixContext) -> list[str]:
    others = ctx.current("/metric/others")
    return [str(name) for name in others] if isinstance(others, list) else []


def _track(ctx: FixContext, names: list[str]) -> None:
    """Add metrics to metric.others (creating it), skipping those tracked already."""
    tracked = {canonical_metric(name) for name in _others(ctx)}
    missing = [name for name in names if canonical_metric(name) not in tracked]
    if not missing:
        return
    if ctx.document.has("/metric/others"):
        for name in missing:
            ctx.insert("/metric/others/-", name)
    else:
        ctx.set("/metric/others", _others(ctx) + missing)


def _promote(ctx: FixContext, name: str, keep_old: bool) -> None:
    """Make `name` the success metric (removing it from others); keep the old one tracked."""
    old = ctx.experiment.metric.name if ctx.experiment.metric is not None else None
    others = _others(ctx)
    for index in reversed([i for i, other in enumerate(others) if canonical_metric(other) == canonical_metric(name)]):
        ctx.delete(f"/metric/others/{index}")
    ctx.set("/metric/name", name)
    goal = ctx.current("/metric/goal")
    if goal is not MISSING and metric_goal(name) is not None and goal != metric_goal(name):
        ctx.set("/metric/goal", metric_goal(name))
    if keep_old and old:
        _track(ctx, [old])


def set_metric(ctx: FixContext) -> None:
    """Choose the success metric for the problem: accuracy for balanced classes, PR AUC (binary)
    or F1 (multiclass) when the largest class outnumbers the smallest 4 to 1, mean average
    precision for multilabel and ranking problems, MAE for regression.

    Accuracy on imbalanced classes (MS03) is kept and precision and recall are tracked beside it;
    a multilabel or ranking metric (MS04) takes a ranking metric already tracked when there is one,
    and the previous metric stays tracked.
    """
    codes = ctx.codes
    if "MS03" in codes:
        _track(ctx, list(IMBALANCE_METRICS))
    if "MS04" in codes:
        tracked = [name for name in _others(ctx) if canonical_metric(name) in RANKING_METRICS]
        _promote(ctx, tracked[0] if tracked else RANKING_METRIC, keep_old=True)
    elif codes & {"MS01", "MS02"}:
        _promote(ctx, _recommended_metric(ctx), keep_old=False)


# --- protocol ----------------------------------------------------------------------------------

def _counted(experiment: Any) -> dict[str, int]:
    from advisor.facts import split_samples

    counted = split_samples(experiment)
    return counted if isinstance(counted, dict) else {}


def _kfold_pool(experiment: Any) -> int | None:
    """Samples the folds are cut from (the rules' own measure, so a fix satisfies EP04)."""
    from advisor.facts import kfold_pool

    return kfold_pool(experiment)


def _folds(ctx: FixContext, pool: int | None) -> int:
    """4 folds, fewer when folds would hold under EP04's `min_fold_samples` (never under 2)."""
    if pool is None:
        return DEFAULT_FOLDS
    return max(2, min(DEFAULT_FOLDS, pool // ctx.options(FoldOptions).min_fold_samples))


def _set_protocol(ctx: FixContext, values: dict[str, Any]) -> None:
    if not isinstance(ctx.current("/protocol"), dict):
        ctx.set("/protocol", values)
        return
    for key, value in values.items():
        ctx.set(f"/protocol/{key}", value)


def _valid_folds(ctx: FixContext) -> int | None:
    """The folds the record declares (as edited so far), when they leave every fold enough samples."""
    folds = ctx.current("/protocol/folds")
    if not isinstance(folds, int) or isinstance(folds, bool) or folds < 2:
        return None
    pool = _kfold_pool(ctx.experiment)
    if pool is not None and (folds > pool or pool / folds < ctx.options(FoldOptions).min_fold_samples):
        return None
    return folds


def use_kfold(ctx: FixContext) -> None:
    """K-fold cross-validation: 4 folds, fewer on small data (a K-fold protocol with bad folds
    only gets its folds corrected; iterated K-fold stays iterated)."""
    kind = ctx.current("/protocol/type")
    folds = _valid_folds(ctx) or _folds(ctx, _kfold_pool(ctx.experiment))
    if kind in ("kfold", "iterated_kfold"):
        ctx.set("/protocol/folds", folds)
    else:
        _set_protocol(ctx, {"type": "kfold", "folds": folds})


def use_iterated_kfold(ctx: FixContext) -> None:
    """Iterated K-fold with shuffling: the folds declared (or 4, fewer on small data), 3 repeats."""
    repeats = ctx.current("/protocol/repeats")
    repeats = repeats if isinstance(repeats, int) and not isinstance(repeats, bool) and repeats >= 1 else DEFAULT_REPEATS
    _set_protocol(ctx, {"type": "iterated_kfold", "folds": _valid_folds(ctx) or _folds(ctx, _kfold_pool(ctx.experiment)),
                        "repeats": repeats})


def stratify_split(ctx: FixContext) -> None:
    """Split with stratified sampling. Class shares measured on the current splits change only
    when the data is split again."""
    ctx.set("/splits/method", "stratified")


def time_split(ctx: FixContext) -> None:
    """Split by time (earlier samples train, later ones validate and test), without shuffling."""
    splits = ctx.experiment.splits
    if splits is None or splits.method != "group":
        ctx.set("/splits/method", "time")
    if splits is not None and splits.shuffle:
        ctx.set("/splits/shuffle", False)


# --- held-out splits ---------------------------------------------------------------------------

def _size(ctx: FixContext, name: str) -> int | float | None:
    value = ctx.current(f"/splits/{name}")
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else None


def _is_fraction(size: int | float) -> bool:
    return isinstance(size, float) and size <= 1


def _carve(ctx: FixContext, name: str) -> None:
    """Hold out a `name` split of 20% of the samples, taken from the training split.

    Fractions stay fractions and counts stay counts; the training split shrinks when the splits
    would otherwise add up to more than the data. Sizes are read from the file as edited so far.
    """
    train = _size(ctx, "train")
    if train is None:
        ctx.set(f"/splits/{name}", HELD_OUT_SHARE)
        return
    sizes = [size for size in (_size(ctx, key) for key in ("train", "validation", "test")) if size is not None]
    if _is_fraction(train):
        ctx.set(f"/splits/{name}", HELD_OUT_SHARE)
        if sum(size for size in sizes if _is_fraction(size)) + HELD_OUT_SHARE > 1 + 1e-9:
            if train - HELD_OUT_SHARE <= 0:
                raise NotFixable(f"the training split ({train}) is too small to give {HELD_OUT_SHARE:.0%} to a {name} split")
            ctx.set("/splits/train", round(train - HELD_OUT_SHARE, 6))
        return
    counts = sum(int(size) for size in sizes if not _is_fraction(size))
    declared = ctx.current("/data/samples")
    total = declared if isinstance(declared, int) and declared > 0 else counts
    held_out = max(1, round(HELD_OUT_SHARE * total))
    shrink = counts + held_out > total
    if shrink and int(train) - held_out <= 0:
        raise NotFixable(f"the training split ({train} samples) is too small to give {held_out} to a {name} split")
    ctx.set(f"/splits/{name}", held_out)
    if shrink:
        ctx.set("/splits/train", int(train) - held_out)


def hold_out_test(ctx: FixContext) -> None:
    """Hold out a test split (EP05), and keep it out of tuning (LK03): configurations selected and
    training validated on the validation split.

    Raises:
        NotFixable: the only problem is a test set evaluated more than once; no edit undoes that.
    """
    if "EP05" in ctx.codes:
        _carve(ctx, "test")
    reported = ctx.evidence(TestSetUsedForTuning.Evidence)
    evaluations = [found.test_evaluations for found in reported if found.test_evaluations is not None]
    retargeted = [key for key, used in (("selected_on", any(found.selected_on for found in reported)),
                                        ("validation_data", any(found.validation_data for found in reported)))
                  if used]
    if retargeted and not _validates(ctx.experiment):
        # Tuning moves to the validation data: there must be some, or the record contradicts
        # itself and the trainer has nothing to validate on.
        add_validation(ctx)
    for key in retargeted:
        ctx.set(f"/tuning/{key}", "validation")
    if evaluations and not ctx.changes:
        raise NotFixable(f"the test set was evaluated {max(evaluations)} times; no edit undoes that: hold out "
                         "a fresh test set and evaluate it once")


def add_validation(ctx: FixContext) -> None:
    """Measure generalization (EP01): a validation split of 20% when that gives EP02's
    `min_validation_samples` (1000 by default) or more, else K-fold validation (4 folds, fewer on small data), as scarce data calls for. A history
    logged without validation (OF01) needs the model trained again with validation data.

    Raises:
        NeedsTraining: the record has validation data; only the logged history lacks it.
    """
    if _validates(ctx.experiment):
        if "OF01" in ctx.codes:
            raise NeedsTraining("fit", "train again with validation data, so the history logs val_loss")
        return
    pool = _validation_pool(ctx)
    if pool is not None and HELD_OUT_SHARE * pool < ctx.options(ProtocolOptions).min_validation_samples:
        # Too few samples for a trustworthy hold-out set: validate by K-fold instead.
        _set_protocol(ctx, {"type": "kfold", "folds": _folds(ctx, pool)})
    else:
        _carve(ctx, "validation")


def _validates(experiment: Any) -> bool:
    """Whether the record has validation data: a validation split, K-fold, or a split column."""
    from advisor.facts import has_split

    kfold = experiment.protocol is not None and experiment.protocol.type in ("kfold", "iterated_kfold")
    return has_split(experiment, "validation") or kfold or bool(experiment.data and experiment.data.split_column)


def _validation_pool(ctx: FixContext) -> int | None:
    """The samples a validation split would come from: all but the test split; None when unknown."""
    declared = ctx.current("/data/samples")
    sizes = {key: _size(ctx, key) for key in ("train", "test")}
    if isinstance(declared, int) and declared > 0:
        test = sizes["test"]
        held = round(test * declared) if test is not None and _is_fraction(test) else int(test or 0)
        return declared - held
    train = sizes["train"]
    return int(train) if train is not None and not _is_fraction(train) else None
