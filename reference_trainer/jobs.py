"""One training job (a fold of a trial, the final retrain) and running many of them at once.

A job is plain data: arrays and a ModelSpec, so it runs the same in this process, in local worker
processes (joblib's loky, the default), in threads, or as a task on a Dask cluster (see the package
docstring). Each job seeds itself, so its result does not depend on where it ran.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import warnings
from dataclasses import dataclass, field

import numpy as np

from advisor.curves import best_epoch
from reference_trainer.errors import RunFailed, TrainerError
from reference_trainer.model import ModelSpec, build_model, import_keras

#: XLA settings of local worker processes (set only when the user's environment names none).
SINGLE_THREAD_XLA = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
#: Epoch lines printed per job at most (the first, every n-th and the last).
PROGRESS_LINES = 10
#: Seconds to wait for a Dask scheduler to answer.
CONNECT_TIMEOUT = 10
#: Keras draws initial weights from Python's global random state and fit's shuffles from NumPy's:
#: two jobs training in threads of one process (joblib threading, a Dask worker with several
#: threads) would interleave them and lose reproducibility, so a process trains one job at a time.
_ONE_JOB_PER_PROCESS = threading.Lock()


@dataclass
class Job:
    """One model to train.

    Args:
        label: Shown in progress lines (`fit fold 2/5`).
        spec: The model and its training settings.
        x_train, y_train: Training inputs and targets.
        x_val, y_val: Validation data (None: train without validation).
        predict: Inputs to predict after training (validation, test).
        seed: Seeds Python, numpy and the Keras backend before the model is built.
        epochs: Epochs to train (early stopping may stop sooner).
        early_stopping: Use the spec's early stopping (needs validation data).
        keep_weights: Return the trained weights (to save the model).
        quiet: No progress lines.
    """

    label: str
    spec: ModelSpec
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None
    predict: list[np.ndarray] = field(default_factory=list)
    seed: int = 0
    epochs: int = 1
    early_stopping: bool = True
    keep_weights: bool = False
    quiet: bool = False


@dataclass
class JobResult:
    """What a job returns: its per-epoch history, predictions and (optionally) weights."""

    label: str
    history: dict[str, list[float]]
    predictions: list[np.ndarray]
    weights: list[np.ndarray] | None
    epochs_run: int
    #: 1-based epoch of the lowest validation loss (None without validation).
    best_epoch: int | None
    #: Features the model takes (to rebuild it from the weights).
    input_dim: int = 0
    #: The trained Keras model itself, when the job ran in this process (never pickled).
    model: object = None


def _progress_callback(keras, label: str, epochs: int):
    every = max(1, -(-epochs // PROGRESS_LINES))

    class Progress(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0 or (epoch + 1) % every == 0 or epoch + 1 == epochs:
                shown = " ".join(f"{k} {v:.4g}" for k, v in (logs or {}).items() if k in ("loss", "val_loss"))
                print(f"  {label}: epoch {epoch + 1}/{epochs} {shown}", flush=True)

    return Progress()


def _early_stopping(keras, spec: ModelSpec):
    options = dict(spec.early_stopping or {})
    monitor = options.get("monitor") or "val_loss"
    options["monitor"] = monitor if monitor.startswith("val_") else "val_" + monitor
    return keras.callbacks.EarlyStopping(**options)


def _freeze_loaded_objects() -> None:
    """Exempt the objects alive before the first job (the modules of Keras, JAX, scikit-learn,
    pandas, the record, the data) from garbage collection, once per process.

    Building and compiling a model allocates many short-lived objects, and each full collection
    rescans every object the process holds; frozen objects are skipped. Measured on `advisor train`
    (digits MLP): model building 0.15 s faster. Garbage that exists at that moment is kept, once.
    `advisor train` has frozen its own process already (runner.collector_paused); this covers
    worker processes and callers of run_job.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()


def run_job(job: Job, keep_model: bool = False) -> JobResult:
    """Build, fit and apply one model (in whichever process joblib chose).

    Args:
        job: The model, data and settings.
        keep_model: Return the Keras model itself (only for jobs run in this process).
    """
    with _ONE_JOB_PER_PROCESS:
        return _run_job(job, keep_model)


def _run_job(job: Job, keep_model: bool) -> JobResult:
    keras = import_keras()
    _freeze_loaded_objects()
    warnings.filterwarnings("ignore", module="keras")  # e.g. "softmax over one unit": the advisor's rules say it
    keras.utils.set_random_seed(job.seed)
    model = build_model(job.spec, job.x_train.shape[1], seed=job.seed)
    callbacks = [] if job.quiet else [_progress_callback(keras, job.label, job.epochs)]
    validation = (job.x_val, job.y_val) if job.x_val is not None and len(job.x_val) else None
    if validation is not None and job.early_stopping and job.spec.early_stopping is not None:
        callbacks.append(_early_stopping(keras, job.spec))
    fitted = model.fit(job.x_train, job.y_train, validation_data=validation, epochs=job.epochs,
                       batch_size=job.spec.batch_size, verbose=0, callbacks=callbacks, shuffle=True)
    history = {key: [float(v) for v in values] for key, values in fitted.history.items()}
    predictions = [np.asarray(model.predict(x, batch_size=max(job.spec.batch_size, 256), verbose=0)) for x in job.predict]
    best = best_validation_epoch(history)
    weights = [np.asarray(w) for w in model.get_weights()] if job.keep_weights else None
    return JobResult(job.label, history, predictions, weights, len(history.get("loss", [])), best, job.x_train.shape[1],
                     model if keep_model and job.keep_weights else None)


