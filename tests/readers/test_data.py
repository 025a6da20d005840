"""Data files become record fields: CSV, NPZ and Parquet profiles with known statistics, splits from
a split column, split files and NPZ split arrays, exact duplicates across splits, leaking features,
time order, and record fields that win over the profile."""

from __future__ import annotations

import csv
import math
import os

import numpy as np
import pytest

from advisor.readers.record import read_record
from tests.conftest import write_record


def write_csv(directory, name: str, header: list[str], rows: list[list]) -> str:
    path = os.path.join(str(directory), name)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read(directory, record: dict):
    return read_record(write_record(directory, record))


def feature(experiment, name: str):
    return next(f for f in experiment.data.features if f.name == name)


def expected_stats(values) -> dict:
    array = np.array([v for v in values if v is not None], dtype=float)
    return {"min": array.min(), "max": array.max(), "mean": array.mean(), "std": array.std()}


# --- CSV ---------------------------------------------------------------------------------------

HEADER = ["height", "weight", "colour", "flag", "const", "label"]
ROWS = [
    [1.52, 50, "red", 0, 7, "a"],
    [1.61, 62, "blue", 1, 7, "b"],
    [1.75, "", "red", 1, 7, "a"],
    [1.80, 81, "green", 0, 7, "c"],
    [1.68, 70, "", 1, 7, "b"],
    [1.91, 95, "blue", 0, 7, "a"],
]


def test_csv_feature_statistics(tmp_path):
    write_csv(tmp_path, "people.csv", HEADER, ROWS)
    experiment = read(tmp_path, {"data": {"path": "people.csv", "target_column": "label"}})
    data = experiment.data
    assert data.samples == 6
    assert [f.name for f in data.features] == ["height", "weight", "colour", "flag", "const"]
    for name, index in (("height", 0), ("weight", 1)):
        found = feature(experiment, name)
        values = [row[index] if row[index] != "" else None for row in ROWS]
        for key, value in expected_stats(values).items():
            assert getattr(found, key) == pytest.approx(value, rel=1e-12), (name, key)
    assert feature(experiment, "height").dtype == "float"
    assert feature(experiment, "weight").dtype == "int"
    assert feature(experiment, "weight").missing == 1
    colour = feature(experiment, "colour")
    assert (colour.dtype, colour.categories, colour.missing) == ("string", 3, 1)
    assert feature(experiment, "flag").distinct == 2
    const = feature(experiment, "const")
    assert (const.std, const.distinct, const.min, const.max) == (0.0, 1, 7.0, 7.0)
    assert data.class_counts == {"a": 3, "b": 2, "c": 1}
    assert data.target.distinct == 3 and data.target.encoding is None  # text labels: not yet encoded


def test_csv_feature_points_at_its_header_cell(tmp_path):
    write_csv(tmp_path, "people.csv", HEADER, ROWS)
    experiment = read(tmp_path, {"data": {"path": "people.csv", "target_column": "label"}})
    index = [f.name for f in experiment.data.features].index("colour")
    location = experiment.sources.locate(f"/data/features/{index}/std")
    assert (location.path, location.line, location.column) == (os.path.join(str(tmp_path), "people.csv"), 1, 15)
    assert location.pointer == "/columns/colour"
    target = experiment.sources.locate("/data/class_counts")
    assert (target.line, target.column, target.pointer) == (1, 33, "/columns/label")


def test_integer_labels_and_declared_regression(tmp_path):
    rows = [[x, x % 3] for x in range(30)]
    write_csv(tmp_path, "d.csv", ["x", "y"], rows)
    classes = read(tmp_path, {"data": {"path": "d.csv", "target_column": "y"}})
    assert classes.data.class_counts == {"0": 10, "1": 10, "2": 10}
    assert (classes.data.target.encoding, classes.data.target.distinct) == ("integer", 3)
    regression = read(tmp_path, {"problem": {"type": "regression"}, "data": {"path": "d.csv", "target_column": "y"}})
    assert regression.data.class_counts is None
    assert (regression.data.target.encoding, regression.data.target.min, regression.data.target.max) == ("continuous", 0, 2)


