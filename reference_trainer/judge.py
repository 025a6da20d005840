"""Judge a trial by the rule pack itself: the record the run would write after it, linted with the
rules that name a remedy the trainer performs.

With `--fix` the trainer performs the remedies that need training when the run shows them: a
finding whose remedy is `lower_learning_rate` (the loss became NaN, diverges or oscillates) makes
the fit stage train again at a lower learning rate; one whose remedy is `regularize` (validation
loss rises with nothing regularizing the model) sends the run on into the regularization stage.
Whether a finding stands is the rule's own judgement under the user's configuration (its options,
severity, `ignore` and `# advisor: ignore[...]` comments): the trainer keeps no thresholds of its own.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from advisor.engine import Linter
from advisor.record import History, Model
from advisor.severity import Severity
from reference_trainer.model_record import update_model_section

if TYPE_CHECKING:
    from advisor.config import ResolvedConfig
    from advisor.finding import Finding
    from advisor.record import Experiment
    from reference_trainer.model import ModelSpec

#: The remedy the fit stage performs by training again at a lower learning rate.
LOWER_LEARNING_RATE = "lower_learning_rate"
#: The remedy the regularization stage performs.
REGULARIZE = "regularize"


class RunJudge:
    """Lints the record a trial would leave, with the rules whose remedy is asked about.

    Args:
        experiment: The record as the run reads it (corrected in memory by `--fix`).
        declared: The model the record declares.
        config: The lint settings `--fix` applies.
    """

    def __init__(self, experiment: Experiment, declared: ModelSpec, config: ResolvedConfig):
        self.experiment = experiment
        self.declared = declared
        self.config = config
        self._linters: dict[str, Linter | None] = {}

    def standing(self, remedy: str, spec: ModelSpec, history: dict[str, list[float]]) -> list[Finding]:
        """The errors and warnings whose remedy is `remedy` on the record the run would write after
        training `spec` to `history`.

        Args:
            remedy: The remedy id.
            spec: The configuration trained.
            history: Its per-epoch history, as the run directory would hold it.

        Returns:
            The findings, in file order; empty when no selected rule names the remedy.
        """
        linter = self._linter(remedy)
        if linter is None:
            return []
        findings = linter.lint(self.candidate(spec, history))
        return [f for f in findings if f.remedy == remedy and f.severity.rank >= Severity.WARNING.rank]

    def candidate(self, spec: ModelSpec, history: dict[str, list[float]]) -> Experiment:
        """The record with the trained configuration's model section and its history."""
        written = self.experiment.model.model_dump(exclude_none=True) if self.experiment.model is not None else {}
        update_model_section(written, spec, self.declared)
        return self.experiment.model_copy(update={"model": Model.model_validate(written),
                                                  "history": History.model_validate(history)})

    def _linter(self, remedy: str) -> Linter | None:
        if remedy not in self._linters:
            setups = [setup for setup in self.config.rules if setup.rule.remedy == remedy]
            self._linters[remedy] = Linter(replace(self.config, rules=setups)) if setups else None
        return self._linters[remedy]