def best_validation_epoch(history: dict[str, list[float]]) -> int | None:
    """The 1-based epoch of the lowest finite validation loss: the rules' own definition
    (`advisor.curves.best_epoch`, the earliest on ties, as Keras' EarlyStopping); None without one."""
    val_loss = history.get("val_loss")
    best = best_epoch(val_loss) if val_loss else None
    return best + 1 if best is not None else None


#: Backends whose workers are other machines' processes: every job goes there, even a single one.
CLUSTER_BACKENDS = ("dask",)


class JobPool:
    """Runs the jobs of one `advisor train` run: in this process, in local joblib workers, or on a
    Dask cluster (each job one task, so a cluster of N worker threads trains N at once).

    Open it with `with`: a Dask client connects once per run (to DASK_SCHEDULER_ADDRESS, else to a
    local cluster it starts) and closes at the end.

    Args:
        backend: loky, threading, multiprocessing (joblib) or dask.
        n_jobs: Jobs at once (None: one per two cores locally, every worker thread of a cluster).

    Raises:
        TrainerError: the Dask scheduler cannot be reached (on entering).
        RunFailed: a worker died or the cluster went away while jobs ran (from `run`).
    """

    def __init__(self, backend: str = "loky", n_jobs: int | None = 1):
        self.backend = backend
        self.n_jobs = n_jobs
        self.client = None
        self._exit = contextlib.ExitStack()

    def __enter__(self) -> JobPool:  # noqa: PYI034 - Self needs Python 3.11
        _worker_environment(self.backend)
        if self.backend == "dask":
            self.client = self._exit.enter_context(_dask_client(self.n_jobs))
        return self

    def __exit__(self, *exc_info) -> None:
        self._exit.close()

    @property
    def capacity(self) -> int:
        """How many jobs run at once."""
        if self.client is not None:
            threads = sum(self.client.nthreads().values()) or 1
            return min(threads, self.n_jobs) if self.n_jobs else threads
        return self.n_jobs or local_jobs()

    def run(self, jobs: list[Job]) -> list[JobResult]:
        """Run `jobs`, in parallel when there are several and the pool allows; results in job order."""
        if self.client is not None:
            return _run_on_dask(self.client, jobs)
        if len(jobs) == 1 or self.capacity == 1:
            return [run_job(job, keep_model=True) for job in jobs]
        import joblib

        with joblib.parallel_config(backend=self.backend):
            return joblib.Parallel(n_jobs=self.capacity)(joblib.delayed(run_job)(job) for job in jobs)


def local_jobs() -> int:
    """The default number of local jobs: one per two cores.

    Measured on 2 cores: two fold processes ran 0.73-0.80x as fast as one, since JAX already uses
    both cores inside one process and each worker pays for importing Keras.
    """
    return max(1, (os.cpu_count() or 1) // 2)


@contextlib.contextmanager
def _dask_client(n_jobs: int | None):
    """A client of the cluster DASK_SCHEDULER_ADDRESS names, else of a local cluster of one-thread
    worker processes (n_jobs of them, default one per two cores)."""
    from dask.distributed import Client, LocalCluster

    address = os.environ.get("DASK_SCHEDULER_ADDRESS")
    if not address:
        with LocalCluster(n_workers=n_jobs or local_jobs(), threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError) as exc:  # unreachable, or not a scheduler address
        raise TrainerError(address, f"cannot reach the Dask scheduler named by DASK_SCHEDULER_ADDRESS: {exc}") from None
    with client:
        yield client


def _run_on_dask(client, jobs: list[Job]) -> list[JobResult]:
    """Each job one task; a job the scheduler reschedules after a worker died runs again from scratch
    (it seeds itself), so results do not depend on where or how often it ran."""
    from distributed import KilledWorker
    from distributed.comm.core import CommClosedError

    futures = client.map(run_job, jobs, pure=False)
    try:
        return client.gather(futures)
    except KilledWorker as exc:
        raise RunFailed(f"a Dask worker died while running a job ({exc.args[0] if exc.args else exc}); the scheduler "
                        "gave up on it after distributed.scheduler.allowed-failures retries") from None
    except (CommClosedError, OSError) as exc:
        raise RunFailed(f"the connection to the Dask cluster was lost while jobs ran: {exc}") from None
    finally:
        client.cancel(futures)


def _worker_environment(backend: str) -> None:
    """Settle what local worker processes inherit: the Keras backend, one XLA thread each."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    if backend in ("loky", "multiprocessing") and "XLA_FLAGS" not in os.environ:
        # one XLA thread per worker process: the workers share the cores instead of fighting over them
        os.environ["XLA_FLAGS"] = SINGLE_THREAD_XLA
