"""Hostile inputs that once made a reader hang, exhaust memory or crash, built on demand.

Each builder writes its case into a fresh folder and returns the path to lint (a record, or an
artifact given alone), fix or train. The bounded-reader, data-message and trainer-refusal tests run
them through the CLI under a memory cap and a timeout, and `benchmarks/fuzz.py` replays every one
of them, so one command reruns them all.

Where the real library can make the artifact cheaply it does (numpy writes the NPZ files, pyarrow
the Parquet files, sqlite3 the store on the layout MLflow creates); a hostile file is then grown
from that real start.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
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


# --- issue: smaller items (one message naming the record and line) ------------------------------

def _pandas_csv(folder: str, columns: dict, name: str = "data.csv") -> None:
    import pandas as pd

    pd.DataFrame(columns).to_csv(os.path.join(folder, name), index=False)


def nul_cell_csv(folder: str) -> str:
    """A CSV, written by pandas, whose cell on line 3 holds a NUL byte (it was read silently)."""
    if sys.version_info >= (3, 11):
        _pandas_csv(folder, {"size": [1.5, 2.5, 3.5], "name": ["a", "b\0c", "d"], "label": [0, 1, 0]})
    else:  # before 3.11 the csv module pandas writes with refuses a NUL: the bytes pandas writes on 3.11+
        _write(folder, "data.csv", b"size,name,label\n1.5,a,0\n2.5,b\0c,1\n3.5,d,0\n")
    return _record(folder, "version: 1\ndata: {path: data.csv, target_column: label}\n")


def long_cell_csv(folder: str, megabytes: int = 20) -> str:
    """A CSV, written by pandas, with a `megabytes` MB cell on line 3: pyarrow said "straddling object
    straddles two block boundaries (try to increase block size)", an option the user does not have."""
    _pandas_csv(folder, {"text": ["a", "x" * (megabytes * MB), "b"], "label": [0, 1, 0]})
    return _record(folder, "version: 1\ndata: {path: data.csv, target_column: label}\n")


def ragged_csv_in_a_batch(folder: str) -> str:
    """Two records in one folder, one naming a ragged CSV (the error named only the CSV: in a batch,
    nobody knew which record was at fault)."""
    for name, rows in (("good", "1,2,0\n3,4,1\n"), ("bad", "1,2,0\n3,4,1,9\n")):
        _write(folder, f"{name}/data.csv", "a,b,label\n" + rows)
        _record(folder, "version: 1\nname: x\ndata:\n  path: data.csv\n  target_column: label\n",
                f"{name}/experiment.yaml")
    return "."


def typed_tag_record(folder: str) -> str:
    """A record with an explicit `!!float` tag on a value that is no float (an internal error)."""
    return _record(folder, "version: 1\nmodel:\n  epochs: 3\n  optimizer: {name: adam, learning_rate: !!float fast}\n")


def tab_after_colon_record(folder: str) -> str:
    """A record PyYAML reads but ruamel (YAML 1.2, which `advisor fix` edits) refuses, a tab after a
    colon: fix showed ruamel's `in "<unicode string>", line 2, column 13` text."""
    return _record(folder, "version: 1\ndescription:\ta relu output\nmodel:\n  layers:\n"
                           "    - {type: dense, units: 16, activation: relu}\n"
                           "    - {type: dense, units: 1, activation: relu}\n  loss: binary_crossentropy\n")


# --- issue: the trainer refuses what it cannot run meaningfully ---------------------------------

def trainer_case(folder: str, change_data=None, **changes) -> str:
    """The trainer tests' tiny experiment (160 rows written from scikit-learn's make_classification),
    its data changed by `change_data` (a pandas DataFrame in, one out; pandas writes it back) and its
    record by `changes` (sections merged as `tiny_record` merges them)."""
    import pandas as pd

    from tests.trainer.conftest import tiny_record, write_data, write_yaml

    path = write_data(folder)
    if change_data is not None:
        change_data(pd.read_csv(path)).to_csv(path, index=False)
    write_yaml(folder, tiny_record(**changes))
    return "experiment.yaml"


def with_infinity(value: float = float("inf")):
    """A data change: feature f2 of row 8 (CSV line 9) becomes `value`."""
    def change(frame):
        frame.loc[7, "f2"] = value
        return frame
    return change


def wide_model(units: int) -> dict:
    """A `model` section whose hidden layer has `units` units."""
    return {"layers": [{"type": "dense", "units": units, "activation": "relu"},
                       {"type": "dense", "units": 1, "activation": "sigmoid"}]}


#: name -> builder of the trainer's refusals (`advisor train` exits 2 and leaves no run directory).
TRAINER_REFUSED: dict[str, Callable[[str], str]] = {
    "train-epochs-0": lambda folder: trainer_case(folder, model={"epochs": 0}),
    "train-only-target": lambda folder: trainer_case(folder, lambda frame: frame[["label"]]),
    "train-infinite-feature": lambda folder: trainer_case(folder, with_infinity()),
    "train-time-without-order": lambda folder: trainer_case(folder, splits={"method": "time", "shuffle": False}),
    "train-billion-units": lambda folder: trainer_case(folder, model=wide_model(10**9)),
}

#: name -> (advisor command, builder) of the smaller items: each ends in one message, exit 2 for
#: lint, a reason in advisor fix's report for fix.
MESSAGES: dict[str, tuple[str, Callable[[str], str]]] = {
    "nul-cell-csv": ("lint", nul_cell_csv),
    "long-cell-csv": ("lint", long_cell_csv),
    "ragged-csv-in-a-batch": ("lint", ragged_csv_in_a_batch),
    "typed-tag-record": ("lint", typed_tag_record),
    "tab-after-colon-fix": ("fix", tab_after_colon_record),
}
