"""Where an experiment stands in the universal workflow of machine learning, and what to do next.

The workflow has seven stages (in the order of `advisor.rule.STAGES`). Each stage of one experiment
is, given the record and its lint findings:

- done: the stage's evidence is present (`REQUIREMENTS`) and no error or warning of its rules
  stands;
- blocked: an error or warning of its rules stands (the findings are listed);
- not reached: no finding blocks it, but its evidence is missing (no baseline score yet, no
  history, no sign of overfitting yet). The `*-missing` rules (`Rule.reports_absence`) report exactly that
  absence, so their finding leaves a stage not reached rather than blocked.

The current stage is the first that is not done; when all seven are done it is stage 7, marked
done. The next steps come from the findings (grouped by remedy, stage by stage, errors first) and
from the current stage's missing evidence, each with the command that performs it where one exists:
`advisor fix` for remedies that are record edits, `advisor train --stage ...` for remedies that need
training.

Pure: this module reads no file and runs no rule's check; `assess` takes a record, its findings and
the rules' measurements of the evidence they judge (`Rule.measure`), so the CLI, the reference
trainer and tests share it, and a judgement such as "beats the baseline" has one definition, the
rule's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Mapping

from advisor.engine import measure_evidence
from advisor.escape import shell_quote
from advisor.finding import Finding
from advisor.fix.remedies import remedy_of, safety
from advisor.record import Experiment
from advisor.registry import load_registry
from advisor.remedy import UNSAFE, Advice
from advisor.rule import STAGES, Measurement, Rule, Severity

DONE, BLOCKED, NOT_REACHED = "done", "blocked", "not_reached"
FINAL_STAGE = max(STAGES)


# --- what each stage is for, in the workflow's own words ---------------------------------------

#: One sentence per stage: why the stage matters.
STAGE_WHY: dict[int, str] = {
    1: "You can't do anything until you know what the inputs and outputs are and what data is available: "
       "your hypothesis is that the outputs can be predicted from these inputs.",
    2: "To control something you need to observe it: the measure of success guides every choice you make later.",
    3: "Once you know what you are aiming for, you must establish how you will measure progress: "
       "the evaluation protocol is what measures generalization.",
    4: "A neural network needs its data as tensors of small, homogeneous, numeric values: "
       "encoded, scaled, normalized, with nothing missing.",
    5: "A model that cannot beat a dumb baseline has no statistical power yet: first show that the problem "
       "can be solved at all.",
    6: "The ideal model stands right at the border between underfitting and overfitting; to find that border, "
       "you must first cross it.",
    7: "Every time you use feedback from your validation process to tune your model, you leak information "
       "into it: tune on validation, then evaluate on the test set once, at the end.",
}


def remedy_advice(remedy_id: str | None) -> Advice | None:
    """The advice of a registered remedy, or None."""
    remedy = remedy_of(remedy_id)
    return remedy.advice if remedy is not None else None


def finding_advice(finding: Finding, rule: type[Rule] | None) -> Advice | None:
    """The step for a finding: its rule's own `advice` when it declares one (a special case the
    workflow names), else its remedy's advice with the rule's `advice_why` when it gives one; None
    when neither exists (the finding's message then says what to do)."""
    if rule is not None and rule.advice is not None:
        return rule.advice
    advice = remedy_advice(finding.remedy)
    if advice is not None and rule is not None and rule.advice_why:
        return replace(advice, why=rule.advice_why)
    return advice


# --- evidence: what a stage needs before it can be done ----------------------------------------

def _has_problem_type(experiment: Experiment) -> bool:
    from advisor.facts import inferred_problem_type

    return inferred_problem_type(experiment) is not None


def _has_dataset(experiment: Experiment) -> bool:
    data, splits = experiment.data, experiment.splits
    if data is not None and (data.path or data.samples):
        return True
    files = splits.files if splits is not None else None
    return files is not None and any((files.train, files.validation, files.test))


def _has_metric(experiment: Experiment) -> bool:
    return experiment.metric is not None and bool(experiment.metric.name)


def _has_data_preparation(experiment: Experiment) -> bool:
    data = experiment.data
    return data is not None and (data.preprocessing is not None or bool(data.features))


def _has_baseline_score(experiment: Experiment) -> bool:
    return experiment.baseline is not None and experiment.baseline.score is not None


def _has_final_evaluation(experiment: Experiment) -> bool:
    final = experiment.final
    return final is not None and final.test_score is not None and final.trained_on is not None


def _regularize_or_final(experiment: Experiment) -> str:
    """Tune first when nothing was tuned or regularized yet; else the final retrain. What counts as
    regularizing is the rules' own fact (`advisor.facts.regularization`)."""
    from advisor.facts import regularization

    tuning = experiment.tuning
    tuned = tuning is not None and bool(tuning.trial_count)
    return "final" if tuned or regularization(experiment) else "regularize"


@dataclass(frozen=True)
class Requirement:
    """One piece of evidence a stage needs.

    A rule ties itself to a requirement by its key (`Rule.evidence`): a rule that reports the
    evidence's absence (`Rule.reports_absence`, the `*-missing` rules) leaves the stage not reached
    rather than blocked, since its finding is the missing evidence itself; the findings of the other
    rules about it already give the step that produces it.

    Args:
        key: The name rules use for it.
        stage: The stage it belongs to.
        what: What the evidence is, as a user reads it under "missing".
        present: Whether the record holds it, for evidence that is a field's presence; None for
            a judgement (beats the baseline, crossed overfitting), which the rule that judges it
            measures (`Rule.measure`), so the workflow never judges it a second way.
        advice: What to do to produce it: the id of the remedy whose advice says it (a rule pack
            declares it), or an `Advice`.
    """

    key: str
    stage: int
    what: str
    present: Callable[[Experiment], bool] | None
    advice: str | Advice

    def met(self, experiment: Experiment, measured: Mapping[str, Measurement]) -> bool:
        """Whether the record holds it: a field's presence, or, for a judgement (`present` None),
        the measurement of the rule that judges it; what no rule measured is missing."""
        if self.present is not None:
            return self.present(experiment)
        measurement = measured.get(self.key)
        return measurement is not None and measurement.present

    def step_advice(self) -> tuple[Advice, str | None]:
        """The advice that produces it, and the remedy id it comes from (None for the core's own).
        A remedy no installed pack declares leaves a plain instruction."""
        if isinstance(self.advice, Advice):
            return self.advice, None
        return remedy_advice(self.advice) or Advice(f"Record {self.what}."), self.advice


#: The evidence of each stage, in order. A stage with all of it present and no standing error or
#: warning is done.
REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("problem_type", 1, "a problem type (problem.type, or labels or an output layer that imply one)",
                _has_problem_type, "set_problem_type"),
    Requirement("dataset", 1, "a dataset (data.path, data.samples or splits.files)", _has_dataset,
                Advice("Assemble the dataset: point data.path at it (CSV, NPZ or Parquet), or record data.samples.")),
    Requirement("metric", 2, "a success metric (metric.name)", _has_metric, "set_metric"),
    Requirement("protocol", 3, "a validation split or K-fold protocol (protocol.type, splits.validation)",
                None,
                Advice("Decide on an evaluation protocol: a hold-out validation split with plenty of data, "
                       "K-fold or iterated K-fold with little (protocol.type).")),
    Requirement("data_preparation", 4,
                "data preparation declared (data.preprocessing) or the data profiled (data.features)",
                _has_data_preparation,
                Advice("Prepare the data: declare its preprocessing (data.preprocessing), or point data.path at "
                       "the data so the advisor can profile it.")),
    Requirement("baseline_score", 5, "a baseline score (baseline.score)", _has_baseline_score, "compute_baseline"),
    Requirement("beats_baseline", 5, "a model validation score that beats the baseline (final.validation_score, "
                "or the success metric's validation values in the history)", None,
                Advice("Train a first model that beats the baseline, and record its validation score.",
                       train_stage="fit")),
    Requirement("overfitting", 6, "a sign of overfitting (validation loss rising after its minimum, or early "
                "stopping that stopped training)", None, "scale_up"),
    Requirement("final_evaluation", 7,
                "a final test score from the model retrained as declared (final.test_score, final.trained_on)",
                _has_final_evaluation,
                Advice("Regularize and tune the model on validation, then retrain it as declared and evaluate "
                       "the test set once.", train_stage=_regularize_or_final)),
)

