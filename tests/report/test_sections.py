"""Each section of the report, built from real inputs: a run directory of the reference trainer,
Keras logs, per-fold Keras histories, the bundled examples' data."""

from __future__ import annotations

import math
import os
import re

import pytest

from advisor.lint import build_config
from advisor.report.collect import collect
from advisor.report.page import build_section, render_page
from advisor.report.svg import MAX_POINTS, chart_style, downsample
from advisor.severity import Severity
from tests.report.conftest import FOLD_EPOCHS, FOLDS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BREAST_CANCER = os.path.join(ROOT, "examples", "breast_cancer", "experiment.yaml")


def sections_of(*paths: str, **selection):
    config = build_config(**selection)
    collected = collect(list(paths), config)
    rules = {setup.rule.code: setup.rule for setup in config.rules}
    with chart_style():
        return collected, [build_section(entry, index, config.fail_on, rules)
                           for index, entry in enumerate(collected.entries, 1)]


def charts_by_key(charts):
    return {chart.key: chart for chart in charts}


def svg_lines(svg: str) -> int:
    """Drawn line segments of a chart: path commands in its SVG."""
    return len(re.findall(r"<path ", svg))


def test_trainer_run_curves_mark_best_epoch_baseline_and_early_stopping(trained_run):
    from advisor.curves import best_epoch
    from advisor.readers import read_input

    (_, experiment), = read_input(trained_run)
    _, (section,) = sections_of(trained_run)
    charts = charts_by_key(section.learning)
    assert set(charts) == {"loss", "metric"}
    series = experiment.history.series
    best = best_epoch(series["val_loss"]) + 1
    loss = charts["loss"]
    assert loss.headers == ["epoch", "loss", "val_loss"]
    assert f"best validation epoch: {best}." in loss.svg
    assert len(loss.rows) == experiment.history.epochs  # 40 epochs at most: every one listed
    stopped = experiment.history.epochs < experiment.model.epochs
    assert ("early stopping stopped" in loss.svg) == stopped
    metric = charts["metric"]
    assert metric.headers == ["epoch", "accuracy", "val_accuracy"]
    assert f"baseline score: {experiment.baseline.score:.4g}." in metric.svg
    assert "baseline (" in metric.svg  # its legend entry
    assert "(log scale)" not in loss.svg  # a loss between 0.1 and 1 spans no decades


def test_trainer_run_checklist_is_the_workflow_assessment(trained_run):
    collected, (section,) = sections_of(trained_run)
    assessment = collected.entries[0].assessment
    assert [(s.number, s.status, s.current) for s in section.stages] == [
        (s.number, s.status, s is assessment.current) for s in assessment.stages]
    shown = [f.code for stage in section.stages for f in stage.findings]
    assert sorted(shown) == sorted(f.code for f in collected.entries[0].findings)
    for stage in section.stages:
        for finding in stage.findings:
            assert finding.rule_anchor == f"rule-{finding.code}"


def test_trainer_run_evaluation_has_trials_and_scores_with_standard_errors(trained_run):
    from advisor.readers import read_input

    (_, experiment), = read_input(trained_run)
    _, (section,) = sections_of(trained_run)
    charts = charts_by_key(section.evaluation)
    assert set(charts) == {"trials", "scores"}
    trial = experiment.tuning.trials[0]
    assert charts["trials"].rows[0][:2] == [trial.name, f"{trial.score:.4g}"]
    assert charts["trials"].rows[0][2] == ("better" if trial.score > experiment.baseline.score else "not better")
    rows = {row[0]: row for row in charts["scores"].rows}
    test = experiment.final.test_score
    n_test = experiment.splits.test
    assert rows["test"][1] == f"{test:.4g}"
    assert rows["test"][2] == f"{2 * math.sqrt(test * (1 - test) / n_test):.4g}"
    assert rows["test"][3] == str(n_test)


def test_trainer_run_data_shows_split_sizes_and_class_shares(trained_run):
    from advisor.readers import read_input

    (_, experiment), = read_input(trained_run)
    _, (section,) = sections_of(trained_run)
    charts = charts_by_key(section.data_charts)
    assert [row[:2] for row in charts["split-sizes"].rows] == [
        [name, str(getattr(experiment.splits, name))] for name in ("train", "validation", "test")]
    shares = charts["class-shares"]
    assert [row[0] for row in shares.rows] == ["train", "validation", "test"]
    train = experiment.splits.class_counts["train"]
    assert shares.rows[0][1] == f"{train['0']} ({train['0'] / sum(train.values()):.1%})"
    # 4 features at scales 1 to 1000: the spread chart lists each, the largest first
    spread = charts["feature-spread"]
    assert [row[0] for row in spread.rows] == ["f3", "f2", "f1", "f0"]


def test_diverged_loss_marks_non_finite_epochs_and_shades_the_finding(diverged):
    collected, (section,) = sections_of(diverged)
    loss = charts_by_key(section.learning)["loss"]
    # Keras logged val_loss inf at epoch 1, then NaN everywhere
    assert "non-finite epochs: 1, 2, 3, 4." in loss.svg
    assert "non-finite value (4 epochs)" in loss.svg
    td01 = next(f for f in collected.entries[0].findings if f.code == "TD01")
    assert f"epochs flagged: TD01 {td01.evidence['epoch']}." in loss.svg
    assert [row[1:] for row in loss.rows] == [["2.034e+20", "inf"], *[["NaN", "NaN"]] * 3]


