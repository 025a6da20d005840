"""The lint results cache: unchanged inputs reuse their findings; any change is seen."""

from __future__ import annotations

import json
import os
import shutil

from tests.advisor_cli import BAD_RECORD, GOOD_RECORD, run_advisor

RULE_PACK = os.path.join(os.path.dirname(__file__), "data", "rule_pack")


def _lint_json(cwd, *args):
    result = run_advisor("lint", "--format", "json", *args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def _cache_entries(folder) -> list[str]:
    cache = os.path.join(folder, ".advisor_cache")
    return [os.path.join(r, f) for r, _, files in os.walk(cache) for f in files if f.endswith(".json")]


def test_second_run_reuses_the_cached_findings(tmp_path):
    (tmp_path / "experiment.yaml").write_text(BAD_RECORD)
    first = _lint_json(tmp_path, "experiment.yaml")
    entries = _cache_entries(tmp_path)
    assert len(entries) == 1
    assert (tmp_path / ".advisor_cache" / ".gitignore").read_text().strip().endswith("*")
    # Tamper with the entry: a second run that prints the tampered message proves it was used.
    with open(entries[0], encoding="utf-8") as handle:
        entry = json.load(handle)
    for finding in entry["findings"]:
        finding["message"] = "from the cache"
    with open(entries[0], "w", encoding="utf-8") as handle:
        json.dump(entry, handle)
    second = _lint_json(tmp_path, "experiment.yaml")
    assert [f["message"] for f in second["findings"]] == ["from the cache"] * len(first["findings"])
    assert [f["code"] for f in second["findings"]] == [f["code"] for f in first["findings"]]
    fresh = _lint_json(tmp_path, "--no-cache", "experiment.yaml")
    assert fresh["findings"] == first["findings"]


def test_an_edited_record_is_linted_again(tmp_path):
    record = tmp_path / "experiment.yaml"
    record.write_text(BAD_RECORD)
    assert _lint_json(tmp_path, "experiment.yaml")["findings"]
    record.write_text(GOOD_RECORD)
    assert not [f for f in _lint_json(tmp_path, "experiment.yaml")["findings"] if f["code"] == "MC01"]


def test_a_changed_history_file_is_seen(tmp_path):
    record = tmp_path / "experiment.yaml"
    record.write_text("problem: {type: regression}\nhistory: {file: history.json}\n")
    history = tmp_path / "history.json"
    history.write_text(json.dumps({"loss": [1.0, 0.8, 0.6, 0.5, 0.4]}))
    assert not [f for f in _lint_json(tmp_path, "--select", "TD01", "experiment.yaml")["findings"]]
    history.write_text(json.dumps({"loss": [1.0, 0.8, float("nan"), 0.5, 0.4]}))
    os.utime(history, ns=(1, 1))  # same size as before: the modification time gives it away
    codes = [f["code"] for f in _lint_json(tmp_path, "--select", "TD01", "experiment.yaml")["findings"]]
    assert codes == ["TD01"]


def test_a_changed_source_script_is_seen(tmp_path):
    """A record naming its training script (`source:`) is linted again when only the script
    changes: the script's code fills the record."""
    (tmp_path / "experiment.yaml").write_text("version: 1\nsource: train.py\n")
    script = tmp_path / "train.py"
    script.write_text(SCRIPT.format(activation="sigmoid"))
    assert "MC04" not in [f["code"] for f in _lint_json(tmp_path, "--select", "MC", "experiment.yaml")["findings"]]
    script.write_text(SCRIPT.format(activation="softmax"))
    codes = [f["code"] for f in _lint_json(tmp_path, "--select", "MC", "experiment.yaml")["findings"]]
    assert "MC04" in codes  # a softmax over one unit


SCRIPT = """\
import keras
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, activation="{activation}")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=5, validation_split=0.2)
"""


def test_a_changed_configuration_is_seen(tmp_path):
    (tmp_path / "experiment.yaml").write_text(BAD_RECORD)
    assert [f for f in _lint_json(tmp_path, "experiment.yaml")["findings"] if f["code"] == "MC01"]
    (tmp_path / "advisor.toml").write_text('ignore = ["MC01"]\n')
    assert not [f for f in _lint_json(tmp_path, "experiment.yaml")["findings"] if f["code"] == "MC01"]


def test_the_command_line_selection_is_part_of_the_key(tmp_path):
    (tmp_path / "experiment.yaml").write_text(BAD_RECORD)
    assert [f["code"] for f in _lint_json(tmp_path, "--select", "MC01", "experiment.yaml")["findings"]] == ["MC01"]
    assert _lint_json(tmp_path, "--select", "MC01", "--ignore", "MC01", "experiment.yaml")["findings"] == []


def test_no_cache_writes_nothing(tmp_path):
    (tmp_path / "experiment.yaml").write_text(BAD_RECORD)
    _lint_json(tmp_path, "--no-cache", "experiment.yaml")
    assert not (tmp_path / ".advisor_cache").exists()


def test_cached_run_keeps_exit_codes_and_fail_level(tmp_path):
    (tmp_path / "experiment.yaml").write_text(BAD_RECORD)
    assert run_advisor("lint", "experiment.yaml", cwd=tmp_path).returncode == 1
    assert run_advisor("lint", "experiment.yaml", cwd=tmp_path).returncode == 1  # from the cache
    assert run_advisor("lint", "--exit-zero", "experiment.yaml", cwd=tmp_path).returncode == 0
    (tmp_path / "advisor.toml").write_text('fail-on = "error"\n')
    assert run_advisor("lint", "experiment.yaml", cwd=tmp_path).returncode == 1  # MC01 is an error


def test_unwritable_cache_folder_only_costs_speed(tmp_path):
    (tmp_path / "experiment.yaml").write_text(BAD_RECORD)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would go")
    result = run_advisor("lint", "experiment.yaml", cwd=tmp_path, env={"ADVISOR_CACHE_DIR": str(blocked / "cache")})
    assert result.returncode == 1 and "MC01" in result.stdout and "Traceback" not in result.stderr


def test_large_inputs_are_keyed_without_reading_them(tmp_path):
    """A 2 GB file must be refused by its reader, not read whole to compute a cache key."""
    huge = tmp_path / "history.json"
    with open(huge, "wb") as handle:
        handle.truncate(2 * 1024 ** 3)
    result = run_advisor("lint", "history.json", cwd=tmp_path, memory_cap=512 * 1024 ** 2, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "history.json" in result.stderr and "Traceback" not in result.stderr


def test_an_edited_third_party_rule_is_run_afresh(tmp_path):
    """A pack installed outside advisor/ and rules/ (its dist-info beside it, as pip leaves it):
    editing its rule file in place changes no sys.path folder, yet the next run uses the new rule."""
    site = tmp_path / "site"
    shutil.copytree(RULE_PACK, site)
    pack = site / "advisor_test_pack.py"
    project = tmp_path / "project"
    project.mkdir()
    (project / "experiment.yaml").write_text("model: {epochs: 500}\n")
    env = {"PYTHONPATH": str(site)}

    def too_many_epochs() -> list[str]:
        result = run_advisor("lint", "--format", "json", "--select", "ZZ01", "experiment.yaml", cwd=project, env=env)
        assert result.returncode in (0, 1), result.stderr
        return [f["message"] for f in json.loads(result.stdout)["findings"]]

    assert too_many_epochs() == ["500 epochs is more than max_epochs (100)"]
    assert _cache_entries(project)  # the second run could come from the cache
    site_mtime = os.stat(site).st_mtime_ns
    pack.write_text(pack.read_text().replace("is more than max_epochs", "exceeds max_epochs"))
    os.utime(site, ns=(site_mtime, site_mtime))  # an in-place edit leaves the folder as it was
    assert too_many_epochs() == ["500 epochs exceeds max_epochs (100)"]
