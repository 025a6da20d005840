"""The shapes of training curves: best epoch, smoothing, rise after the minimum, plateaus, swings.

A curve is a list of per-epoch values as logged by Keras (`history.history["val_loss"]`). Real
curves are noisy and may hold NaN or infinity (a diverged loss); every helper here skips non-finite
values and keeps the epoch index (0-based) of the values it reports. Pure Python: the lint path must
not import numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

#: Curves shorter than this are too short to judge a trend (1-3 epochs): curve rules stay silent.
MIN_EPOCHS = 4
#: A loss "ends above where it started" when it ends above its start by more than this share of
#: the start: a flat, noisy loss is not a rising one.
END_TOLERANCE = 0.02


def median(values) -> float:
    """The median of a few values (the `statistics` module costs more to import than this)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def finite_points(values: Sequence[float]) -> list[tuple[int, float]]:
    """The finite values of a curve with their epoch indices.

    Args:
        values: per-epoch values; NaN and infinities are skipped.

    Returns:
        `(epoch_index, value)` pairs in epoch order.
    """
    return [(epoch, value) for epoch, value in enumerate(values) if math.isfinite(value)]


def long_enough(values: Sequence[float] | None) -> bool:
    """Whether a curve has at least `MIN_EPOCHS` finite values to judge a trend on."""
    return values is not None and len(finite_points(values)) >= MIN_EPOCHS


def best_epoch(values: Sequence[float], goal: str = "minimize") -> int | None:
    """The epoch index of the best finite value; the earliest one on ties (as Keras' EarlyStopping).

    Args:
        values: per-epoch values.
        goal: "minimize" (losses, errors) or "maximize" (accuracy, AUC...).

    Returns:
        The 0-based epoch index, or None when the curve has no finite value.
    """
    points = finite_points(values)
    if not points:
        return None
    sign = -1.0 if goal == "maximize" else 1.0
    return min(points, key=lambda point: (sign * point[1], point[0]))[0]


def smooth(values: Sequence[float]) -> list[tuple[int, float]]:
    """A median filter of width 3 over the finite values: one-epoch spikes vanish, sustained moves
    stay. The two ends use the mean of their two values.

    Returns:
        `(epoch_index, smoothed_value)` pairs, one per finite value.
    """
    points = finite_points(values)
    if len(points) < 3:
        return points
    ys = [value for _, value in points]
    smoothed = [(ys[0] + ys[1]) / 2]
    smoothed += [median(ys[i - 1:i + 2]) for i in range(1, len(ys) - 1)]
    smoothed.append((ys[-2] + ys[-1]) / 2)
    return [(epoch, value) for (epoch, _), value in zip(points, smoothed)]


def start_and_end(values: Sequence[float]) -> tuple[float, float] | None:
    """Where a curve starts (its first finite value) and ends (`end_value`), or None when it has no
    finite value."""
    points = finite_points(values)
    if not points:
        return None
    return points[0][1], median(value for _, value in points[-3:])


def ends_above_start(start: float, end: float) -> bool:
    """Whether a loss ended above where it started, by more than `END_TOLERANCE` of the start."""
    return end - start > END_TOLERANCE * abs(start)


def end_value(values: Sequence[float]) -> float | None:
    """Where a curve ends: the median of its last three finite values (one noisy last epoch does
    not decide), or None when it has no finite value."""
    points = finite_points(values)
    if not points:
        return None
    return median(value for _, value in points[-3:])


@dataclass(frozen=True)
class Rise:
    """How far a (smoothed) curve climbed after its minimum."""

    min_epoch: int
    min_value: float
    peak_epoch: int
    peak_value: float

    @property
    def relative(self) -> float:
        """(peak - minimum) / |minimum|; infinity when the minimum is 0 and the curve rose."""
        gap = self.peak_value - self.min_value
        if self.min_value == 0:
            return math.inf if gap > 0 else 0.0
        return gap / abs(self.min_value)


def rise_after_minimum(values: Sequence[float]) -> Rise | None:
    """The largest rise of the smoothed curve after its smoothed minimum.

    Args:
        values: per-epoch values of a loss-like curve (lower is better).

    Returns:
        A `Rise` (zero when the minimum is the last value), or None for an empty curve.
    """
    points = smooth(values)
    if not points:
        return None
    low = min(range(len(points)), key=lambda i: (points[i][1], i))
    after = points[low:]
    peak = max(range(len(after)), key=lambda i: (after[i][1], -i))
    return Rise(points[low][0], points[low][1], after[peak][0], after[peak][1])