def test_fractional_target_is_continuous(tmp_path):
    write_csv(tmp_path, "d.csv", ["x", "y"], [[i, i * 0.5 + 0.25] for i in range(20)])
    experiment = read(tmp_path, {"data": {"path": "d.csv", "target_column": "y"}})
    assert experiment.data.target.encoding == "continuous"
    assert experiment.data.class_counts is None
    assert feature(experiment, "x").target_score == pytest.approx(1.0)


def test_problem_target_names_the_column_when_target_column_is_absent(tmp_path):
    write_csv(tmp_path, "d.csv", ["x", "outcome"], [[i, i % 2] for i in range(10)])
    experiment = read(tmp_path, {"problem": {"target": "outcome"}, "data": {"path": "d.csv"}})
    assert [f.name for f in experiment.data.features] == ["x"]
    assert experiment.data.class_counts == {"0": 5, "1": 5}
    described = read(tmp_path, {"problem": {"target": "whether it rains"}, "data": {"path": "d.csv"}})
    assert [f.name for f in described.data.features] == ["x", "outcome"]


def test_record_fields_win(tmp_path):
    write_csv(tmp_path, "people.csv", HEADER, ROWS)
    experiment = read(tmp_path, {
        "data": {"path": "people.csv", "target_column": "label", "samples": 5,
                 "features": [{"name": "height", "min": -1.0}, {"name": "not_in_data", "dtype": "float"}]},
    })
    assert experiment.data.samples == 5
    assert [f.name for f in experiment.data.features] == ["height", "not_in_data"]
    height = feature(experiment, "height")
    assert height.min == -1.0 and height.max == pytest.approx(1.91)
    assert feature(experiment, "not_in_data").mean is None
    assert experiment.sources.locate("/data/features/0/min").path.endswith("experiment.yaml")
    assert experiment.sources.locate("/data/features/0/max").path.endswith("people.csv")


# --- splits and duplicates ---------------------------------------------------------------------

def test_split_column_sizes_class_counts_and_overlap(tmp_path):
    rng = np.random.default_rng(0)
    rows = [[round(float(v), 6), int(i % 2), "train"] for i, v in enumerate(rng.normal(size=80))]
    rows += [[round(float(v), 6), int(i % 2), "val"] for i, v in enumerate(rng.normal(size=10))]
    rows += [[round(float(v), 6), int(i % 2), "test"] for i, v in enumerate(rng.normal(size=10))]
    rows[85][:2] = rows[3][:2]  # a validation row copied from training
    rows[95][:2] = rows[7][:2]  # a test row copied from training
    write_csv(tmp_path, "d.csv", ["x", "y", "split"], rows)
    experiment = read(tmp_path, {"data": {"path": "d.csv", "target_column": "y", "split_column": "split"}})
    splits = experiment.splits
    assert (splits.train, splits.validation, splits.test, splits.overlap) == (80, 10, 10, 2)
    assert splits.class_counts["train"] == {"0": 40, "1": 40}
    assert sum(splits.class_counts["validation"].values()) == 10
    assert [f.name for f in experiment.data.features] == ["x"]
    where = experiment.sources.locate("/splits/overlap")
    assert (where.line, where.pointer) == (87, "/rows/85")  # header on line 1, row 85 on line 87


