"""Entry points of the advisor's plugin groups, without scanning every installed distribution.

`importlib.metadata.entry_points()` reads the metadata of every distribution on `sys.path` (hundreds
in an environment that also holds MLflow or Keras), which costs more than linting a record. The
entry points of the groups the advisor uses are therefore kept in a small index file in the
results cache's folder (once `advisor lint` has made it), valid while no `sys.path` folder changes: installing, upgrading or removing a
distribution adds or removes a folder in its site-packages, which changes that folder's
modification time. A missing, stale or damaged index is rebuilt with one scan.

Loading an entry point is unchanged: the index holds `importlib.metadata.EntryPoint` values, whose
`load()` imports the named object exactly as a scan would.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points

from advisor import __version__
from advisor.atomic import write_text_atomic
from advisor.cache import cache_dir

#: The groups the advisor reads; one scan fills them all.
GROUPS = ("advisor.rules", "advisor.remedies", "advisor.commands")
#: Not a `.json` name, so that it is never taken for a results entry.
INDEX_NAME = "entry-points.index"


def group_entry_points(group: str) -> list[EntryPoint]:
    """The entry points registered in one of the advisor's groups.

    Args:
        group: One of `GROUPS`.

    Returns:
        The group's entry points, in the order a scan yields them.
    """
    return [EntryPoint(name, value, group) for name, value in _index()[group]]


def source_locations(group: str) -> list[str]:
    """The files and folders holding the code of a group's plugins, found without importing them.

    A plugin named `pack.rules:RULES` is located by its top-level module `pack`: its folder when
    it is a package (so the modules beside `pack.rules` count too), else its one file.

    Args:
        group: One of `GROUPS`.

    Returns:
        Paths, sorted; a plugin that cannot be located contributes none (loading it will fail
        with its own message).
    """
    locations: set[str] = set()
    for entry_point in group_entry_points(group):
        top_level = entry_point.module.partition(".")[0]
        try:
            spec = importlib.util.find_spec(top_level)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        if spec.submodule_search_locations:
            locations.update(spec.submodule_search_locations)
        elif spec.origin and os.path.isfile(spec.origin):
            locations.add(spec.origin)
    return sorted(locations)


@lru_cache(maxsize=1)
def _index() -> dict[str, list[list[str]]]:
    key = _environment_key()
    path = os.path.join(cache_dir(), INDEX_NAME)
    stored = _read_index(path)
    if stored is not None and stored.get("key") == key:
        return stored["groups"]
    groups = {group: [[ep.name, ep.value] for ep in entry_points(group=group)] for group in GROUPS}
    _write_index(path, {"key": key, "groups": groups})
    return groups


def _environment_key() -> list:
    """What the installed distributions' entry points depend on: the interpreter, the advisor's
    version and each `sys.path` folder with its modification time."""
    folders = []
    for entry in sys.path:
        try:
            folders.append([entry, os.stat(entry or ".").st_mtime_ns])
        except OSError:
            continue
    return [__version__, sys.version, sys.prefix, folders]


def _read_index(path: str) -> dict | None:
    try:
        with open(path, encoding="utf-8") as handle:
            stored = json.load(handle)
    except (OSError, ValueError):
        return None
    groups = stored.get("groups") if isinstance(stored, dict) else None
    if not isinstance(groups, dict) or set(groups) != set(GROUPS):
        return None
    for pairs in groups.values():
        if not (isinstance(pairs, list)
                and all(isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p) for p in pairs)):
            return None
    return stored


def _write_index(path: str, content: dict) -> None:
    """Best effort, and only into a cache folder `advisor lint` already made: a command that writes
    nothing else (`fix` on a read-only record, `rules`) leaves no folder behind. A read-only
    folder only costs the next run another scan."""
    if not os.path.isdir(os.path.dirname(path)):
        return
    try:
        write_text_atomic(path, json.dumps(content))
    except OSError:
        pass
