"""The page: what each experiment's section shows, gathered into plain values, then rendered with
the Jinja2 template `templates/report.html.j2` (autoescaped; only the SVG the charts module built is
inserted as markup)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, Callable

from advisor.report.collect import Collected, Entry, collect
from advisor.report.svg import Chart

STATUS_WORDS = {"done": "done", "blocked": "blocked", "not_reached": "not reached"}
STATUS_MARKS = {"done": "✓", "blocked": "✗", "not_reached": "·"}
SEVERITIES = ("error", "warning", "info")
#: Index table orders a reader can choose without JavaScript: key -> label.
SORTS = {"input": "input order", "name": "name", "stage": "stage", "error": "errors", "warning": "warnings",
         "info": "infos"}


@dataclass
class FindingView:
    code: str
    name: str
    severity: str
    message: str
    where: str
    remedy: str
    command: str | None
    rule_anchor: str | None


@dataclass
class StageView:
    number: int
    name: str
    status: str
    current: bool
    findings: list[FindingView]
    missing: list[str]


@dataclass
class Section:
    """One experiment's part of the page."""

    anchor: str
    title: str
    path: str
    stage_line: str
    stage_number: int
    stage_status: str
    complete: bool
    counts: dict[str, int]
    fails: bool
    stages: list[StageView]
    steps: list[Any]
    learning: list[Chart] = field(default_factory=list)
    data_charts: list[Chart] = field(default_factory=list)
    data_facts: list[tuple[str, str]] = field(default_factory=list)
    evaluation: list[Chart] = field(default_factory=list)

    @property
    def charts(self) -> list[Chart]:
        return [*self.learning, *self.data_charts, *self.evaluation]


def stage_line(assessment) -> str:
    """The headline `advisor next` prints for an experiment, without its path."""
    current = assessment.current
    if assessment.complete:
        return f"all {len(assessment.stages)} stages done"
    return f"stage {current.number} of {len(assessment.stages)}, {current.name} ({STATUS_WORDS[current.status]})"


def counts_of(findings) -> dict[str, int]:
    counts = {severity: 0 for severity in SEVERITIES}
    for finding in findings:
        counts[finding.severity.value] += 1
    return counts


def build_section(entry: Entry, index: int, fail_on, rules_by_code: dict[str, Any]) -> Section:
    """Everything one experiment's section shows, charts included.

    Args:
        entry: The experiment, its findings and assessment.
        index: Its place in the report (1-based), for anchors and chart ids.
        fail_on: The configured fail level (`Severity`).
        rules_by_code: The rules that ran, for links to their pages.
    """
    from advisor.engine import fails
    from advisor.report.data import data_view
    from advisor.report.evaluation import evaluation_charts
    from advisor.report.learning import learning_charts
    from advisor.reports import display_path

    assessment = entry.assessment
    anchor = f"experiment-{index}"
    steps_by_code = {code: step for step in assessment.steps for code in step.codes}
    stages = [StageView(stage.number, stage.name, stage.status, stage is assessment.current,
                        [_finding_view(f, entry.path, steps_by_code, rules_by_code) for f in stage.findings],
                        list(stage.missing))
              for stage in assessment.stages]
    view = data_view(entry.experiment, f"{anchor}-data")
    return Section(
        anchor=anchor, title=entry.title, path=display_path(entry.path) + (f" [{entry.subject}]" if entry.subject else ""),
        stage_line=stage_line(assessment), stage_number=assessment.current.number,
        stage_status=assessment.current.status, complete=assessment.complete, counts=counts_of(entry.findings),
        fails=fails(entry.findings, fail_on), stages=stages, steps=list(assessment.steps),
        learning=learning_charts(entry, f"{anchor}-curves"), data_charts=view.charts, data_facts=view.facts,
        evaluation=evaluation_charts(entry.experiment, f"{anchor}-evaluation"))


def _finding_view(finding, record_path: str, steps_by_code, rules_by_code) -> FindingView:
    from advisor.reports import display_path
    from advisor.workflow import finding_advice

    step = steps_by_code.get(finding.code)
    advice = finding_advice(finding, rules_by_code.get(finding.code))
    # A finding without advice gets a step that repeats its message: no remedy line then.
    remedy = advice.text if advice is not None else ""
    where = ""
    if finding.path:
        shown = display_path(finding.path) if finding.path != record_path else "line"
        where = f"{shown}:{finding.line}" if shown != "line" and finding.line else (
            f"line {finding.line}" if finding.line else ("" if shown == "line" else shown))
    return FindingView(finding.code, finding.name, finding.severity.value, finding.message, where, remedy,
                       step.command if step is not None else None,
                       f"rule-{finding.code}" if finding.code in rules_by_code else None)


@dataclass
class RulePage:
    """A rule's documentation, kept in the page so its links work offline."""

    anchor: str
    code: str
    name: str
    stage: int
    severity: str
    summary: str
    parts: list[tuple[str, list[tuple[str, str]]]]
    fix: str | None