#: The requirement keys rules may name in `Rule.evidence`.
REQUIREMENT_KEYS = frozenset(requirement.key for requirement in REQUIREMENTS)


# --- results -----------------------------------------------------------------------------------

@dataclass
class StageResult:
    """One stage of one experiment: status, the findings of its rules, the evidence it lacks."""

    number: int
    name: str
    status: str
    findings: list[Finding] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    #: The errors and warnings that keep the stage from being done.
    blocking: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "name": self.name, "status": self.status,
                "findings": [f.to_dict() for f in self.findings], "missing": list(self.missing)}


@dataclass
class Step:
    """One next step: what to do, why, and the command that does it (None when none exists)."""

    codes: list[str]
    text: str
    why: str
    command: str | None
    stage: int
    remedy: str | None = None
    #: The most severe finding behind the step (None for missing evidence).
    severity: Severity | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"codes": list(self.codes), "text": self.text, "why": self.why, "command": self.command,
                "stage": self.stage, "remedy": self.remedy}


@dataclass
class Assessment:
    """Where one experiment stands: the seven stages, the current one, and the next steps."""

    path: str
    subject: str | None
    stages: list[StageResult]
    current: StageResult
    steps: list[Step]

    @property
    def complete(self) -> bool:
        """All seven stages are done."""
        return all(stage.status == DONE for stage in self.stages)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path}
        if self.subject is not None:
            data["subject"] = self.subject
        data["stage"] = {"number": self.current.number, "name": self.current.name, "status": self.current.status}
        data["complete"] = self.complete
        data["stages"] = [stage.to_dict() for stage in self.stages]
        data["steps"] = [step.to_dict() for step in self.steps]
        return data


