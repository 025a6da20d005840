"""Data-check budget: profiling plus the train/test overlap check on a 1,000,000-row x
20-feature training CSV and a 250,000-row test CSV with 1% of its rows copied from training, within
1.5x the time of reading the same files with pyarrow.csv (the fastest CSV reader among the
dependencies), under 1 GB peak memory.

Side by side, alternated, fresh processes, medians of --runs runs each:
  (a) reading both CSVs with pyarrow.csv.read_csv (default options);
  (b) `advisor lint --format json` (results cache off) on a record naming them in splits.files.
Peak memory is each child's max RSS (os.wait4). Bytecode caching is on for the children (the
warm-up run compiles), as in any installed environment. The data is generated once into benchmarks/.data/
(deterministic seed; features spanning 0.01 to thousands) and reused.

    python benchmarks/data_profile.py [--runs 5] [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.path.join(HERE, ".data")
FEATURES = 20
COPIED_SHARE = 0.01
SEED = 20240601
READ_BOTH = (
    "import sys, pyarrow.csv as c\n"
    "c.read_csv(sys.argv[1]); c.read_csv(sys.argv[2])\n"
)
RECORD = """\
name: data-profile-benchmark
problem: {type: binary_classification, target: label}
data: {target_column: label}
splits:
  method: random
  files: {train: train.csv, test: test.csv}
"""


def generate(folder: str, rows: int) -> tuple[str, str, int]:
    """Write train.csv, test.csv and experiment.yaml under `folder` (reused when already there).

    Returns:
        The two CSV paths and the number of test rows copied from training.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv

    test_rows = rows // 4
    copied = int(test_rows * COPIED_SHARE)
    train_path, test_path = os.path.join(folder, "train.csv"), os.path.join(folder, "test.csv")
    marker = os.path.join(folder, "params.json")
    params = {"rows": rows, "test_rows": test_rows, "copied": copied, "seed": SEED, "features": FEATURES}
    if os.path.exists(marker) and os.path.exists(train_path) and os.path.exists(test_path):
        with open(marker, encoding="utf-8") as handle:
            if json.load(handle) == params:
                return train_path, test_path, copied
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(SEED)

    def table(n: int) -> dict[str, np.ndarray]:
        columns = {}
        for j in range(FEATURES):
            scale = 10.0 ** (j % 6 - 2)  # 0.01 .. 1000: heterogeneous ranges
            columns[f"f{j:02d}"] = np.round(rng.normal(3 * scale, scale, n), 4)
        signal = (columns["f00"] - 0.03) / 0.01 + rng.normal(0, 2, n)
        columns["label"] = (signal > 0).astype(np.int64)
        return columns

    train, test = table(rows), table(test_rows)
    sources = rng.choice(rows, copied, replace=False)
    targets = rng.choice(test_rows, copied, replace=False)
    for name in test:
        test[name][targets] = train[name][sources]
    print(f"generating {rows:,} + {test_rows:,} rows into {folder} ...", file=sys.stderr)
    pcsv.write_csv(pa.table(train), train_path)
    pcsv.write_csv(pa.table(test), test_path)
    with open(os.path.join(folder, "experiment.yaml"), "w", encoding="utf-8") as handle:
        handle.write(RECORD)
    with open(marker, "w", encoding="utf-8") as handle:
        json.dump(params, handle)
    return train_path, test_path, copied


def run(argv: list[str], cwd: str) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and standard output of one fresh process (with an empty results
    cache, so every lint profiles the data)."""
    env = dict(os.environ, ADVISOR_CACHE_DIR=tempfile.mkdtemp(dir=cwd))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # compiled modules are cached, as in any installation
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss / 1024, output


def overlap_in_profile(record: str) -> int | None:
    """splits.overlap as the data readers fill it, read in this process."""
    from advisor.readers.record import read_record

    experiment = read_record(record)
    return experiment.splits.overlap if experiment.splits else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1_000_000, help="training rows (test: a quarter of it)")
    args = parser.parse_args()
    folder = DATA_DIR if args.rows == 1_000_000 else os.path.join(DATA_DIR, f"rows-{args.rows}")
    train, test, copied = generate(folder, args.rows)
    record = os.path.join(folder, "experiment.yaml")
    advisor = os.path.join(os.path.dirname(sys.executable), "advisor")
    usage = subprocess.run([advisor, "lint", "--help"], capture_output=True, text=True).stdout
    no_cache = ["--no-cache"] if "--no-cache" in usage else []
    commands = {
        "read both CSVs (pyarrow.csv)": [sys.executable, "-c", READ_BOTH, train, test],
        "advisor lint (profile+overlap)": [advisor, "lint", *no_cache, "--exit-zero", "--format", "json", record],
    }
    times: dict[str, list[float]] = {label: [] for label in commands}
    memory: dict[str, list[float]] = {label: [] for label in commands}
    output = ""
    with tempfile.TemporaryDirectory() as cwd:
        for argv in commands.values():  # warm the page cache
            run(argv, cwd)
        for _ in range(args.runs):
            for label, argv in commands.items():
                elapsed, rss, text = run(argv, cwd)
                times[label].append(elapsed)
                memory[label].append(rss)
                if label.startswith("advisor"):
                    output = text
    reader, lint = (statistics.median(times[label]) for label in commands)
    print(f"{'command':<32} {'median s':>9} {'min s':>7} {'peak RSS MB':>12}   ({args.runs} alternated runs)")
    for label in commands:
        print(f"{label:<32} {statistics.median(times[label]):>9.3f} {min(times[label]):>7.3f} {max(memory[label]):>12.0f}")
    ratio = lint / reader
    read_label, lint_label = commands
    paired = statistics.median(b / a for a, b in zip(times[read_label], times[lint_label]))
    peak = max(memory[lint_label])
    print(f"ratio lint/read: {ratio:.2f} of the medians, {paired:.2f} median of the alternated pairs "
          f"(budget 1.50: {'met' if ratio <= 1.5 else 'NOT met'}); "
          f"peak memory {peak:.0f} MB (budget 1024: {'met' if peak < 1024 else 'NOT met'})")
    findings = json.loads(output)["findings"] if output.strip() else []
    codes = sorted({finding["code"] for finding in findings})
    print(f"findings: {', '.join(codes) or 'none'}; LK02 {'found' if 'LK02' in codes else 'not found'}, "
          f"DP03 {'found' if 'DP03' in codes else 'not found'}")
    for finding in findings:
        if finding["code"] in ("LK02", "DP03"):
            print(f"  {finding['code']} {finding['path']}:{finding['line']}: {finding['message']}")
    overlap = overlap_in_profile(record)
    print(f"splits.overlap in the profile: {overlap} (rows copied: {copied}; {'exact' if overlap == copied else 'MISMATCH'})")


if __name__ == "__main__":
    main()
