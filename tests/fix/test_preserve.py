"""`advisor fix` changes nothing beyond its edit: comments after flow-style YAML, CRLF line ends
of TOML, and the inode of a hard-linked record (its other names, owner and mode) all stay."""

from __future__ import annotations

import os
import stat

from tests.advisor_cli import run_advisor, write

#: A record written on one flow-style line, as issue reports had it, with a comment after it.
FLOW = "{history: {loss: [0.69, 0.55]}, tuning: {selected_on: validation}}\n# keep\n"
#: A record whose edit (the output activation) leaves its layout otherwise alone.
SIMPLE = ("version: 1\nproblem: {type: binary_classification}\nmodel:\n  layers:\n"
          "    - {type: dense, units: 1, activation: relu}   # the output\n  loss: binary_crossentropy\n")


def _read(path) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def test_a_comment_after_a_flow_style_record_stays(tmp_path):
    path = write(tmp_path, "experiment.yaml", FLOW)
    result = run_advisor("fix", "--unsafe-fixes", "experiment.yaml", cwd=tmp_path, timeout=60)
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr
    fixed = _read(path)
    assert fixed != FLOW and "splits:" in fixed  # the edit was made
    assert fixed.endswith("}\n# keep\n"), fixed


def test_an_aligned_comment_on_an_edited_flow_line_keeps_its_spacing(tmp_path):
    path = write(tmp_path, "experiment.yaml", SIMPLE)
    assert run_advisor("fix", "experiment.yaml", cwd=tmp_path, timeout=60).returncode in (0, 1)
    assert _read(path) == SIMPLE.replace("activation: relu}", "activation: sigmoid}")


def test_an_edit_that_would_drop_a_comment_is_not_made(tmp_path):
    """ruamel.yaml folds a flow mapping spread over lines into one line and loses the comments
    between: the fix is refused with a reason and the file stays as it was."""
    record = ("# the model\n{version: 1, problem: {type: binary_classification},  # chosen\n"
              " model: {layers: [{type: dense, units: 1, activation: relu}], loss: binary_crossentropy}}\n")
    path = write(tmp_path, "experiment.yaml", record)
    result = run_advisor("fix", "experiment.yaml", cwd=tmp_path, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "MC01 not fixed (fix_output_layer): the edit would drop the comment '# chosen'" in result.stdout
    assert _read(path) == record


def test_a_crlf_toml_record_keeps_crlf_on_the_lines_an_edit_adds(tmp_path):
    record = ('version = 1\r\n\r\n[problem]\r\ntype = "binary_classification"\r\n\r\n[model]\r\n'
              'loss = "binary_crossentropy"\r\nlayers = [{type = "dense", units = 1, activation = "relu"}]\r\n')
    path = write(tmp_path, "experiment.toml", "")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(record)
    result = run_advisor("fix", "--unsafe-fixes", "experiment.toml", cwd=tmp_path, timeout=60)
    assert result.returncode in (0, 1), result.stderr
    fixed = _read(path)
    assert fixed.startswith(record.replace('"relu"', '"sigmoid"')) and len(fixed) > len(record), fixed
    assert fixed.count("\n") == fixed.count("\r\n"), repr(fixed)


def test_a_hard_linked_record_keeps_its_inode_owner_and_mode(tmp_path):
    path = write(tmp_path, "experiment.yaml", SIMPLE)
    other = tmp_path / "copy-of-record.yaml"
    os.link(path, other)
    os.chmod(path, 0o640)
    owner = (12345, 54321) if os.geteuid() == 0 else (os.getuid(), os.getgid())  # root may give it away
    os.chown(path, *owner)
    before = os.stat(path)
    result = run_advisor("fix", "experiment.yaml", cwd=tmp_path, timeout=60)
    assert result.returncode in (0, 1), result.stderr
    after = os.stat(path)
    assert (after.st_ino, after.st_nlink, after.st_uid, after.st_gid) == (before.st_ino, 2, *owner)
    assert stat.S_IMODE(after.st_mode) == 0o640
    assert _read(other) == _read(path) == SIMPLE.replace("activation: relu}", "activation: sigmoid}")
    assert sorted(os.listdir(tmp_path)) == ["copy-of-record.yaml", "experiment.yaml"]  # no temporary left


def test_a_record_with_one_name_is_replaced_atomically_keeping_owner_and_mode(tmp_path):
    path = write(tmp_path, "experiment.yaml", SIMPLE)
    os.chmod(path, 0o604)
    owner = (12345, 54321) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    os.chown(path, *owner)
    assert run_advisor("fix", "experiment.yaml", cwd=tmp_path, timeout=60).returncode in (0, 1)
    after = os.stat(path)
    assert (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) == (*owner, 0o604)
    assert "sigmoid" in _read(path)