def test_duplicates_across_split_files_are_exact(tmp_path):
    rng = np.random.default_rng(1)
    train = [[float(a), int(b), "x" if b else "y", int(c)] for a, b, c in
             zip(rng.normal(size=200), rng.integers(0, 5, 200), rng.integers(0, 2, 200))]
    train[10][0] = ""  # a missing value, copied below: missing equals missing
    train.append(list(train[20]))  # a row twice in training counts once when copied to test
    test = [[float(a) + 100, int(b), "z", 0] for a, b in zip(rng.normal(size=50), rng.integers(0, 5, 50))]
    test[0] = list(train[5])
    test[1] = list(train[10])
    test[2] = list(train[20])
    test[3] = [train[30][0], train[30][1], train[30][2], 1 - train[30][3]]  # same features, other label
    test[4] = [np.nextafter(train[40][0], np.inf), *train[40][1:]]  # differs in the last bit
    test[5] = [-0.0, 1, "x", 0]
    train[50] = [0.0, 1, "x", 0]  # -0.0 equals 0.0
    test[6] = [0.5, 2, "y", 1]  # a fractional value in test makes its column float in both files
    train[60] = [0.5, 2, "y", 1]
    header = ["a", "b", "c", "label"]
    write_csv(tmp_path, "train.csv", header, train)
    write_csv(tmp_path, "test.csv", header, test)
    experiment = read(tmp_path, {"data": {"target_column": "label"},
                                 "splits": {"files": {"train": "train.csv", "test": "test.csv"}}})
    assert experiment.splits.overlap == 5  # rows 0, 1, 2, 5 and 6
    assert (experiment.splits.train, experiment.splits.test) == (201, 50)
    assert experiment.data.samples == 251
    where = experiment.sources.locate("/splits/overlap")
    assert where.path.endswith("test.csv") and where.line == 2


def test_exact_comparison_rejects_hash_collisions(tmp_path):
    """Rows are compared value by value: with every hash forced equal, only true copies count."""
    from advisor.readers.data_files import load_data_file
    from advisor.readers.overlap import RowSet, find_overlap

    write_csv(tmp_path, "train.csv", ["a", "b"], [[1, 2], [3, 4], [5, 6]])
    write_csv(tmp_path, "test.csv", ["a", "b"], [[3, 4], [7, 8], [1, 2], [6, 5]])
    train, = load_data_file(os.path.join(str(tmp_path), "train.csv"))
    test, = load_data_file(os.path.join(str(tmp_path), "test.csv"))
    same = np.zeros(4, dtype=np.uint64)
    overlap = find_overlap([RowSet("train", train, np.arange(3), same[:3])], [RowSet("test", test, np.arange(4), same)],
                           ["a", "b"], {"a": "int", "b": "int"})
    assert (overlap.rows, overlap.by_split, overlap.first[1]) == (2, {"test": 2}, 0)


def test_no_overlap_when_splits_share_no_rows(tmp_path):
    write_csv(tmp_path, "train.csv", ["a", "y"], [[i, i % 2] for i in range(50)])
    write_csv(tmp_path, "val.csv", ["a", "y"], [[i, i % 2] for i in range(50, 60)])
    experiment = read(tmp_path, {"data": {"target_column": "y"},
                                 "splits": {"files": {"train": "train.csv", "validation": "val.csv"}}})
    assert experiment.splits.overlap == 0
    assert experiment.splits.class_counts == {"train": {"0": 25, "1": 25}, "validation": {"0": 5, "1": 5}}


def test_record_overlap_is_kept(tmp_path):
    write_csv(tmp_path, "train.csv", ["a", "y"], [[1, 0], [2, 1]])
    write_csv(tmp_path, "test.csv", ["a", "y"], [[1, 0]])
    experiment = read(tmp_path, {"data": {"target_column": "y"},
                                 "splits": {"overlap": 0, "files": {"train": "train.csv", "test": "test.csv"}}})
    assert experiment.splits.overlap == 0


# --- leaking features --------------------------------------------------------------------------

def test_leaking_feature_scores(tmp_path):
    rng = np.random.default_rng(2)
    n = 2000
    label = rng.integers(0, 3, n)
    rows = list(zip(rng.normal(size=n).round(6), (label * 10 + rng.normal(0, 0.1, n)).round(6),
                    np.where(label == 1, "yes", "no"), label))
    write_csv(tmp_path, "d.csv", ["noise", "leak", "half", "label"], rows)
    experiment = read(tmp_path, {"data": {"path": "d.csv", "target_column": "label"}})
    assert feature(experiment, "leak").target_score == pytest.approx(1.0)
    assert feature(experiment, "noise").target_score < 0.6
    # "half" tells class 1 from the others: two classes of three recalled perfectly on average
    assert feature(experiment, "half").target_score == pytest.approx(2 / 3, abs=0.02)


