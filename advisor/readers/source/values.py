"""What a name in a training script holds, as far as static reading can tell.

The interpreter binds names to these values; a name it cannot follow holds None (unknown), and
nothing unknown ever becomes a record field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from advisor.locations import Location

#: Name tokens that say which rows a variable holds (`X_test`, `y_val`, `train_df`).
_ROLE_TOKENS = {
    "test": "test", "tst": "test", "xtest": "test", "ytest": "test", "holdout": "test",
    "val": "validation", "valid": "validation", "validation": "validation", "dev": "validation",
    "xval": "validation", "yval": "validation", "xvalid": "validation", "yvalid": "validation",
    "train": "train", "training": "train", "xtrain": "train", "ytrain": "train", "trn": "train",
}
_TIME_NAMES = re.compile(r"(date|time|timestamp|year|month|day|hour|week|period)", re.IGNORECASE)


def role_of_name(name: str) -> str | None:
    """The rows a variable name says it holds, if any (`X_test` -> test)."""
    roles = {_ROLE_TOKENS[token] for token in re.split(r"[_\d]+", name.lower()) if token in _ROLE_TOKENS}
    return roles.pop() if len(roles) == 1 else None


def looks_like_time(column: str) -> bool:
    return _TIME_NAMES.search(column) is not None


@dataclass
class Const:
    """A literal value (number, string, bool, None, or a list/tuple/dict of them)."""

    value: Any


@dataclass
class Items:
    """A tuple or list whose items are values (what a function returning several things gives)."""

    items: list[Any]


@dataclass
class Origin:
    """Where a dataset came from: a file, a bundled dataset, or unknown, and its target column."""

    path: str | None = None
    path_location: Location | None = None
    bundled: str | None = None
    target: str | None = None
    target_location: Location | None = None
    target_from_drop: bool = False
    time_column: str | None = None


@dataclass
class Rows:
    """Data rows (a frame, features or labels).

    Args:
        role: Which rows: "all" (before any split), "train", "validation", "test", or None.
        origin: The dataset they came from.
        order: What the rows are sorted by: "target", a column name, or None (unordered or unknown).
        fresh: Just made by a split, a loader or a slice: the variable name may say which rows they are.
        target: These are the labels.
        column: The one column selected (`df["y"]`, `df.pop("y")`): the target when bound to a label name.
        dropped: The one column dropped (`df.drop(columns=["y"])`): the target when bound to a feature name.
    """

    role: str | None
    origin: Origin
    order: str | None = None
    fresh: bool = False
    target: bool = False
    column: str | None = None
    dropped: str | None = None

    def derived(self, **changes: Any) -> Rows:
        """A copy with `changes` applied; it is no longer fresh unless `changes` says so."""
        return replace(self, **{"fresh": False, **changes})

    @property
    def ordered_by(self) -> str | None:
        """"target" or "time" when the rows are sorted that way."""
        if self.order is None:
            return None
        if self.order == "target" or self.order == self.origin.target:
            return "target"
        if self.order == self.origin.time_column or looks_like_time(self.order):
            return "time"
        return None


@dataclass
class Order:
    """An index that sorts rows (`np.argsort(y)`, `df.sort_values(...).index`)."""

    by: str


@dataclass
class FoldIndex:
    """The train or validation row indices of one cross-validation fold."""

    role: str


@dataclass
class Bunch:
    """What `sklearn.datasets.load_*()` returns (not as `return_X_y`)."""

    rows: Rows


@dataclass
class LayerValue:
    """A Keras layer: its record fields and where each was written."""

    fields: dict[str, Any]
    locations: dict[str, Location]


@dataclass
class Tensor:
    """A functional-API tensor: the layers it went through, input first (None when it merges
    branches). `depth`: how many loops enclose the code that made its input."""

    layers: list[LayerValue] | None
    depth: int = 0


@dataclass
class KerasModel:
    """A Keras model built in the script (layers None when not known)."""

    layers: list[LayerValue] | None
    location: Location
    compiled: dict[str, Any] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    fits: int = 0
    fit_frames: tuple = ()
    #: How many loops enclose the code that made it: layers added in a deeper loop are not counted.
    depth: int = 0


@dataclass
class Estimator:
    """A scikit-learn object.

    Args:
        cls: Its class name (`StandardScaler`).
        kind: "step" (preprocessing), "model", "pipeline", "search", "dummy".
        location: Where it was made.
        steps: A pipeline's steps; a search's estimator as its only step.
        step_index: For a preprocessing step, its index in `data.preprocessing` once recorded.
    """

    cls: str
    kind: str
    location: Location
    steps: list[Estimator] = field(default_factory=list)
    step_index: int | None = None
    fits: int = 0
    fit_frames: tuple = ()
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Splitter:
    """A cross-validation splitter (`KFold(5)`)."""

    protocol: str
    folds: int | None
    method: str | None
    location: Location


@dataclass
class Callback:
    kind: str
    fields: dict[str, Any]
    locations: dict[str, Location]


@dataclass
class Function:
    """A function defined in the script (called functions are read inline)."""

    node: Any


@dataclass
class Reference:
    """A library object named, not called (`keras.activations.relu`, `keras.losses.mse`)."""

    name: str


def grid_size(grid: Any) -> int | None:
    """Candidates in a literal parameter grid (a dict of lists, or a list of such dicts)."""
    value = grid.value if isinstance(grid, Const) else None
    grids = value if isinstance(value, list) else [value]
    total = 0
    for one in grids:
        if not isinstance(one, dict) or not all(isinstance(v, (list, tuple)) for v in one.values()):
            return None
        size = 1
        for options in one.values():
            size *= len(options)
        total += size
    return total
