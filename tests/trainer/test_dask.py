"""`advisor train --backend dask` on a real `dask.distributed.LocalCluster`: every fold of every
trial is a task of its own, results equal a one-job run, and a worker that dies mid-job is either
retried by the scheduler or ends the run with one message and a record marked failed."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
import yaml

from reference_trainer.runner import TrainOptions, train
from tests.advisor_cli import run_advisor
from tests.trainer.conftest import tiny_record, write_data, write_yaml

#: A 2-fold record whose jobs run a few seconds each, long enough to kill a worker in the middle.
SLOW_FOLDS = {"protocol": {"type": "kfold", "folds": 2}, "splits": {"validation": None, "train": None},
              "model": {"epochs": 150}}


def _record(run_dir) -> dict:
    with open(os.path.join(str(run_dir), "experiment.yaml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _history(run_dir) -> str:
    with open(os.path.join(str(run_dir), "history.csv"), encoding="utf-8") as handle:
        return handle.read()


def assert_same_run(run_dir, reference_dir) -> None:
    """Same record (but for the run section: times and backend), same history, same trials."""
    ran, reference = _record(run_dir), _record(reference_dir)
    assert ran["run"]["status"] == "completed" and "dask" in ran["run"]["backend"]
    assert {k: v for k, v in ran.items() if k != "run"} == {k: v for k, v in reference.items() if k != "run"}
    assert _history(run_dir) == _history(reference_dir)
    assert sorted(os.listdir(run_dir)) == ["experiment.yaml", "history.csv", "model.keras", "report.html"]


def _train_on(cluster, record: str, name: str, *args: str, timeout: float = 600):
    """`advisor train RECORD --backend dask` on `cluster` into the run directory `name` beside the
    record (so its relative paths equal the one-job run's)."""
    out = os.path.join(os.path.dirname(record), name)
    return run_advisor("train", record, "--backend", "dask", "--quiet", "--out", out, *args,
                       cwd=os.path.dirname(record), env={"DASK_SCHEDULER_ADDRESS": cluster.scheduler_address},
                       timeout=timeout)


@pytest.fixture(scope="module")
def holdout(tmp_path_factory):
    """The tiny hold-out record and its `--stage all --jobs 1` run."""
    folder = tmp_path_factory.mktemp("holdout")
    write_data(folder)
    record = write_yaml(folder, tiny_record(model={"epochs": 2}))
    return record, train(TrainOptions(record, stage="all", out=str(folder / "one-job"), quiet=True, jobs=1))


@pytest.fixture(scope="module")
def folds(tmp_path_factory):
    """The slow 2-fold record and its `--stage fit --jobs 1` run."""
    folder = tmp_path_factory.mktemp("folds")
    write_data(folder)
    record = write_yaml(folder, tiny_record(**SLOW_FOLDS))
    return record, train(TrainOptions(record, stage="fit", out=str(folder / "one-job"), quiet=True, jobs=1))


def test_stage_all_on_a_two_worker_cluster_equals_one_job(holdout):
    """Every trial and the final retrain sent as tasks, both workers training; the run equals the
    one-job run (scores, trials, record, history)."""
    from dask.distributed import Client, LocalCluster, get_task_stream

    record, reference = holdout
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=None) \
            as cluster, Client(cluster) as client, get_task_stream(client) as stream:
        result = _train_on(cluster, record, "threads", "--stage", "all")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "threads"  # -q prints the run directory, nothing else
    assert_same_run(os.path.join(os.path.dirname(record), "threads"), reference)
    tasks = [task for task in stream.data if str(task["key"]).startswith("run_job")]
    trials = _record(reference)["tuning"]["trials"]
    # one task per trial (hold-out: one unit each) and the final retrain, plus at most one scale-up
    # step trained beside the one that crossed the border, then discarded unseen
    assert len(trials) + 1 <= len(tasks) <= len(trials) + 2
    assert len({task["worker"] for task in tasks}) == 2


def test_folds_on_a_worker_process_cluster_equal_one_job(folds):
    """Jobs and their data pickled to other processes, as on a real cluster: each fold a task,
    results equal the one-job run."""
    from dask.distributed import Client, LocalCluster, get_task_stream

    record, reference = folds
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client, get_task_stream(client) as stream:
        result = _train_on(cluster, record, "processes", "--stage", "fit")
    assert result.returncode == 0, result.stderr
    run_dir = os.path.join(os.path.dirname(record), "processes")
    assert_same_run(run_dir, reference)
    assert len(_record(run_dir)["tuning"]["trials"]) == 1
    tasks = [task for task in stream.data if str(task["key"]).startswith("run_job")]
    assert len(tasks) == 2 and len({task["worker"] for task in tasks}) == 2


def _kill_a_worker_mid_job(cluster, done: threading.Event) -> int:
    """Wait until a worker process is training a job, kill it (SIGKILL), return its pid."""
    from dask.distributed import Client

    with Client(cluster) as client:
        pids = client.run(os.getpid)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not done.is_set():
            busy = [worker for worker, keys in client.processing().items()
                    if any(str(key).startswith("run_job") for key in keys)]
            if busy:
                time.sleep(1.0)  # into the job: its model is built and fitting
                os.kill(pids[busy[0]], signal.SIGKILL)
                return pids[busy[0]]
            time.sleep(0.05)
    raise AssertionError("no job reached a worker")


def _train_and_kill(cluster, record: str, name: str):
    results, done = [], threading.Event()

    def run():
        results.append(_train_on(cluster, record, name, "--stage", "fit"))
        done.set()

    runner = threading.Thread(target=run)
    runner.start()
    killed = _kill_a_worker_mid_job(cluster, done)
    runner.join(timeout=600)
    return results[0], killed


def test_a_worker_killed_mid_job_is_retried_and_the_run_equals_one_job(folds):
    from dask.distributed import LocalCluster

    record, reference = folds
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result, killed = _train_and_kill(cluster, record, "retried")
    assert killed
    assert result.returncode == 0, result.stderr
    assert_same_run(os.path.join(os.path.dirname(record), "retried"), reference)


def test_a_worker_killed_mid_job_without_retries_fails_with_one_message(folds):
    import dask
    from dask.distributed import LocalCluster

    record, _ = folds
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result, _ = _train_and_kill(cluster, record, "failed")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "a Dask worker died" in result.stderr and "status: failed" in result.stderr
    folder = os.path.dirname(record)
    written = _record(os.path.join(folder, "failed"))
    assert written["run"]["status"] == "failed" and written["run"]["stage"] == "fit"
    assert "worker died" in written["run"]["message"]
    assert os.listdir(os.path.join(folder, "failed")) == ["experiment.yaml"]  # nothing that looks complete
    assert "final" not in written and "tuning" not in written
    assert not [name for name in os.listdir(folder) if name.endswith(".partial")]


def test_an_unreachable_scheduler_is_one_message_and_no_run_directory(tmp_path):
    write_data(tmp_path)
    record = write_yaml(tmp_path, tiny_record())
    result = run_advisor("train", record, "--backend", "dask", "--out", str(tmp_path / "run"), cwd=tmp_path,
                         env={"DASK_SCHEDULER_ADDRESS": "tcp://127.0.0.1:9"}, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cannot reach the Dask scheduler" in result.stderr and "tcp://127.0.0.1:9" in result.stderr
    assert not os.path.exists(tmp_path / "run")
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".partial")]
