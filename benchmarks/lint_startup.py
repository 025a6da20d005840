"""Start-up budget: cold `advisor lint experiment.yaml` no slower than flake8 on a
one-line file, run side by side, alternated, medians of 15 runs each.

Two figures: with the results cache off (`--no-cache`: every run parses, validates and lints) and
with the cache on (the repeated-run case of pre-commit and CI re-runs: the first run fills it).
Also checks that linting a record imports no heavy library (Keras, JAX, scikit-learn, pandas,
pyarrow, mlflow, numpy).

    pip install flake8 && python benchmarks/lint_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

from _common import SAMPLE_RECORD, benchmark_env, median, time_command, tool

HEAVY = ("keras", "jax", "tensorflow", "torch", "sklearn", "pandas", "pyarrow", "mlflow", "numpy")


def heavy_imports(record: str, cwd: str) -> list[str]:
    """Modules from HEAVY imported by a whole lint run, in-process."""
    code = (
        "import sys\n"
        "from advisor.cli import main\n"
        f"sys.argv = ['advisor', 'lint', '--no-cache', '--exit-zero', {record!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd)
    return result.stderr.strip().splitlines()[-1].split() if result.stderr.strip() else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    advisor, flake8 = tool("advisor"), tool("flake8")
    with tempfile.TemporaryDirectory() as folder:
        record = os.path.join(folder, "experiment.yaml")
        with open(record, "w", encoding="utf-8") as handle:
            handle.write(SAMPLE_RECORD)
        one_line = os.path.join(folder, "one.py")
        with open(one_line, "w", encoding="utf-8") as handle:
            handle.write("x = 1\n")
        env = benchmark_env(ADVISOR_CACHE_DIR=os.path.join(folder, "cache"))
        lint = [advisor, "lint", "--exit-zero", record]
        time_command(lint, cwd=folder, env=env)  # fill the cache once
        rows = {"flake8 one-line file": [], "advisor lint --no-cache": [], "advisor lint (cache)": []}
        for _ in range(args.runs):  # alternate, so load on the machine hits all alike
            rows["flake8 one-line file"].append(time_command([flake8, one_line], cwd=folder, env=env))
            rows["advisor lint --no-cache"].append(time_command(lint[:2] + ["--no-cache"] + lint[2:], cwd=folder, env=env))
            rows["advisor lint (cache)"].append(time_command(lint, cwd=folder, env=env))
        anchor = median(rows["flake8 one-line file"])
        print(f"{'command':<26} {'median':>9} {'ratio':>7}   (medians of {args.runs} alternated runs)")
        for label, times in rows.items():
            print(f"{label:<26} {median(times) * 1000:7.1f}ms {median(times) / anchor:7.2f}")
        heavy = heavy_imports(record, folder)
        print("heavy modules imported by lint:", ", ".join(heavy) if heavy else "none")


if __name__ == "__main__":
    main()