# --- assessment --------------------------------------------------------------------------------

def _blocks(finding: Finding) -> bool:
    return finding.severity.rank >= Severity.WARNING.rank


def assess(experiment: Experiment, findings: Iterable[Finding], rules: Iterable[type[Rule]] = (),
           commands: bool = True, subject: str | None = None,
           measured: Mapping[str, Measurement] | None = None) -> Assessment:
    """Place an experiment in the workflow and list its next steps.

    Args:
        experiment: The record.
        findings: Its lint findings (suppressions and configuration already applied).
        rules: Rules beside the registered ones (which are always known), or in their place when
            they share a code: they give the stage of an engine finding about a rule that failed,
            a rule's `fix_safety` for the `advisor fix` command, its advice, and the workflow
            evidence it reports on.
        commands: Whether steps may carry commands, which operate on the record's file; False for
            an input `advisor fix` and `advisor train` cannot take (an MLflow run, a lone history).
        subject: The record's name inside its input (an MLflow run id), if any.
        measured: The rules' measurements of the evidence they judge
            (`advisor.engine.measure_evidence` with the lint configuration); measured with the
            rules' default options when not given.

    Returns:
        The `Assessment`.
    """
    if measured is None:
        measured = measure_evidence(experiment)
    rules_by_code = {rule.code: rule for rule in load_registry().rules}
    rules_by_code.update((rule.code, rule) for rule in rules)
    by_stage: dict[int, list[Finding]] = {number: [] for number in STAGES}
    for finding in findings:
        stage = _stage_of(finding, rules_by_code)
        if stage in by_stage:
            by_stage[stage].append(finding)

    stages = []
    invalidating: Finding | None = None  # the first error: what later stages' evidence comes from is void
    for number, name in STAGES.items():
        missing = [r for r in REQUIREMENTS if r.stage == number and not r.met(experiment, measured)]
        # A *-missing rule's finding is the missing evidence itself, not a blocker.
        absent = {r.key for r in missing}
        excused = {code for key in absent for code in _rules_about(rules_by_code, key, absence=True)}
        blocking = [f for f in by_stage[number] if _blocks(f) and f.code not in excused]
        missing_what = [r.what for r in missing]
        if not blocking and not missing and invalidating is not None:
            missing_what.append(f"evidence that the {invalidating.code} error of stage {invalidating.stage} "
                                f"does not invalidate")
        status = BLOCKED if blocking else (NOT_REACHED if missing_what else DONE)
        stages.append(StageResult(number, name, status, by_stage[number], missing_what, blocking))
        if invalidating is None:
            invalidating = next((f for f in blocking if f.severity is Severity.ERROR), None)
    current = next((stage for stage in stages if stage.status != DONE), stages[-1])
    planner = _StepPlanner(experiment, current, rules_by_code, experiment.path if commands else None, measured)
    return Assessment(experiment.path, subject, stages, current, planner.plan(stages))


