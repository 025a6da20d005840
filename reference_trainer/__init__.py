"""The reference trainer: runs an experiment record with Keras 3 and scikit-learn.

`advisor train RECORD` (registered through the `advisor.commands` entry point group; the engine
never imports this package) loads the data the record names, splits it as declared (fractions or
counts; random, stratified, time or group; a split column or split files; hold-out, K-fold or
iterated K-fold), fits the declared preprocessing on the training rows of each fold, builds the
Keras model from `model.layers`, scores a scikit-learn dummy baseline, trains, and, when a test split
exists, retrains on train+validation and evaluates the test set once. `--stage` adds the
scale-up and regularization stages; `--fix` corrects a copy of the record in memory first. The
result is a new run directory (experiment.yaml, history.csv, model.keras) that `advisor lint` and
`advisor next` read back.

Modules: `data` (loading, targets), `splits`, `preprocess`, `model` (Keras), `scoring` (metrics,
baseline), `jobs` (one training job; running many at once), `prepared`, `stages`, `rundir`, `runner`, `cli`.

Keras runs on JAX unless `KERAS_BACKEND` names another backend; Keras is imported only inside the
trainer, never on the lint path.

Running folds and trials on a cluster
-------------------------------------
Every fold of every trial (and the final retrain) is a job of its own, so N workers train N at
once:

- `--backend loky` (default): local worker processes through joblib, `--jobs N` at once.
- `--backend threading`: threads of this process (a process trains one job at a time, since
  Keras seeds from process-wide random state; useful only where processes cannot be started).
- `--backend dask`: each job a task on a Dask cluster. Start a scheduler and workers
  (`dask scheduler`, then `dask worker tcp://HOST:8786 --nthreads 1` on each machine, each with
  ml-advisor[train] installed) and set `DASK_SCHEDULER_ADDRESS=tcp://HOST:8786`; without it a local
  cluster of one-thread worker processes is started. A job whose worker dies is run again by the
  scheduler; when the scheduler gives up, the run ends with `status: failed` in its record.

Scale-up steps depend on each other only through the decision to go on, so with spare workers the
next steps train speculatively beside the current one; a step the one-job run would not have
reached is discarded unseen. Every job seeds itself (`--seed` plus its index), so a run gives the
same results, trial counts and record on any backend.
"""