def test_loss_spanning_decades_gets_a_log_axis(tmp_path):
    from tests.readers import keras_models

    keras_models.train_and_save(tmp_path)
    history = (tmp_path / "history.csv").read_text().splitlines()
    # The same CSVLogger columns, with one epoch's loss scaled down by 1000 (a loss falling steeply).
    header, first, *rest = history
    cells = first.split(",")
    column = header.split(",").index("loss")
    cells[column] = str(float(cells[column]) * 1000)
    (tmp_path / "history.csv").write_text("\n".join([header, ",".join(cells), *rest]) + "\n")
    _, (section,) = sections_of(str(tmp_path / "history.csv"))
    assert "(log scale)" in charts_by_key(section.learning)["loss"].svg


def test_per_fold_curves_are_drawn_beside_the_mean(per_fold):
    _, (section,) = sections_of(per_fold)
    charts = charts_by_key(section.learning)
    loss, metric = charts["loss"], charts["metric"]
    assert "training loss, per fold" in loss.svg and "validation loss, per fold" in loss.svg
    assert "validation accuracy, per fold" in metric.svg
    assert loss.headers == ["epoch", "loss", "val_loss"]
    assert len(loss.rows) == FOLD_EPOCHS
    # two mean curves and 2 x 3 fold curves, each a path of its own
    _, (without_folds,) = sections_of(per_fold, ignore=["ALL"])
    assert svg_lines(loss.svg) >= svg_lines(charts_by_key(without_folds.learning)["loss"].svg)
    assert loss.svg.count("per fold") >= 2 and FOLDS == 3


def test_breast_cancer_spread_shows_the_dwarfing_feature():
    _, (section,) = sections_of(BREAST_CANCER)
    spread = charts_by_key(section.data_charts)["feature-spread"]
    assert len(spread.rows) == 30
    assert spread.rows[0][0] == "worst_area" and spread.rows[-1][0] == "fractal_dimension_error"
    assert "a ratio of 2.152e+05" in spread.svg  # DP03's 215,171x
    assert "(log scale)" in spread.svg
    facts = dict(section.data_facts)
    assert facts["missing values"] == "none in any profiled feature"
    assert facts["constant features"] == "none"


def test_missing_values_and_constant_features_from_real_data(tmp_path):
    import numpy as np
    import pandas as pd
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame
    frame.loc[frame.index[::10], "alcohol"] = np.nan
    frame.loc[frame.index[:5], "magnesium"] = np.nan
    frame["batch"] = 7.0
    frame.to_csv(tmp_path / "wine.csv", index=False)
    assert pd.read_csv(tmp_path / "wine.csv")["alcohol"].isna().sum() == 18
    (tmp_path / "experiment.yaml").write_text(
        "version: 1\nname: wine\nproblem: {type: multiclass_classification, target: target}\n"
        "data: {path: wine.csv, target_column: target}\n")
    _, (section,) = sections_of(str(tmp_path / "experiment.yaml"))
    missing = charts_by_key(section.data_charts)["missing-values"]
    assert [row[:2] for row in missing.rows] == [["alcohol", "18"], ["magnesium", "5"]]
    assert missing.rows[0][2] == f"{18 / 178:.1%}"
    assert dict(section.data_facts)["constant features"] == "batch"
    shares = charts_by_key(section.data_charts)["class-shares"]
    assert shares.rows[0][0] == "all data" and shares.headers[1:] == ["class 0", "class 1", "class 2"]


def test_selection_and_fail_level_are_honoured():
    _, (everything,) = sections_of(BREAST_CANCER)
    _, (selected,) = sections_of(BREAST_CANCER, select=["DP03"], fail_on="error")
    from advisor.engine import Linter
    from advisor.readers import read_input

    (_, experiment), = read_input(BREAST_CANCER)
    linted = Linter(build_config()).lint(experiment)
    assert everything.counts == {s: sum(f.severity.value == s for f in linted) for s in ("error", "warning", "info")}
    assert everything.counts["error"] >= 1 and everything.fails
    assert selected.counts == {"error": 0, "warning": 1, "info": 0} and not selected.fails
    assert [f.code for s in selected.stages for f in s.findings] == ["DP03"]


def test_findings_carry_remedy_command_and_rule_page():
    collected, (section,) = sections_of(BREAST_CANCER)
    found = {f.code: f for stage in section.stages for f in stage.findings}
    assert found["EP02"].command == "advisor fix --unsafe-fixes --select EP02 examples/breast_cancer/experiment.yaml" \
        or found["EP02"].command.endswith("--select EP02 " + BREAST_CANCER)
    assert found["EP02"].remedy.startswith("Use K-fold validation")
    assert found["DP02"].where.endswith("breast_cancer.csv:1")
    assert found["EP02"].where == "line 25"
    page = render_page(collected)
    for code in found:
        assert f'id="rule-{code}"' in page and f'href="#rule-{code}"' in page


