"""`advisor lint train.py` and `advisor lint nb.ipynb`: locations as ruff shows them, bad input,
records that name their script, folder walks, suppression, and no library imported to lint."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.readers.source import extract
from advisor.readers.source.known import BUNDLED_DATASETS
from advisor.readers.source.regions import file_region
from tests.advisor_cli import assert_clean_failure, run_advisor, write
from tests.readers.test_source_corpus import CORPUS, EXPECTED, write_notebook

SCALER_BEFORE_SPLIT = "k3_scaler_before_split.py"


def corpus_script(directory, name: str, as_name: str | None = None) -> str:
    return shutil.copy(os.path.join(CORPUS, name), os.path.join(str(directory), as_name or name))


# --- locations ------------------------------------------------------------------------------

def test_script_findings_point_at_the_line_and_column(tmp_path):
    corpus_script(tmp_path, SCALER_BEFORE_SPLIT, "train.py")
    result = run_advisor("lint", "--no-cache", "--select", "LK01", "train.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    # X = scaler.fit_transform(X): the rows the scaler saw
    assert result.stdout.startswith("train.py:9:26: LK01 the standardize step is fit on all"), result.stdout


def test_notebook_findings_name_the_cell_like_ruff(tmp_path):
    cells = EXPECTED["notebooks"]["nb_scaler_before_split.ipynb"]["cells"]
    write_notebook(str(tmp_path / "nb.ipynb"), cells)
    result = run_advisor("lint", "--no-cache", "--select", "LK01", "nb.ipynb", cwd=tmp_path)
    assert result.stdout.startswith("nb.ipynb:cell 3:3:36: LK01 "), result.stdout


def test_sarif_region_of_a_notebook_cell_is_in_the_notebook_file(tmp_path):
    """The cell position maps to the line and column of that code in the .ipynb JSON."""
    cells = EXPECTED["notebooks"]["nb_scaler_before_split.ipynb"]["cells"]
    path = write_notebook(str(tmp_path / "nb.ipynb"), cells)
    notebook, line, column = file_region(f"{path}:cell 3", 3, 36)
    text = Path(notebook).read_text(encoding="utf-8").splitlines()[line - 1]
    assert notebook == path
    assert text[column - 1:].startswith("X)"), text  # the argument of fit_transform(X)


def test_region_of_a_cell_written_as_one_string(tmp_path):
    """nbformat also allows a cell's source as one string: the region is inside that string."""
    document = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": "import keras\nx = 'é'\nmodel.fit(x)"}]}
    path = write(tmp_path, "one.ipynb", json.dumps(document, ensure_ascii=False))
    notebook, line, column = file_region(f"{path}:cell 1", 3, 11)
    text = Path(notebook).read_text(encoding="utf-8").splitlines()[line - 1]
    assert text[column - 1:].startswith("x)"), text[column - 1:]


# --- what a script holds --------------------------------------------------------------------

def test_every_value_keeps_its_location(tmp_path):
    path = corpus_script(tmp_path, "k2_legacy_spelling.py")
    data, locations, _, trains = extract(path)
    assert trains
    assert data["model"]["optimizer"] == {"name": "sgd", "learning_rate": 3.0, "momentum": 0.9}
    assert data["model"]["epochs"] == 150  # nb_epoch
    assert data["model"]["layers"][0] == {"type": "dense", "units": 12, "activation": "relu"}  # output_dim
    rate = locations["/model/optimizer/learning_rate"]
    assert (rate.path, rate.line, rate.column) == (path, 14, 14)  # SGD(lr=3.0): the 3.0


def test_bundled_datasets_are_what_scikit_learn_ships():
    """The facts the reader knows about scikit-learn's datasets, against scikit-learn itself."""
    import numpy as np
    from sklearn import datasets

    for name, known in BUNDLED_DATASETS.items():
        bunch = getattr(datasets, f"load_{name}")()
        assert bunch.data.shape == (known["samples"], known["features"]), name
        if "class_counts" in known:
            labels, counts = np.unique(bunch.target, return_counts=True)
            assert {str(label): int(count) for label, count in zip(labels, counts)} == known["class_counts"], name
        assert (known.get("ordered_by") == "target") == bool(np.all(np.diff(bunch.target) >= 0)), name