def rule_pages(codes: list[str], rules_by_code: dict[str, Any]) -> list[RulePage]:
    """The pages of the rules whose findings the report shows, in code order."""
    from advisor.docs import SECTION_ORDER, sections
    from advisor.fix.remedies import fix_note

    pages = []
    for code in sorted(set(codes)):
        rule = rules_by_code.get(code)
        if rule is None:
            continue
        parts = sections(rule)
        shown = [(heading, _blocks(parts[heading])) for heading in SECTION_ORDER if heading in parts]
        pages.append(RulePage(f"rule-{code}", code, rule.name, rule.stage, rule.severity.value, parts["Summary"],
                              shown, fix_note(rule)))
    return pages


def _blocks(text: str) -> list[tuple[str, str]]:
    """A docstring section as ("text" | "code", content) blocks: fenced code stays preformatted."""
    blocks: list[tuple[str, str]] = []
    for index, part in enumerate(text.split("```")):
        if index % 2:
            blocks.append(("code", part.split("\n", 1)[1] if "\n" in part else part))
        elif part.strip():
            blocks += [("text", paragraph.replace("\n", " ")) for paragraph in part.strip().split("\n\n")]
    return blocks


def index_orders(sections: list[Section]) -> dict[str, list[Section]]:
    """The index table's rows in each order a reader may pick (worst first for the counts)."""
    return {
        "input": list(sections),
        "name": sorted(sections, key=lambda s: s.title.lower()),
        "stage": sorted(sections, key=lambda s: (s.stage_number + (1 if s.complete else 0), s.title.lower())),
        **{severity: sorted(sections, key=_most_first(severity)) for severity in SEVERITIES},
    }


def _most_first(severity: str) -> Callable[[Section], tuple[int, str]]:
    """Sort key: the sections with the most findings of `severity` first, then by title."""
    return lambda s: (-s.counts[severity], s.title.lower())


def render_page(collected: Collected) -> str:
    """The whole report as one HTML document.

    Args:
        collected: What `collect` gathered.

    Returns:
        The HTML text: no script, no external resource; charts as inline SVG.
    """
    import jinja2

    from advisor import __version__
    from advisor.engine import fails
    from advisor.report.svg import chart_style
    from advisor.reports import display_path, error_dict

    rules_by_code = {setup.rule.code: setup.rule for setup in collected.config.rules}
    with chart_style():
        sections = [build_section(entry, index, collected.config.fail_on, rules_by_code)
                    for index, entry in enumerate(collected.entries, 1)]
    findings = [finding for entry in collected.entries for finding in entry.findings]
    environment = jinja2.Environment(loader=jinja2.PackageLoader("advisor.report", "templates"),
                                     autoescape=True, trim_blocks=True, lstrip_blocks=True,
                                     undefined=jinja2.StrictUndefined)
    template = environment.get_template("report.html.j2")
    title = sections[0].title if len(sections) == 1 else f"{len(sections)} experiments"
    failing = fails(findings, collected.config.fail_on)
    return template.render(
        title=title, sections=sections, orders=index_orders(sections), sorts=SORTS, counts=counts_of(findings),
        fail_on=collected.config.fail_on.value, fails=failing, exit_code=2 if collected.errors else int(failing),
        errors=[error_dict(error) for error in collected.errors], inputs=[display_path(p) for p in collected.files],
        rules=rule_pages([f.code for f in findings], rules_by_code), marks=STATUS_MARKS, words=STATUS_WORDS,
        severities=SEVERITIES, version=__version__,
        generated=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


#: The page `advisor train` leaves in every run directory it writes.
RUN_REPORT = "report.html"


def write_run_report(run_directory: str, config=None) -> str | None:
    """Write the report of a finished run directory into it, as `report.html`.

    Args:
        run_directory: A run directory (a record with its history and model beside it).
        config: The resolved configuration; None to discover it from the working directory.

    Returns:
        The page's path; None when the report's libraries (the `report` extra) are not installed,
        or a file of that name is already there (it is never replaced).

    Raises:
        AdvisorError: the run directory cannot be read.
        OSError: the page cannot be written.
    """
    import importlib.util
    import os

    from advisor.errors import InputError
    from advisor.lint import build_config

    target = os.path.join(run_directory, RUN_REPORT)
    if os.path.lexists(target) or not all(importlib.util.find_spec(name) for name in ("matplotlib", "jinja2")):
        return None
    collected = collect([run_directory], config or build_config())
    if collected.errors:
        raise collected.errors[0] if isinstance(collected.errors[0], InputError) else InputError(str(collected.errors[0]))
    write_page(target, render_page(collected))
    return target


def write_page(path: str, text: str) -> None:
    """Write a report atomically; a new file gets the permissions any new file gets (the umask's),
    not the private ones of the temporary file it is renamed from.

    Raises:
        OSError: it cannot be written.
    """
    import os

    from advisor.atomic import write_text_atomic

    existed = os.path.exists(path)
    write_text_atomic(path, text)
    if not existed:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(path, 0o666 & ~umask)
