"""Batch budget: 10,000 records linted in one call at 1,000 or more per second.

Writes 10,000 varied records (each a mutation of a typical complete record, so rules fire on
some) into a temporary folder, then times `advisor lint FOLDER --format json` in fresh processes,
median of several runs: with the results cache off (`--no-cache`) in one process and on every
core, and on a warm cache.

    python benchmarks/lint_batch.py [--records 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import tempfile

from _common import SAMPLE_RECORD, benchmark_env, median, time_command, tool

MUTATIONS = [
    ("activation: sigmoid}", "activation: relu}"),
    ("learning_rate: 0.001", "learning_rate: 0.5"),
    ("fit_on: train", "fit_on: all"),
    ("method: stratified", "method: random"),
    ("score: 0.627", "score: 0.95"),
    ("loss: binary_crossentropy", "loss: mse"),
    ("", ""),
]


def write_records(folder: str, count: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    for index in range(count):
        old, new = rng.choice(MUTATIONS)
        text = SAMPLE_RECORD.replace("name: breast-cancer-mlp", f"name: run-{index}")
        if old:
            text = text.replace(old, new, 1)
        sub = os.path.join(folder, f"{index // 1000:02d}", f"run{index:05d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, "experiment.yaml"), "w", encoding="utf-8") as handle:
            handle.write(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    advisor = tool("advisor")
    with tempfile.TemporaryDirectory() as folder:
        write_records(folder, args.records)
        base = [advisor, "lint", folder, "--format", "json", "--exit-zero", "-o", os.path.join(folder, "out.json")]
        # Sanity: the run succeeds and sees every record.
        check = subprocess.run(base + ["--no-cache"], capture_output=True, text=True)
        if check.returncode != 0:
            raise SystemExit(f"advisor lint failed: {check.stderr.strip()}")
        single = benchmark_env(ADVISOR_JOBS="1")
        runs = (("no cache, 1 process", ["--no-cache"], single), ("no cache", ["--no-cache"], None), ("warm cache", [], None))
        for label, extra, env in runs:
            if not extra:
                time_command(base, cwd=folder)  # fill the cache
            times = [time_command(base + extra, cwd=folder, env=env) for _ in range(args.runs)]
            seconds = median(times)
            print(f"{label:>20}: {args.records} records in {seconds:.2f} s (median of {args.runs}) = "
                  f"{args.records / seconds:,.0f} records/s (budget: >= 1,000/s)")


if __name__ == "__main__":
    main()