def test_record_naming_its_script_wins_over_the_script(tmp_path):
    corpus_script(tmp_path, "k3_logits_missing.py", "train.py")
    write(tmp_path, "experiment.yaml", {
        "version": 1, "source": "train.py",
        "model": {"loss": {"name": "sparse_categorical_crossentropy", "from_logits": True}},
    })
    fixed = run_advisor("lint", "--no-cache", "--select", "MC01,EP02", "experiment.yaml", cwd=tmp_path)
    assert "MC01" not in fixed.stdout  # the record's from_logits wins
    assert "train.py:7:" in fixed.stdout and "EP02" in fixed.stdout  # the script fills the splits
    write(tmp_path, "experiment.yaml", {"version": 1, "source": "train.py"})
    plain = run_advisor("lint", "--no-cache", "--select", "MC01", "experiment.yaml", cwd=tmp_path)
    assert plain.stdout.startswith("train.py:12:5: MC01"), plain.stdout


def test_record_naming_a_missing_script(tmp_path):
    write(tmp_path, "experiment.yaml", "version: 1\nsource: train.py\n")
    result = run_advisor("lint", "--no-cache", "experiment.yaml", cwd=tmp_path)
    assert_clean_failure(result, "experiment.yaml:2:1", "source:", "train.py", "no such file")


# --- inputs ---------------------------------------------------------------------------------

