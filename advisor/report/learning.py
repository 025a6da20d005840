"""Learning curves: training and validation loss and success metric per epoch, with what the rules
look at marked on them (best validation epoch, where early stopping stopped, the baseline score,
non-finite epochs, the epochs the TD, OF and RG findings are about) and per-fold curves when the
history logged folds."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from advisor.report.svg import (
    OKABE_ITO,
    SERIES_STYLES,
    Chart,
    downsample,
    figure,
    label,
    number,
    spans_decades,
    to_svg,
)

#: Rule families whose findings are about epochs of the curves.
CURVE_FAMILIES = ("TD", "OF", "RG")
#: Per-fold history keys: `fold1_val_loss`, `fold_2/loss`, `val_loss_fold3`, `loss/fold-4`.
_FOLD_KEY = (re.compile(r"^fold[_-]?(\d+)[/_.-](.+)$", re.IGNORECASE),
             re.compile(r"^(.+?)[/_.-]fold[_-]?(\d+)$", re.IGNORECASE))
#: Rows of the text alternative at most (every k-th epoch, plus the marked ones).
TABLE_ROWS = 40


@dataclass(frozen=True)
class Span:
    """Epochs (1-based, inclusive) a finding is about."""

    code: str
    first: int
    last: int


def fold_series(names: list[str]) -> dict[str, dict[int, str]]:
    """Per-fold keys of a history, by the metric they log: `{"val_loss": {1: "fold1_val_loss"}}`."""
    found: dict[str, dict[int, str]] = {}
    for name in names:
        for pattern in _FOLD_KEY:
            match = pattern.match(name)
            if match:
                fold, metric = (match.group(1), match.group(2)) if pattern is _FOLD_KEY[0] else (
                    match.group(2), match.group(1))
                found.setdefault(metric, {})[int(fold)] = name
                break
    return found


def finding_spans(findings, epochs: int) -> list[Span]:
    """The epochs each TD, OF or RG finding names in its evidence (`epoch`, `best_epoch`,
    `peak_epoch`...), as a span from the first to the last; findings naming none are left out."""
    spans = []
    for finding in findings:
        if not finding.code.startswith(CURVE_FAMILIES):
            continue
        named = [value for key, value in finding.evidence.items()
                 if key.endswith("epoch") and isinstance(value, int) and not isinstance(value, bool)
                 and 1 <= value <= epochs]
        if named:
            spans.append(Span(finding.code, min(named), max(named)))
    return spans


def learning_charts(entry, chart_id: str) -> list[Chart]:
    """The loss chart and the success-metric chart of an experiment's history (none without one)."""
    from advisor.facts import history_key, metric_goal_of

    experiment = entry.experiment
    history = experiment.history
    if history is None or history.epochs == 0:
        return []
    series = history.series
    folds = fold_series(list(series))
    spans = finding_spans(entry.findings, history.epochs)
    charts = []
    loss_keys = [key for key in ("loss", "val_loss") if key in series]
    if loss_keys or "loss" in folds or "val_loss" in folds:
        loss_name = experiment.model.loss.name if experiment.model is not None and experiment.model.loss else None
        charts.append(_curve_chart(
            experiment, series, loss_keys, folds, spans, f"{chart_id}-loss", "loss",
            "Loss per epoch", f"loss ({loss_name})" if loss_name else "loss", "minimize", baseline=None))
    metric = experiment.metric.name if experiment.metric is not None else None
    keys = [key for key in (history_key(experiment, metric, False), history_key(experiment, metric, True)) if key]
    if metric and keys:
        goal = metric_goal_of(experiment) or "maximize"
        baseline = experiment.baseline.score if experiment.baseline is not None else None
        charts.append(_curve_chart(
            experiment, series, keys, folds, spans, f"{chart_id}-metric", "metric",
            f"Success metric per epoch: {metric}", metric, goal, baseline=baseline))
    return charts


