"""A third-party rule pack for the end-to-end tests, registered through the `advisor.rules`
entry point group exactly as an installed pack would be (its dist-info sits beside this file, so
putting this folder on PYTHONPATH installs it).

ZZ01 has an option, to test per-rule configuration, and a remedy with a record edit and advice,
registered in `advisor.remedies`, to test that a pack's fix and advice are applied like the
built-in ones; ZZ02 always raises, to test that a broken rule becomes an internal-error finding
while the other rules still run.
"""

from __future__ import annotations

from pydantic import Field

from advisor import Rule, RuleOptions, Severity
from advisor.remedy import SAFE, Advice, Remedy


class EpochOptions(RuleOptions):
    max_epochs: int = Field(100, ge=1, description="The most epochs a run may declare.")


class TooManyEpochs(Rule):
    """The model trains for more than `max_epochs` epochs.

    ## What it does
    Compares `model.epochs` with the `max_epochs` option.

    ## Why is this bad?
    A test rule: it exists to exercise configuration.

    ## Anti-pattern
    ```yaml
    model: {epochs: 500}
    ```

    ## Best practice
    ```yaml
    model: {epochs: 50}
    ```
    """

    code = "ZZ01"
    name = "too-many-epochs"
    stage = 5
    severity = Severity.WARNING
    remedy = "cap_epochs"
    Options = EpochOptions

    def check(self, experiment, options):
        epochs = experiment.model.epochs if experiment.model else None
        if epochs is not None and epochs > options.max_epochs:
            yield self.violation(f"{epochs} epochs is more than max_epochs ({options.max_epochs})",
                                 "/model/epochs", epochs=epochs, max_epochs=options.max_epochs)


class AlwaysRaises(Rule):
    """Raises on every record.

    ## What it does
    Divides by zero.

    ## Why is this bad?
    A test rule: it exists to exercise the engine's handling of a broken rule.
    """

    code = "ZZ02"
    name = "always-raises"
    stage = 5
    severity = Severity.ERROR

    def check(self, experiment, options):
        return [1 / 0]


RULES = [TooManyEpochs, AlwaysRaises]


def cap_epochs(ctx):
    """The edit: at most `max_epochs` (as configured) epochs."""
    ctx.set("/model/epochs", ctx.options(EpochOptions).max_epochs)


REMEDIES = [
    Remedy("cap_epochs", SAFE,
           Advice("Train for at most max_epochs epochs, and let early stopping end the run.",
                  "Epochs past the best validation epoch only fit the training data better."),
           edit=cap_epochs),
]
