"""Data charts: each feature's spread on a log axis (one feature's range dwarfing the others shows
at once), missing values, constant features, class shares and sizes of the splits, rows copied
across splits. Everything comes from the record (which the data profile filled in), never from the
data files themselves."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from advisor.report.svg import (
    HATCHES,
    OKABE_ITO,
    SERIES_STYLES,
    Chart,
    figure,
    label,
    name_margin,
    number,
    to_svg,
)

#: Bars shown at most in a per-feature chart; the others are named in its note.
MAX_BARS = 60
SPLITS = ("train", "validation", "test")


@dataclass
class DataView:
    """The data section of one experiment: charts, and facts that need no chart."""

    charts: list[Chart] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)


def data_view(experiment, chart_id: str) -> DataView:
    """The charts and facts about an experiment's data; empty when the record says nothing of it."""
    from advisor.facts import split_samples

    view = DataView()
    data = experiment.data
    features = list(data.features or []) if data is not None else []
    if data is not None and data.samples is not None:
        view.facts.append(("samples", number(data.samples)))
    if features:
        view.facts.append(("features", number(len(features))))
        spread = _spread_chart(features, f"{chart_id}-spread")
        if spread is not None:
            view.charts.append(spread)
        missing = [f for f in features if f.missing]
        if missing:
            view.charts.append(_missing_chart(missing, data.samples, f"{chart_id}-missing"))
        else:
            view.facts.append(("missing values", "none in any profiled feature"))
        constant = [f.name for f in features if _is_constant(f)]
        view.facts.append(("constant features", ", ".join(constant) if constant else "none"))
    sizes = split_samples(experiment)
    shares = _split_class_counts(experiment)
    if sizes:
        view.charts.append(_sizes_chart(sizes, f"{chart_id}-splits"))
    if shares:
        view.charts.append(_shares_chart(shares, f"{chart_id}-classes"))
    overlap = experiment.splits.overlap if experiment.splits is not None else None
    if overlap is not None:
        view.facts.append(("held-out rows identical to a training row", number(overlap)))
    return view


def _is_constant(feature) -> bool:
    return feature.distinct == 1 or (feature.std == 0 and feature.min is not None and feature.min == feature.max)


def _spread_chart(features, chart_id: str) -> Chart | None:
    """Each feature's standard deviation and largest absolute value, on a log axis."""
    from matplotlib.ticker import NullLocator

    rows = [(f.name, f.std, _largest_magnitude(f)) for f in features if f.std is not None and f.std > 0]
    if not rows:
        return None
    rows.sort(key=lambda row: -row[1])
    shown = rows[:MAX_BARS]
    height = 1.2 + 0.22 * len(shown)
    fig, axes = figure(8.0, height, left=name_margin(_short(row[0]) for row in shown))
    positions = list(range(len(shown)))[::-1]
    # One line collection for all the bars (60 bar patches cost far more to lay out and write).
    floor = min(row[1] for row in shown) / 3
    axes.hlines(positions, floor, [row[1] for row in shown], color=OKABE_ITO["blue"],
                linewidth=max(2.0, min(9.0, 130 / len(shown))), label="standard deviation")
    magnitudes = [(p, row[2]) for p, row in zip(positions, shown) if row[2]]
    if magnitudes:
        axes.plot([m for _, m in magnitudes], [p for p, _ in magnitudes], linestyle="none", marker="D",
                  color=OKABE_ITO["vermillion"], markersize=4, label="largest absolute value")
    axes.set_xscale("log")
    axes.xaxis.set_minor_locator(NullLocator())  # the decades are what the reader compares
    axes.set_ylim(-0.7, len(shown) - 0.3)
    axes.set_yticks(positions, [_short(row[0]) for row in shown], fontsize=7)
    axes.set_xlabel("value, in the feature's own units (log scale)")
    axes.set_ylabel("feature")
    title = "Feature spread"
    axes.set_title(title)
    axes.grid(True, axis="x", which="major", linewidth=0.3, alpha=0.6)
    axes.legend(fontsize=7, loc="lower right")
    ratio = rows[0][1] / rows[-1][1]
    description = (f"{title}: standard deviation of {len(rows)} features, from {number(rows[-1][1])} "
                   f"({rows[-1][0]}) to {number(rows[0][1])} ({rows[0][0]}), a ratio of {number(ratio)}.")
    note = f"The {MAX_BARS} features with the largest spread of {len(rows)}; the table lists all." if len(rows) > MAX_BARS else ""
    table = [[name, number(std), number(largest)] for name, std, largest in rows]
    return Chart("feature-spread", title, to_svg(fig, chart_id, title, description),
                 ["feature", "standard deviation", "largest absolute value"], table, note)


def _largest_magnitude(feature) -> float | None:
    values = [abs(v) for v in (feature.min, feature.max) if v is not None and math.isfinite(v)]
    return max(values) if values and max(values) > 0 else None


def _short(name: str, width: int = 28) -> str:
    return label(name if len(name) <= width else name[:width - 1] + "…")