def _curve_chart(experiment, series: dict[str, list[float]], keys: list[str], folds, spans: list[Span],
                 chart_id: str, key: str, title: str, ylabel: str, goal: str, baseline: float | None) -> Chart:
    from advisor.curves import best_epoch

    fig, axes = figure(8.0, 3.6)
    epochs = max(len(values) for values in series.values())
    drawn: list[float] = []
    sampled = False
    for index, name in enumerate(keys):
        values = series[name]
        colour, style, marker = SERIES_STYLES[index % len(SERIES_STYLES)]
        chosen = downsample(values)
        sampled = sampled or len(chosen) < len(values)
        xs = [i + 1 for i in chosen if math.isfinite(values[i])]
        ys = [values[i] for i in chosen if math.isfinite(values[i])]
        drawn += ys
        axes.plot(xs, ys, color=colour, linestyle=style, marker=marker, markevery=max(1, len(xs) // 12),
                  markersize=4, linewidth=1.6, label=label(_label(name)))
    fold_metrics = [metric for metric in (keys or []) if metric in folds] or (
        [m for m in ("loss", "val_loss") if m in folds] if key == "loss" else [])
    for index, metric in enumerate(fold_metrics):
        colour = SERIES_STYLES[keys.index(metric) % len(SERIES_STYLES)][0] if metric in keys else SERIES_STYLES[index][0]
        for number_, fold_key in sorted(folds[metric].items()):
            values = series[fold_key]
            chosen = [i for i in downsample(values) if math.isfinite(values[i])]
            drawn += [values[i] for i in chosen]
            axes.plot([i + 1 for i in chosen], [values[i] for i in chosen], color=colour, linewidth=0.8,
                      alpha=0.45, linestyle=":", label=label(f"{_label(metric)}, per fold") if number_ == min(folds[metric]) else None)
    marks: dict[str, Any] = {}
    val_key = next((k for k in keys if k.startswith("val_")), None)
    if val_key is not None:
        best = best_epoch(series[val_key], goal)
        if best is not None:
            marks["best validation epoch"] = best + 1
            axes.axvline(best + 1, color=OKABE_ITO["black"], linestyle=":", linewidth=1.2,
                         label=f"best validation epoch ({best + 1})")
    stopped = _early_stopping_epoch(experiment, epochs)
    if stopped is not None:
        marks["early stopping stopped"] = stopped
        axes.axvline(stopped, color=OKABE_ITO["orange"], linestyle="-.", linewidth=1.2,
                     label=f"early stopping stopped ({stopped})")
    if baseline is not None and math.isfinite(baseline):
        marks["baseline score"] = baseline
        drawn.append(baseline)
        axes.axhline(baseline, color=OKABE_ITO["green"], linestyle=(0, (6, 2)), linewidth=1.4,
                     label=f"baseline ({number(baseline)})")
    bad = sorted({i + 1 for name in keys for i, v in enumerate(series[name]) if not math.isfinite(v)})
    if bad:
        marks["non-finite epochs"] = _epoch_list(bad)
        shown = [bad[i] for i in downsample([float(e) for e in bad])]
        axes.plot(shown, [0.97] * len(shown), linestyle="none", marker="x", color=OKABE_ITO["vermillion"],
                  markersize=6, transform=axes.get_xaxis_transform(), label=f"non-finite value ({len(bad)} epochs)")
    for index, span in enumerate(spans):
        axes.axvspan(span.first - 0.5, span.last + 0.5, color="#777777", alpha=0.15, linewidth=0,
                     hatch="//" if index % 2 else None,
                     label="epochs flagged by a finding" if index == 0 else None)
        axes.text((span.first + span.last) / 2, 0.99, span.code, transform=axes.get_xaxis_transform(),
                  ha="center", va="top", fontsize=7)
    if spans:
        marks["epochs flagged"] = "; ".join(f"{s.code} {s.first}-{s.last}" if s.last > s.first else f"{s.code} {s.first}"
                                            for s in spans)
    log = spans_decades(drawn) and key == "loss"
    if log:
        axes.set_yscale("log")
    axes.set_xlabel("epoch (1-based)")
    axes.set_ylabel(label(ylabel) + (" (log scale)" if log else ""))
    axes.set_title(label(title))
    axes.set_xlim(0.5, max(epochs, 1) + 0.5)
    axes.grid(True, linewidth=0.3, alpha=0.6)
    axes.legend(fontsize=7, loc="best")
    headers, rows = _table(series, keys, epochs, marks)
    description = _describe(title, series, keys, epochs, marks)
    note = f"{epochs:,} epochs; drawn from at most 500 points per curve (the lowest and highest of each stretch)." if sampled else ""
    return Chart(key, title, to_svg(fig, chart_id, title, description), headers, rows, note)


def _early_stopping_epoch(experiment, epochs: int) -> int | None:
    """The last epoch, when early stopping is declared and training ended before `model.epochs`."""
    model = experiment.model
    if model is None or model.early_stopping is None or model.epochs is None:
        return None
    return epochs if 0 < epochs < model.epochs else None


def _label(key: str) -> str:
    return ("validation " + key[4:]) if key.startswith("val_") else ("training " + key)


def _epoch_list(epochs: list[int], shown: int = 8) -> str:
    text = ", ".join(str(e) for e in epochs[:shown])
    return text + (f" and {len(epochs) - shown} more" if len(epochs) > shown else "")


def _table(series, keys, epochs, marks) -> tuple[list[str], list[list[Any]]]:
    """Every k-th epoch and the marked ones, with the value of each curve."""
    step = max(1, math.ceil(epochs / TABLE_ROWS))
    chosen = set(range(0, epochs, step)) | {epochs - 1}
    for name in ("best validation epoch", "early stopping stopped"):
        if isinstance(marks.get(name), int):
            chosen.add(marks[name] - 1)
    rows = [[epoch + 1, *(number(series[k][epoch]) if epoch < len(series[k]) else "" for k in keys)]
            for epoch in sorted(chosen)]
    return ["epoch", *keys], rows


def _describe(title, series, keys, epochs, marks) -> str:
    parts = [f"{title} over {epochs:,} epochs."]
    for name in keys:
        finite = [v for v in series[name] if math.isfinite(v)]
        if finite:
            parts.append(f"{_label(name)}: first {number(finite[0])}, last {number(finite[-1])}, "
                         f"lowest {number(min(finite))}, highest {number(max(finite))}.")
    parts += [f"{name}: {number(value) if not isinstance(value, str) else value}." for name, value in marks.items()]
    return " ".join(parts)
