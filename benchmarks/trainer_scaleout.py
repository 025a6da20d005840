"""`advisor train --stage all` on one local job and on a 2-worker Dask cluster, and the Dask path's
overhead per job.

1. Wall time of `advisor train examples/digits/experiment.yaml --stage all` (a fresh process each
   time) with `--jobs 1` and with `--backend dask` against a `LocalCluster` of 2 one-thread worker
   processes started by this script, alternated; medians. The cluster stays up between runs, as a
   real one would, so its workers import Keras once (the first, warming pair is not counted).
2. Overhead per job of the Dask path: submit to result for a job that does nothing but carry the
   data of one digits fold (pickled to the worker and back), median of many rounds.

On a machine whose cores one JAX process already keeps busy (2 cores here), two workers cannot be
much faster than one job: the speed-up measures what distribution costs there, not what it gains.

Run: `python benchmarks/trainer_scaleout.py [--runs N] [--epochs N]` (`--epochs` overrides the
example's 60 epochs to keep the run short; the digits example trains 13 or more models per run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import ROOT, benchmark_env, tool

EXAMPLE = os.path.join(ROOT, "examples", "digits", "experiment.yaml")


def _carry(payload):
    """A job that does nothing: its data goes to the worker and comes back."""
    return payload


def _record(scratch: str, epochs: int | None) -> str:
    """The digits example's record (its data named by absolute path), with `epochs` if given."""
    with open(EXAMPLE, encoding="utf-8") as handle:
        record = yaml.safe_load(handle)
    record["data"]["path"] = os.path.join(os.path.dirname(EXAMPLE), record["data"]["path"])
    if epochs:
        record["model"]["epochs"] = epochs
    path = os.path.join(scratch, "digits.yaml")
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(record, handle, sort_keys=False)
    return path


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, dict]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    with open(os.path.join(done.stdout.strip(), "experiment.yaml"), encoding="utf-8") as handle:
        return elapsed, yaml.safe_load(handle)


def per_job_overhead(client, rounds: int) -> float:
    """Median seconds from submit to result of a job carrying one digits fold's arrays."""
    x = np.zeros((1078, 64), dtype="float32")  # the training rows of one hold-out fold
    payload = (x, np.zeros(1078, dtype="int64"), x[:359], np.zeros(359, dtype="int64"))
    client.submit(_carry, payload, pure=False).result()  # the first round connects the workers
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        client.submit(_carry, payload, pure=False).result()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each side")
    parser.add_argument("--epochs", type=int, default=None, help="epochs of the declared model [default: the example's]")
    parser.add_argument("--rounds", type=int, default=50, help="rounds of the per-job overhead")
    args = parser.parse_args()
    from dask.distributed import Client, LocalCluster

    advisor = tool("advisor")
    with tempfile.TemporaryDirectory(prefix="advisor-scaleout-") as scratch, \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        record = _record(scratch, args.epochs)
        local_env = benchmark_env()
        dask_env = {**local_env, "DASK_SCHEDULER_ADDRESS": cluster.scheduler_address}
        local, dask = [], []
        for run in range(args.runs + 1):  # the first pair warms caches and the workers' imports
            base = ["train", record, "--stage", "all", "--quiet"]
            one, one_record = _timed([advisor, *base, "--jobs", "1", "--out", os.path.join(scratch, f"one{run}")], local_env)
            two, two_record = _timed([advisor, *base, "--backend", "dask", "--out", os.path.join(scratch, f"dask{run}")],
                                     dask_env)
            if {k: v for k, v in one_record.items() if k != "run"} != {k: v for k, v in two_record.items() if k != "run"}:
                raise SystemExit("the Dask run's record differs from the one-job run's")
            if run:
                local.append(one)
                dask.append(two)
        trials = len(one_record["tuning"]["trials"])
        overhead = per_job_overhead(client, args.rounds)
    epochs = args.epochs or "60 (the example's)"
    print(f"--stage all on digits, {epochs} epochs, {trials} trials: --jobs 1 median {statistics.median(local):.1f} s, "
          f"2-worker LocalCluster median {statistics.median(dask):.1f} s over {args.runs} alternated runs: "
          f"speed-up {statistics.median(local) / statistics.median(dask):.2f}x on {os.cpu_count()} cores "
          "(records identical)")
    print(f"Dask overhead per job (submit to result, one fold's data there and back): "
          f"median {overhead * 1000:.1f} ms over {args.rounds} rounds")


if __name__ == "__main__":
    main()
