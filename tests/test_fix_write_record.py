"""`advisor fix --write-record train.py`: the record a training script or notebook shows, written
beside it (`source:` names the script), never over a file, fixed without contradicting the code.

Scripts come from the source corpus (tests/readers/source_corpus) and examples/keras_script;
notebooks are written by nbformat, data files by pandas."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from advisor.fix.runner import FixWriteError
from advisor.fix.script_record import ScriptRecordFixer, adopted_text, create_record, new_record
from advisor.lint import build_config, lint_paths
from tests.advisor_cli import assert_clean_failure, run_advisor, write
from tests.readers.test_source_corpus import CORPUS, EXPECTED, write_classification_csv, write_notebook
from tests.rules.test_lone_artifacts import MISSING_RULES

KERAS_SCRIPT = os.path.join(os.path.dirname(os.path.dirname(__file__)), "examples", "keras_script")
#: Corpus scripts and notebooks that train something readable (the others get no record).
ADOPTABLE = sorted([*(name for name, case in EXPECTED["scripts"].items() if not (case or {}).get("none")),
                    *EXPECTED["notebooks"]])


def _corpus_input(directory: Path, name: str, as_name: str | None = None) -> str:
    """A corpus script copied (or notebook written by nbformat) into `directory`, with its data file."""
    path = str(directory / (as_name or name))
    if name.endswith(".ipynb"):
        return write_notebook(path, EXPECTED["notebooks"][name]["cells"])
    case = EXPECTED["scripts"][name] or {}
    if case.get("data"):
        write_classification_csv(str(directory / case["data"]))
    return shutil.copy(os.path.join(CORPUS, name), path)


def _codes(path: str) -> Counter:
    result = lint_paths([path], build_config(select=["ALL"]), keep_going=True)
    assert not result.errors, [error.format() for error in result.errors]
    return Counter(finding.code for finding in result.findings)


def _json_findings(directory, *args: str) -> list[dict]:
    result = run_advisor("lint", "--no-cache", "--format", "json", *args, cwd=directory)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)["findings"]


# --- the written record reads as its script does ---------------------------------------------

@pytest.mark.parametrize("name", ADOPTABLE)
def test_written_record_lints_to_the_findings_of_its_script(tmp_path, name):
    """Every finding of the script, and no other, but the *-missing rules: a record file claims
    to describe a whole experiment, so what it leaves out is said (a script never claimed that)."""
    script = _corpus_input(tmp_path, name)
    record = str(tmp_path / "experiment.yaml")
    Path(record).write_text(adopted_text(script, record), encoding="utf-8")
    from_script, from_record = _codes(script), _codes(record)
    assert from_script - from_record == Counter(), name
    assert set(from_record - from_script) <= set(MISSING_RULES), (name, from_record - from_script)


def test_only_the_missing_rules_tell_a_record_from_a_script_that_declares_little(tmp_path):
    """MNIST from keras.datasets: no data file, no metric; the record says so, the script does not."""
    script = _corpus_input(tmp_path, "k3_keras_datasets.py")
    record = str(tmp_path / "experiment.yaml")
    Path(record).write_text(adopted_text(script, record), encoding="utf-8")
    extra = _codes(record) - _codes(script)
    assert {"MS01", "PD04"} <= set(extra) <= set(MISSING_RULES), extra


def test_findings_about_fields_the_record_holds_point_into_the_record(tmp_path):
    _corpus_input(tmp_path, "k3_scaler_before_split.py", "train.py")
    result = run_advisor("fix", "-q", "--write-record", "train.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    text = (tmp_path / "experiment.yaml").read_text(encoding="utf-8")
    [leak] = [f for f in _json_findings(tmp_path, "experiment.yaml") if f["code"] == "LK01"]
    assert leak["path"] == "experiment.yaml"
    assert text.splitlines()[leak["line"] - 1].strip() == "fit_on: all"


# --- the command ------------------------------------------------------------------------------

def test_keras_example_record_is_written_beside_the_script_and_a_second_run_refuses(tmp_path):
    folder = tmp_path / "keras_script"
    shutil.copytree(KERAS_SCRIPT, folder)
    script_before = (folder / "train.py").read_bytes()
    result = run_advisor("fix", "--write-record", "train.py", cwd=folder)
    assert result.returncode == 1, result.stderr  # findings remain (the leaks are in the code)
    assert "Wrote experiment.yaml, the record train.py shows" in result.stdout
    assert (folder / "train.py").read_bytes() == script_before  # the code is never edited
    record = yaml.safe_load((folder / "experiment.yaml").read_text(encoding="utf-8"))
    assert record["source"] == "train.py" and record["version"] == 1
    assert record["data"]["preprocessing"][0]["fit_on"] == "all"  # as the code does, not as it should
    # The leak is fixed in the code, not papered over in the record: the line to change is named.
    assert ("experiment.yaml: LK01 not fixed (normalize_features): its edit would change "
            "data.preprocessing.0.fit_on away from what train.py:14 shows") in result.stdout
    assert "+source: train.py" in result.stdout  # the diff of what was written

    codes = sorted(f["code"] for f in _json_findings(folder, "experiment.yaml"))
    assert codes == sorted(f["code"] for f in _json_findings(folder, "train.py"))

    written = (folder / "experiment.yaml").read_bytes()
    again = run_advisor("fix", "--write-record", "train.py", cwd=folder)
    assert_clean_failure(again, "experiment.yaml: exists and already names train.py in `source`",
                         "refusing to overwrite it", "`advisor fix experiment.yaml`")
    assert (folder / "experiment.yaml").read_bytes() == written
    # The command that message suggests keeps the record agreeing with the code, as the adoption did.
    plain = run_advisor("fix", "experiment.yaml", cwd=folder)
    assert ("experiment.yaml: LK01 not fixed (normalize_features): its edit would change "
            "data.preprocessing.0.fit_on away from what train.py:14 shows") in plain.stdout, plain.stdout
    assert yaml.safe_load((folder / "experiment.yaml").read_text(encoding="utf-8"))["data"]["preprocessing"][0][
        "fit_on"] == "all"


def test_folder_walk_skips_adopted_scripts_and_changes_nothing_the_second_time(tmp_path):
    """The example folder holds a script and a notebook: both would be experiment.yaml, so a walk
    writes neither and says why; once one is adopted, a walk fixes its record and writes nothing."""
    folder = tmp_path / "keras_script"
    shutil.copytree(KERAS_SCRIPT, folder)
    both = run_advisor("fix", "-q", "--write-record", ".", cwd=folder)
    assert both.returncode == 1, both.stderr
    assert "would be the record of ./explore.ipynb and ./train.py" in both.stderr
    assert not (folder / "experiment.yaml").exists()
    assert "train.py:14:36: LK01" in both.stdout  # both still linted as scripts

    assert run_advisor("fix", "-q", "--write-record", "train.py", cwd=folder).returncode == 1
    written = (folder / "experiment.yaml").read_bytes()
    walk = run_advisor("fix", "-q", "--write-record", ".", cwd=folder)
    assert walk.returncode == 1, walk.stderr
    assert "Wrote" not in walk.stdout and "Fixed 0 findings" in walk.stdout
    assert "./experiment.yaml: exists; refusing to overwrite it" in walk.stderr  # the notebook's
    assert (folder / "experiment.yaml").read_bytes() == written
    assert not [line for line in walk.stdout.splitlines() if line.startswith("./train.py:")]  # its record speaks


def test_notebook_record_names_the_notebook_and_lints_alike(tmp_path):
    _corpus_input(tmp_path, "nb_iris_validation_split.ipynb", "explore.ipynb")
    result = run_advisor("fix", "-q", "--write-record", "explore.ipynb", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    record = yaml.safe_load((tmp_path / "experiment.yaml").read_text(encoding="utf-8"))
    assert record["source"] == "explore.ipynb"
    from_record = _json_findings(tmp_path, "experiment.yaml")
    from_notebook = _json_findings(tmp_path, "explore.ipynb")
    assert "EP08" in {f["code"] for f in from_record}
    extra = Counter(f["code"] for f in from_record) - Counter(f["code"] for f in from_notebook)
    assert Counter(f["code"] for f in from_notebook) - Counter(f["code"] for f in from_record) == Counter()
    assert set(extra) <= set(MISSING_RULES)


def test_an_existing_file_is_never_overwritten(tmp_path):
    _corpus_input(tmp_path, "k3_scaler_before_split.py", "train.py")
    mine = write(tmp_path, "experiment.yaml", "# my own notes\nversion: 1\n")
    before = Path(mine).read_bytes()
    result = run_advisor("fix", "--write-record", "train.py", cwd=tmp_path)
    assert_clean_failure(result, "experiment.yaml: exists; refusing to overwrite it", "--record-name")
    assert Path(mine).read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["experiment.yaml", "train.py"]  # no temporary file left


def test_a_file_appearing_before_the_write_is_kept(tmp_path):
    """The name is checked when planning and again, atomically, when the record is linked into place."""
    script = _corpus_input(tmp_path, "k3_scaler_before_split.py", "train.py")
    target = str(tmp_path / "experiment.yaml")
    fix = new_record(ScriptRecordFixer(build_config(select=["ALL"])), script, target)
    Path(target).write_text("theirs\n", encoding="utf-8")
    with pytest.raises(FixWriteError, match="exists; refusing to overwrite it"):
        create_record(fix)
    assert Path(target).read_text(encoding="utf-8") == "theirs\n"
    assert sorted(os.listdir(tmp_path)) == ["experiment.yaml", "train.py"]


def test_diff_writes_nothing_and_shows_the_whole_new_record(tmp_path):
    folder = tmp_path / "keras_script"
    shutil.copytree(KERAS_SCRIPT, folder)
    preview = run_advisor("fix", "--diff", "--unsafe-fixes", "--write-record", "train.py", cwd=folder)
    assert preview.returncode == 1, preview.stderr
    assert not (folder / "experiment.yaml").exists()
    assert "Would write experiment.yaml" in preview.stderr
    lines = preview.stdout.splitlines()
    assert lines[:3] == ["--- experiment.yaml", "+++ experiment.yaml", lines[2]] and lines[2].startswith("@@ -0,0 ")
    shown = "".join(line[1:] + "\n" for line in lines[3:])
    assert run_advisor("fix", "-q", "--unsafe-fixes", "--write-record", "train.py", cwd=folder).returncode == 1
    assert (folder / "experiment.yaml").read_text(encoding="utf-8") == shown


def test_safe_fixes_only_unless_unsafe_and_only_what_the_code_does_not_show(tmp_path):
    """A success metric is a decision the code does not show: `--unsafe-fixes` declares it; the
    output layer the code builds is never rewritten in the record."""
    records = {}
    for mode, flags in (("safe", []), ("unsafe", ["--unsafe-fixes"])):
        (tmp_path / mode).mkdir()
        _corpus_input(tmp_path / mode, "k3_logits_missing.py", "train.py")
        result = run_advisor("fix", "-q", *flags, "--write-record", "train.py", cwd=tmp_path / mode)
        assert result.returncode == 1, result.stderr
        records[mode] = (yaml.safe_load((tmp_path / mode / "experiment.yaml").read_text(encoding="utf-8")),
                         result.stdout)
    assert "metric" not in records["safe"][0]
    record, output = records["unsafe"]
    assert record["metric"] == {"name": "accuracy"}
    assert 'MS01 set_metric: /metric/name: (absent) -> "accuracy"' in output
    assert record["model"]["layers"] == records["safe"][0]["model"]["layers"]  # as train.py builds them
    for _, output in records.values():
        assert "MC01 not fixed (fix_output_layer): its edit would change model.layers" in output


def test_record_name_in_another_folder_keeps_paths_relative_to_the_record(tmp_path):
    _corpus_input(tmp_path, "k3_clean_csv.py", "train.py")
    (tmp_path / "records").mkdir()
    result = run_advisor("fix", "-q", "--record-name", "records/clean.yaml", "train.py", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    record = yaml.safe_load((tmp_path / "records" / "clean.yaml").read_text(encoding="utf-8"))
    assert record["source"] == "../train.py" and record["data"]["path"] == "../data.csv"
    # A path left relative to the script would be missing from records/: one message and exit 2.
    from_record = Counter(f["code"] for f in _json_findings(tmp_path, "records/clean.yaml"))
    assert from_record == Counter(f["code"] for f in _json_findings(tmp_path, "train.py"))


def test_inline_suppression_in_the_script_reaches_the_record(tmp_path):
    """`# advisor: ignore[EP08]` beside `model.fit(...)`: the finding moves to the record's line,
    and so does the comment."""
    _corpus_input(tmp_path, "k3_suppressed.py", "train.py")
    assert run_advisor("fix", "-q", "--write-record", "train.py", cwd=tmp_path).returncode in (0, 1)
    text = (tmp_path / "experiment.yaml").read_text(encoding="utf-8")
    assert "keras_validation_split: 0.2  # advisor: ignore[EP08]" in text
    assert "EP08" not in {f["code"] for f in _json_findings(tmp_path, "experiment.yaml")}
    bare = (tmp_path / "experiment.yaml").read_text(encoding="utf-8").replace("  # advisor: ignore[EP08]", "")
    (tmp_path / "experiment.yaml").write_text(bare, encoding="utf-8")
    assert "EP08" in {f["code"] for f in _json_findings(tmp_path, "experiment.yaml")}  # the comment did it


@pytest.mark.parametrize("args, expected", [
    (["--write-record", "notrain.py"], "notrain.py: trains nothing that can be read statically; no record to write"),
    (["--record-name", "experiment.toml", "notrain.py"], "--record-name: expected a .yaml or .yml file name"),
    (["--record-name", "missing/experiment.yaml", "notrain.py"], "--record-name: the folder does not exist"),
])
def test_nothing_to_write_is_one_message_and_exit_2(tmp_path, args, expected):
    _corpus_input(tmp_path, "notrain.py")
    result = run_advisor("fix", *args, cwd=tmp_path)
    assert_clean_failure(result, expected)
    assert sorted(os.listdir(tmp_path)) == ["notrain.py"]


def test_a_walk_writes_what_it_can_and_lints_the_rest(tmp_path):
    """A script whose settings are computed at run time has no record to write: a walk lints it
    (saying so) and adopts the others; named alone it is one message and exit 2."""
    (tmp_path / "dynamic").mkdir()
    (tmp_path / "leak").mkdir()
    _corpus_input(tmp_path / "dynamic", "k3_dynamic_units.py", "train.py")
    _corpus_input(tmp_path / "leak", "k3_scaler_before_split.py", "train.py")
    walk = run_advisor("fix", "-q", "--write-record", ".", cwd=tmp_path)
    assert walk.returncode == 1, walk.stderr
    assert "Traceback" not in walk.stderr
    assert "Wrote ./leak/experiment.yaml, the record ./leak/train.py shows" in walk.stdout
    assert "./dynamic/train.py: trains a model, but its settings are computed at run time" in walk.stderr
    assert sorted(os.listdir(tmp_path / "dynamic")) == ["train.py"]
    alone = run_advisor("fix", "--write-record", "dynamic/train.py", cwd=tmp_path)
    assert_clean_failure(alone, "dynamic/train.py: trains nothing that can be read statically")


@pytest.mark.parametrize("before, edited, moved", [
    ({"lr": 3.0}, {"lr": 0.01}, "/lr"),           # the record held what the script shows
    ({}, {"lr": 0.01}, "/lr"),                    # the script filled it
    ({"lr": 2.0}, {"lr": 0.01}, None),            # the user's own value: the plan, edited as any record
    ({"lr": 3.0}, {"lr": 3.0, "metric": "auc"}, None),  # an added field
    ({"lr": 3.0}, {}, None),                      # left out again: the script fills it
])
def test_an_edit_is_refused_only_when_it_moves_a_value_away_from_the_script(before, edited, moved):
    from advisor.fix.script_record import moved_from_script

    assert moved_from_script({"lr": 3.0}, before, edited) == moved


def test_a_layer_list_rewritten_is_a_change_of_the_list():
    from advisor.fix.script_record import moved_from_script

    shown = {"model": {"layers": [{"units": 8}, {"units": 1, "activation": "relu"}]}}
    edited = {"model": {"layers": [{"units": 8}, {"units": 1, "activation": "sigmoid"}]}}
    assert moved_from_script(shown, shown, edited) == "/model/layers/1/activation"
    grown = {"model": {"layers": [{"units": 8}, {"units": 1}, {"type": "activation"}]}}
    assert moved_from_script(shown, shown, grown) == "/model/layers"


def test_control_characters_in_a_script_name_reach_neither_terminal_nor_record_structure(tmp_path):
    name = "tr\nain\x1b[31m.py"
    _corpus_input(tmp_path, "k3_scaler_before_split.py", name)
    result = run_advisor("fix", "-q", "--write-record", name, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "\x1b" not in result.stdout + result.stderr
    assert "the record tr\\nain\\x1b[31m.py shows" in result.stdout
    text = (tmp_path / "experiment.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("# Read from tr\\nain\\x1b[31m.py by `advisor`")
    assert yaml.safe_load(text)["source"] == name  # the real name, quoted by YAML
    assert "LK01" in {f["code"] for f in _json_findings(tmp_path, "experiment.yaml")}


# --- a walk of the project after adoption ----------------------------------------------------

def test_a_folder_walk_after_adoption_reports_each_finding_once(tmp_path):
    """The record names its script (`source:`): walking the folder lints the record, which reads
    the script, and not the script a second time. Named on the command line, the script still
    lints on its own."""
    _corpus_input(tmp_path, "k3_scaler_before_split.py", "train.py")
    run_advisor("fix", "-q", "--write-record", "train.py", cwd=tmp_path)
    walked = _json_findings(tmp_path, ".")
    assert walked, "the adopted script leaks: its record must say so"
    assert {finding["path"] for finding in walked} <= {"experiment.yaml", "train.py"}
    keys = [(finding["code"], finding["message"]) for finding in walked]
    assert len(keys) == len(set(keys)), Counter(keys).most_common(3)
    named = _json_findings(tmp_path, ".", "train.py")
    assert {finding["path"] for finding in named} >= {"train.py"}
