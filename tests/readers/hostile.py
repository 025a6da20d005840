"""Hostile inputs that once made a reader hang, exhaust memory or crash, built on demand.

Each builder writes its case into a fresh folder and returns the path to lint (a record, or an
artifact given alone). The bounded-reader tests run them through the CLI under a memory cap and a
timeout, and `benchmarks/fuzz.py` replays every one of them, so one command reruns them all.

Where the real library can make the artifact cheaply it does (numpy writes the NPZ files, pyarrow
the Parquet files, sqlite3 the store on the layout MLflow creates); a hostile file is then grown
from that real start.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable

MB = 1024 * 1024


def _write(folder: str, name: str, content: str | bytes) -> str:
    path = os.path.join(folder, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def _record(folder: str, text: str, name: str = "experiment.yaml") -> str:
    _write(folder, name, text)
    return name


# --- issue: bounded work and memory -------------------------------------------------------------

def wide_csv(folder: str) -> str:
    """50,000 columns in a 439 KB CSV (the duplicate-column check was quadratic: 65 s)."""
    names = [f"c{index}" for index in range(50_000)]
    rows = [",".join(names), ",".join("1" for _ in names), ",".join("2" for _ in names)]
    _write(folder, "wide.csv", "\n".join(rows) + "\n")
    return _record(folder, "data: {path: wide.csv}\n")


def long_header_csv(folder: str, megabytes: int = 200) -> str:
    """A CSV whose single header line is `megabytes` MB (it hung with no answer in 300 s)."""
    with open(os.path.join(folder, "long.csv"), "wb") as handle:
        chunk = b"a" * MB
        handle.writelines(chunk for _ in range(megabytes))
        handle.write(b",label\n1,0\n")
    return _record(folder, "data: {path: long.csv}\n")


def huge_model_json(folder: str, megabytes: int = 60, loss: str = "mse") -> str:
    """A model JSON just under the 64 MB cap: a Sequential of ~200,000 Dense layers in the shape
    `model.to_json()` writes (it took 51 s and 2-4 GB)."""
    layer = {"module": "keras.layers", "class_name": "Dense", "config": {
        "name": "dense", "trainable": True, "dtype": "float32", "units": 8, "activation": "relu",
        "use_bias": True, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                                  "config": {"seed": None}, "registered_name": None},
        "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                             "registered_name": None},
        "kernel_regularizer": None, "bias_regularizer": None, "kernel_constraint": None, "bias_constraint": None},
        "registered_name": None, "build_config": {"input_shape": [None, 8]}}
    template = json.dumps(layer).replace('"name": "dense"', '"name": "dense_%d"')
    count = megabytes * MB // (len(template) + 8)
    layers = ", ".join(template % index for index in range(count))
    model = json.dumps({"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": []},
                        "registered_name": None, "compile_config": {"loss": loss, "optimizer": "adam"}})
    _write(folder, "model.json", model.replace('"layers": []', f'"layers": [{layers}]'))
    return "model.json"


def expanding_parquet(folder: str, gigabytes: float = 2.5) -> str:
    """A small Parquet file whose one text column expands to `gigabytes` GB in memory."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    value = "x" * 10_000
    rows = int(gigabytes * 1024 * MB) // len(value)
    column = pa.DictionaryArray.from_arrays(pa.array([0] * rows, pa.int32()), pa.array([value]))
    label = pa.array([0, 1] * (rows // 2) + [0] * (rows % 2), pa.int8())
    pq.write_table(pa.table({"text": column, "label": label}), os.path.join(folder, "big.parquet"))
    return _record(folder, "data: {path: big.parquet, target_column: label}\n")


def zeros_npz(folder: str, megabytes: int = 900) -> str:
    """A 1 MB NPZ holding `megabytes` MB of zeros (it was accepted at a 1.9 GB peak).

    Written as `np.savez_compressed` writes it (a deflated zip of .npy members, headers by numpy's
    own format module), streamed so the test itself does not hold the zeros.
    """
    import zipfile

    import numpy as np

    rows = megabytes * MB // (8 * 100)
    with zipfile.ZipFile(os.path.join(folder, "zeros.npz"), "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, shape in (("X", (rows, 100)), ("y", (rows,))):
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float64)), "fortran_order": False,
                          "shape": shape}
                np.lib.format.write_array_header_2_0(member, header)
                zeros = bytes(MB)
                remaining = 8 * int(np.prod(shape))
                while remaining:
                    member.write(zeros[:min(MB, remaining)])
                    remaining -= min(MB, remaining)
    return _record(folder, "data: {path: zeros.npz}\n")


_MAKE_STORE = """
import sys, mlflow
mlflow.set_tracking_uri("sqlite:///" + sys.argv[1])
with mlflow.start_run(run_name="run") as run:
    mlflow.log_param("epochs", 3)
    mlflow.log_metric("loss", 0.5, step=0)
print(run.info.run_id)
"""
_TEMPLATES: dict[str, tuple[bytes, str]] = {}


def mlflow_store(path: str) -> str:
    """Write a real MLflow SQLite store with one run (made by `mlflow` in a child process, once per
    process, then copied). Returns the run id."""
    import subprocess
    import sys

    if "store" not in _TEMPLATES:
        import tempfile

        with tempfile.TemporaryDirectory() as scratch:
            made = os.path.join(scratch, "mlflow.db")
            done = subprocess.run([sys.executable, "-c", _MAKE_STORE, made], cwd=scratch, capture_output=True,
                                  text=True, check=True)
            with open(made, "rb") as handle:
                _TEMPLATES["store"] = (handle.read(), done.stdout.split()[-1])
    content, run_id = _TEMPLATES["store"]
    _write(os.path.dirname(path), os.path.basename(path), content)
    return run_id


def zeroblob_store(folder: str) -> str:
    """A 20 KB MLflow SQLite store whose runs table has a generated zeroblob(900000000) column
    (it peaked at 2.6 GB)."""
    path = os.path.join(folder, "mlflow.db")
    mlflow_store(path)
    connection = sqlite3.connect(path)
    connection.execute("ALTER TABLE runs ADD COLUMN notes BLOB GENERATED ALWAYS AS (zeroblob(900000000)) VIRTUAL")
    connection.commit()
    connection.close()
    return "mlflow.db"


def many_metrics_store(folder: str, rows: int = 5_000_000) -> str:
    """An MLflow SQLite store with `rows` metric values in one run (95 s and 2.8 GB, no limit)."""
    path = os.path.join(folder, "mlflow.db")
    run_id = mlflow_store(path)
    connection = sqlite3.connect(path)
    connection.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?) "
        "INSERT INTO metrics SELECT 'loss', 1.0 / (i + 1), i, ?, i, 0 FROM n", (rows, run_id))
    connection.commit()
    connection.close()
    return "mlflow.db"


#: name -> builder of the issue's bounded-work cases.
BOUNDED: dict[str, Callable[[str], str]] = {
    "wide-csv": wide_csv,
    "long-header-csv": long_header_csv,
    "huge-model-json": huge_model_json,
    "expanding-parquet": expanding_parquet,
    "zeros-npz": zeros_npz,
    "zeroblob-store": zeroblob_store,
    "many-metrics-store": many_metrics_store,
}