def test_downsampling_keeps_spikes_and_bounds_the_points():
    values = [1.0 / (1 + i) for i in range(100_000)]
    values[54_321] = 50.0
    values[77_777] = math.nan
    chosen = downsample(values)
    assert len(chosen) <= MAX_POINTS + 2
    assert 54_321 in chosen and 0 in chosen and 99_999 in chosen
    assert 77_777 not in chosen
    assert downsample(values[:10]) == list(range(10))


def test_hundred_thousand_epochs_are_drawn_not_refused(tmp_path):
    from tests.readers import keras_models

    history = keras_models.train_and_save(tmp_path)
    # The real fit's loss curves repeated to 100,000 epochs, in CSVLogger's layout.
    lines = ["epoch,loss,val_loss"]
    for epoch in range(100_000):
        index = epoch % len(history["loss"])
        lines.append(f"{epoch},{history['loss'][index]!r},{history['val_loss'][index]!r}")
    (tmp_path / "history.csv").write_text("\n".join(lines) + "\n")
    _, (section,) = sections_of(str(tmp_path / "history.csv"))
    loss = charts_by_key(section.learning)["loss"]
    assert "100,000 epochs; drawn from at most 500 points" in loss.note
    assert len(loss.svg) < 400_000
    assert len(loss.rows) <= 42


@pytest.mark.parametrize("name", ["$x$", "_hidden", "tab\there"])
def test_names_from_inputs_are_drawn_verbatim(tmp_path, name):
    import csv

    with open(tmp_path / "d.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([name, "other", "label"])
        writer.writerows([[i * 1000.0, i * 0.001, i % 2] for i in range(40)])
    (tmp_path / "experiment.yaml").write_text("version: 1\ndata: {path: d.csv, target_column: label}\n")
    _, (section,) = sections_of(str(tmp_path / "experiment.yaml"))
    spread = charts_by_key(section.data_charts)["feature-spread"]
    shown = name.replace("\t", "\\t")
    assert spread.rows[0][0] == name
    from html import escape

    assert f">{escape(shown, quote=False).replace('$', '$')}<" in spread.svg.replace("\u200b", "")


def test_fail_level_of_the_configuration(tmp_path):
    (tmp_path / "advisor.toml").write_text('fail-on = "error"\n')
    config = build_config(str(tmp_path / "advisor.toml"))
    assert config.fail_on is Severity.ERROR


def test_run_directory_report_is_written_once(trained_run, tmp_path):
    import shutil

    from advisor.report.page import RUN_REPORT, write_run_report

    folder = tmp_path / "copy"
    shutil.copytree(os.path.dirname(trained_run), folder)
    run = folder / os.path.basename(trained_run)
    assert 'data-key="loss"' in (run / RUN_REPORT).read_text(encoding="utf-8")  # advisor train wrote it
    (run / RUN_REPORT).unlink()
    page = write_run_report(str(run))
    assert page == str(run / RUN_REPORT)
    text = (run / RUN_REPORT).read_text(encoding="utf-8")
    assert "<h2>Learning curves</h2>" not in text and 'data-key="loss"' in text
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(page).st_mode & 0o777 == 0o666 & ~umask
    (run / RUN_REPORT).write_text("mine")
    assert write_run_report(str(run)) is None  # never replaced
    assert (run / RUN_REPORT).read_text() == "mine"


@pytest.fixture(scope="module")
def mlflow_store(tmp_path_factory):
    """A file store and an SQLite store made by the real `mlflow` package with Keras autologging."""
    import json
    import subprocess
    import sys

    from tests.readers.test_mlflow import GENERATOR

    directory = tmp_path_factory.mktemp("mlflow")
    result = subprocess.run([sys.executable, GENERATOR, str(directory)], capture_output=True, text=True,
                            timeout=300, env={**os.environ, "KERAS_BACKEND": "jax"}, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    with open(directory / "summary.json", encoding="utf-8") as handle:
        return directory, json.load(handle)


@pytest.mark.parametrize("kind", ["file", "sqlite"])
def test_mlflow_runs_get_a_section_each_with_their_curves(mlflow_store, kind):
    directory, summary = mlflow_store
    store = str(directory / "file" / "mlruns") if kind == "file" else str(directory / "sqlite" / "mlflow.db")
    collected, sections = sections_of(store)
    by_run = {entry.subject: section for entry, section in zip(collected.entries, sections)}
    autolog = by_run[summary[kind]["autolog"]]
    assert autolog.path.endswith(f"[{summary[kind]['autolog']}]")
    loss = charts_by_key(autolog.learning)["loss"]
    logged = summary[kind]["history"]
    assert [row[1:] for row in loss.rows] == [[f"{a:.4g}", f"{b:.4g}"] for a, b in zip(logged["loss"], logged["val_loss"])]
    assert charts_by_key(autolog.learning)["metric"].headers == ["epoch", "accuracy", "val_accuracy"]
    assert summary[kind]["deleted"] not in by_run
    page = render_page(collected)
    assert page.count('<section class="experiment"') == len(sections) >= 3