def tail_improvement(values: Sequence[float], tail_share: float = 0.2) -> tuple[float, int] | None:
    """How much a loss-like curve still improved over its last epochs.

    The tail is the last `tail_share` of the finite values (at least two); the improvement is the
    drop from the value just before the tail to the tail's minimum, relative to that value.

    Args:
        values: per-epoch values (lower is better).
        tail_share: the share of epochs that forms the tail.

    Returns:
        `(relative_improvement, tail_epochs)` (negative when the curve rose), or None when the curve
        is shorter than `MIN_EPOCHS` or the reference value is 0.
    """
    points = finite_points(values)
    if len(points) < MIN_EPOCHS:
        return None
    tail = max(2, math.ceil(tail_share * len(points)))
    tail = min(tail, len(points) - 1)
    before = points[-tail - 1][1]
    if before == 0:
        return None
    best = min(value for _, value in points[-tail:])
    return (before - best) / abs(before), tail


def rising_epochs(values: Sequence[float], min_swing: float, min_rise: float = 0.0) -> tuple[list[int], int]:
    """The epochs at which a positive curve rose by more than `min_swing` (relative) over the
    previous finite value, and by at least `min_rise` (absolute).

    Returns:
        `(epoch_indices, transitions)`: where the curve rose, and how many epoch-to-epoch steps
        were compared.
    """
    points = finite_points(values)
    rising = [epoch for (_, before), (epoch, after) in zip(points, points[1:])
              if before > 0 and after > before * (1 + min_swing) and after - before >= min_rise]
    return rising, max(len(points) - 1, 0)


def total_decrease(values: Sequence[float], untrained: float | None = None) -> float:
    """How far a loss fell overall: from its first finite value (or from `untrained`, the loss of
    a model that knows nothing, when that is higher) down to its lowest; 0 for an empty curve or
    one that never fell."""
    points = finite_points(values)
    if not points:
        return 0.0
    start = max(points[0][1], untrained) if untrained is not None else points[0][1]
    return max(start - min(value for _, value in points), 0.0)


def largest_growth(values: Sequence[float]) -> tuple[float, int, int] | None:
    """The largest factor by which a positive curve exceeded its earlier minimum.

    Returns:
        `(factor, low_epoch, high_epoch)`, or None when the curve has fewer than two finite values
        or holds a value that is not positive (ratios are meaningless then).
    """
    points = finite_points(values)
    if len(points) < 2 or any(value <= 0 for _, value in points):
        return None
    low_epoch, low = points[0]
    best = (1.0, low_epoch, low_epoch)
    for epoch, value in points[1:]:
        if value / low > best[0]:
            best = (value / low, low_epoch, epoch)
        if value < low:
            low_epoch, low = epoch, value
    return best


def fell_after(values: Sequence[float], epoch: int) -> bool:
    """Whether a curve ends (the median of its last three finite values) below its value at
    `epoch`: the training loss of an overfitting run keeps falling after the best validation
    epoch, that of an unstable run does not."""
    if not 0 <= epoch < len(values) or not math.isfinite(values[epoch]):
        return False
    end = end_value(values)
    return end is not None and end < values[epoch]


def given_back(values: Sequence[float], epochs: Sequence[int]) -> list[int]:
    """The epochs among `epochs` whose value a later epoch fell below again: the rises of a curve
    that swings, as opposed to one that only climbs."""
    # The lowest finite value after each epoch, computed once from the end (linear in the epochs).
    lowest_after = [math.inf] * (len(values) + 1)
    for index in range(len(values) - 1, -1, -1):
        value = values[index]
        lowest_after[index] = min(lowest_after[index + 1], value) if math.isfinite(value) else lowest_after[index + 1]
    return [epoch for epoch in epochs if 0 <= epoch < len(values) and lowest_after[epoch + 1] < values[epoch]]


def first_non_finite(values: Sequence[float]) -> int | None:
    """The epoch index of the first NaN or infinite value, or None."""
    for epoch, value in enumerate(values):
        if not math.isfinite(value):
            return epoch
    return None
