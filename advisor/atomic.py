"""Atomic writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import errno
import os
import tempfile


def write_text_atomic(path: str, text: str, encoding: str = "utf-8") -> None:
    """Write `text` to `path` through a temporary file in the same folder and a rename.

    Keeps the permissions and the owner of an existing file. A symbolic link is written through:
    the file it points at gets the new text and the link stays. A file with other hard links, or
    whose owner cannot be given to a new file, is rewritten in place once the temporary file
    holds the whole new text (a rename would split it from its other names or change its owner).
    Raises OSError when the folder is not writable.
    """
    path = os.path.realpath(path)
    directory = os.path.dirname(path)
    info = None
    if os.path.exists(path):
        info = os.stat(path)
        if not os.access(path, os.W_OK):
            raise PermissionError(13, "Permission denied", path)
    # surrogateescape: file names that are not UTF-8 are written back as their own bytes.
    data = text.encode(encoding, errors="surrogateescape")
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".advisor-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if info is not None:
            os.chmod(temporary, info.st_mode & 0o7777)
            if info.st_nlink > 1 or not _same_owner(temporary, info):
                _verified(temporary, data)
                _rewrite_in_place(path, data)
                os.unlink(temporary)
                return
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _same_owner(temporary: str, info: os.stat_result) -> bool:
    """Give the temporary file the original's owner and group; False when that is not allowed."""
    created = os.stat(temporary)
    if (created.st_uid, created.st_gid) == (info.st_uid, info.st_gid):
        return True
    try:
        os.chown(temporary, info.st_uid, info.st_gid)
    except OSError:
        return False
    return True


def _verified(temporary: str, data: bytes) -> None:
    """Check that the temporary file holds exactly `data` before the original is touched."""
    with open(temporary, "rb") as handle:
        if handle.read() != data:
            raise OSError(errno.EIO, "the temporary copy does not read back as written", temporary)


def _rewrite_in_place(path: str, data: bytes) -> None:
    """Replace the content of the inode at `path` (its links, owner and mode stay)."""
    with open(path, "r+b") as handle:
        if hasattr(os, "posix_fallocate") and len(data) > 0:
            try:  # reserve the space first: a full disk fails here, before a byte changes
                os.posix_fallocate(handle.fileno(), 0, len(data))
            except OSError as exc:
                if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                    raise
        handle.write(data)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())


def rename_directory_into_place(work: str, target: str) -> None:
    """Publish a finished folder `work` at `target`, which must not exist, with the permissions a
    plain `mkdir` and file creation would give (temporary folders and files are private).

    A rename replaces an empty directory, so `target` is first claimed with `mkdir` (which fails if
    anything took the name meanwhile, an empty folder a user just made included) and only the empty
    folder made here is replaced.

    Args:
        work: The complete folder, on the same file system as `target`.
        target: Where it goes.

    Raises:
        FileExistsError: something took `target` while `work` was being written.
        OSError: the folder cannot be created or renamed.
    """
    _plain_permissions(work)
    os.mkdir(target)
    try:
        os.rename(work, target)
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
            # Something was put into the folder just claimed: it is not ours to replace.
            raise FileExistsError(errno.EEXIST, "was written to while the run was being saved", target) from None
        os.rmdir(target)  # still the empty folder claimed above: give the name back
        raise


def _plain_permissions(directory: str) -> None:
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(directory, 0o777 & ~umask)
    for name in os.listdir(directory):
        os.chmod(os.path.join(directory, name), 0o666 & ~umask)
