"""The DP rules on a real data file: scikit-learn's breast cancer measurements written as CSV, with
a string, a constant and a partly missing column added. The readers profile the CSV; each finding
must land on its column's header in the CSV, and the preprocessing steps that fix them silence them.
"""

from __future__ import annotations

import csv

import pytest

from tests.conftest import lint_record

HEADER = ["mean_radius", "mean_area", "mean_smoothness", "site", "constant", "income", "diagnosis"]


@pytest.fixture
def cancer_csv(tmp_path):
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    sites = ("left", "right", "both")
    with open(tmp_path / "cancer.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for index, (row, target) in enumerate(zip(data.data, data.target)):
            income = "" if index % 50 == 0 else f"{(index * 7919 % 1000) / 400:.3f}"
            writer.writerow([row[0], row[3], row[4], sites[index % 3], 1.0, income, int(target)])
    return tmp_path


def record(preprocessing=None):
    data = {"path": "cancer.csv", "target_column": "diagnosis"}
    if preprocessing is not None:
        data["preprocessing"] = preprocessing
    return {"problem": {"type": "binary_classification", "target": "diagnosis"}, "data": data}


def header_column(name: str) -> int:
    return ",".join(HEADER).index(name) + 1


@pytest.mark.parametrize(("code", "column", "evidence"), [
    ("DP01", "site", {"dtype": "string", "categories": 3}),
    ("DP02", "mean_area", {"max_abs_value": pytest.approx(2501.0), "features_over": ["mean_area", "mean_radius"]}),
    ("DP03", "mean_area", {"threshold": 10.0}),
    ("DP04", "income", {"missing": 12, "share": pytest.approx(12 / 569, abs=1e-4)}),
    ("DP05", "constant", {"std": 0.0}),
])
def test_findings_land_on_the_csv_header(cancer_csv, code, column, evidence):
    findings = [f for f in lint_record(cancer_csv, record(), select=[code]) if f.code == code]
    assert len(findings) == 1, [f.message for f in findings]
    finding = findings[0]
    assert finding.path.endswith("cancer.csv")
    assert (finding.line, finding.column) == (1, header_column(column))
    named = finding.evidence.get("feature") or finding.evidence["largest"]["feature"]
    assert named == column
    for key, value in evidence.items():
        assert finding.evidence[key] == value, (key, finding.evidence)


def test_spread_ratio_is_measured_on_the_data(cancer_csv):
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer().data
    expected = data[:, 3].std(ddof=1) / data[:, 4].std(ddof=1)
    finding = next(f for f in lint_record(cancer_csv, record(), select=["DP03"]) if f.code == "DP03")
    assert finding.evidence["ratio"] == pytest.approx(expected, rel=1e-3)
    assert f"{expected:,.0f}x" in finding.message


def test_preprocessing_that_fixes_them_silences_them(cancer_csv):
    steps = [
        {"step": "one_hot", "columns": ["site"]},
        {"step": "impute", "fit_on": "train", "columns": ["income"]},
        {"step": "feature_selection", "fit_on": "train"},
        {"step": "feature_engineering", "fit_on": "train"},
        {"step": "standardize", "fit_on": "train"},
    ]
    findings = lint_record(cancer_csv, record(steps), select=["DP"])
    assert not [f for f in findings if f.code.startswith("DP")], [f.message for f in findings]


# --- image data: scikit-learn's 8x8 digits, one column per pixel ---------------------------------

def _write_digits(directory, scale: float = 1.0, extra=None) -> None:
    """The digits as CSV (pixels in [0, 16], divided by `scale`), with an optional extra column
    `(name, function of the row index)`."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    names = [f"pixel_{row}_{column}" for row in range(8) for column in range(8)]
    with open(directory / "digits.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(names + ([extra[0]] if extra else []) + ["digit"])
        for index, (pixels, target) in enumerate(zip(digits.data, digits.target)):
            cells = [f"{value / scale:g}" for value in pixels] + ([f"{extra[1](index):g}"] if extra else [])
            writer.writerow(cells + [int(target)])


def _digits_record(steps=None) -> dict:
    data = {"path": "digits.csv", "target_column": "digit"}
    if steps:
        data["preprocessing"] = steps
    return {"problem": {"type": "multiclass_classification", "target": "digit"}, "data": data}


def test_constant_border_pixels_are_one_finding(tmp_path):
    from sklearn.datasets import load_digits

    constant = [index for index, column in enumerate(load_digits().data.T) if column.min() == column.max()]
    assert len(constant) >= 3  # the premise: several always-zero pixels
    _write_digits(tmp_path)
    findings = [f for f in lint_record(tmp_path, _digits_record(), select=["DP05"]) if f.code == "DP05"]
    assert len(findings) == 1, [f.message for f in findings]
    assert findings[0].evidence["count"] == len(constant)
    assert findings[0].evidence["constant_features"][0] == "pixel_0_0"
    assert f"{len(constant)} features are constant" in findings[0].message


@pytest.mark.parametrize(("scale", "steps"), [(1.0, [{"step": "scale"}]), (16.0, None)])
def test_pixels_sharing_one_range_are_not_heterogeneous(tmp_path, scale, steps):
    """Raw pixels in [0, 16] with one scale step, or pixels already in [0, 1]: border pixels have
    a far smaller std than centre ones (position, not units), and DP03 stays silent."""
    from sklearn.datasets import load_digits

    stds = [column.std() for column in load_digits().data.T if column.std() > 0]
    assert max(stds) / min(stds) > 10  # the premise: the spread ratio alone would fire
    _write_digits(tmp_path, scale)
    findings = lint_record(tmp_path, _digits_record(steps), select=["DP02", "DP03"])
    assert findings == [], [f.message for f in findings]


def test_a_feature_of_other_units_among_the_pixels_fires(tmp_path):
    """Near miss: the pixels plus an exposure time in [0.010, 0.029] seconds."""
    _write_digits(tmp_path, 16.0, ("exposure", lambda index: 0.01 + (index % 20) / 1000))
    findings = [f for f in lint_record(tmp_path, _digits_record(), select=["DP03"]) if f.code == "DP03"]
    assert [f.code for f in findings] == ["DP03"]
