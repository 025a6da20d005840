"""Run the real `advisor` console script, as a user or a CI job would.

The end-to-end tests (CLI, formats, configuration, suppression, bad input) call `run_advisor`
instead of invoking click in-process, so entry points, exit codes, stdout and stderr are the
installed program's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import yaml

#: The console script installed beside this interpreter (the project's virtual environment).
ADVISOR = shutil.which("advisor", path=os.path.dirname(sys.executable)) or shutil.which("advisor")

#: The MC01 anti-pattern: relu output with binary crossentropy; the finding sits on line 6. No
#: problem type is declared, so MC01 (the pair alone) owns it rather than MC02/MC03.
BAD_RECORD = """\
version: 1
description: a relu output layer feeding binary crossentropy
model:
  layers:
    - {type: dense, units: 16, activation: relu}
    - {type: dense, units: 1, activation: relu}
  loss: binary_crossentropy
"""
BAD_LINE, BAD_COLUMN = 6, 31

#: The same record, corrected.
GOOD_RECORD = BAD_RECORD.replace("units: 1, activation: relu", "units: 1, activation: sigmoid")


#: Sets an address-space cap, then becomes the command in argv[1:] (no preexec_fn: forking a
#: process that runs JAX's threads from Python code is unsafe).
_CAPPED = ("import os, resource, sys; cap = int(sys.argv[1]); resource.setrlimit(resource.RLIMIT_AS, (cap, cap)); "
           "os.execv(sys.argv[2], sys.argv[2:])")


def run_advisor(*args: str, cwd, env: dict[str, str] | None = None, timeout: float = 60,
                memory_cap: int | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run `advisor ARGS...` in `cwd` and capture its output as text.

    Args:
        *args: The command-line arguments after `advisor`.
        cwd: The working directory.
        env: Extra environment variables (added to a copy of this process's environment, with
            NO_COLOR and the advisor's own variables removed so the outside shell does not leak in).
        timeout: Seconds before the run is killed (a test failure).
        memory_cap: Bytes of address space the run may use; beyond it allocations fail.
        **kwargs: Passed on to `subprocess.run`.

    Returns:
        The completed process, with `stdout` and `stderr` as text.
    """
    assert ADVISOR, "the advisor console script is not installed beside the test interpreter"
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR" and not k.startswith("ADVISOR_")}
    environment.update(env or {})
    kwargs.setdefault("capture_output", True)
    command = [ADVISOR, *args]
    if memory_cap is not None:
        command = [sys.executable, "-c", _CAPPED, str(memory_cap), *command]
    return subprocess.run(command, cwd=str(cwd), env=environment, text=True, timeout=timeout, **kwargs)


def write(directory, name: str, content) -> str:
    """Write `content` (text, or a mapping dumped as YAML) to `directory/name`, making folders.

    Returns:
        The path written.
    """
    path = os.path.join(str(directory), name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def assert_clean_failure(result: subprocess.CompletedProcess, *expected: str) -> str:
    """Exit 2, no traceback, exactly one `advisor: error:` line holding every `expected` text.

    Returns:
        The error line.
    """
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("advisor: error:")]
    assert len(errors) == 1, result.stderr
    message = result.stderr.strip()
    for text in expected:
        assert text in message, f"{text!r} not in {message!r}"
    return errors[0]
