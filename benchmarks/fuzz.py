"""Long fuzz: generated records in batches, a sample of them one by one, and every hostile input
of the bounded-reader and crash tests, through the real console script. Prints counts by outcome;
the contract is 0 internal errors and 0 hangs.

- Records: real records (tests/records, the examples) with values replaced, removed or added
  (tests/fuzz_records.py), half gently (same-kind values, mostly valid), half wildly (wrong types,
  NaN, 400-digit integers, control characters, NUL). Written as YAML or JSON into folders of
  --batch records, each folder linted in one `advisor lint --no-cache --format json` call.
- Single: --single of them linted one call each (`advisor lint FILE`).
- Hostile: each builder of tests/readers/hostile.py (200 MB header line, 60 MB model JSON, 2.5 GB
  Parquet, 900 MB of zeros in an NPZ, zeroblob and 5-million-row MLflow stores, a NUL byte in a
  CSV cell, a 20 MB CSV cell, a ragged CSV in a batch, YAML the fix editor refuses, ...), run with
  its peak memory measured and a timeout; and the trainer's refusals (epochs 0, only the target
  column, infinite features, a time split without time order, a billion-unit layer), each
  `advisor train` under a 4 GiB address-space cap, which must exit 2 and leave no folder behind.

An outcome per record: `unreadable` (its `advisor: error:` line), `findings`, `clean`; and
`internal error` (an ADV001 finding or "internal error" in a message) or `hang` (the batch or run
passed --timeout seconds), which must stay at 0.

    python benchmarks/fuzz.py [--records 100000] [--batch 2000] [--single 200] [--seed 0] [--only TEXT]

(`--records 0 --single 0 --only train-` reruns only the trainer's refusals.)
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

# The imports below need the project root on sys.path (benchmarks run as scripts).
from _common import tool  # noqa: E402

from tests import fuzz_records  # noqa: E402
from tests.readers import hostile  # noqa: E402

INTERNAL = ("internal error", "ADV001")
#: A library's own words, which name options and inputs the user does not have.
LIBRARY_TEXT = ("<unicode string>", "straddl", "block_size", "block size")
#: Address space of each `advisor train` run: a model too large must be refused before Keras allocates.
TRAINER_CAP = 4 * 1024**3
#: Runs a command (argv[2:]) under an address-space cap of argv[1] bytes (0: none) and reports its
#: peak resident memory (KiB) on the last line of stderr.
_MEASURED = ("import resource, subprocess, sys; cap = int(sys.argv[1]); "
             "cap and resource.setrlimit(resource.RLIMIT_AS, (cap, cap)); code = subprocess.call(sys.argv[2:]); "
             "sys.stderr.write('\\npeak %d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
             "sys.exit(code)")

#: The crash classes of the hostile-input runs, as records (a file name and its text).
BIG, TOO_LONG = "1" + "0" * 400, "1" + "0" * 5000
CRASH_CASES = {
    "nul-model-file": ("experiment.yaml", 'model: {file: "model\\0.keras"}\n'),
    "nul-history-file": ("experiment.yaml", 'history: {file: "log\\0.csv"}\n'),
    "nul-data-path": ("experiment.yaml", 'data: {path: "train\\0.csv"}\n'),
    "history-json-400-digits": ("history.json", '{"loss": [BIG, 0.5]}'),
    "history-json-5000-digits": ("history.json", '{"loss": [TOO_LONG, 0.5]}'),
    "record-json-5000-digits": ("experiment.json", '{"model": {"epochs": TOO_LONG}}'),
    "record-yaml-5000-digits": ("experiment.yaml", "model: {epochs: TOO_LONG}\n"),
    "record-400-digits": ("experiment.yaml", ("model: {optimizer: {name: adam, learning_rate: BIG}}\n"
                                              "splits: {train: BIG, validation: 1e400, test: .inf}\n")),
    "config-json-400-digits": ("model.json", ('{"class_name": "Sequential", "config": {"layers": [{"class_name": '
                                              '"Dense", "config": {"units": BIG}}]}}')),
    "config-json-5000-digits": ("model.json", '{"class_name": "Sequential", "config": {"layers": []}, "x": TOO_LONG}'),
    "csv-header-quoted-newline": ("experiment.yaml", "data: {path: q.csv}\n"),
    "unhashable-feature-name": ("experiment.yaml", "data:\n  features:\n    - {name: [1, 2], dtype: float}\n"),
    "unhashable-class-label": ("experiment.yaml", "data:\n  class_counts: {? [1, 2] : 3, b: 4}\n"),
    "empty-npz": ("experiment.yaml", "data: {path: empty.npz}\n"),
    "history-csv-header-only": ("history.csv", "epoch,loss\n"),
    "split-infinity": ("experiment.yaml", ("splits: {method: random, train: .inf, validation: 1e400, test: 0.2}\n"
                                           "data: {samples: 1e400}\n")),
}


def write_records(folder: str, count: int, batch: int, rng: random.Random) -> list[str]:
    """Write `count` generated records into folders of `batch`; returns the folders."""
    seeds = fuzz_records.seeds()
    folders = []
    for index in range(count):
        if index % batch == 0:
            folders.append(os.path.join(folder, f"batch{index // batch:04d}"))
        _, record, data = rng.choice(seeds)
        mutated = fuzz_records.mutate(record, rng, gentle=rng.random() < 0.5)
        fmt = rng.choice(["yaml", "json"])
        case = os.path.join(folders[-1], f"r{index:06d}")
        # Data files are copied for a few records only: the rules that read profiles get exercised
        # without a 100,000-fold copy of the examples' data.
        fuzz_records.write_case(case, mutated, fmt, data if rng.random() < 0.005 else None)
    return folders


def lint_batch(advisor: str, folder: str, timeout: float) -> tuple[collections.Counter, float]:
    counts: collections.Counter = collections.Counter()
    records = [os.path.join(base, name) for base, _, names in os.walk(folder) for name in names
               if name.startswith("experiment.")]
    start = time.perf_counter()
    try:
        result = subprocess.run([advisor, "lint", "--no-cache", "--format", "json", "--select", "ALL", folder],
                                capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        counts["hang"] += len(records)
        return counts, time.perf_counter() - start
    elapsed = time.perf_counter() - start
    unreadable = {os.path.normpath(line.split(":", 3)[2].strip()) for line in result.stderr.splitlines()
                  if line.startswith("advisor: error:")}
    counts["internal error"] += sum(text in line for line in result.stderr.splitlines() for text in INTERNAL)
    if "Traceback" in result.stderr:
        counts["traceback"] += 1
    try:
        findings = json.loads(result.stdout)["findings"] if result.stdout.strip() else []
    except json.JSONDecodeError:
        counts["invalid json output"] += 1
        findings = []
    counts["internal error"] += sum(finding["code"] == "ADV001" for finding in findings)
    with_findings = {os.path.normpath(finding["path"]) for finding in findings}
    for record in records:
        path = os.path.normpath(record)
        if path in unreadable:
            counts["unreadable"] += 1
        elif path in with_findings:
            counts["findings"] += 1
        else:
            counts["clean"] += 1
    return counts, elapsed


def run_one(argv: list[str], cwd: str, timeout: float, memory_cap: int = 0) -> tuple[str, float, float, str]:
    """(outcome, seconds, peak MB, last message line) of one run of the console script."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", _MEASURED, str(memory_cap), *argv], cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)  # the launcher and the advisor under it
        process.communicate()
        return "hang", time.perf_counter() - start, 0.0, ""
    elapsed = time.perf_counter() - start
    stderr, _, peak_kib = stderr.rstrip("\n").rpartition("\npeak ")
    peak = int(peak_kib) / 1024 if peak_kib.isdigit() else 0.0
    text = stdout + stderr
    if any(marker in text for marker in INTERNAL) or "Traceback" in text:
        outcome = "internal error"
    elif any(marker in text for marker in LIBRARY_TEXT):
        outcome = "library text"
    else:
        outcome = {0: "clean", 1: "findings", 2: "unreadable"}.get(process.returncode, f"exit {process.returncode}")
    lines = [line for line in stderr.splitlines() if line.startswith("advisor: error:")] or stdout.splitlines()[-1:]
    return outcome, elapsed, peak, (lines[0] if lines else "")


