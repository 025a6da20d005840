"""A record's YAML errors in the advisor's words: file, line and column, what was expected; never
PyYAML's or ruamel's `in "<unicode string>", line N, column M` text, never an internal error."""

from __future__ import annotations

import pytest

from tests.advisor_cli import assert_clean_failure, run_advisor, write
from tests.readers import hostile

LIBRARY_TEXT = ("<unicode string>", "internal error", "Traceback")


@pytest.mark.parametrize(("value", "kind"), [("!!float fast", "float"), ("!!int many", "int"), ("!!bool maybe", "bool"),
                                             ("!!timestamp 2020-13-45", "timestamp")])
def test_an_explicit_tag_on_a_value_it_does_not_fit_is_one_message(tmp_path, value, kind):
    write(tmp_path, "experiment.yaml", f"version: 1\nmodel:\n  epochs: 3\n  batch_size: {value}\n")
    result = run_advisor("lint", "--no-cache", "experiment.yaml", cwd=tmp_path)
    line = assert_clean_failure(result, "experiment.yaml:4:15:", f"is not a valid !!{kind} value")
    assert not any(text in line for text in LIBRARY_TEXT)


def test_the_hostile_typed_tag_record(tmp_path):
    target = hostile.typed_tag_record(str(tmp_path))
    line = assert_clean_failure(run_advisor("lint", "--no-cache", target, cwd=tmp_path),
                                "experiment.yaml:4:42:", "'fast' is not a valid !!float value")
    assert not any(text in line for text in LIBRARY_TEXT)


def test_a_tab_the_editor_refuses_is_said_with_line_and_column(tmp_path):
    """PyYAML reads `description:<TAB>text`; ruamel, which `advisor fix` edits with, refuses it. The
    fix report says where and what to do, not ruamel's own text."""
    target = hostile.tab_after_colon_record(str(tmp_path))
    lint = run_advisor("lint", target, cwd=tmp_path)
    assert lint.returncode == 1 and "MC01" in lint.stdout, lint.stderr  # the reader takes the record
    result = run_advisor("fix", target, cwd=tmp_path, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output, output
    assert not any(text in output for text in LIBRARY_TEXT), output
    assert ("MC01 not fixed (fix_output_layer): the record cannot be edited: line 2, column 13: found character "
            "'\\t' that cannot start any token") in output
    assert "write spaces instead of the tab" in output
    with open(tmp_path / target, encoding="utf-8") as handle:
        assert "description:\ta relu output" in handle.read()  # untouched
