"""The entry-point index: the advisor's plugin groups are read from it while no sys.path folder
changes, and scanned afresh when one does."""

from __future__ import annotations

import json
import os
import sys

import pytest

from advisor import plugins
from tests.advisor_cli import GOOD_RECORD, run_advisor, write


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    folder.mkdir()
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(folder))
    plugins._index.cache_clear()
    yield folder
    plugins._index.cache_clear()


def test_the_index_holds_what_a_scan_finds(cache):
    from importlib.metadata import entry_points

    found = plugins.group_entry_points("advisor.rules")
    assert [(ep.name, ep.value) for ep in found] == [(ep.name, ep.value) for ep in entry_points(group="advisor.rules")]
    stored = json.loads((cache / plugins.INDEX_NAME).read_text())
    assert ["builtin", "rules:get_rules"] in stored["groups"]["advisor.rules"]


def test_the_index_is_used_until_a_sys_path_folder_changes(cache, tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
    plugins.group_entry_points("advisor.commands")
    index = cache / plugins.INDEX_NAME
    stored = json.loads(index.read_text())
    stored["groups"]["advisor.commands"].append(["hello", "advisor.commands.rules:command"])
    index.write_text(json.dumps(stored))
    plugins._index.cache_clear()
    assert "hello" in [ep.name for ep in plugins.group_entry_points("advisor.commands")]  # read, not scanned
    (site / "new_dist-1.0.dist-info").mkdir()  # an install changes the folder
    os.utime(site, ns=(0, os.stat(site).st_mtime_ns + 10**9))
    plugins._index.cache_clear()
    assert "hello" not in [ep.name for ep in plugins.group_entry_points("advisor.commands")]


def test_a_damaged_index_is_rebuilt(cache):
    (cache / plugins.INDEX_NAME).write_text("{not json")
    assert [ep.name for ep in plugins.group_entry_points("advisor.rules")] == ["builtin"]
    assert json.loads((cache / plugins.INDEX_NAME).read_text())["groups"]["advisor.rules"]


def test_no_cache_folder_is_made_by_commands_that_write_nothing(tmp_path):
    write(tmp_path, "experiment.yaml", GOOD_RECORD)
    for args in (("rules",), ("next", "experiment.yaml"), ("lint", "--no-cache", "experiment.yaml")):
        assert run_advisor(*args, cwd=tmp_path).returncode in (0, 1)
    assert sorted(os.listdir(tmp_path)) == ["experiment.yaml"]