def test_a_script_that_trains_nothing_says_so_and_exits_0(tmp_path):
    corpus_script(tmp_path, "notrain.py")
    result = run_advisor("lint", "--no-cache", "notrain.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "advisor: note: notrain.py: trains nothing (no Keras or scikit-learn fit found)"


def test_folder_walk_lints_only_scripts_that_train(tmp_path):
    corpus_script(tmp_path, SCALER_BEFORE_SPLIT, "train.py")
    corpus_script(tmp_path, "notrain.py", "plots.py")
    write(tmp_path, "helpers.py", "import keras\n\n\ndef build():\n    return keras.Sequential()\n")
    write_notebook(str(tmp_path / "nb.ipynb"), EXPECTED["notebooks"]["nb_magics_fit_on_test.ipynb"]["cells"])
    result = run_advisor("lint", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    paths = {finding["path"].split(":cell ")[0] for finding in json.loads(result.stdout)["findings"]}
    assert paths == {"train.py", "nb.ipynb"}, paths
    assert "note" not in result.stderr


def test_inline_suppression_in_a_python_comment(tmp_path):
    corpus_script(tmp_path, "k3_suppressed.py", "train.py")
    quiet = run_advisor("lint", "--no-cache", "--select", "EP08", "train.py", cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stdout.startswith("All checks passed"), quiet.stdout
    text = (tmp_path / "train.py").read_text().replace("  # advisor: ignore[EP08]", "")
    write(tmp_path, "train.py", text)
    loud = run_advisor("lint", "--no-cache", "--select", "EP08", "train.py", cwd=tmp_path)
    assert loud.stdout.startswith("train.py:8:"), loud.stdout


def test_linting_a_script_imports_no_training_library(tmp_path):
    corpus_script(tmp_path, SCALER_BEFORE_SPLIT, "train.py")
    code = (
        "import sys\n"
        "from advisor.lint import build_config, lint_paths\n"
        "result = lint_paths(['train.py'], build_config())\n"
        "assert any(f.code == 'LK01' for f in result.findings)\n"
        "heavy = [m for m in ('keras', 'jax', 'sklearn', 'pandas', 'tensorflow', 'matplotlib', 'mlflow') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "expected"), [
    ("syntax.py", "import keras\nmodel = keras.Sequential(\n", ["syntax.py:2:", "invalid Python syntax", "never closed"]),
    ("py2.py", "import keras\nprint 'training'\n", ["py2.py:2:", "looks like Python 2 code, expected Python 3"]),
    ("empty.py", "", ["empty.py", "is empty; expected a Python training script"]),
    ("nul.py", "import keras\x00\n", ["nul.py", "Python"]),
    ("text.ipynb", "this is not json", ["text.ipynb:1:1", "invalid JSON", "expected a Jupyter notebook"]),
    ("old.ipynb", json.dumps({"nbformat": 3, "worksheets": [], "metadata": {}}), ["old.ipynb:1:1", "expected a JSON object with a 'cells' list"]),
    ("v3.ipynb", json.dumps({"nbformat": 3, "cells": []}), ["v3.ipynb:1:1", "nbformat 3 is not supported; expected nbformat 4"]),
    ("cell.ipynb", json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": ["import keras\n", "model.fit(x y)\n"], "metadata": {}, "outputs": []}]}),
     ["cell.ipynb:cell 1:2:", "invalid Python syntax"]),
])
def test_bad_source_gives_one_clear_message(tmp_path, name, content, expected):
    write(tmp_path, name, content)
    assert_clean_failure(run_advisor("lint", "--no-cache", name, cwd=tmp_path), *expected)


def test_a_10_mb_generated_script_is_refused_at_once(tmp_path):
    line = "W_%d = keras.layers.Dense(8, activation='relu')  # generated\n"
    write(tmp_path, "huge.py", "import keras\n" + "".join(line % i for i in range(180_000)))
    assert os.path.getsize(tmp_path / "huge.py") > 10_000_000
    result = run_advisor("lint", "--no-cache", "huge.py", cwd=tmp_path, timeout=30)
    assert_clean_failure(result, "huge.py", "over the 8 MB limit for a Python training script")


def test_deeply_nested_code_is_understood_or_left_alone(tmp_path):
    """Valid code nested deeper than the reader follows: no finding, no traceback, no hang."""
    deep = "units = " + "[" * 90 + "1" + "]" * 90 + "\n" + "rate = " + " + ".join(["0.001"] * 20_000) + "\n"
    script = ("import keras\nfrom sklearn.datasets import load_iris\n" + deep +
              "X, y = load_iris(return_X_y=True)\n"
              "model = keras.Sequential([keras.layers.Dense(units, activation='relu'), keras.layers.Dense(3)])\n"
              "model.compile(optimizer=keras.optimizers.Adam(rate), loss='sparse_categorical_crossentropy')\n"
              "model.fit(X, y, validation_split=0.2)\n")
    write(tmp_path, "deep.py", script)
    result = run_advisor("lint", "--no-cache", "--select", "MC07,EP08", "deep.py", cwd=tmp_path, timeout=60)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert result.returncode in (0, 1, 2), result.stderr
    if result.returncode == 2:
        assert_clean_failure(result, "deep.py")
    else:
        assert "MC07" not in result.stdout  # the learning rate was too deep to follow: unknown, silent
        assert "deep.py:8:" in result.stdout and "EP08" in result.stdout  # the rest was still read


# --- adopting the record ----------------------------------------------------------------------

def test_written_record_lints_like_its_script_and_never_overwrites(tmp_path):
    from advisor.errors import InputError
    from advisor.readers.source.record_writer import write_record

    script = corpus_script(tmp_path, SCALER_BEFORE_SPLIT, "train.py")
    record = write_record(script)
    assert record == str(tmp_path / "experiment.yaml")
    from_script = run_advisor("lint", "--no-cache", "--format", "json", "train.py", cwd=tmp_path)
    from_record = run_advisor("lint", "--no-cache", "--format", "json", "experiment.yaml", cwd=tmp_path)
    codes = sorted(finding["code"] for finding in json.loads(from_script.stdout)["findings"])
    assert codes == sorted(finding["code"] for finding in json.loads(from_record.stdout)["findings"])
    assert "LK01" in codes
    before = Path(record).read_text()
    with pytest.raises(InputError, match="exists; refusing to overwrite it"):
        write_record(script)
    assert Path(record).read_text() == before


def test_github_annotation_of_a_notebook_sits_in_the_notebook_file(tmp_path):
    cells = EXPECTED["notebooks"]["nb_scaler_before_split.ipynb"]["cells"]
    write_notebook(str(tmp_path / "nb.ipynb"), cells)
    result = run_advisor("lint", "--no-cache", "--format", "github", "--select", "LK01", "nb.ipynb", cwd=tmp_path)
    command = result.stdout.splitlines()[0]
    assert command.startswith("::error file=nb.ipynb,line="), command
    line = int(command.split("line=")[1].split(",")[0])
    column = int(command.split("col=")[1].split(",")[0])
    text = (tmp_path / "nb.ipynb").read_text(encoding="utf-8").splitlines()[line - 1]
    assert text[column - 1:].startswith("X)"), text


def test_files_the_script_names_are_read_beside_it(tmp_path):
    """A CSVLogger log (written by Keras) and a data CSV (written by pandas) next to the script
    fill `history` and the data profile, located in those files."""
    from advisor.readers.script_input import read_source_input
    from tests.readers.keras_models import diverging_training
    from tests.readers.test_source_corpus import write_classification_csv

    logged = diverging_training(tmp_path)
    script = corpus_script(tmp_path, "k3_csvlogger_early_stopping.py", "train.py")
    [(_, experiment)] = read_source_input(script)
    assert experiment.history.file == "history.csv"
    assert len(experiment.history.get("loss")) == len(logged["loss"])
    assert experiment.sources.locate("/history/loss").path.endswith("history.csv")
    write_classification_csv(str(tmp_path / "data.csv"))
    [(_, clean)] = read_source_input(corpus_script(tmp_path, "k3_clean_csv.py"))
    assert clean.data.path == "data.csv" and clean.data.samples == 6000
    assert clean.problem.target == "label" and clean.data.class_counts is not None


def test_searches_and_cross_validation_become_protocol_and_tuning(tmp_path):
    data, locations, _, _ = extract(corpus_script(tmp_path, "sk_gridsearch_clean.py"))
    assert data["protocol"] == {"type": "kfold", "folds": 5}
    assert data["tuning"]["trials"] == 6  # 2 x 3 candidates in the literal grid
    assert data["metric"] == {"name": "roc_auc"}
    assert data["data"]["preprocessing"] == [{"step": "impute", "fit_on": "train"}]
    assert locations["/tuning/trials"].line == 13  # search.fit(...)
    loop, _, _, _ = extract(corpus_script(tmp_path, "sk_kfold_manual_loop.py"))
    assert loop["protocol"] == {"type": "kfold", "folds": 5}
    assert loop["data"]["preprocessing"] == [{"step": "standardize", "fit_on": "train"}]


def test_sarif_region_of_a_notebook_finding_is_valid_and_in_the_notebook(tmp_path):
    import jsonschema

    schema_path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "sarif-schema-2.1.0.json")
    validator = jsonschema.Draft7Validator(json.loads(Path(schema_path).read_text(encoding="utf-8")))
    write_notebook(str(tmp_path / "nb.ipynb"), EXPECTED["notebooks"]["nb_scaler_before_split.ipynb"]["cells"])
    write(tmp_path, "broken.ipynb", json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": ["import keras\n", "model.fit(x y)\n"], "metadata": {}, "outputs": []}]}))
    result = run_advisor("lint", "--no-cache", "--format", "sarif", "--select", "LK01", "nb.ipynb", "broken.ipynb",
                         cwd=tmp_path)
    document = json.loads(result.stdout)
    assert not list(validator.iter_errors(document))
    [finding] = document["runs"][0]["results"]
    location = finding["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "nb.ipynb"
    region = location["region"]
    text = (tmp_path / "nb.ipynb").read_text(encoding="utf-8").splitlines()[region["startLine"] - 1]
    assert text[region["startColumn"] - 1:].startswith("X)"), text
    [notification] = document["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    broken = notification["locations"][0]["physicalLocation"]
    assert broken["artifactLocation"]["uri"] == "broken.ipynb"
    line = (tmp_path / "broken.ipynb").read_text(encoding="utf-8").splitlines()[broken["region"]["startLine"] - 1]
    assert "model.fit(x y)" in line


def test_fix_never_edits_a_script_and_names_the_record_fields_instead(tmp_path):
    script = corpus_script(tmp_path, SCALER_BEFORE_SPLIT, "train.py")
    before = Path(script).read_bytes()
    result = run_advisor("fix", "train.py", cwd=tmp_path)
    assert Path(script).read_bytes() == before
    assert "Traceback" not in result.stderr
    note = next(line for line in result.stdout.splitlines() if line.startswith("train.py: a training script"))
    assert "data.preprocessing.0.fit_on" in note and "`source: train.py`" in note


def test_next_places_a_script_in_the_workflow(tmp_path):
    corpus_script(tmp_path, SCALER_BEFORE_SPLIT, "train.py")
    result = run_advisor("next", "train.py", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    assert result.stdout.startswith("train.py: stage "), result.stdout
    prepare = result.stdout.split("4  Prepare the data", 1)[1].split("\n  ", 2)[:2]
    assert "LK01" in prepare[1] and "(line 9)" in prepare[1], prepare


def test_suppression_comments_in_the_script_a_record_names(tmp_path):
    corpus_script(tmp_path, "k3_suppressed.py", "train.py")
    write(tmp_path, "experiment.yaml", "version: 1\nsource: train.py\n")
    quiet = run_advisor("lint", "--no-cache", "--select", "EP08", "experiment.yaml", cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stdout
    write(tmp_path, "train.py", (tmp_path / "train.py").read_text().replace("  # advisor: ignore[EP08]", ""))
    loud = run_advisor("lint", "--no-cache", "--select", "EP08", "experiment.yaml", cwd=tmp_path)
    assert loud.stdout.startswith("train.py:8:"), loud.stdout
