"""Where cold `advisor lint --no-cache` stands against the floor of its imports, in instructions.

Wall times on a shared machine move with its load; callgrind's instruction counts do not, so this
script counts the instructions of fresh processes, each adding one stage of a lint run to the one
before: the interpreter alone, flake8 on a one-line file (the start-up budget's anchor), importing
the libraries a record lint needs (pydantic, click, yaml), the pydantic names the record models use,
the record models, validating a one-field record (which builds the models' schema), validating the
benchmarks' sample record, loading the rule registry, and the whole command. A stage's figure minus
the one before is what that stage costs; a stage that alone exceeds flake8 shows the budget cannot
be met while the record is a pydantic model.

    sudo apt-get install valgrind && pip install flake8 && python benchmarks/lint_floor.py
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

from _common import SAMPLE_RECORD, benchmark_env, tool

LIBRARIES = "import pydantic, click, yaml\n"
#: (label, Python source run with `python -c`), each a superset of the stage before it.
STAGES = (
    ("python -c pass", "pass\n"),
    ("import pydantic, click, yaml", LIBRARIES),
    ("+ the pydantic names used", LIBRARIES + "from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, "
                                              "ValidationError, field_validator, model_validator\n"),
    ("+ import advisor.record", LIBRARIES + "import advisor.record\n"),
    ("+ validate {name: x}", LIBRARIES + "from advisor.record import Experiment\n"
                                         "Experiment.model_validate({'name': 'x'})\n"),
    ("+ read the sample record", LIBRARIES + "from advisor.readers.record import read_record\n"
                                             "read_record('experiment.yaml')\n"),
    ("+ load the rule registry", LIBRARIES + "from advisor.readers.record import read_record\n"
                                             "from advisor.registry import load_registry\n"
                                             "read_record('experiment.yaml'); load_registry()\n"),
)
#: A pydantic model of one field, validated: the least a pydantic-validated record can cost.
ONE_FIELD = LIBRARIES + "class M(pydantic.BaseModel):\n    x: int = 0\nM.model_validate({'x': 1})\n"


def instructions(argv: list[str], cwd: str, env: dict[str, str]) -> int:
    """Instructions callgrind counts for one fresh process running `argv`."""
    out = os.path.join(cwd, f"callgrind.{os.getpid()}.{abs(hash(tuple(argv)))}")
    result = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *argv],
                            cwd=cwd, env=env, capture_output=True, text=True, check=False)
    found = re.search(r"Collected : (\d+)", result.stderr)
    if found is None:
        raise SystemExit(f"valgrind gave no count for {argv}:\n{result.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes counted at once")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("benchmark needs valgrind (callgrind): apt-get install valgrind")
    advisor, flake8 = tool("advisor"), tool("flake8")
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "experiment.yaml"), "w", encoding="utf-8") as handle:
            handle.write(SAMPLE_RECORD)
        with open(os.path.join(folder, "one.py"), "w", encoding="utf-8") as handle:
            handle.write("x = 1\n")
        env = benchmark_env(ADVISOR_CACHE_DIR=os.path.join(folder, "cache"))
        lint = [advisor, "lint", "--exit-zero", "experiment.yaml"]
        for _ in range(2):  # compile the modules and fill the cache folder before counting
            subprocess.run(lint, cwd=folder, env=env, capture_output=True, check=False)
        commands = {
            "flake8 one-line file": [flake8, "one.py"],
            **{label: [sys.executable, "-c", code] for label, code in STAGES},
            "one-field pydantic model": [sys.executable, "-c", ONE_FIELD],
            "advisor lint --no-cache": lint[:2] + ["--no-cache"] + lint[2:],
        }
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            counts = dict(zip(commands, pool.map(lambda argv: instructions(argv, folder, env), commands.values())))
    anchor = counts["flake8 one-line file"]
    print(f"{'process':<30} {'instructions':>12} {'/flake8':>8}   (callgrind, fresh processes)")
    for label, count in counts.items():
        print(f"{label:<30} {count / 1e6:10.0f}M {count / anchor:8.2f}")
    libraries = counts["import pydantic, click, yaml"]
    print(f"advisor lint --no-cache / import pydantic, click, yaml: {counts['advisor lint --no-cache'] / libraries:.2f}")


if __name__ == "__main__":
    main()
