"""Tuning and evaluation charts: every trial's score against the baseline, and the validation
score against the test score, with two standard errors when the metric is a proportion and the
sample counts are known (the same test RG04 applies)."""

from __future__ import annotations

import math

from advisor.report.svg import (
    OKABE_ITO,
    Chart,
    figure,
    label,
    name_margin,
    number,
    to_svg,
)

#: Trials drawn at most (the best ones by the metric's goal); the table lists all.
MAX_TRIALS = 60


def evaluation_charts(experiment, chart_id: str) -> list[Chart]:
    """The trials chart and the validation-against-test chart, where the record holds their numbers."""
    charts = []
    trials = _trials(experiment)
    if trials:
        charts.append(_trials_chart(experiment, trials, f"{chart_id}-trials"))
    scores = _scores(experiment)
    if scores:
        charts.append(_scores_chart(experiment, scores, f"{chart_id}-scores"))
    return charts


def _metric(experiment) -> str:
    return experiment.metric.name if experiment.metric is not None and experiment.metric.name else "score"


def _baseline(experiment) -> float | None:
    baseline = experiment.baseline
    if baseline is None or baseline.score is None or not math.isfinite(baseline.score):
        return None
    return baseline.score


def _trials(experiment) -> list[tuple[str, float]]:
    tuning = experiment.tuning
    if tuning is None or not isinstance(tuning.trials, list):
        return []
    return [(trial.name or f"trial {index}", trial.score) for index, trial in enumerate(tuning.trials, 1)
            if trial.score is not None and math.isfinite(trial.score)]


def _trials_chart(experiment, trials: list[tuple[str, float]], chart_id: str) -> Chart:
    from advisor.facts import metric_goal_of

    goal = metric_goal_of(experiment) or "maximize"
    ranked = sorted(trials, key=lambda t: -t[1] if goal == "maximize" else t[1])
    shown = ranked[:MAX_TRIALS]
    baseline = _baseline(experiment)
    metric = _metric(experiment)
    fig, axes = figure(8.0, 1.4 + 0.25 * len(shown), left=name_margin(name[:32] for name, _ in shown))
    positions = list(range(len(shown)))[::-1]
    axes.plot([score for _, score in shown], positions, linestyle="none", marker="o", color=OKABE_ITO["blue"],
              markersize=6, label="trial's validation score")
    if baseline is not None:
        axes.axvline(baseline, color=OKABE_ITO["green"], linestyle=(0, (6, 2)), linewidth=1.4,
                     label=f"baseline ({number(baseline)})")
    axes.set_yticks(positions, [label(name[:32]) for name, _ in shown], fontsize=7)
    axes.set_xlabel(label(f"validation {metric}"))
    axes.set_ylabel("trial")
    title = "Tuning trials against the baseline"
    axes.set_title(title)
    axes.grid(True, axis="x", linewidth=0.3, alpha=0.6)
    axes.legend(fontsize=7, loc="best")
    beat = None
    if baseline is not None:
        beat = sum(1 for _, score in trials if (score > baseline if goal == "maximize" else score < baseline))
    description = (f"{title}: {len(trials)} trials scored from {number(min(s for _, s in trials))} to "
                   f"{number(max(s for _, s in trials))} in validation {metric}"
                   + (f"; {beat} of them beat the baseline {number(baseline)}." if beat is not None else "."))
    note = f"The best {MAX_TRIALS} trials of {len(trials)}; the table lists all." if len(trials) > MAX_TRIALS else ""
    rows = [[name, number(score), _versus(score, baseline, goal)] for name, score in ranked]
    return Chart("trials", title, to_svg(fig, chart_id, title, description),
                 ["trial", f"validation {metric}", "against the baseline"], rows, note)


def _versus(score: float, baseline: float | None, goal: str) -> str:
    if baseline is None:
        return ""
    better = score > baseline if goal == "maximize" else score < baseline
    return "better" if better else "not better"


def _scores(experiment) -> list[tuple[str, float, float | None]]:
    """(split, score, two standard errors or None) for the validation and test scores the record holds."""
    from advisor.facts import split_samples, validation_score
    from advisor.names import PROPORTION_METRICS, canonical_metric

    final = experiment.final
    if final is None or final.test_score is None:
        return []
    validation = validation_score(experiment)
    proportion = canonical_metric(_metric(experiment)) in PROPORTION_METRICS
    sizes = split_samples(experiment)
    scores = []
    for split, value in (("validation", validation.value if validation is not None else None),
                         ("test", final.test_score)):
        if value is None or not math.isfinite(value):
            continue
        count = sizes.get(split)
        error = 2 * math.sqrt(value * (1 - value) / count) if proportion and count and 0 <= value <= 1 else None
        scores.append((split, value, error))
    return scores


def _scores_chart(experiment, scores: list[tuple[str, float, float | None]], chart_id: str) -> Chart:
    from advisor.facts import split_samples

    metric = _metric(experiment)
    baseline = _baseline(experiment)
    sizes = split_samples(experiment)
    fig, axes = figure(8.0, 1.4 + 0.5 * len(scores), left=name_margin(["validation"], 9), right=2.6)
    positions = list(range(len(scores)))[::-1]
    colours = (OKABE_ITO["blue"], OKABE_ITO["vermillion"])
    for index, (position, (split, value, error)) in enumerate(zip(positions, scores)):
        axes.errorbar([value], [position], xerr=[error] if error is not None else None, fmt="os"[index],
                      color=colours[index], capsize=5, markersize=7,
                      label=label(f"{split} {metric}") + (" ± 2 standard errors" if error is not None else ""))
    if baseline is not None:
        axes.axvline(baseline, color=OKABE_ITO["green"], linestyle=(0, (6, 2)), linewidth=1.4,
                     label=f"baseline ({number(baseline)})")
    axes.set_yticks(positions, [split for split, _, _ in scores])
    axes.set_ylim(-0.7, len(scores) - 0.3)
    axes.set_xlabel(label(metric))
    axes.set_ylabel("split")
    title = "Validation against test score"
    axes.set_title(title)
    axes.grid(True, axis="x", linewidth=0.3, alpha=0.6)
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    parts = [f"{split} {number(value)}" + (f" ± {number(error)}" if error is not None else "")
             for split, value, error in scores]
    description = f"{title} in {metric}: " + ", ".join(parts) + (f"; baseline {number(baseline)}." if baseline is not None else ".")
    rows = [[split, number(value), number(error) if error is not None else "unknown",
             number(sizes[split]) if split in sizes else ""] for split, value, error in scores]
    note = "" if any(error is not None for _, _, error in scores) else (
        "No standard errors: they are drawn for a proportion metric (accuracy) when the split's sample count is known.")
    return Chart("scores", title, to_svg(fig, chart_id, title, description),
                 ["split", metric, "two standard errors", "samples"], rows, note)
