"""Ctrl-C (SIGINT) and SIGTERM during `advisor train`, sent to the real process: the run directory's
record says `status: interrupted`, no hidden partial directory is left, exit 130 or 143, one line
on stderr and no abort from the teardown of JAX's threads."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest
import yaml

from tests.advisor_cli import ADVISOR
from tests.trainer.conftest import tiny_record, write_data, write_yaml


@pytest.mark.parametrize(("number", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_training_ends_the_run_cleanly(tmp_path, number, code):
    write_data(tmp_path)
    record = write_yaml(tmp_path, tiny_record(model={"epochs": 5000}))  # far longer than the test waits
    out = tmp_path / "run"
    process = subprocess.Popen([ADVISOR, "train", record, "--out", str(out), "--jobs", "1"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in process.stdout:
            if line.startswith("  fit: epoch 1/"):  # training has started
                break
        process.send_signal(number)
        _, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr and "terminate called" not in stderr and "Aborted" not in stderr
    name = signal.Signals(number).name
    assert stderr.strip().splitlines() == [f"advisor: interrupted ({name}); the record in run says status: interrupted"]
    with open(out / "experiment.yaml", encoding="utf-8") as handle:
        written = yaml.safe_load(handle)
    assert written["run"]["status"] == "interrupted" and written["run"]["stage"] == "fit"
    assert "final" not in written and not (out / "model.keras").exists()
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".partial")]
