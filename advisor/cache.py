"""Results cache for `advisor lint`, like ruff's `.ruff_cache`.

A record file whose bytes are unchanged, whose referenced files (model, history, data) have the
same size and modification time, linted with the same settings by the same advisor and rule packs,
gets its findings from the cache: nothing is parsed, validated or imported for it. The cache lives
in `.advisor_cache/` in the working directory (or `ADVISOR_CACHE_DIR`), holds its own `.gitignore`,
and is skipped with `--no-cache`. Entries are written atomically; a damaged entry is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from typing import Any, Iterable

from advisor import __version__

CACHE_DIR_NAME = ".advisor_cache"
#: Bump when the entry layout changes.
LAYOUT = 2
#: Inputs up to this size are keyed by their bytes; larger ones by size and modification time.
CONTENT_KEY_LIMIT = 1024 * 1024


def cache_dir() -> str:
    return os.environ.get("ADVISOR_CACHE_DIR") or os.path.join(os.getcwd(), CACHE_DIR_NAME)


def environment_fingerprint(code_locations: Iterable[str] = ()) -> str:
    """What decides which rules run and how: advisor's version, the installed distributions (a
    package install or removal changes its site-packages folder's modification time) and the
    source files of the engine and of `code_locations` (the rule packs' files and folders), so
    that editing a rule in place, in a development install or in site-packages, is seen."""
    digest = hashlib.sha256(f"{LAYOUT}|{__version__}|{sys.version}".encode())
    for entry in sys.path:
        try:
            digest.update(f"{entry}:{os.stat(entry or '.').st_mtime_ns}|".encode())
        except OSError:
            continue
    for location in (os.path.dirname(os.path.abspath(__file__)), *code_locations):
        digest.update(f"{location}|".encode())
        for path in _python_files(location):
            try:
                stat = os.stat(path)
            except OSError:
                continue
            digest.update(f"{os.path.relpath(path, location)}:{stat.st_size}:{stat.st_mtime_ns}|".encode())
    return digest.hexdigest()


def _python_files(location: str) -> list[str]:
    """`location` itself when it is a file, else the `.py` files under it, in a stable order."""
    if not os.path.isdir(location):
        return [location]
    found: list[str] = []
    for root, dirs, files in os.walk(location):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found.extend(os.path.join(root, name) for name in sorted(files) if name.endswith(".py"))
    return found


def file_state(path: str) -> list[Any] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return [os.path.abspath(path), stat.st_size, stat.st_mtime_ns]


class LintCache:
    """Findings per record file, keyed by content and settings.

    Args:
        settings_fingerprint: A digest of everything configurable (config file bytes and the
            command-line selection) that changes findings.
        code_locations: The files and folders of the rule packs' code (see
            `environment_fingerprint`).
        directory: The cache folder [default: `cache_dir()`].
    """

    def __init__(self, settings_fingerprint: str, code_locations: Iterable[str] = (), directory: str | None = None):
        self.directory = directory or cache_dir()
        self.prefix = f"{environment_fingerprint(code_locations)}|{settings_fingerprint}|".encode()
        self.hits = 0
        self.misses = 0

    def _key(self, path: str, content: bytes) -> str:
        digest = hashlib.sha256(self.prefix)
        digest.update(os.fsencode(os.path.abspath(path)) + b"\0" + content)
        return digest.hexdigest()

    def _entry_path(self, key: str) -> str:
        return os.path.join(self.directory, key[:2], key + ".json")

    def get(self, path: str) -> tuple[str, list[dict[str, Any]] | None, list[str]]:
        """(key, cached findings, the other files the input read) — findings None on a miss."""
        try:
            stat = os.stat(path)
            if stat.st_size > CONTENT_KEY_LIMIT:
                # Large artifacts (a .keras archive with weights, an MLflow database) are keyed by
                # size and modification time: hashing them would cost more than reading them.
                content = f"size={stat.st_size};mtime={stat.st_mtime_ns}".encode()
            else:
                with open(path, "rb") as handle:
                    content = handle.read(CONTENT_KEY_LIMIT + 1)
        except OSError:
            return "", None, []
        key = self._key(path, content)
        try:
            with open(self._entry_path(key), encoding="utf-8") as handle:
                entry = json.load(handle)
            if all(file_state(dep[0]) == dep for dep in entry["deps"]):
                self.hits += 1
                return key, entry["findings"], [dep[0] for dep in entry["deps"]]
        except (OSError, ValueError, KeyError, TypeError):
            pass
        self.misses += 1
        return key, None, []

    def put(self, key: str, findings: list[dict[str, Any]], deps: list[str]) -> None:
        """Store findings for the record behind `key`; `deps` are the files it read besides itself."""
        if not key:
            return
        states = [state for state in (file_state(dep) for dep in deps) if state is not None]
        if len(states) != len(deps):
            return  # a dependency vanished meanwhile: do not cache
        entry_path = self._entry_path(key)
        try:
            self._ensure_directory()
            os.makedirs(os.path.dirname(entry_path), exist_ok=True)
            temporary = f"{entry_path}.{os.getpid()}.tmp"
            with open(temporary, "w", encoding="utf-8") as handle:
                json.dump({"deps": states, "findings": findings}, handle)
            os.replace(temporary, entry_path)
        except OSError:
            pass  # a read-only folder only costs speed

    def _ensure_directory(self) -> None:
        ensure_cache_directory(self.directory)


def ensure_cache_directory(directory: str) -> None:
    """Create the cache folder with its `.gitignore` and `CACHEDIR.TAG` (so that git, backup and
    archive tools skip it). Raises OSError when it cannot be created."""
    if os.path.isdir(directory):
        return
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, ".gitignore"), "w", encoding="utf-8") as handle:
        handle.write("# Created by ml-advisor: the lint results cache.\n*\n")
    with open(os.path.join(directory, "CACHEDIR.TAG"), "w", encoding="utf-8") as handle:
        handle.write("Signature: 8a477f597d28d172789f06886806bc55\n# ml-advisor lint cache\n")
