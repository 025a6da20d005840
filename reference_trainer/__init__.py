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
baseline), `jobs` (one training job; joblib), `prepared`, `stages`, `rundir`, `runner`, `cli`.

Keras runs on JAX unless `KERAS_BACKEND` names another backend; Keras is imported only inside the
trainer, never on the lint path.

Running folds and trials on a cluster
-------------------------------------
Folds and trials are independent jobs handed to joblib, so any joblib backend can run them:

- `--backend loky` (default): local worker processes, `--jobs N` at once.
- `--backend threading`: threads of this process (no start-up cost; JAX releases the GIL).
- `--backend dask`: install `dask[distributed]`, start a scheduler and workers
  (`dask scheduler`, then `dask worker tcp://HOST:8786` on each machine, each with ml-advisor[train]
  installed), and set `DASK_SCHEDULER_ADDRESS=tcp://HOST:8786`; without it a local cluster is made.
- `--backend ray`: install `ray`, start a cluster (`ray start --head`, then
  `ray start --address=HOST:6379` on each machine) and set `RAY_ADDRESS=HOST:6379`; without it a
  local Ray instance starts.

Every job seeds itself (`--seed` plus its index), so a run gives the same results on any backend.
"""