def hostile_cases(advisor: str, timeout: float, only: str | None = None) -> collections.Counter:
    import numpy as np

    counts: collections.Counter = collections.Counter()
    print(f"\nhostile inputs (timeout {timeout:.0f} s each):")
    print(f"  {'case':<28} {'outcome':<15} {'seconds':>8} {'peak MB':>8}  message")
    builders = {name: builder for name, builder in hostile.BOUNDED.items()}
    for name, (file, text) in CRASH_CASES.items():
        def build(folder: str, file: str = file, text: str = text) -> str:
            with open(os.path.join(folder, "q.csv"), "w", encoding="utf-8") as handle:
                handle.write('"size\nin cm",label\n1.5,0\n2.5,1\n')
            np.savez(os.path.join(folder, "empty.npz"), X=np.zeros((0, 3)), y=np.zeros(0))
            with open(os.path.join(folder, file), "w", encoding="utf-8") as handle:
                handle.write(text.replace("TOO_LONG", TOO_LONG).replace("BIG", BIG))
            return file
        builders[name] = build
    cases = {name: ("lint", builder) for name, builder in builders.items()}
    cases.update(hostile.MESSAGES)
    cases.update({name: ("train", builder) for name, builder in hostile.TRAINER_REFUSED.items()})
    for name, (command, builder) in cases.items():
        if only and only not in name:
            continue
        with tempfile.TemporaryDirectory() as folder:
            target = builder(folder)
            argv = {"lint": [advisor, "lint", "--no-cache", target], "fix": [advisor, "fix", target],
                    "train": [advisor, "train", target, "--quiet"]}[command]
            outcome, seconds, peak, message = run_one(argv, folder, timeout, TRAINER_CAP if command == "train" else 0)
            if command == "train" and outcome != "hang":
                left = [entry for _, dirs, _ in os.walk(folder) for entry in dirs]
                outcome = "left a folder" if left else outcome if outcome == "unreadable" else "not refused"
        counts[outcome] += 1
        print(f"  {name:<28} {outcome:<15} {seconds:>8.1f} {peak:>8.0f}  {message[:110]}")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--single", type=int, default=200, help="records also linted one call each")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=300, help="seconds before a batch or run is a hang")
    parser.add_argument("--no-hostile", action="store_true", help="skip the hostile inputs")
    parser.add_argument("--only", default=None, help="run only the hostile inputs whose name holds this text")
    args = parser.parse_args()
    advisor = tool("advisor")
    rng = random.Random(args.seed)
    totals: collections.Counter = collections.Counter()
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        folders = write_records(folder, args.records, args.batch, rng)
        print(f"wrote {args.records:,} records in {len(folders)} batches in {time.perf_counter() - start:.0f} s",
              flush=True)
        linting = 0.0
        for number, batch in enumerate(folders, start=1):
            counts, seconds = lint_batch(advisor, batch, args.timeout)
            linting += seconds
            totals.update(counts)
            print(f"  batch {number}/{len(folders)}: {dict(counts)} in {seconds:.1f} s", flush=True)
        print(f"batches: {args.records:,} records linted in {linting:.0f} s "
              f"({args.records / max(linting, 1e-9):,.0f} records/s)")
        singles: collections.Counter = collections.Counter()
        records = sorted(os.path.join(base, name) for base, _, names in os.walk(folder) for name in names
                         if name.startswith("experiment."))
        for path in rng.sample(records, min(args.single, len(records))):
            outcome, _, _, _ = run_one([advisor, "lint", "--no-cache", os.path.basename(path)], os.path.dirname(path),
                                       args.timeout)
            singles[outcome] += 1
    print(f"single runs ({sum(singles.values())}): {dict(singles)}")
    hostile_counts = collections.Counter() if args.no_hostile else hostile_cases(advisor, args.timeout, args.only)
    print("\ntotals by outcome")
    for label, counts in (("batched records", totals), ("single runs", singles), ("hostile inputs", hostile_counts)):
        shown = {key: value for key, value in sorted(counts.items()) if not key.startswith("exit")}
        print(f"  {label:<16} {shown}")
    bad = sum(counts[key] for counts in (totals, singles, hostile_counts)
              for key in ("internal error", "hang", "traceback", "invalid json output", "library text", "left a folder",
                          "not refused"))
    print(f"internal errors: {totals['internal error'] + singles['internal error'] + hostile_counts['internal error']}, "
          f"hangs: {totals['hang'] + singles['hang'] + hostile_counts['hang']} "
          f"({'contract met' if bad == 0 else 'CONTRACT BROKEN'})")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
