"""One list of the record fields that name files: every writer that moves a record rebases all of
them, `tuning.file` and `source` included."""

from __future__ import annotations

from advisor.record_files import map_file_paths


def test_every_file_reference_is_moved_and_nothing_else():
    record = {"source": "train.py", "data": {"path": "d.csv", "target_column": "y"}, "model": {"file": "m.keras"},
              "history": {"file": "h.csv"}, "tuning": {"file": "study.db", "trials": 3},
              "splits": {"files": {"train": "tr.csv", "test": "te.csv"}, "method": "random"}}
    moved = map_file_paths(record, lambda path: "../" + path)
    assert moved == {"source": "../train.py", "data": {"path": "../d.csv", "target_column": "y"},
                     "model": {"file": "../m.keras"}, "history": {"file": "../h.csv"},
                     "tuning": {"file": "../study.db", "trials": 3},
                     "splits": {"files": {"train": "../tr.csv", "test": "../te.csv"}, "method": "random"}}
    assert record["data"]["path"] == "d.csv"  # the input is left alone


def test_missing_or_odd_sections_are_left_as_they_are():
    record = {"data": "not a mapping", "splits": {"files": ["a.csv"]}, "model": {"file": 3}}
    assert map_file_paths(record, lambda path: "x/" + path) == record
