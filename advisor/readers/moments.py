"""Running statistics of a numeric column, block by block: min, max, mean, standard deviation and
missing values (nulls and NaN)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from advisor.readers.columns import Block

if TYPE_CHECKING:
    from advisor.readers.data_files import DataFile


class Moments:
    """Running min, max, sum and sum of squares of one numeric column; NaN counts as missing.

    The variance comes from the sums in one pass. When the mean is so large next to the spread
    that the subtraction would lose digits, `centered` asks for a second, exact pass."""

    __slots__ = ("low", "high", "s1", "s2", "count", "missing", "centered")

    def __init__(self) -> None:
        self.low, self.high = math.inf, -math.inf
        self.s1 = self.s2 = 0.0
        self.count = self.missing = 0
        self.centered: float | None = None  # sum of squared deviations from the mean, when computed

    def add(self, block: Block) -> None:
        values = block.values
        if block.valid is not None:
            values = values[block.valid]
            self.missing += len(block.values) - len(values)
        if values.dtype != np.float64:
            values = values.astype(np.float64)
        if not len(values):
            return
        total = float(values.sum())
        if not math.isfinite(total):  # NaN is missing; infinities count in min/max only
            nan = np.isnan(values)
            self.missing += int(nan.sum())
            self.low = min(self.low, float(values[~nan].min(initial=math.inf)))
            self.high = max(self.high, float(values[~nan].max(initial=-math.inf)))
            values = values[np.isfinite(values)]
            if not len(values):
                return
            total = float(values.sum())
        self.low = min(self.low, float(values.min()))
        self.high = max(self.high, float(values.max()))
        self.s1 += total
        self.s2 += float(np.einsum("i,i->", values, values))  # not np.dot: OpenBLAS threads spin
        self.count += len(values)

    @property
    def mean(self) -> float:
        return self.s1 / self.count

    def needs_centering(self) -> bool:
        """True when s2/n - mean^2 would keep fewer than about six significant digits."""
        if not self.count or self.low == self.high:
            return False
        square_mean = self.s2 / self.count
        return square_mean - self.mean ** 2 <= 1e-9 * square_mean

    def summary(self) -> dict[str, float | None]:
        """min, max, mean and std (population), None where not finite; empty without values."""
        if not self.count:
            return {}
        if self.low == self.high:
            return {"min": _finite(self.low), "max": _finite(self.high), "mean": _finite(self.low), "std": 0.0}
        mean = self.mean
        variance = self.centered / self.count if self.centered is not None else self.s2 / self.count - mean * mean
        return {"min": _finite(self.low), "max": _finite(self.high), "mean": _finite(mean),
                "std": _finite(math.sqrt(max(variance, 0.0)))}


def center(files: list["DataFile"], name: str, moments: Moments) -> None:
    """The exact second pass: sum of squared deviations from the mean."""
    mean, total = moments.mean, 0.0
    for data_file in files:
        for block in data_file.columns[name].blocks:
            values = block.values if block.valid is None else block.values[block.valid]
            deviations = values.astype(np.float64) - mean
            deviations = deviations[np.isfinite(deviations)]
            total += float(np.einsum("i,i->", deviations, deviations))
    moments.centered = total


def _finite(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None
