"""Export the examples' data from the datasets that ship with scikit-learn (no download).

Run from anywhere: `python examples/export_data.py`. Writes each example's `data/` file:

- breast_cancer/data/breast_cancer.csv: 569 tumours, 30 raw cell measurements, `diagnosis` (1 benign).
- wine/data/wine.csv: 178 wines, 13 chemical measurements, `cultivar` (0, 1, 2).
- digits/data/digits.csv: 1,797 8x8 images of digits as 64 pixel intensities (0-16), `digit`.
- diabetes/data/diabetes.csv: 442 patients, 10 unscaled measurements, `progression` (25-346).
- multilabel/data/multilabel.npz: 600 documents, 20 word counts (`X`), 5 topics as multi-hot rows
  (`y`), from make_multilabel_classification.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from sklearn import datasets

HERE = os.path.dirname(os.path.abspath(__file__))


def _csv(example: str, name: str, frame: pd.DataFrame) -> None:
    folder = os.path.join(HERE, example, "data")
    os.makedirs(folder, exist_ok=True)
    frame.to_csv(os.path.join(folder, name), index=False, float_format="%.6g", lineterminator="\n")


def _snake(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("/", "_").replace("(", "").replace(")", "")


def export() -> None:
    cancer = datasets.load_breast_cancer(as_frame=True)
    frame = cancer.data.rename(columns=_snake)
    frame["diagnosis"] = cancer.target
    _csv("breast_cancer", "breast_cancer.csv", frame)

    wine = datasets.load_wine(as_frame=True)
    frame = wine.data.rename(columns=_snake)
    frame["cultivar"] = wine.target
    _csv("wine", "wine.csv", frame)

    digits = datasets.load_digits(as_frame=True)
    frame = digits.data.astype("int64")
    frame["digit"] = digits.target
    _csv("digits", "digits.csv", frame)

    diabetes = datasets.load_diabetes(as_frame=True, scaled=False)
    frame = diabetes.data.copy()
    frame["progression"] = diabetes.target
    _csv("diabetes", "diabetes.csv", frame)

    x, y = datasets.make_multilabel_classification(n_samples=600, n_features=20, n_classes=5, n_labels=2,
                                                   random_state=0)
    folder = os.path.join(HERE, "multilabel", "data")
    os.makedirs(folder, exist_ok=True)
    np.savez_compressed(os.path.join(folder, "multilabel.npz"), X=x.astype("float32"), y=y.astype("int8"),
                        feature_names=np.array([f"word_{i}" for i in range(x.shape[1])]))


if __name__ == "__main__":
    export()
