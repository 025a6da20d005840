"""`advisor fix --write-record`: adopt a record for a training script or notebook.

`advisor fix` never edits Python code. With `--write-record` it writes, beside each script or
notebook it is given, the record the code shows (`experiment.yaml` by default), naming the script
in `source:` so the script keeps filling what the record leaves out and the record wins. The new
record is fixed in memory before it is written, with the remedies that add what the code does not
show (a success metric, a problem type; the unsafe ones only with `--unsafe-fixes`); a remedy that
would change a value the code shows is left undone with the line of code to change, since the
record would then contradict the script and hide a mistake still in it. `--diff` prints the whole
new file and writes nothing. A record is only ever created: an existing file is never replaced.

In a folder walk, a script that a record of the run already names in `source:` has been adopted:
that record is fixed instead, under the same rule, so a second run changes nothing. A script the
walk cannot give a record (its name is taken, it shows nothing readable) is linted as a script,
with a note; given by name, it is one message and exit code 2.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.config import ResolvedConfig
from advisor.engine import Linter
from advisor.errors import InputError, reading
from advisor.escape import escape_control
from advisor.fix.document import is_record_file
from advisor.fix.runner import Applied, FileFix, Fixer, FixWriteError, fix_paths, read_record_text, write_fixed
from advisor.lint import build_config
from advisor.locations import SourceMap, escape_token
from advisor.readers import discover
from advisor.readers.source import extract
from advisor.readers.source.record_writer import NothingToRecord, record_data, record_text
from advisor.readers.structured import FORMATS, parse, read_text

if TYPE_CHECKING:
    from advisor.finding import Finding
    from advisor.remedy import Remedy
    from advisor.record import Experiment
    from advisor.suppression import Suppression

DEFAULT_RECORD_NAME = "experiment.yaml"
SCRIPT_SUFFIXES = (".py", ".ipynb")


@dataclass
class NewRecord(FileFix):
    """A record written for a script: `original` is empty, as no file exists yet.

    Args:
        script: The script or notebook the record was read from.
    """
    script: str = ""


def record_path_for(script: str, record_name: str | None = None) -> str:
    """Where the record of `script` is written: `record_name` (default `experiment.yaml`),
    relative to the script's folder.

    Raises:
        InputError: the name is absolute, not YAML, or its folder does not exist.
    """
    name = record_name or DEFAULT_RECORD_NAME
    if os.path.isabs(name) or not name.lower().endswith((".yaml", ".yml")):
        raise InputError(name, "--record-name: expected a .yaml or .yml file name, relative to the script's folder")
    target = os.path.join(os.path.dirname(script), name)
    if not os.path.isdir(os.path.dirname(os.path.abspath(target))):
        raise InputError(target, "--record-name: the folder does not exist")
    return target


def adopt_paths(paths: list[str], config: ResolvedConfig, unsafe: bool = False,
                record_name: str | None = None) -> list[FileFix]:
    """Fix the records below `paths` and, for each script or notebook not yet adopted, the new
    record it shows (in memory; `write_fix` writes).

    Args:
        paths: What the user gave: records, scripts, notebooks, folders.
        config: The lint configuration.
        unsafe: Also apply the unsafe remedies (to existing and new records alike).
        record_name: The new records' file name, relative to each script's folder.

    Raises:
        InputError: an input cannot be read, a script trains nothing readable, or a record would
            replace a file (nothing is written then).
    """
    found = list(dict.fromkeys(discover(paths)))
    given = {os.path.abspath(path) for path in paths if os.path.isfile(path)}
    others = [path for path in found if not _is_script(path)]
    adopted = _scripts_named_by(others)
    by_target: dict[str, list[str]] = {}
    for script in (path for path in found if _is_script(path)):
        target = record_path_for(script, record_name)
        if os.path.abspath(script) in given or not {os.path.abspath(script)} & (adopted | _scripts_named_by([target])):
            by_target.setdefault(target, []).append(script)
        # else adopted in an earlier run: its record is fixed instead
    planned: dict[str, str] = {}  # record to write -> its script
    for target, scripts in by_target.items():
        if os.path.lexists(target):
            problem = _exists(target, scripts[0])
        elif len(scripts) > 1:
            problem = (f"would be the record of {' and '.join(scripts)}; adopt each with its own name: "
                       f"`advisor fix --record-name NAME {scripts[-1]}`")
        else:
            planned[target] = scripts[0]
            continue
        if any(os.path.abspath(script) in given for script in scripts):
            raise InputError(target, problem)
        # Found by a folder walk: lint it as a script, say why no record was written, go on.
        others.extend(scripts)
        print(f"advisor: note: {escape_control(target)}: {escape_control(problem)}; no record written for "
              f"{escape_control(' and '.join(scripts))}", file=sys.stderr)
    fixer = ScriptRecordFixer(config, unsafe)
    results = []
    for target, script in planned.items():
        try:
            with reading(script):  # a reader's crash is one message and exit 2, as in `advisor lint`
                results.append(new_record(fixer, script, target))
        except NothingToRecord:
            if os.path.abspath(script) in given:
                raise
            others.append(script)  # found by a folder walk: linting it says why, as `advisor lint` does
    return (fix_paths(others, config, unsafe, fixer) if others else []) + results


def new_record(fixer: Fixer, script: str, target: str) -> NewRecord:
    """The record of `script` to write at `target`, with the remedies `fixer` allows applied.

    Raises:
        InputError: the script cannot be read or trains nothing readable.
    """
    fixed = fixer.fix_text(target, adopted_text(script, target))
    return NewRecord(target, "", fixed.fixed, fixed.before, fixed.after, fixed.applied, fixed.unfixable,
                     fixed.training, script=script)


def adopted_text(script: str, target: str) -> str:
    """The text of the record `script` shows, to be written at `target`, with the script's line
    suppressions carried over.

    Raises:
        InputError: the script cannot be read or trains nothing readable.
    """
    _, locations, suppressions, _ = extract(script)
    return carry_suppressions(target, record_text(script, target), SourceMap(script, dict(locations)), suppressions)


class ScriptRecordFixer(Fixer):
    """Leaves undone, in a record that names a script, the edits that move a value away from what
    the script shows.

    Such an edit (a scaler's `fit_on`, the output activation, the learning rate) would make the
    record contradict the code the team runs and silence a finding whose mistake is still in that
    code; the line of code to change is said instead. Values the user already changed in the
    record are the user's plan and are edited as in any record; fields the code does not show
    (a success metric, a problem type) are added as in any record.
    """
    def fix_text(self, path: str, original: str) -> FileFix:
        self._shown, self._where = _script_values(path, original)
        return super().fix_text(path, original)

    def _apply(self, remedy: Remedy, findings: list[Finding], result: FileFix, experiment: Experiment,
               text: str) -> tuple[str, Applied] | None:
        outcome = super()._apply(remedy, findings, result, experiment, text)
        if outcome is None or self._where is None:
            return outcome
        moved = moved_from_script(self._shown, _values(result.path, text), _values(result.path, outcome[0]))
        if moved is None:
            return outcome
        at = self._where.locate(moved)
        result.unfixable[remedy.id] = (f"its edit would change {moved.strip('/').replace('/', '.')} away from what "
                                       f"{at.path}:{at.line or 1} shows: change the code, and this record with it")
        return None


_MISSING = object()


def moved_from_script(shown: Any, before: Any, edited: Any, pointer: str = "") -> str | None:
    """The first record pointer where `edited` holds a value other than the script's (`shown`)
    while `before` held the script's value or none; None when there is no such pointer. A field
    `edited` leaves out is no change: the script fills it."""

    if isinstance(shown, dict) and isinstance(edited, dict):
        for key, value in shown.items():
            if key in edited:
                inner = before.get(key, _MISSING) if isinstance(before, dict) else _MISSING
                found = moved_from_script(value, inner, edited[key], f"{pointer}/{escape_token(key)}")
                if found is not None:
                    return found
        return None
    if isinstance(shown, list) and isinstance(edited, list) and len(shown) == len(edited):
        for index, (value, after) in enumerate(zip(shown, edited)):
            inner = before[index] if isinstance(before, list) and index < len(before) else _MISSING
            found = moved_from_script(value, inner, after, f"{pointer}/{index}")
            if found is not None:
                return found
        return None
    if shown == edited or (before is not _MISSING and before != shown):
        return None
    return pointer or "/"


def _script_values(path: str, text: str) -> tuple[Any, SourceMap | None]:
    """What the script a record names shows, as record data with paths relative to the record, and
    where each value is in the script; (None, None) when the record names no readable script."""

    try:
        source = _values(path, text).get("source")
    except (InputError, AttributeError):
        return None, None
    script = os.path.join(os.path.dirname(path), source) if isinstance(source, str) else ""
    if not _is_script(script):
        return None, None
    try:
        shown = record_data(script, path)
        locations = extract(script)[1]
    except InputError:
        return None, None  # reading the record reports it
    return shown, SourceMap(script, dict(locations))


def _values(path: str, text: str) -> Any:

    return parse(path, text, FORMATS[os.path.splitext(path)[1].lower()])[0]


def carry_suppressions(target: str, text: str, where_in_script: SourceMap, suppressions: list[Suppression]) -> str:
    """Copy the script's `# advisor: ignore[...]` comments onto the record lines its findings move to.

    A finding about a field the record now holds is reported at the record's line, where the
    comment beside the code no longer reaches it; the same comment is written there. File-wide
    suppressions need no copy: a record reads those of the script it names.
    """
    by_line = [suppression for suppression in suppressions if not suppression.whole_file]
    if not by_line:
        return text
    selectors: dict[int, list[str]] = {}
    # Every rule, whatever this run selects: a later lint may select the ones this run leaves out.
    for finding in Linter(build_config(select=["ALL"])).lint(read_record_text(target, text)):
        if finding.path != target or not finding.line:
            continue  # still reported in the script, where its comment is
        at = where_in_script.locate(finding.pointer)
        for suppression in by_line:
            selector = suppression.matches(finding.code, finding.name) if suppression.covers(at.path, at.line) else None
            if selector is not None and selector not in selectors.setdefault(finding.line, []):
                selectors[finding.line].append(selector)
    lines = text.splitlines(keepends=True)
    for number, chosen in selectors.items():
        comment = "# advisor: ignore" + ("" if "*" in chosen else f"[{', '.join(chosen)}]")
        lines[number - 1] = f"{lines[number - 1].rstrip()}  {comment}\n"
    carried = "".join(lines)
    if parse(target, carried, "yaml")[0] != parse(target, text, "yaml")[0]:
        return text  # a comment changed a value: keep the record right rather than its comments
    return carried


def write_fix(fix: FileFix) -> None:
    """Write one fixed record: a new one is created, an existing one rewritten in place.

    Raises:
        FixWriteError: the file cannot be written (nothing was).
    """
    if isinstance(fix, NewRecord):
        create_record(fix)
    else:
        write_fixed(fix)


def create_record(fix: NewRecord) -> None:
    """Create the file of a new record, whole or not at all, and never over an existing file: the
    text goes to a temporary file in the same folder, which is then linked to the record's name
    (linking fails if the name exists).

    Raises:
        FixWriteError: the name exists by now, or the folder cannot be written.
    """
    folder = os.path.dirname(os.path.abspath(fix.path))
    try:
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".advisor-", suffix=".tmp")
    except OSError as exc:
        raise FixWriteError(f"{fix.path}: cannot write the record: {exc.strerror or exc}; nothing was written") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(fix.fixed.encode("utf-8", errors="surrogateescape"))
            handle.flush()
            os.fchmod(handle.fileno(), 0o666 & ~_umask())  # as an editor would create it, not mkstemp's 0600
            os.fsync(handle.fileno())
        os.link(temporary, fix.path)
    except FileExistsError:
        raise FixWriteError(f"{fix.path}: {_exists(fix.path, fix.script)}; nothing was written") from None
    except OSError as exc:
        raise FixWriteError(f"{fix.path}: cannot write the record: {exc.strerror or exc}; nothing was written") from None
    finally:
        try:
            os.unlink(temporary)
        except OSError:
            pass


def written(fixes: list[FileFix], would: bool) -> list[str]:
    """One line per new record: where it is and which script it was read from (to escape when shown)."""
    lines = []
    for fix in fixes:
        if isinstance(fix, NewRecord) and fix.changed:
            lines.append(f"{'Would write' if would else 'Wrote'} {fix.path}, the record "
                         f"{fix.script} shows: its fields win over the script's, and the script "
                         "fills what it leaves out.")
    return lines


def _is_script(path: str) -> bool:
    return os.path.isfile(path) and path.lower().endswith(SCRIPT_SUFFIXES)


def _scripts_named_by(records: list[str]) -> set[str]:
    """The absolute paths of the scripts the records among `records` name in `source:`."""

    named = set()
    for record in records:
        if not (os.path.isfile(record) and is_record_file(record)):
            continue
        try:
            data, _ = parse(record, read_text(record), FORMATS[os.path.splitext(record)[1].lower()])
        except InputError:
            continue  # fixing the record reports it
        if isinstance(data, dict) and isinstance(data.get("source"), str):
            named.add(os.path.abspath(os.path.join(os.path.dirname(record), data["source"])))
    return named


def _exists(target: str, script: str) -> str:
    if os.path.abspath(script) in _scripts_named_by([target]):
        return (f"exists and already names {script} in `source`: refusing to overwrite it; "
                f"fix that record with `advisor fix {target}`")
    return "exists; refusing to overwrite it (name another file with --record-name)"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