def test_majority_class_does_not_make_a_feature_look_predictive(tmp_path):
    rng = np.random.default_rng(3)
    label = (rng.random(5000) < 0.01).astype(int)
    write_csv(tmp_path, "d.csv", ["noise", "label"], list(zip(rng.normal(size=5000).round(6), label)))
    experiment = read(tmp_path, {"data": {"path": "d.csv", "target_column": "label"}})
    assert feature(experiment, "noise").target_score < 0.8


def test_regression_leak_by_correlation(tmp_path):
    rng = np.random.default_rng(4)
    y = rng.normal(50, 10, 1000)
    rows = list(zip((2 * y + rng.normal(0, 0.01, 1000)).round(6), rng.normal(size=1000).round(6), y.round(6)))
    write_csv(tmp_path, "d.csv", ["doubled", "noise", "price"], rows)
    experiment = read(tmp_path, {"problem": {"type": "regression"}, "data": {"path": "d.csv", "target_column": "price"}})
    assert feature(experiment, "doubled").target_score > 0.999
    assert feature(experiment, "noise").target_score < 0.2


# --- time order --------------------------------------------------------------------------------

@pytest.mark.parametrize(("times", "ordered"), [
    (["2024-01-01", "2024-01-02", "2024-01-02", "2024-02-01"], True),
    (["2024-01-01", "2024-03-02", "2024-01-02", "2024-02-01"], False),
    (["2024-01-01T10:00:00", "2024-01-01T09:00:00", "2024-01-02T00:00:00", "2024-01-03T00:00:00"], False),
    (["1", "2", "3", "10"], True),
    (["week 1", "week 2", "week 3", "week 4"], True),
])
def test_time_ordering(tmp_path, times, ordered):
    write_csv(tmp_path, "d.csv", ["when", "x", "y"], [[t, i, i % 2] for i, t in enumerate(times)])
    experiment = read(tmp_path, {"data": {"path": "d.csv", "target_column": "y", "time_column": "when"}})
    assert experiment.data.time_ordered is ordered
    assert [f.name for f in experiment.data.features] == ["x"]


# --- NPZ ---------------------------------------------------------------------------------------

def test_npz_x_y_arrays_with_feature_names(tmp_path):
    rng = np.random.default_rng(5)
    x = np.column_stack([rng.normal(0, 1, 300), rng.normal(500, 100, 300)])
    x[4, 0] = np.nan
    y = rng.integers(0, 2, 300)
    np.savez(tmp_path / "d.npz", X=x, y=y, feature_names=np.array(["small", "large"]))
    experiment = read(tmp_path, {"data": {"path": "d.npz"}})
    small, large = experiment.data.features
    assert (small.name, small.missing, large.name, large.missing) == ("small", 1, "large", 0)
    assert small.mean == pytest.approx(np.nanmean(x[:, 0]), rel=1e-12)
    assert large.std == pytest.approx(x[:, 1].std(), rel=1e-12)
    assert experiment.data.class_counts == {"0": int((y == 0).sum()), "1": int((y == 1).sum())}
    assert experiment.data.target_column == "y"
    location = experiment.sources.locate("/data/features/1")
    assert (location.path.endswith("d.npz"), location.line, location.pointer) == (True, None, "/X/columns/1")


