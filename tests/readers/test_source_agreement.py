"""Static extraction agrees with the truth: corpus scripts marked `runs` are run for real (Keras 3
on JAX, a couple of epochs on small data) and save their model; the model read from the script's
code must equal the model the `.keras` reader reads from the saved file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from advisor.readers.keras import read_model_file
from advisor.readers.source import extract
from tests.readers.test_source_corpus import CORPUS, EXPECTED

RUNNABLE = sorted(name for name, case in EXPECTED["scripts"].items() if (case or {}).get("runs"))

# Runs every script in one interpreter (Keras and JAX are imported once), each in its own folder.
_RUNNER = """
import os, runpy, sys
for folder in sys.argv[1:]:
    os.chdir(folder)
    runpy.run_path(os.path.join(folder, "train.py"), run_name="__main__")
"""


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Script name -> its folder, after the script ran there and saved model.keras."""
    folders = {}
    for name in RUNNABLE:
        folder = tmp_path_factory.mktemp(name.removesuffix(".py"))
        shutil.copy(os.path.join(CORPUS, name), folder / "train.py")
        folders[name] = folder
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3", "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false"}
    done = subprocess.run([sys.executable, "-c", _RUNNER, *map(str, folders.values())], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return folders


def test_enough_scripts_run():
    assert len(RUNNABLE) >= 10


def _comparable(model: dict) -> dict:
    """The fields both readers know: layers without Keras' generated names, loss, optimizer
    name and learning rate, rounded to float32 precision."""
    def rounded(value):
        return round(value, 7) if isinstance(value, float) else value

    layers = [{key: rounded(value) for key, value in layer.items() if key != "name"} for layer in model.get("layers", [])]
    optimizer = model.get("optimizer") or {}
    return {
        "layers": layers,
        "loss": model.get("loss"),
        "optimizer": {key: rounded(optimizer[key]) for key in ("name", "learning_rate") if key in optimizer},
    }


@pytest.mark.parametrize("name", RUNNABLE)
def test_static_model_equals_saved_model(trained, name):
    folder = trained[name]
    static, _, _, trains = extract(str(folder / "train.py"))
    saved, _ = read_model_file(str(folder / "model.keras"))
    assert trains
    assert static["model"]["layers"], "the script's layers were not read"
    assert _comparable(static["model"]) == _comparable(saved)