def _rules_about(rules_by_code: Mapping[str, type[Rule]], key: str, absence: bool = False) -> set[str]:
    """The codes of the rules that judge the evidence `key` (`Rule.evidence`); with `absence`, only
    those whose finding is its absence (`Rule.reports_absence`)."""
    return {code for code, rule in rules_by_code.items()
            if rule.evidence == key and (rule.reports_absence or not absence)}


def _stage_of(finding: Finding, rules_by_code: dict[str, type[Rule]]) -> int | None:
    """A finding's stage; an engine finding about a failed rule counts at that rule's stage."""
    if finding.stage is not None:
        return finding.stage
    rule = rules_by_code.get(str(finding.evidence.get("rule", "")))
    return rule.stage if rule is not None else None


_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


class _StepPlanner:
    """Turns stage results into ordered steps: stage by stage, errors first, one step per remedy."""

    def __init__(self, experiment: Experiment, current: StageResult, rules_by_code: dict[str, type[Rule]],
                 target: str | None, measured: Mapping[str, Measurement]):
        self.experiment = experiment
        self.current = current
        self.rules_by_code = rules_by_code
        self.target = target
        self.measured = measured

    def plan(self, stages: list[StageResult]) -> list[Step]:
        steps: list[Step] = []
        for stage in stages:
            steps.extend(self._finding_steps(stage))
            if stage is self.current:
                steps.extend(self._evidence_steps(stage, steps))
        # The dumb baseline is computed before the first model is trained: once a model is declared,
        # scoring the baseline is a step, whatever stage the experiment stands at.
        if (self.experiment.model is not None and not _has_baseline_score(self.experiment)
                and not any(step.remedy == "compute_baseline" for step in steps)):
            absence = _rules_about(self.rules_by_code, "baseline_score", absence=True)
            codes = [f.code for stage in stages for f in stage.findings if f.code in absence]
            advice = remedy_advice("compute_baseline")
            if advice is not None:
                steps.append(self._advice_step(codes, advice, 5, "compute_baseline"))
        # Errors first, whatever their stage: an error can make the whole run meaningless (a NaN
        # loss), while a warning of an earlier stage only weakens it. Otherwise stage order.
        errors = {id(step) for step in steps if step.severity is Severity.ERROR}
        steps = [step for step in steps if id(step) in errors] + [step for step in steps if id(step) not in errors]
        final = self.experiment.final
        if self.current.status == DONE and not any(step.remedy == "retrain_final" for step in steps) and (
                final is None or final.trained_on != "train+validation"):
            advice = remedy_advice("retrain_final")
            if advice is not None:
                steps.append(self._advice_step([], advice, FINAL_STAGE, "retrain_final"))
        return steps

    def _finding_steps(self, stage: StageResult) -> list[Step]:
        """What blocks each stage; the other findings (info, reported absences) of the current stage only."""
        chosen = list(stage.findings) if stage is self.current else list(stage.blocking)
        # Errors first; within a severity, the special cases the workflow names lead.
        chosen.sort(key=lambda f: (_SEVERITY_ORDER[f.severity], not self._own_advice(f)))
        groups: dict[str, list[Finding]] = {}
        for finding in chosen:
            key = finding.code if (self._own_advice(finding) or not finding.remedy) else finding.remedy
            groups.setdefault(key, []).append(finding)
        return [self._group_step(stage.number, group) for group in groups.values()]

    def _group_step(self, stage: int, group: list[Finding]) -> Step:
        step = self._group_advice(stage, group)
        step.severity = min((f.severity for f in group), key=_SEVERITY_ORDER.__getitem__)
        return step

    def _group_advice(self, stage: int, group: list[Finding]) -> Step:
        codes = list(dict.fromkeys(f.code for f in group))
        first = group[0]
        advice = finding_advice(first, self.rules_by_code.get(first.code))
        if advice is None:  # no remedy: the rule's message says what is wrong and what to do
            more = f" (and {len(group) - 1} more)" if len(group) > 1 else ""
            text = first.message[:1].upper() + first.message[1:] + more
            return Step(codes, text, STAGE_WHY[stage], None, stage, first.remedy)
        return self._advice_step(codes, advice, stage, first.remedy)

    def _own_advice(self, finding: Finding) -> bool:
        """Whether the finding's rule gives its own step (a special case the workflow names)."""
        rule = self.rules_by_code.get(finding.code)
        return rule is not None and rule.advice is not None

    def _evidence_steps(self, stage: StageResult, planned: list[Step]) -> list[Step]:
        """Steps that produce the current stage's missing evidence, unless a finding's step does."""
        covered_codes = {code for step in planned for code in step.codes}
        covered_remedies = {step.remedy for step in planned if step.stage == stage.number}
        steps = []
        for requirement in REQUIREMENTS:
            if requirement.stage != stage.number or requirement.met(self.experiment, self.measured):
                continue
            related = _rules_about(self.rules_by_code, requirement.key)
            advice, remedy = requirement.step_advice()
            if related & covered_codes or (remedy is not None and remedy in covered_remedies):
                continue
            steps.append(self._advice_step([], advice, stage.number, remedy))
        return steps

    def _advice_step(self, codes: list[str], advice: Advice, stage: int, remedy: str | None) -> Step:
        """A step from advice: the trainer's command when training performs it, `advisor fix` when a
        record edit does (and findings name the rules to select)."""
        train_stage = advice.train_stage(self.experiment) if callable(advice.train_stage) else advice.train_stage
        command = None
        if train_stage is not None and self.target is not None:
            fix = "--fix " if advice.with_fix else ""
            command = f"advisor train {shell_quote(self.target)} {fix}--stage {train_stage}"
        elif codes and _is_record_edit(remedy):
            command = self._fix_command(codes, remedy)
        return Step(list(codes), advice.text, advice.why or STAGE_WHY[stage], command, stage, remedy)

    def _fix_command(self, codes: list[str], remedy: str | None) -> str | None:
        if self.target is None:
            return None
        unsafe = any(safety(remedy, self.rules_by_code.get(code) or code) == UNSAFE for code in codes)
        flag = "--unsafe-fixes " if unsafe else ""
        return f"advisor fix {flag}--select {','.join(codes)} {shell_quote(self.target)}"


def _is_record_edit(remedy: str | None) -> bool:
    """Whether `advisor fix` performs the remedy (its registered declaration is the one authority)."""
    declared = remedy_of(remedy)
    return declared is not None and declared.is_edit
