"""The workflow's training stages over a prepared experiment.

- baseline: scikit-learn's dummy estimator, scored in the success metric on the validation data
  (the mean over folds under K-fold);
- fit: the model as declared, under the declared protocol; with `--fix`, trained again at a lower
  learning rate while its history shows a finding whose remedy is `lower_learning_rate`;
- overfit (scale up): more epochs, then wider, then deeper, until validation loss degrades;
- regularize: a small grid over dropout and L2 with early stopping, chosen on validation;
- final: retrain on train+validation for the chosen epoch count, evaluate the test set once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from advisor.config import ResolvedConfig
from advisor.engine import measure_evidence
from advisor.names import CROSSENTROPY_LOSSES
from advisor.record import Experiment
from reference_trainer.jobs import Job, JobPool, JobResult, best_validation_epoch
from reference_trainer.judge import LOWER_LEARNING_RATE, RunJudge
from reference_trainer.model import ModelSpec, import_keras
from reference_trainer.prepared import Prepared
from reference_trainer.scoring import baseline_score, baseline_strategy, better, probabilities, score

#: Scale-up: epochs grow by this factor, then hidden layers widen by it.
SCALE_FACTOR = 2
#: Scale-up stops after this many trials even if validation loss never degrades.
MAX_SCALE_TRIALS = 4
#: The regularization grid.
DROPOUT_RATES = (0.0, 0.25, 0.5)
L2_FACTORS = (0.0, 1e-3)
#: Early stopping added for the regularization trials when the model declares none.
SEARCH_EARLY_STOPPING = {"monitor": "val_loss", "patience": 10, "restore_best_weights": True}
#: `lower_learning_rate`: each retry divides the learning rate by this factor (the usual advice).
LEARNING_RATE_DIVISOR = 10
#: Retries at a lower learning rate at most: 1e-3 goes down to 1e-6, the smallest rate that still
#: trains an adaptive optimizer.
MAX_LEARNING_RATE_RETRIES = 3


@dataclass
class Evaluation:
    """One configuration trained on every evaluation unit.

    Args:
        name: The trial's name.
        spec: The configuration.
        score: Mean validation score in the success metric (None without validation).
        history: Per-epoch mean over units (epochs common to all units).
        best_epoch: 1-based epoch of the lowest mean validation loss.
        results: The job results, one per unit.
    """

    name: str
    spec: ModelSpec
    score: float | None
    history: dict[str, list[float]]
    best_epoch: int | None
    results: list[JobResult]


class Stages:
    """Runs the stages of one prepared experiment.

    Args:
        prepared: The experiment ready to train.
        pool: Runs the jobs (folds, trials) in this process, local workers or a cluster.
        quiet: No progress lines.
        echo: Where progress lines go.
        config: The lint configuration, whose rule options judge the runs (defaults when None).
    """

    def __init__(self, prepared: Prepared, pool: JobPool, quiet: bool, echo=print,
                 config: ResolvedConfig | None = None):
        self.prepared = prepared
        self.pool = pool
        self.quiet = quiet
        self.echo = echo
        self.config = config
        self.trials: list[Evaluation] = []
        #: What the run did differently from the record's plan (for the record's run.message).
        self.notes: list[str] = []

    def say(self, text: str) -> None:
        if not self.quiet:
            self.echo(text)

    # --- baseline -------------------------------------------------------------------------------

    def baseline(self, declared_strategy: str | None) -> tuple[str, float]:
        """The dummy estimator's strategy and its score on the validation rows (mean over folds).

        Without validation rows the score is the training rows' (the test rows are for the final
        model only); the progress line and `notes` say so.
        """
        p = self.prepared
        strategy = baseline_strategy(p.kind, declared_strategy)
        scores = []
        on_training_rows = not any(len(unit.validation) for unit in p.units)
        for unit in p.units:
            held = unit.train if on_training_rows else unit.validation
            scores.append(baseline_score(p.metric, p.kind, strategy, p.targets.values[unit.train],
                                         p.targets.values[held], p.seed))
        value = float(np.mean(scores))
        where = " on the training rows (no validation data)" if on_training_rows else ""
        if on_training_rows:
            self.notes.append("baseline scored on the training rows: the record declares no validation data")
        self.say(f"[baseline] {strategy}: {p.metric} {value:.4f}{where}")
        return strategy, value

    # --- fit --------------------------------------------------------------------------------------

    def _jobs(self, name: str, spec: ModelSpec, epochs: int, early_stopping: bool = True) -> list[Job]:
        p = self.prepared
        return [Job(f"{name} {unit.name}" if p.kfold else name, spec, unit.x_train, p.keras_targets(spec, unit.train),
                    unit.x_val if len(unit.validation) else None,
                    p.keras_targets(spec, unit.validation) if len(unit.validation) else None,
                    predict=[unit.x_val] if len(unit.validation) else [], seed=p.seed + index, epochs=epochs,
                    early_stopping=early_stopping, keep_weights=index == 0, quiet=self.quiet)
                for index, unit in enumerate(p.units)]

    def _logits(self, spec: ModelSpec) -> bool:
        return spec.from_logits and spec.loss in CROSSENTROPY_LOSSES

    def _summarize(self, name: str, spec: ModelSpec, results: list[JobResult]) -> Evaluation:
        p = self.prepared
        scores = []
        for unit, result in zip(p.units, results):
            if result.predictions:
                probs = probabilities(p.kind, result.predictions[0], self._logits(spec), p.targets.class_count)
                scores.append(score(p.metric, p.kind, p.targets.values[unit.validation], probs))
        common = min(len(r.history.get("loss", [])) for r in results)
        keys = [k for k in results[0].history if all(k in r.history for r in results)]
        history = {k: [float(np.mean([r.history[k][i] for r in results])) for i in range(common)] for k in keys}
        best = best_validation_epoch(history)
        evaluation = Evaluation(name, spec, float(np.mean(scores)) if scores else None, history, best, results)
        shown = f"{p.metric} {evaluation.score:.4f}" if evaluation.score is not None else "no validation data"
        self.say(f"[{name}] {spec.architecture()}: {shown}, best epoch {best}")
        return evaluation

    def fit(self, spec: ModelSpec, judge: RunJudge | None = None) -> Evaluation:
        """Train the declared model; with a judge (`--fix`), perform `lower_learning_rate`.

        While the fit's history shows an error or warning whose remedy is `lower_learning_rate`
        (judged by those rules, under the lint settings), train again at the learning rate divided
        by LEARNING_RATE_DIVISOR, at most MAX_LEARNING_RATE_RETRIES times. The first attempt with
        the fewest such findings is kept: the declared rate when lowering it never helped.

        Returns:
            The kept attempt; `notes` says what was retried.
        """
        attempt = self.evaluate("fit", spec)
        if judge is None:
            return attempt
        standing = judge.standing(LOWER_LEARNING_RATE, attempt.spec, attempt.history)
        if not standing:
            return attempt
        declared, first_codes = _learning_rate(spec), _codes(standing)
        kept, kept_standing = attempt, standing
        retries = 0
        while standing and retries < MAX_LEARNING_RATE_RETRIES:
            retries += 1
            rate = _learning_rate(attempt.spec)
            lowered = float(f"{rate / LEARNING_RATE_DIVISOR:.6g}")
            self.say(f"[fit] {_codes(standing)} at learning rate {rate:g}: {LOWER_LEARNING_RATE} to {lowered:g}, "
                     "training again")
            attempt = self.evaluate(f"fit lr {lowered:g}", replace(attempt.spec, learning_rate=lowered))
            standing = judge.standing(LOWER_LEARNING_RATE, attempt.spec, attempt.history)
            if len(standing) < len(kept_standing):
                kept, kept_standing = attempt, standing
        done = f"{LOWER_LEARNING_RATE}: {first_codes} at learning rate {declared:g}"
        if kept_standing:
            self.notes.append(f"{done}; {retries} lower rates tried, kept {_learning_rate(kept.spec):g}, where "
                              f"{_codes(kept_standing)} still stands")
        else:
            self.notes.append(f"{done}; trained again at {_learning_rate(kept.spec):g}, which cleared it")
        return kept

    def evaluate(self, name: str, spec: ModelSpec, epochs: int | None = None) -> Evaluation:
        """Train `spec` on every unit (in parallel) and score it on validation."""
        return self.evaluate_many([(name, replace(spec, epochs=epochs or spec.epochs))])[0]

    def evaluate_many(self, configurations: list[tuple[str, ModelSpec]]) -> list[Evaluation]:
        """Train several configurations, every (configuration, unit) job in one parallel batch."""
        jobs = [job for name, spec in configurations for job in self._jobs(name, spec, spec.epochs)]
        results = self.pool.run(jobs)
        count = len(self.prepared.units)
        evaluations = [self._summarize(name, spec, results[i * count:(i + 1) * count])
                       for i, (name, spec) in enumerate(configurations)]
        self.trials.extend(evaluations)
        return evaluations

    # --- scale up, regularize -----------------------------------------------------------------------

    def overfit(self, start: Evaluation) -> Evaluation:
        """Scale up from `start` until validation loss degrades: epochs first, then width, then depth.

        Each step's configuration is known in advance (it grows the previous one), only whether to
        take it depends on results. When the pool runs more jobs at once than one step has folds,
        the next steps train speculatively beside it; a step the sequential ladder would not have
        reached is discarded unseen, neither counted nor used, so the chosen model, its scores and
        the trial count equal those of a one-job run.

        Returns:
            The first configuration that crossed the border (else the last one tried).
        """
        current = start
        ladder = self._scale_up_ladder(start.spec)
        window = max(1, self.pool.capacity // len(self.prepared.units))
        while ladder and not self.crossed_overfitting(current):
            batch, ladder = ladder[:window], ladder[window:]
            jobs = [job for name, spec in batch for job in self._jobs(name, spec, spec.epochs)]
            results = self.pool.run(jobs)
            count = len(self.prepared.units)
            for index, (name, spec) in enumerate(batch):
                if self.crossed_overfitting(current):
                    ladder = []  # the border is crossed: the rest of the batch is discarded
                    break
                self.say(f"[overfit] validation loss still improving at epoch {len(current.history.get('loss', []))}: "
                         "scaling up")
                current = self._summarize(name, spec, results[index * count:(index + 1) * count])
                self.trials.append(current)
        return current

    def crossed_overfitting(self, evaluation: Evaluation) -> bool:
        """Whether the trial's history crossed the overfitting border, as the rule pack measures it
        (the `overfitting` evidence, under the user's options): the trainer keeps no threshold of
        its own, so `advisor next` on the run directory agrees with where scale-up stopped."""
        experiment = Experiment.model_validate({"history": evaluation.history})
        measured = measure_evidence(experiment, self.config).get("overfitting")
        return measured is not None and measured.present

    @staticmethod
    def _scale_up_ladder(spec: ModelSpec) -> list[tuple[str, ModelSpec]]:
        """The scale-up steps in order, each growing the previous one; early stopping removed, since
        the border must be crossed to be seen."""
        steps = [lambda s: replace(s, epochs=s.epochs * SCALE_FACTOR), lambda s: s.widened(SCALE_FACTOR),
                 lambda s: s.deepened(), lambda s: replace(s, epochs=s.epochs * SCALE_FACTOR)]
        ladder = []
        for index, grow in enumerate(steps[:MAX_SCALE_TRIALS]):
            spec = replace(grow(spec), early_stopping=None)
            ladder.append((f"scale-up {index + 1}", spec))
        return ladder

    def regularize(self, start: ModelSpec, epochs: int) -> Evaluation:
        """A grid over dropout and L2, each with early stopping, chosen on the validation score."""
        early = start.early_stopping or SEARCH_EARLY_STOPPING
        configurations = [(f"dropout {rate:g} l2 {l2:g}",
                           replace(start.with_regularization(rate, l2), epochs=epochs, early_stopping=early))
                          for rate in DROPOUT_RATES for l2 in L2_FACTORS]
        evaluations = self.evaluate_many(configurations)
        metric = self.prepared.metric
        best = evaluations[0]
        for candidate in evaluations[1:]:
            if candidate.score is not None and (best.score is None or better(metric, candidate.score, best.score)):
                best = candidate
        self.say(f"[regularize] chose {best.name}: {metric} {best.score:.4f}")
        return best

    # --- final ---------------------------------------------------------------------------------------

    def final(self, spec: ModelSpec, epochs: int) -> tuple[float, JobResult, object]:
        """Retrain on train+validation for `epochs` and evaluate the test set once.

        Returns:
            The test score, the job result (with weights) and the fitted preprocessor.
        """
        p = self.prepared
        preprocessor, x_pool, x_test = p.final_inputs()
        pool = np.concatenate([p.rows.train, p.rows.validation])
        job = Job("final", spec, x_pool, p.keras_targets(spec, pool), None, None, predict=[x_test], seed=p.seed,
                  epochs=epochs, early_stopping=False, keep_weights=True, quiet=self.quiet)
        result = self.pool.run([job])[0]
        probs = probabilities(p.kind, result.predictions[0], self._logits(spec), p.targets.class_count)
        test_score = score(p.metric, p.kind, p.targets.values[p.rows.test], probs)
        self.say(f"[final] trained on {len(pool)} rows for {epochs} epochs; test {p.metric} {test_score:.4f}")
        return test_score, result, preprocessor


def _learning_rate(spec: ModelSpec) -> float:
    """The learning rate `spec` trains at: its own, else the optimizer's Keras default."""
    if spec.learning_rate is not None:
        return spec.learning_rate
    keras = import_keras()
    return float(f"{float(type(keras.optimizers.get(spec.optimizer))().learning_rate):.6g}")


def _codes(findings) -> str:
    return ", ".join(dict.fromkeys(finding.code for finding in findings))
