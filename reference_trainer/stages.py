"""The workflow's training stages over a prepared experiment.

- baseline: scikit-learn's dummy estimator, scored in the success metric on the validation data
  (the mean over folds under K-fold);
- fit: the model as declared, under the declared protocol;
- overfit (scale up): more epochs, then wider, then deeper, until validation loss degrades;
- regularize: a small grid over dropout and L2 with early stopping, chosen on validation;
- final: retrain on train+validation for the chosen epoch count, evaluate the test set once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from advisor.names import CROSSENTROPY_LOSSES
from reference_trainer.jobs import Job, JobResult, run_jobs
from reference_trainer.model import ModelSpec
from reference_trainer.prepared import Prepared
from reference_trainer.scoring import baseline_score, baseline_strategy, better, probabilities, score

#: Scale-up: epochs grow by this factor, then hidden layers widen by it.
SCALE_FACTOR = 2
#: Scale-up stops after this many trials even if validation loss never degrades.
MAX_SCALE_TRIALS = 4
#: An epoch count counts as past the border when validation loss was best this many epochs earlier.
DEGRADE_PATIENCE = 2
#: The regularization grid.
DROPOUT_RATES = (0.0, 0.25, 0.5)
L2_FACTORS = (0.0, 1e-3)
#: Early stopping added for the regularization trials when the model declares none.
SEARCH_EARLY_STOPPING = {"monitor": "val_loss", "patience": 10, "restore_best_weights": True}


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

    def degraded(self) -> bool:
        """Validation loss passed its minimum at least DEGRADE_PATIENCE epochs before the end."""
        epochs = len(self.history.get("loss", []))
        return self.best_epoch is not None and epochs - self.best_epoch >= DEGRADE_PATIENCE


class Stages:
    """Runs the stages of one prepared experiment.

    Args:
        prepared: The experiment ready to train.
        n_jobs: Parallel jobs (folds, trials).
        backend: joblib backend (loky, threading, dask, ray).
        quiet: No progress lines.
        echo: Where progress lines go.
    """

    def __init__(self, prepared: Prepared, n_jobs: int, backend: str, quiet: bool, echo=print):
        self.prepared = prepared
        self.n_jobs = n_jobs
        self.backend = backend
        self.quiet = quiet
        self.echo = echo
        self.trials: list[Evaluation] = []

    def say(self, text: str) -> None:
        if not self.quiet:
            self.echo(text)

    # --- baseline -------------------------------------------------------------------------------

    def baseline(self, declared_strategy: str | None) -> tuple[str, float]:
        p = self.prepared
        strategy = baseline_strategy(p.kind, declared_strategy)
        scores = []
        for unit in p.units:
            held = unit.validation if len(unit.validation) else unit.train
            scores.append(baseline_score(p.metric, p.kind, strategy, p.targets.values[unit.train],
                                         p.targets.values[held], p.seed))
        value = float(np.mean(scores))
        self.say(f"[baseline] {strategy}: {p.metric} {value:.4f}")
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
        val_loss = history.get("val_loss")
        best = int(np.nanargmin(val_loss)) + 1 if val_loss and not np.all(np.isnan(val_loss)) else None
        evaluation = Evaluation(name, spec, float(np.mean(scores)) if scores else None, history, best, results)
        shown = f"{p.metric} {evaluation.score:.4f}" if evaluation.score is not None else "no validation data"
        self.say(f"[{name}] {spec.architecture()}: {shown}, best epoch {best}")
        return evaluation

    def evaluate(self, name: str, spec: ModelSpec, epochs: int | None = None) -> Evaluation:
        """Train `spec` on every unit (in parallel) and score it on validation."""
        results = run_jobs(self._jobs(name, spec, epochs or spec.epochs), self.n_jobs, self.backend)
        evaluation = self._summarize(name, spec, results)
        self.trials.append(evaluation)
        return evaluation

    def evaluate_many(self, configurations: list[tuple[str, ModelSpec]]) -> list[Evaluation]:
        """Train several configurations, every (configuration, unit) job in one parallel batch."""
        jobs = [job for name, spec in configurations for job in self._jobs(name, spec, spec.epochs)]
        results = run_jobs(jobs, self.n_jobs, self.backend)
        count = len(self.prepared.units)
        evaluations = [self._summarize(name, spec, results[i * count:(i + 1) * count])
                       for i, (name, spec) in enumerate(configurations)]
        self.trials.extend(evaluations)
        return evaluations

    # --- scale up, regularize -----------------------------------------------------------------------

    def overfit(self, start: Evaluation) -> Evaluation:
        """Scale up from `start` until validation loss degrades: epochs first, then width, then depth.

        Returns:
            The first configuration that crossed the border (else the last one tried).
        """
        current = start
        steps = [lambda s: replace(s, epochs=s.epochs * SCALE_FACTOR), lambda s: s.widened(SCALE_FACTOR),
                 lambda s: s.deepened(), lambda s: replace(s, epochs=s.epochs * SCALE_FACTOR)]
        no_stop = lambda s: replace(s, early_stopping=None)  # noqa: E731 - the border must be crossed to be seen
        for index, grow in enumerate(steps[:MAX_SCALE_TRIALS]):
            if current.degraded():
                break
            self.say(f"[overfit] validation loss still improving at epoch {len(current.history.get('loss', []))}: scaling up")
            current = self.evaluate(f"scale-up {index + 1}", no_stop(grow(current.spec)))
        return current

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
        result = run_jobs([job], 1, self.backend)[0]
        probs = probabilities(p.kind, result.predictions[0], self._logits(spec), p.targets.class_count)
        test_score = score(p.metric, p.kind, p.targets.values[p.rows.test], probs)
        self.say(f"[final] trained on {len(pool)} rows for {epochs} epochs; test {p.metric} {test_score:.4f}")
        return test_score, result, preprocessor
