"""The examples before and after `advisor train --fix`, against the reference table.

For each example under examples/: `advisor train` as declared (before) and `advisor train --fix`
(after), both into fresh run directories, then `advisor lint` on the fixed run (it must report no
error). Prints one row per example: the success metric on the test set before and after (the before run
scores the metric the record declared, named when --fix changed it), the dumb baseline's score, the reference, and whether the fixed run reaches it with a clean lint.

Run: `python benchmarks/reference_table.py [--seed N] [--only NAME ...]` (a few minutes on 2 cores).
Exit code 0 when every row passes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import ROOT, tool  # noqa: E402

#: example -> (metric, reference, goal): the score the fixed run must reach on the test set.
REFERENCE = {
    "breast_cancer": ("accuracy", 0.96, "maximize"),
    "wine": ("accuracy", 0.95, "maximize"),
    "digits": ("accuracy", 0.96, "maximize"),
    "diabetes": ("mae", 47.0, "minimize"),
    "multilabel": ("average_precision", None, "maximize"),
}


def _run(example: str, out: str, fix: bool, seed: int) -> dict:
    record = os.path.join(ROOT, "examples", example, "experiment.yaml")
    command = [tool("advisor"), "train", record, "--quiet", "--out", out, "--seed", str(seed)] + (["--fix"] if fix else [])
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    with open(os.path.join(out, "experiment.yaml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _lint_errors(run_dir: str) -> list[str]:
    done = subprocess.run([tool("advisor"), "lint", run_dir, "--format", "json", "--exit-zero"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        return [f"lint failed: {done.stderr.strip()}"]
    return [f["code"] for f in json.loads(done.stdout)["findings"] if f["severity"] == "error"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="*", default=list(REFERENCE))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="advisor-reference-") as scratch:
        for example in args.only:
            metric, reference, goal = REFERENCE[example]
            before = _run(example, os.path.join(scratch, f"{example}-before"), False, args.seed)
            fixed_dir = os.path.join(scratch, f"{example}-after")
            after = _run(example, fixed_dir, True, args.seed)
            errors = _lint_errors(fixed_dir)
            score = after["final"]["test_score"]
            reached = reference is None or (score >= reference if goal == "maximize" else score <= reference)
            rows.append((example, after["metric"]["name"], (before["final"]["test_score"], before["metric"]["name"]), score,
                         after["baseline"]["score"], reference, goal, reached and not errors, errors))
    header = (f"{'example':<14} {'metric (after)':<18} {'before':>20} {'after':>8} {'baseline':>9} {'reference':>10}  "
              "pass  lint errors")
    print(header)
    print("-" * len(header))
    for example, metric, before, after, baseline, reference, goal, passed, errors in rows:
        shown = "-" if reference is None else ("≥ " if goal == "maximize" else "≤ ") + f"{reference:g}"
        before_shown = f"{before[0]:.4f}" + ("" if before[1] == metric else f" ({before[1]})")
        print(f"{example:<14} {metric:<18} {before_shown:>20} {after:>8.4f} {baseline:>9.4f} {shown:>10}  "
              f"{'yes' if passed else 'NO':<4}  {', '.join(errors) or 'none'}")
    return 0 if all(row[7] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
