"""The rule base: what a rule declares, and what it returns.

A rule is a small class with a stable code and name, the workflow stage it checks, a default
severity, an options model (its thresholds, with defaults), the id of its remedy, and a docstring
whose sections are its documentation::

    class LossActivationMismatch(Rule):
        \"\"\"Last-layer activation and loss are no valid pair.

        ## What it does
        ...
        ## Why is this bad?
        ...
        ## Anti-pattern
        ```yaml
        ...a record that makes the rule fire...
        ```
        ## Best practice
        ```yaml
        ...the same record, corrected...
        ```
        \"\"\"

        code = "MC01"
        name = "loss-activation-mismatch"
        stage = 5
        severity = Severity.ERROR
        remedy = "fix_output_layer"

        def check(self, experiment, options):
            ...
            yield self.violation("message with the measured value and the threshold",
                                 pointer="/model/loss", evidence={...})

`check` measures, then judges: it yields nothing when the fields it needs are missing.

Typed evidence: a rule whose findings an edit reads declares what they carry as a `NamedTuple`
named `Evidence` (a tuple, not a dataclass: building a dataclass at import would cost every lint
run); `violation` refuses a finding that lacks one of its fields, and the edit reads the values as
that class (`FixContext.evidence`), not by string keys::

    class LinearHiddenLayers(Rule):
        class Evidence(NamedTuple):
            layer: int  # the index of the hidden layer to give an activation

        def check(self, experiment, options):
            yield self.violation("...", f"/model/layers/{index}/activation", layer=index, units=...)

Overlapping rules: when one mistake would be reported by two rules (an invalid activation/loss
pair is also an activation that does not fit the problem), each rule still judges on its own, and
the overlap is declared, not coded::

    class LossActivationMismatch(Rule):
        code = "MC01"
        supersedes = ("MC02", "MC03", "MC04", "MC05")

A rule may instead name the rules it is folded into (`folded_into = ("MC01",)`), which lets a
third-party pack fold its rule into a built-in one. The engine drops a superseded rule's finding
only when the superseding rule is selected, fired about the same part of the record (see
`Violation.about`), and its finding is not suppressed (by an inline or file-wide comment, or
per-file-ignores). Otherwise both are reported, so ignoring the superseding rule never hides the
other's finding. A folded finding uses no suppression comment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Iterator

from pydantic import BaseModel, ConfigDict

from advisor.record import Experiment
from advisor.severity import Severity

if TYPE_CHECKING:
    from advisor.remedy import Advice

#: When a run in progress can be judged by a rule (`Rule.judged`).
BEFORE_TRAINING, WITH_DATA, EACH_EPOCH, AFTER_TRAINING = "before_training", "with_data", "each_epoch", "after_training"


@dataclass(frozen=True)
class Measurement:
    """What a rule measured about its workflow evidence (`Rule.evidence`).

    Args:
        present: Whether the evidence is there (a validation protocol, a score beating the
            baseline, a crossed overfitting border).
        values: The numbers behind it (scores, epochs), for reports.
    """

    present: bool
    values: dict[str, Any] = field(default_factory=dict)


class RuleOptions(BaseModel):
    """Base of a rule's options: its thresholds, each with the catalogue default. Unknown option
    names are errors."""

    model_config = ConfigDict(extra="forbid", defer_build=True, frozen=True)


@dataclass(slots=True)
class Violation:
    """What a rule found: the message (with measured value and threshold), the record field a user
    must change (JSON pointer), and the numbers behind it."""

    message: str
    pointer: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    #: The part of the record the finding judges (a JSON pointer), when it is wider than the field
    #: to change: overlapping findings are folded only when they are about the same part. Empty
    #: means the pointer.
    about: str = ""


#: Workflow stages, in order (docs/rules/README.md lists the rules by stage).
STAGES: dict[int, str] = {
    1: "Define the problem and assemble a dataset",
    2: "Choose a measure of success",
    3: "Decide on an evaluation protocol",
    4: "Prepare the data",
    5: "Develop a model that does better than a baseline",
    6: "Scale up: develop a model that overfits",
    7: "Regularize, tune, and evaluate once",
}


class Rule:
    """Base class of every rule. Subclasses set the class attributes and implement `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    stage: ClassVar[int]
    severity: ClassVar[Severity] = Severity.WARNING
    remedy: ClassVar[str | None] = None
    Options: ClassVar[type[RuleOptions]] = RuleOptions
    #: Codes of rules whose findings this rule's finding replaces, about the same part of the record.
    supersedes: ClassVar[tuple[str, ...]] = ()
    #: Codes of rules whose finding replaces this rule's, about the same part of the record.
    folded_into: ClassVar[tuple[str, ...]] = ()
    #: "safe" or "unsafe": the safety of its remedy's edit for this rule's findings, when it differs
    #: from the remedy's own (see `advisor.remedy`).
    fix_safety: ClassVar[str | None] = None
    #: The step `advisor next` gives for this rule's findings in place of its remedy's advice: a
    #: special case the workflow names (a baseline never beaten sends back to stage 1).
    advice: ClassVar[Advice | None] = None
    #: Why its remedy's step matters when this rule's finding causes it, for a remedy several rules
    #: share with different causes; empty to keep the remedy's.
    advice_why: ClassVar[str] = ""
    #: The workflow evidence this rule judges (an `advisor.workflow.REQUIREMENTS` key, such as
    #: "baseline_score"): `advisor next` gives no separate step for evidence its findings cover.
    evidence: ClassVar[str | None] = None
    #: Its finding is the absence of `evidence` itself (a `*-missing` rule): it leaves the stage not
    #: reached rather than blocked.
    reports_absence: ClassVar[bool] = False
    #: When a run in progress can be judged by it (`advisor.integrations.keras.AdvisorCallback`):
    #: BEFORE_TRAINING (it reads no history), WITH_DATA (before training, once the data is known),
    #: EACH_EPOCH (on the partial loss curve, after every epoch) or AFTER_TRAINING.
    judged: ClassVar[str] = AFTER_TRAINING
    #: The evidence its findings carry for an edit to read, as a NamedTuple whose fields are
    #: evidence keys (see the module docstring); None when no edit reads it.
    Evidence: ClassVar[type | None] = None

    def check(self, experiment: Experiment, options: Any) -> Iterable[Violation]:
        """Judge one experiment. Yield a Violation per problem; yield nothing when the fields the
        rule needs are missing (only the *-missing rules fire on absence)."""
        raise NotImplementedError

    def measure(self, experiment: Experiment, options: Any) -> Measurement | None:
        """Measure the workflow evidence this rule judges (`evidence`), whether or not it fires.

        A check measures, its condition judges (as in Deepchecks): `advisor next`, the fix layer
        and the reference trainer read this measurement instead of judging the evidence again, so
        each judgement has one definition. Rules that judge no evidence keep this default.

        Args:
            experiment: The record.
            options: The rule's resolved options.

        Returns:
            The measurement, or None when the record holds too little to measure it.
        """
        return None

    def violation(self, message: str, pointer: str = "", *, about: str = "", **evidence: Any) -> Violation:
        """A Violation of this rule.

        Args:
            message: What is wrong, with the measured value and the threshold.
            pointer: The JSON pointer of the record field a user must change.
            about: The part of the record the finding judges, when wider than `pointer` (see
                `supersedes`); empty means `pointer`.
            **evidence: The numbers behind the finding.

        Returns:
            The Violation.

        Raises:
            TypeError: the rule declares an `Evidence` class and `evidence` lacks one of its
                required fields (a bug of the rule, caught where it is made).
        """
        declared = type(self).Evidence
        if declared is not None:
            missing = required_fields(declared).difference(evidence)
            if missing:
                raise TypeError(f"{self.code}'s Evidence needs {', '.join(sorted(missing))}; the violation "
                                f"carries {', '.join(sorted(evidence)) or 'no evidence'}")
        return Violation(message, pointer, evidence, about)

    @classmethod
    def default_options(cls) -> RuleOptions:
        # Defaults need no validation; skipping it keeps start-up fast.
        return cls.Options.model_construct()

    @classmethod
    def summary(cls) -> str:
        """The first line of the docstring."""
        return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""

    @classmethod
    def family(cls) -> str:
        return cls.code.rstrip("0123456789")

    def run(self, experiment: Experiment, options: Any) -> Iterator[Violation]:
        yield from self.check(experiment, options)


@cache
def required_fields(evidence_type: type) -> frozenset[str]:
    """The fields of an `Evidence` NamedTuple that have no default."""
    return frozenset(evidence_type._fields).difference(evidence_type._field_defaults)  # type: ignore[attr-defined]
