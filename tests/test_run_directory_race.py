"""A run directory is renamed into place only if its name is still free when the run ends: a folder
someone made meanwhile, even an empty one, is never replaced (a rename would replace an empty
directory silently). Both writers, the Keras callback's and the trainer's, share one function."""

from __future__ import annotations

import os

import pytest

from advisor.atomic import rename_directory_into_place
from advisor.integrations.session import write_run_directory
from reference_trainer.errors import TrainerError
from reference_trainer.rundir import RunDirectory


def _made_meanwhile(target: str):
    """A file writer that, while the run is being written, makes the target as an empty folder."""
    def write(path: str) -> None:
        os.makedirs(target)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("epoch,loss\n0,1.0\n")
    return write


def test_callback_writer_keeps_an_empty_folder_made_while_it_wrote(tmp_path):
    target = str(tmp_path / "runs" / "run-1")
    with pytest.raises(FileExistsError):
        write_run_directory(target, {"history.csv": _made_meanwhile(target)})
    assert os.listdir(target) == []  # the user's folder, still empty: not replaced by the run
    assert os.listdir(tmp_path / "runs") == ["run-1"]  # and the unfinished copy is gone


def test_trainer_writer_keeps_an_empty_folder_made_while_it_wrote(tmp_path):
    target = str(tmp_path / "run-1")
    run = RunDirectory(target)
    run.write_history({"loss": [1.0, 0.5]})
    os.makedirs(target)
    with pytest.raises(TrainerError, match="already exists"):
        run.commit()
    assert os.listdir(target) == []
    run.discard()
    assert os.listdir(tmp_path) == ["run-1"]


def test_a_free_name_gets_the_whole_folder(tmp_path):
    work = tmp_path / ".run.partial"
    work.mkdir()
    (work / "experiment.yaml").write_text("version: 1\n")
    rename_directory_into_place(str(work), str(tmp_path / "run"))
    assert os.listdir(tmp_path) == ["run"]
    assert (tmp_path / "run" / "experiment.yaml").read_text() == "version: 1\n"


def test_a_folder_filled_meanwhile_is_not_replaced(tmp_path):
    """mkdir claims the name; if that fails because a non-empty folder is there, nothing moves."""
    work = tmp_path / ".run.partial"
    work.mkdir()
    (work / "experiment.yaml").write_text("version: 1\n")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        rename_directory_into_place(str(work), str(tmp_path / "run"))
    assert os.listdir(tmp_path / "run") == ["notes.txt"]
    assert (work / "experiment.yaml").exists()


def test_an_empty_folder_at_the_target_is_not_replaced(tmp_path):
    """What a bare `os.rename` would do: replace the empty folder. The claim refuses instead."""
    work = tmp_path / ".run.partial"
    work.mkdir()
    (work / "experiment.yaml").write_text("version: 1\n")
    (tmp_path / "run").mkdir()
    with pytest.raises(FileExistsError):
        rename_directory_into_place(str(work), str(tmp_path / "run"))
    assert os.listdir(tmp_path / "run") == []


def test_the_published_folder_has_plain_permissions(tmp_path):
    """Temporary folders and files are private (0700, 0600); the run directory gets what `mkdir`
    and creating a file would give under the user's umask, from either writer."""
    umask = os.umask(0o022)
    try:
        callback_run = write_run_directory(str(tmp_path / "callback"), {"experiment.yaml": "version: 1\n"})
        trainer_run = RunDirectory(str(tmp_path / "trainer"))
        trainer_run.write_history({"loss": [1.0, 0.5]})
        trainer_run.commit()
    finally:
        os.umask(umask)
    for folder, name in ((callback_run, "experiment.yaml"), (trainer_run.path, "history.csv")):
        assert os.stat(folder).st_mode & 0o777 == 0o755
        assert os.stat(os.path.join(folder, name)).st_mode & 0o777 == 0o644


def test_a_failed_rename_gives_the_name_back(tmp_path):
    """A rename that fails for another reason than a taken name (here: a folder moved into
    itself, EINVAL) leaves no empty claimed folder behind and says why."""
    work = tmp_path / ".run.partial"
    work.mkdir()
    (work / "experiment.yaml").write_text("version: 1\n")
    with pytest.raises(OSError) as caught:
        rename_directory_into_place(str(work), str(work / "run"))
    assert not isinstance(caught.value, FileExistsError)
    assert sorted(os.listdir(work)) == ["experiment.yaml"]
