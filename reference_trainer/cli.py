"""The `advisor train` command, registered through the `advisor.commands` entry point group."""

from __future__ import annotations

import os
import signal
import sys

import click

BACKENDS = ("loky", "threading", "multiprocessing", "dask")

# NumPy's OpenBLAS threads spin after each call and take cores from XLA, which does the training;
# the trainer's own NumPy work is small. Measured: about 0.2 s less per run on 2 cores. It must be
# set before NumPy loads (the lint path never loads it); a user's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


#: The stages `--stage` runs up to, in order (remedies name them as their trainer stage).
STAGE_NAMES = ("baseline", "fit", "overfit", "regularize", "final")


@click.command("train")
@click.argument("record", type=click.Path(dir_okay=False))
@click.option("--fix", is_flag=True, help="Apply `advisor fix` edits (unsafe included) to a copy of the record in "
                                          "memory, and the remedies that need training. The file is never edited.")
@click.option("--stage", type=click.Choice([*STAGE_NAMES, "all"]), default=None,
              help="Run up to this stage [default: the experiment as declared: baseline, training, and the final "
                   "retrain and test evaluation when a test split exists].")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="The run directory to write (must not exist) [default: runs/<name>-<timestamp> beside the record].")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every split, shuffle and initialisation.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines; print only the run directory.")
@click.option("--backend", type=click.Choice(BACKENDS), default="loky", show_default=True,
              help="Where folds and trials run: joblib's local backends, or dask (the cluster DASK_SCHEDULER_ADDRESS "
                   "names, else a local one).")
@click.option("--jobs", "-j", type=click.IntRange(1), default=None,
              help="Folds or trials run at once [default: one per two cores, since JAX already spreads one fold over "
                   "two; with dask, every worker thread of the cluster].")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Lint settings for --fix (advisor.toml or pyproject.toml).")
def command(record, fix, stage, out, seed, quiet, backend, jobs, config_file) -> None:
    """Run the experiment RECORD declares and write a run directory that `advisor lint` reads back.

    Without --stage: the dumb baseline, training under the declared protocol, and, when a test split
    exists, the final retrain on train+validation with one test evaluation. `--stage all` adds
    scale-up and regularization before the final stage.

    Exit codes: 0 the run completed; 1 the run failed on the way (a Dask worker died; the run
    directory's record says `status: failed` and why); 2 the record cannot be run (no data, a missing
    target, labels that contradict the problem type, a model that cannot be built), with no run
    directory; 130 interrupted by Ctrl-C, 143 by SIGTERM (the record then says `status: interrupted`).
    """
    from advisor.errors import AdvisorError
    from reference_trainer.errors import RunFailed
    from reference_trainer.runner import TrainOptions, train

    options = TrainOptions(record, fix, stage, out, seed, quiet, backend, jobs, click.echo, config_file)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        train(options)
    except AdvisorError as exc:
        _fail(f"advisor: error: {exc}", 2)
    except ImportError as exc:
        _fail(f"advisor: error: the trainer needs a package that is not installed: {exc.name or exc} "
              "(install ml-advisor[train], and dask[distributed] for --backend dask)", 2)
    except RunFailed as exc:
        _fail(f"advisor: error: the run failed: {exc}; {_left(exc, 'failed')}", 1)
    except KeyboardInterrupt as exc:
        number = getattr(exc, "signal", signal.SIGINT)
        _fail(f"advisor: interrupted ({signal.Signals(number).name}); {_left(exc, 'interrupted')}", 128 + number)
    finally:
        signal.signal(signal.SIGTERM, previous)


class Terminated(KeyboardInterrupt):
    """SIGTERM, ending the run as Ctrl-C does (the record marked interrupted), with exit code 143."""

    signal = signal.SIGTERM


def _terminate(number, frame) -> None:
    raise Terminated()


def _left(exc: BaseException, status: str) -> str:
    """What the run left: its directory and the status its record holds."""
    path = getattr(exc, "run_directory", None)
    if path is None:
        return "no run directory was written"
    shown = os.path.relpath(path)
    return f"the record in {path if shown.startswith('..') else shown} says status: {status}"


def _fail(message: str, code: int) -> None:
    """Print `message` and end the process with `code` at once.

    The interpreter's normal shutdown is skipped: tearing down JAX's and XLA's threads from an
    interrupted run aborted the process ("pure virtual method called", exit 134) instead of
    exiting with the code. Everything worth keeping (the run directory) is written by now.
    """
    click.echo(message, err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