def test_npz_split_arrays_keras_datasets_layout(tmp_path):
    rng = np.random.default_rng(6)
    x_train, x_test = rng.random((100, 3, 2)), rng.random((30, 3, 2))
    y_train, y_test = rng.integers(0, 4, 100), rng.integers(0, 4, 30)
    x_test[[2, 9]] = x_train[[11, 12]]
    y_test[[2, 9]] = y_train[[11, 12]]
    np.savez(tmp_path / "d.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    experiment = read(tmp_path, {"data": {"path": "d.npz"}})
    assert len(experiment.data.features) == 6  # images flattened: 3 x 2 values
    assert (experiment.splits.train, experiment.splits.test, experiment.splits.overlap) == (100, 30, 2)
    assert experiment.sources.locate("/splits/overlap").pointer == "/x_test/rows/2"


@pytest.mark.parametrize(("rows", "encoding", "multi_label_rows", "counts"), [
    ([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]], "one_hot", 0, {"0": 1, "1": 2, "2": 1}),
    ([[1, 1, 0], [0, 1, 0], [0, 0, 0], [1, 1, 1]], "multi_hot", 2, {"0": 2, "1": 3, "2": 1}),
])
def test_npz_two_dimensional_labels(tmp_path, rows, encoding, multi_label_rows, counts):
    y = np.array(rows * 10, dtype=np.float32)
    np.savez(tmp_path / "d.npz", X=np.arange(len(y) * 2, dtype=float).reshape(-1, 2), y=y)
    target = read(tmp_path, {"data": {"path": "d.npz"}}).data
    assert (target.target.encoding, target.target.columns) == (encoding, 3)
    assert target.target.multi_label_rows == multi_label_rows * 10
    assert target.class_counts == {label: n * 10 for label, n in counts.items()}


def test_npz_named_columns(tmp_path):
    age = np.array([20, 30, 40, 50, 60])
    np.savez(tmp_path / "d.npz", age=age, city=np.array(["a", "b", "a", "c", "a"]), label=np.array([0, 1, 0, 1, 1]))
    experiment = read(tmp_path, {"data": {"path": "d.npz", "target_column": "label"}})
    assert [(f.name, f.dtype) for f in experiment.data.features] == [("age", "int"), ("city", "string")]
    assert feature(experiment, "city").categories == 3
    assert feature(experiment, "age").mean == 40
    assert experiment.sources.locate("/data/features/1").pointer == "/city"


# --- Parquet -----------------------------------------------------------------------------------

