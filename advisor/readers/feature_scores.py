"""How well one feature alone predicts the target (the `target_score` that LK05 judges).

- Classification: the balanced accuracy of the best lookup from the feature's value to a class.
  Numbers are cut into equal-width bins (at most 64, at least 50 rows per bin on average, so a
  noisy feature cannot memorise labels); text features with few enough categories use one bin per
  category; missing values get a bin of their own (missingness can leak too). Each bin predicts the
  class it holds the largest share of. Balanced accuracy (the mean recall over classes) keeps a
  majority class from making any feature look predictive.
- Regression: the absolute Pearson correlation between feature and target.

Scores are computed on an evenly spaced sample of rows (`SAMPLE_ROWS`): a feature that predicts
the target almost perfectly does so on any large sample.
"""

from __future__ import annotations

import numpy as np

#: Rows the scores are computed on (every k-th row of the data).
SAMPLE_ROWS = 50_000
MAX_BINS = 64
MIN_ROWS_PER_BIN = 50
#: Classification targets with more classes than this are not scored.
MAX_SCORED_CLASSES = 1000


def bin_count(rows: int) -> int:
    """Bins for a numeric feature scored on `rows` rows."""
    return int(np.clip(rows // MIN_ROWS_PER_BIN, 2, MAX_BINS))


def numeric_bins(values: np.ndarray, valid: np.ndarray, low: float, high: float, bins: int) -> np.ndarray:
    """Equal-width bin of each value in [low, high]; missing values get bin `bins`."""
    complete = bool(valid.all())
    if high > low:
        scaled = (values if complete else np.where(valid, values, low)) - low
        scaled *= bins / (high - low)
        np.minimum(scaled, bins - 1, out=scaled)
        index = scaled.astype(np.int64)
    else:
        index = np.zeros(len(values), dtype=np.int64)
    if not complete:
        index[~valid] = bins
    return index


def lookup_accuracy(bins: np.ndarray, bin_total: int, classes: np.ndarray, class_total: int) -> float | None:
    """Balanced accuracy of predicting, in each bin, the class with the largest share of that bin.

    Args:
        bins: Bin of each row (0 .. bin_total - 1).
        classes: Class code of each row (0 .. class_total - 1); negative for a missing target.
    """
    labelled = classes >= 0
    if not labelled.any():
        return None
    counts = np.bincount(bins[labelled] * class_total + classes[labelled],
                         minlength=bin_total * class_total).reshape(bin_total, class_total).astype(np.float64)
    class_sizes = counts.sum(axis=0)
    present = class_sizes > 0
    if present.sum() < 2:
        return None
    shares = counts[:, present] / class_sizes[present]
    best = shares.argmax(axis=1)
    recall = np.zeros(int(present.sum()))
    np.add.at(recall, best, shares[np.arange(len(best)), best])
    return float(recall.mean())


def correlation(values: np.ndarray, valid: np.ndarray, target: np.ndarray, target_valid: np.ndarray) -> float | None:
    """Absolute Pearson correlation over rows where both are present; None when undefined."""
    both = valid & target_valid
    if both.sum() < 3:
        return None
    x = values[both].astype(np.float64)
    y = target[both].astype(np.float64)
    x = x - x.mean()
    y = y - y.mean()
    denominator = np.sqrt(_inner(x, x) * _inner(y, y))
    if not np.isfinite(denominator) or denominator == 0:
        return None
    return float(min(abs(_inner(x, y)) / denominator, 1.0))


def _inner(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product without BLAS: OpenBLAS threads spin and crawl on a busy machine."""
    return float(np.einsum("i,i->", a, b))