def _missing_chart(features, samples: int | None, chart_id: str) -> Chart:
    """Missing values per feature (those with any), as a share of the rows when their count is known."""
    features = sorted(features, key=lambda f: -f.missing)
    shown = features[:MAX_BARS]
    share = samples is not None and samples > 0
    values = [f.missing / samples * 100 if share else f.missing for f in shown]
    fig, axes = figure(8.0, 1.2 + 0.22 * len(shown), left=name_margin(_short(f.name) for f in shown))
    positions = list(range(len(shown)))[::-1]
    axes.barh(positions, values, color=OKABE_ITO["orange"], hatch="//", edgecolor="#333333", linewidth=0.4,
              height=0.6, label="missing values")
    axes.set_yticks(positions, [_short(f.name) for f in shown], fontsize=7)
    axes.set_xlabel("missing values (% of rows)" if share else "missing values (rows)")
    axes.set_ylabel("feature")
    title = "Missing values per feature"
    axes.set_title(title)
    axes.legend(fontsize=7, loc="lower right")
    axes.grid(True, axis="x", linewidth=0.3, alpha=0.6)
    description = f"{title}: {len(features)} features have missing values; most in {features[0].name} ({number(features[0].missing)} rows)."
    table = [[f.name, number(f.missing), f"{f.missing / samples:.1%}" if share else ""] for f in features]
    return Chart("missing-values", title, to_svg(fig, chart_id, title, description),
                 ["feature", "missing rows", "share of rows"], table)


def _split_class_counts(experiment) -> dict[str, dict[str, int]]:
    """Class counts per split from `splits.class_counts`, else the whole data's as one row."""
    splits = experiment.splits
    if splits is not None and splits.class_counts:
        return {name: dict(splits.class_counts[name]) for name in SPLITS if splits.class_counts.get(name)}
    data = experiment.data
    if data is not None and data.class_counts:
        return {"all data": dict(data.class_counts)}
    return {}


def _sizes_chart(sizes: dict[str, int], chart_id: str) -> Chart:
    names = [name for name in SPLITS if name in sizes]
    fig, axes = figure(8.0, 1.3 + 0.4 * len(names), left=name_margin(names, 9))
    positions = list(range(len(names)))[::-1]
    for position, name, index in zip(positions, names, range(len(names))):
        axes.barh(position, sizes[name], color=SERIES_STYLES[index][0], hatch=HATCHES[index], edgecolor="#333333",
                  linewidth=0.4, height=0.6, label=f"{name} ({number(sizes[name])})")
    axes.set_yticks(positions, names)
    axes.set_xlabel("samples (rows)")
    axes.set_ylabel("split")
    title = "Split sizes"
    axes.set_title(title)
    axes.legend(fontsize=7, loc="lower right")
    total = sum(sizes.values())
    description = f"{title}: " + ", ".join(f"{name} {number(sizes[name])}" for name in names) + "."
    table = [[name, number(sizes[name]), f"{sizes[name] / total:.1%}" if total else ""] for name in names]
    return Chart("split-sizes", title, to_svg(fig, chart_id, title, description), ["split", "samples", "share"], table)


def _shares_chart(counts: dict[str, dict[str, int]], chart_id: str) -> Chart:
    """One stacked bar per split: each class's share of it, in colour and hatch."""
    classes = list(dict.fromkeys(klass for split in counts.values() for klass in split))
    shown = classes[:len(HATCHES)]
    names = list(counts)
    fig, axes = figure(8.0, 1.4 + 0.45 * len(counts), left=name_margin(names, 9), right=1.9)
    positions = list(range(len(names)))[::-1]
    left = [0.0] * len(names)
    for index, klass in enumerate(shown):
        shares = [_share(counts[name], klass) * 100 for name in names]
        axes.barh(positions, shares, left=left, color=SERIES_STYLES[index % len(SERIES_STYLES)][0],
                  hatch=HATCHES[index], edgecolor="#333333", linewidth=0.4, height=0.6, label=f"class {_short(klass)}")
        left = [a + b for a, b in zip(left, shares)]
    if len(classes) > len(shown):
        rest = [100 - value for value in left]
        axes.barh(positions, rest, left=left, color="#BBBBBB", edgecolor="#333333", linewidth=0.4, height=0.6,
                  label=f"{len(classes) - len(shown)} other classes")
    axes.set_yticks(positions, names)
    axes.set_xlim(0, 100)
    axes.set_xlabel("share of the split's rows (%)")
    axes.set_ylabel("split")
    title = "Class shares per split"
    axes.set_title(title)
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    description = f"{title}: " + "; ".join(
        f"{name}: " + ", ".join(f"class {klass} {_share(counts[name], klass):.1%}" for klass in classes)
        for name in names) + "."
    table = [[name, *(f"{number(counts[name].get(klass, 0))} ({_share(counts[name], klass):.1%})" for klass in classes)]
             for name in names]
    return Chart("class-shares", title, to_svg(fig, chart_id, title, description),
                 ["split", *(f"class {klass}" for klass in classes)], table)


def _share(counts: dict[str, int], label: str) -> float:
    total = sum(counts.values())
    return counts.get(label, 0) / total if total else 0.0
