"""`advisor lint` on records that name data files: the data rules run on the profile and their
findings point into the data (the CSV header cell of the column, the line of the copied row); a
record without data files imports no data library."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from tests.advisor_cli import run_advisor, write
from tests.readers.test_data import write_csv


def findings(tmp_path, *select: str) -> list[dict]:
    result = run_advisor("lint", "--format", "json", "--select", ",".join(select), "experiment.yaml", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)["findings"]


def test_findings_name_the_column_and_the_copied_row(tmp_path):
    rng = np.random.default_rng(7)
    label = rng.integers(0, 2, 400)
    columns = [rng.normal(0, 0.01, 400), rng.normal(5000, 1500, 400), label + rng.normal(0, 0.05, 400), label]
    rows = [[round(float(v), 6) for v in row[:3]] + [int(row[3])] for row in zip(*columns)]
    header = ["tiny", "huge", "leak", "label"]
    write_csv(tmp_path, "train.csv", header, rows[:300])
    held_out = rows[300:]
    held_out[41] = rows[17]
    write_csv(tmp_path, "test.csv", header, held_out)
    write(tmp_path, "experiment.yaml", {
        "problem": {"type": "binary_classification"},
        "data": {"target_column": "label"},
        "splits": {"files": {"train": "train.csv", "test": "test.csv"}},
    })
    found = {f["code"]: f for f in findings(tmp_path, "DP03", "LK02", "LK05")}
    assert set(found) == {"DP03", "LK02", "LK05"}, found
    dp03 = found["DP03"]
    assert (dp03["path"], dp03["line"], dp03["column"], dp03["pointer"]) == ("train.csv", 1, 6, "/columns/huge")
    assert "'huge'" in dp03["message"]
    lk02 = found["LK02"]
    assert (lk02["path"], lk02["line"], lk02["pointer"]) == ("test.csv", 43, "/rows/41")
    assert lk02["evidence"]["overlap"] == 1
    lk05 = found["LK05"]
    assert (lk05["path"], lk05["line"], lk05["column"], lk05["pointer"]) == ("train.csv", 1, 11, "/columns/leak")


def test_labels_that_contradict_the_declared_type(tmp_path):
    write_csv(tmp_path, "d.csv", ["x", "label"], [[i, i % 3] for i in range(30)])
    write(tmp_path, "experiment.yaml", {"problem": {"type": "binary_classification"},
                                        "data": {"path": "d.csv", "target_column": "label"}})
    assert [f["code"] for f in findings(tmp_path, "PD03")] == ["PD03"]


def _imported(tmp_path, record: dict) -> set[str]:
    write(tmp_path, "experiment.yaml", record)
    code = (
        "import sys\n"
        "from advisor.cli import main\n"
        "sys.argv = ['advisor', 'lint', '--exit-zero', 'experiment.yaml']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    return set(result.stderr.strip().splitlines()[-1].split())


def test_a_record_without_data_files_imports_no_data_library(tmp_path):
    modules = _imported(tmp_path, {"problem": {"type": "regression"}, "data": {"samples": 100}})
    assert not {"pyarrow", "numpy", "pandas"} & modules


def test_reading_data_imports_neither_pandas_nor_machine_learning_libraries(tmp_path):
    write_csv(tmp_path, "d.csv", ["x", "colour", "label"], [[i, "red" if i % 2 else "blue", i % 2] for i in range(20)])
    modules = _imported(tmp_path, {"data": {"path": "d.csv", "target_column": "label"}})
    assert "pyarrow" in modules
    assert not {"pandas", "sklearn", "keras", "jax", "mlflow", "tensorflow", "torch"} & modules