def test_parquet_statistics_and_categories(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    values = [0.5, 1.5, None, 4.0, 2.0]
    table = pa.table({
        "value": pa.array(values, type=pa.float32()),
        "kind": pa.array(["a", "b", "a", None, "b"]).dictionary_encode(),
        "count": pa.array([1, 2, 3, 4, 5], type=pa.int16()),
        "target": pa.array([True, False, True, True, False]),
    })
    pq.write_table(table, tmp_path / "d.parquet", row_group_size=2)
    experiment = read(tmp_path, {"data": {"path": "d.parquet", "target_column": "target"}})
    value = feature(experiment, "value")
    assert value.missing == 1 and value.dtype == "float"
    for key, expected in expected_stats(values).items():
        assert getattr(value, key) == pytest.approx(expected, rel=1e-6)
    kind = feature(experiment, "kind")
    assert (kind.dtype, kind.categories, kind.missing) == ("category", 2, 1)
    assert feature(experiment, "count").std == pytest.approx(math.sqrt(2))
    assert experiment.data.class_counts == {"0": 2, "1": 3}
    assert experiment.sources.locate("/data/features/1").pointer == "/columns/kind"


# --- a dataset that ships with scikit-learn ------------------------------------------------------

def test_breast_cancer_from_scikit_learn(tmp_path):
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    names = [name.replace(" ", "_") for name in bunch.feature_names]
    write_csv(tmp_path, "breast_cancer.csv", names + ["diagnosis"],
              [[repr(float(v)) for v in row] + [int(t)] for row, t in zip(bunch.data, bunch.target)])
    experiment = read(tmp_path, {"problem": {"type": "binary_classification", "target": "diagnosis"},
                                 "data": {"path": "breast_cancer.csv", "target_column": "diagnosis"}})
    data = experiment.data
    assert data.samples == 569
    assert data.class_counts == {"0": 212, "1": 357}
    assert (data.target.encoding, data.target.distinct) == ("integer", 2)
    for column, found in enumerate(data.features):
        assert found.name == names[column]
        values = bunch.data[:, column]
        assert (found.min, found.max) == (values.min(), values.max())
        assert found.mean == pytest.approx(values.mean(), rel=1e-12)
        assert found.std == pytest.approx(values.std(), rel=1e-9)
        assert found.missing == 0 and found.dtype == "float"
    best = max(f.target_score for f in data.features)
    assert 0.85 < best < 0.99  # informative features, but none that is the answer in disguise


def test_empty_sections_are_filled(tmp_path):
    write_csv(tmp_path, "d.csv", ["x", "y", "split"], [[i, i % 2, "train" if i < 8 else "test"] for i in range(10)])
    experiment = read_record(write_record(tmp_path, "data:\n  path: d.csv\n  target_column: y\n  split_column: split\n"
                                                    "splits:\n"))
    assert (experiment.splits.train, experiment.splits.test, experiment.splits.overlap) == (8, 2, 0)


def test_spread_of_a_large_mean_keeps_its_digits(tmp_path):
    """1e9 + small offsets: the one-pass variance would cancel to noise; the exact pass keeps it."""
    values = [1e9 + v for v in (0.001, 0.002, 0.003, 0.004, 0.005, 0.006)]
    write_csv(tmp_path, "d.csv", ["t", "y"], [[repr(v), i % 2] for i, v in enumerate(values)])
    found = feature(read(tmp_path, {"data": {"path": "d.csv", "target_column": "y"}}), "t")
    assert found.std == pytest.approx(np.array(values).std(), rel=1e-6)
    assert found.mean == pytest.approx(np.array(values).mean(), rel=1e-15)


def test_missing_values_match_across_files_even_in_an_empty_column(tmp_path):
    """A column left empty in the test file (read as all-null) still hashes and compares like the
    training file's missing values."""
    write_csv(tmp_path, "train.csv", ["a", "note", "y"], [[1.5, "", 0], [2.5, 3, 1], [3.5, "", 1]])
    write_csv(tmp_path, "test.csv", ["a", "note", "y"], [[1.5, "", 0], [9.5, "", 1]])
    experiment = read(tmp_path, {"data": {"target_column": "y"},
                                 "splits": {"files": {"train": "train.csv", "test": "test.csv"}}})
    assert experiment.splits.overlap == 1
    assert feature(experiment, "note").missing == 4


def test_quoted_line_breaks_are_values_not_rows(tmp_path):
    """A free-text column holding line breaks, as pandas writes it (quoted), in a file larger than
    one block of pyarrow's parallel reader (which splits blocks at line breaks): one row per
    record, not a "ragged row" error where a block boundary falls inside a quoted value."""
    import pandas as pd

    from advisor.readers.data_files import CSV_BLOCK_BYTES

    rows = CSV_BLOCK_BYTES // 10  # about 14 bytes a row: the file spans two blocks
    frame = pd.DataFrame({"height": np.linspace(1.5, 2.0, rows), "notes": ["two\nlines", "a\r\nb"] * (rows // 2),
                          "label": np.arange(rows) % 2})
    frame.to_csv(tmp_path / "people.csv", index=False)
    assert os.path.getsize(tmp_path / "people.csv") > CSV_BLOCK_BYTES
    experiment = read(tmp_path, {"data": {"path": "people.csv", "target_column": "label"}})
    assert experiment.data.samples == rows
    assert feature(experiment, "height").max == 2.0
    assert feature(experiment, "notes").dtype == "string"


def test_a_ragged_row_after_quoted_line_breaks_is_still_reported(tmp_path):
    from advisor.errors import InputError

    (tmp_path / "people.csv").write_text('height,notes,label\n1.5,"two\nlines",0\n1.6,short\n1.7,x,1\n')
    with pytest.raises(InputError, match="ragged row: 2 fields where the header has 3") as caught:
        read(tmp_path, {"data": {"path": "people.csv", "target_column": "label"}})
    assert "people.csv:4: ragged row" in str(caught.value)  # the line of the short row, counted as a text editor does
