"""Reports opened in a real headless Chromium with networking off: no console error, no request
leaving the page, every chart drawn and not empty (with the page's scripts disabled too), the stage
checklist as `advisor next --format json` gives it, the index table reordered without JavaScript,
and a screenshot that is not blank.

Where Chromium is not installed the tests say so and skip; under CI (`CI` set, as CI services and
`.ci/run` do) a missing browser is a failure, so CI never skips them."""

from __future__ import annotations

import io
import json
import os

import pytest

from tests.advisor_cli import run_advisor
from tests.report.chromium import Chromium, find_chromium

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BREAST_CANCER = os.path.join(ROOT, "examples", "breast_cancer", "experiment.yaml")

#: What the page's probe reads: every chart (its key, SVG, paths drawn, size on screen), the
#: checklists, the visible index table.
PROBE = """(() => {
  const charts = [...document.querySelectorAll("figure.chart")].map(figure => {
    const svg = figure.querySelector("svg");
    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    return {key: figure.dataset.key, svgs: figure.querySelectorAll("svg").length,
            paths: svg ? svg.querySelectorAll("path").length : 0,
            texts: svg ? svg.querySelectorAll("text").length : 0,
            width: box.width, height: box.height, title: svg ? svg.querySelector("title").textContent : ""};
  });
  const experiments = [...document.querySelectorAll("section.experiment")].map(section => ({
    title: section.querySelector("h2").textContent,
    stage: Number(section.dataset.stage), status: section.dataset.status,
    stages: [...section.querySelectorAll("li.stage")].map(li => ({
      number: Number(li.dataset.number), status: li.dataset.status,
      codes: [...li.querySelectorAll("li.finding")].map(f => f.dataset.code)})),
    charts: [...section.querySelectorAll("figure.chart")].map(f => f.dataset.key)}));
  const visibleOrder = () => [...document.querySelectorAll("table.index")]
      .filter(t => t.offsetParent !== null).map(t => t.dataset.order);
  const before = visibleOrder();
  const radio = document.getElementById("sort-error");
  if (radio) radio.checked = true;
  const after = visibleOrder();
  const firstRow = [...document.querySelectorAll("table.index")].filter(t => t.offsetParent !== null)
      .map(t => t.querySelector("tbody tr td").textContent);
  return {charts, experiments, before, after, firstRow, scripts: document.scripts.length,
          brokenLinks: [...document.querySelectorAll('a[href^="#"]')]
              .filter(a => !document.getElementById(a.getAttribute("href").slice(1))).length};
})()"""


@pytest.fixture(scope="module")
def browser():
    executable = find_chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed, and CI must run the browser tests (apt-get install chromium)")
        pytest.skip("Chromium is not installed here (Debian: apt-get install chromium); CI runs these tests")
    with Chromium(executable) as running:
        yield running


@pytest.fixture(scope="module")
def batch(tmp_path_factory, trained_run, diverged, per_fold):
    """One page over four experiments, and what `advisor next --format json` says of them."""
    folder = tmp_path_factory.mktemp("pages")
    inputs = [BREAST_CANCER, trained_run, diverged, per_fold]
    root = tmp_path_factory.getbasetemp()  # the project root holds the data the run directory names
    result = run_advisor("report", *inputs, "-o", str(folder / "batch.html"), cwd=root, timeout=300)
    assert result.returncode == 1, result.stderr
    shown = json.loads(run_advisor("next", "--format", "json", *inputs, cwd=root, timeout=120).stdout)
    return str(folder / "batch.html"), shown["experiments"]


def _not_blank(png: bytes) -> None:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.width >= 1000 and image.height > 2000
    colours = image.resize((200, 400)).getcolors(maxcolors=200 * 400)
    assert len(colours) > 50  # text, lines and bars in several colours
    white = max(count for count, colour in colours if colour == (255, 255, 255))
    assert white < 0.97 * 200 * 400


@pytest.mark.parametrize("javascript", [True, False], ids=["scripts-on", "scripts-off"])
def test_batch_page_offline(browser, batch, javascript, tmp_path):
    path, shown = batch
    visit = browser.visit(path, PROBE, javascript=javascript)
    assert visit.requests == []
    assert visit.console == [] and visit.exceptions == []
    values = visit.values
    assert values["scripts"] == 0 and values["brokenLinks"] == 0
    assert len(values["experiments"]) == len(shown) == 4
    for experiment, expected in zip(values["experiments"], shown):
        assert (experiment["stage"], experiment["status"]) == (expected["stage"]["number"], expected["stage"]["status"])
        assert [(s["number"], s["status"], s["codes"]) for s in experiment["stages"]] == [
            (s["number"], s["status"], [f["code"] for f in s["findings"]]) for s in expected["stages"]]
    breast, trained, diverged, folds = (set(e["charts"]) for e in values["experiments"])
    assert breast == {"feature-spread", "split-sizes", "class-shares"}
    assert trained == {"loss", "metric", "feature-spread", "split-sizes", "class-shares", "trials", "scores"}
    assert diverged == {"loss", "metric"} and folds == {"loss", "metric"}
    for chart in values["charts"]:
        assert chart["svgs"] == 1 and chart["paths"] >= 5 and chart["texts"] >= 5, chart
        assert chart["width"] > 400 and chart["height"] > 100, chart
        assert chart["title"]
    _not_blank(visit.screenshot)
    (tmp_path / "batch.png").write_bytes(visit.screenshot)


def test_index_table_reorders_without_javascript(browser, batch):
    path, shown = batch
    values = browser.visit(path, PROBE, javascript=False).values
    assert values["before"] == ["input"] and values["after"] == ["error"]
    errors = [sum(f["severity"] == "error" for stage in e["stages"] for f in stage["findings"]) for e in shown]
    titles = [e["title"] for e in values["experiments"]]
    most = min(zip(errors, titles), key=lambda pair: (-pair[0], pair[1].lower()))[1]
    assert values["firstRow"] == [most]


def test_single_run_page(browser, trained_run, tmp_path):
    root = os.path.dirname(trained_run)  # the run's record names the data beside the run directory
    result = run_advisor("report", trained_run, "-o", str(tmp_path / "run.html"), cwd=root, timeout=120)
    assert result.returncode in (0, 1), result.stderr
    shown = json.loads(run_advisor("next", "--format", "json", trained_run, cwd=root).stdout)
    visit = browser.visit(str(tmp_path / "run.html"), PROBE, javascript=False)
    assert visit.requests == [] and visit.console == [] and visit.exceptions == []
    (experiment,) = visit.values["experiments"]
    assert experiment["stage"] == shown["stage"]["number"]
    assert [c["key"] for c in visit.values["charts"]][:2] == ["loss", "metric"]
    _not_blank(visit.screenshot)


def test_the_probe_sees_requests_and_console_errors(browser, tmp_path):
    """The checks above can fail: a page that fetches an image and logs an error is caught."""
    page = tmp_path / "leaky.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://example.invalid/pixel.png">'
                    '<script>console.error("broken")</script></body></html>')
    visit = browser.visit(str(page), "({})")
    assert visit.requests == ["http://example.invalid/pixel.png"]
    assert any("broken" in json.dumps(message) for message in visit.console)
