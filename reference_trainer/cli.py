"""The `advisor train` command, registered through the `advisor.commands` entry point group."""

from __future__ import annotations

import os
import sys

import click

BACKENDS = ("loky", "threading", "multiprocessing", "dask", "ray")

# NumPy's OpenBLAS threads spin after each call and take cores from XLA, which does the training;
# the trainer's own NumPy work is small. Measured: about 0.2 s less per run on 2 cores. It must be
# set before NumPy loads (the lint path never loads it); a user's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


@click.command("train")
@click.argument("record", type=click.Path(dir_okay=False))
@click.option("--fix", is_flag=True, help="Apply `advisor fix` edits (unsafe included) to a copy of the record in "
                                          "memory, and the remedies that need training. The file is never edited.")
@click.option("--stage", type=click.Choice(["baseline", "fit", "overfit", "regularize", "final", "all"]), default=None,
              help="Run up to this stage [default: the experiment as declared: baseline, training, and the final "
                   "retrain and test evaluation when a test split exists].")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="The run directory to write (must not exist) [default: runs/<name>-<timestamp> beside the record].")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every split, shuffle and initialisation.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
@click.option("--backend", type=click.Choice(BACKENDS), default="loky", show_default=True,
              help="joblib backend that runs folds and trials (dask and ray run them on a cluster).")
@click.option("--jobs", "-j", type=click.IntRange(1), default=None,
              help="Folds or trials run at once [default: one per two cores; JAX already spreads one fold over two].")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Lint settings for --fix (advisor.toml or pyproject.toml).")
def command(record, fix, stage, out, seed, quiet, backend, jobs, config_file) -> None:
    """Run the experiment RECORD declares and write a run directory that `advisor lint` reads back.

    Without --stage: the dumb baseline, training under the declared protocol, and, when a test split
    exists, the final retrain on train+validation with one test evaluation. `--stage all` adds
    scale-up and regularization before the final stage.

    Exit codes: 0 the run completed, 2 the record cannot be run (no data, a missing target, labels
    that contradict the problem type, a model that cannot be built), 130 interrupted (the run
    directory's record then says `status: interrupted`).
    """
    from advisor.errors import AdvisorError
    from reference_trainer.runner import TrainOptions, train

    if jobs is None:
        # Measured on 2 cores: two fold processes ran 0.73-0.80x as fast as one, since JAX already
        # uses both cores inside one process and each worker pays for importing Keras.
        jobs = max(1, (os.cpu_count() or 1) // 2)
    options = TrainOptions(record, fix, stage, out, seed, quiet, backend, jobs, click.echo, config_file)
    try:
        train(options)
    except AdvisorError as exc:
        click.echo(f"advisor: error: {exc}", err=True)
        sys.exit(2)
    except ImportError as exc:
        click.echo(f"advisor: error: the trainer needs a package that is not installed: {exc.name or exc} "
                   "(install ml-advisor[train], plus dask[distributed] or ray for those backends)", err=True)
        sys.exit(2)
