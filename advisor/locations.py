"""Where a value of the experiment record came from.

Readers record, for every value they produce, the file it was read from and its position there
(line, column and a JSON pointer inside that file). Rules only name the record field they judge, as
a JSON pointer into the record; the engine turns that into the place a user must edit.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """A position in a file. Lines and columns are 1-based; `pointer` addresses the value inside
    the file (it differs from the record pointer when the value came from, say, a `.keras` archive)."""

    path: str
    line: int | None = None
    column: int | None = None
    pointer: str = ""


def escape_token(token: object) -> str:
    """Escape one JSON pointer reference token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(*tokens: object) -> str:
    return "".join("/" + escape_token(t) for t in tokens)


def parent_pointer(pointer: str) -> str:
    return pointer[: pointer.rfind("/")] if pointer else ""


class SourceMap:
    """Record pointer -> Location, with look-ups that fall back to the closest enclosing value.

    A field that is absent (say a layer without `activation`, meaning linear) has no position of its
    own; the finding then points at the nearest enclosing value that has one, and finally at the top
    of the main file.
    """

    __slots__ = ("path", "_locations")

    def __init__(self, path: str, locations: dict[str, Location] | None = None):
        self.path = str(path)
        self._locations: dict[str, Location] = locations if locations is not None else {}

    def add(self, pointer: str, location: Location) -> None:
        self._locations[pointer] = location

    def update(self, other: "SourceMap", prefix: str = "") -> None:
        """Merge `other`'s locations, re-rooted under the record pointer `prefix`."""
        for pointer, location in other._locations.items():
            self._locations[prefix + pointer] = location

    def exact(self, pointer: str) -> Location | None:
        return self._locations.get(pointer)

    def locate(self, pointer: str) -> Location:
        """The location of `pointer`, or of its closest ancestor that has one."""
        probe = pointer
        while True:
            found = self._locations.get(probe)
            if found is not None:
                return found
            if not probe:
                return Location(self.path, None, None, pointer)
            probe = parent_pointer(probe)

    def paths(self) -> set[str]:
        """Every file a located value came from."""
        return {location.path for location in self._locations.values()} | {self.path}

    def __contains__(self, pointer: str) -> bool:
        return pointer in self._locations

    def __len__(self) -> int:
        return len(self._locations)
