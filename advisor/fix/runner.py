"""Fix record files: lint, apply one remedy, lint again, until no remedy changes anything.

Applying one remedy at a time, on the record as re-read after the previous one, lets each remedy
see the others' results (a declared problem type lets the output layer be fixed), and stops at a
fixed point, so running `advisor fix` twice changes nothing the second time.
"""

from __future__ import annotations

import codecs
import os
import stat
from collections import Counter
from dataclasses import dataclass, field

from advisor.config import ResolvedConfig
from advisor.engine import Linter
from advisor.errors import AdvisorError, InputError, reading
from advisor.finding import Finding
from advisor.fix.backends import open_document
from advisor.fix.context import FixContext, NeedsTraining, NotFixable
from advisor.fix.document import is_record_file
from advisor.fix.remedies import edit_safety, remedy_of
from advisor.registry import load_remedies
from advisor.remedy import SAFE, TRAINING, UNSAFE, Remedy
from advisor.record import Experiment

#: Remedies applied to one file at most; a fixed point comes far sooner.
MAX_STEPS = 60


class FixWriteError(AdvisorError):
    """A fixed record could not be written; the file is left as it was."""


@dataclass
class Applied:
    """One remedy applied to a record: the rules it answered and the fields it changed."""

    remedy: str
    codes: list[str]
    changes: list[str]


@dataclass
class FileFix:
    """What fixing one record file did.

    Args:
        path: The record file.
        original: Its text before.
        fixed: Its text after every applicable remedy (equal to `original` when nothing applied).
        before: The findings before.
        after: The findings the fixed record still has.
        applied: The remedies applied, in order.
        unfixable: Remedy id -> why its edit could not be made.
        training: Remedy id -> reason, for findings a run of the experiment must remedy.
        editable: False for inputs that are not record files (a run directory, an MLflow store).
    """

    path: str
    original: str
    fixed: str
    before: list[Finding]
    after: list[Finding]
    applied: list[Applied] = field(default_factory=list)
    unfixable: dict[str, str] = field(default_factory=dict)
    training: dict[str, str] = field(default_factory=dict)
    editable: bool = True

    @property
    def changed(self) -> bool:
        return self.fixed != self.original

    @property
    def fixed_count(self) -> int:
        """Findings gone after the fix, counted per rule."""
        left = Counter(f.code for f in self.after)
        return sum(max(0, count - left[code]) for code, count in Counter(f.code for f in self.before).items())


def read_record_text(path: str, text: str) -> Experiment:
    """Read a record from `text` as if it were the content of `path` (its referenced files are
    read relative to `path`).

    Raises:
        InputError: the text is no valid record.
    """
    from advisor.readers.record import read_record

    return read_record(path, text)


class Fixer:
    """Applies remedies to record files with one configuration.

    Args:
        config: The lint configuration (selected rules, options, per-file ignores).
        unsafe: Also apply the unsafe remedies.
    """

    def __init__(self, config: ResolvedConfig, unsafe: bool = False):
        self.linter = Linter(config)
        self.unsafe = unsafe
        self.rules = {setup.rule.code: setup.rule for setup in config.rules}
        self.rule_options = {setup.rule.code: setup.options for setup in config.rules}

    def allowed(self, finding: Finding) -> Remedy | None:
        """The remedy this run applies for `finding`, or None."""
        kind = edit_safety(finding.remedy, self.rules.get(finding.code, finding.code))
        return remedy_of(finding.remedy) if kind == SAFE or (kind == UNSAFE and self.unsafe) else None

    def unsafe_only(self, finding: Finding) -> bool:
        """Whether `finding` has an edit that only `--unsafe-fixes` applies."""
        kind = edit_safety(finding.remedy, self.rules.get(finding.code, finding.code))
        return kind == UNSAFE and not self.unsafe

    def fix_file(self, path: str) -> FileFix:
        """Fix one record file in memory (nothing is written).

        Raises:
            InputError: the file cannot be read as a record.
        """
        from advisor.readers.structured import read_text

        return self.fix_text(path, read_text(path))

    def fix_text(self, path: str, original: str) -> FileFix:
        """Fix the record text `original`, read as the content of `path` (which need not exist yet).

        Raises:
            InputError: the text is no valid record.
        """
        experiment = read_record_text(path, original)
        before = self.linter.lint(experiment)
        result = FileFix(path, original, original, before, before)
        seen = {original}
        for _ in range(MAX_STEPS):
            step = self._step(result, experiment)
            if step is None:
                break
            text, experiment, applied = step
            result.applied.extend(applied)
            result.fixed = text
            result.after = self.linter.lint(experiment)
            if text in seen:
                break  # two remedies undo each other: stop rather than loop
            seen.add(text)
        for finding in result.after:
            remedy = remedy_of(finding.remedy)
            if remedy is not None and remedy.safety == TRAINING:
                result.training.setdefault(remedy.id, f"run `advisor train {path} --fix --stage {remedy.stage}`")
        return result

    def _step(self, result: FileFix, experiment: Experiment) -> tuple[str, Experiment, list[Applied]] | None:
        """Apply the first remedy, in the table's order, that changes the record, with the remedies
        of its batch that follow it; then read the record again, once."""
        groups: dict[str, list[Finding]] = {}
        for finding in result.after:
            remedy = self.allowed(finding)
            if remedy is not None:
                groups.setdefault(remedy.id, []).append(finding)
        text, batch = result.fixed, None
        applied: list[Applied] = []
        for remedy in load_remedies().values():  # in application order
            if remedy.id not in groups:
                continue
            if applied and (batch is None or remedy.batch != batch):
                break
            outcome = self._apply(remedy, groups[remedy.id], result, experiment, text)
            if outcome is not None:
                text = outcome[0]
                applied.append(outcome[1])
                batch = remedy.batch
        if not applied:
            return None
        try:
            return text, read_record_text(result.path, text), applied
        except InputError as exc:
            for step in applied:
                result.unfixable[step.remedy] = f"the edit would leave an invalid record ({exc.message}); please report it"
            return None

    def _apply(self, remedy: Remedy, findings: list[Finding], result: FileFix, experiment: Experiment,
               text: str) -> tuple[str, Applied] | None:
        """One remedy's edit of `text`, checked to leave a valid record; None when it changes nothing
        or cannot be made (the reason goes to `result`)."""
        codes = sorted({f.code for f in findings})
        try:
            document = open_document(result.path, text)
            context = FixContext(document, experiment, findings, self.rule_options)
            remedy.edit_function()(context)
            edited = document.render()
            if edited == text:
                return None
            _validate(result.path, edited)
        except NotFixable as exc:
            result.unfixable[remedy.id] = str(exc)
            return None
        except NeedsTraining as exc:
            result.training[remedy.id] = f"{exc}: run `advisor train {result.path} --fix --stage {exc.stage}`"
            return None
        except InputError as exc:
            result.unfixable[remedy.id] = f"the edit would leave an invalid record ({exc.message}); please report it"
            return None
        except Exception as exc:  # a remedy's bug must not lose the user's file or end in a traceback
            result.unfixable[remedy.id] = f"internal error {type(exc).__name__}: {exc}; please report it"
            return None
        result.unfixable.pop(remedy.id, None)
        return edited, Applied(remedy.id, codes, context.changes)


def _validate(path: str, text: str) -> None:
    """Check that `text` is a valid record on its own (without reading the files it names).

    Raises:
        InputError: it is not.
    """
    from advisor.readers.record import validate_record
    from advisor.readers.structured import FORMATS, parse

    data, sources = parse(path, text, FORMATS[os.path.splitext(path)[1].lower()])
    validate_record(path, data, sources)


def lint_only(linter: Linter, path: str) -> FileFix:
    """An input that is not a record file: linted, never edited."""
    from advisor.readers import read_input

    findings = [finding for subject, experiment in read_input(path) for finding in linter.lint(experiment, subject)]
    return FileFix(path, "", "", findings, findings, editable=False)


def fix_paths(paths: list[str], config: ResolvedConfig, unsafe: bool = False,
              fixer: Fixer | None = None) -> list[FileFix]:
    """Fix every record below `paths` in memory (with `fixer`, default a `Fixer` of `config`).

    Raises:
        InputError: a path or record cannot be read (nothing is fixed then).
    """
    from advisor.readers import discover

    fixer = fixer or Fixer(config, unsafe)
    results = []
    for path in dict.fromkeys(discover(paths)):
        with reading(path):  # a reader's crash is one message and exit 2, as in `advisor lint`
            if is_record_file(path):
                results.append(fixer.fix_file(path))
            else:
                results.append(lint_only(fixer.linter, path))
    return results


def write_fixed(fix: FileFix) -> None:
    """Write a fixed record over its file, atomically, keeping a byte-order mark.

    Raises:
        FixWriteError: the file is read-only, changed since it was read, or cannot be replaced.
    """
    from advisor.atomic import write_text_atomic

    try:
        mode = os.stat(fix.path).st_mode
        if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            raise FixWriteError(f"{fix.path}: the file is read-only; nothing was written "
                                "(make it writable, or preview the edits with --diff)")
        with open(fix.path, "rb") as handle:
            raw = handle.read()
        bom = raw.startswith(codecs.BOM_UTF8)
        if raw.decode("utf-8-sig") != fix.original:
            raise FixWriteError(f"{fix.path}: the file changed while it was being fixed; nothing was written")
        write_text_atomic(fix.path, ("\ufeff" if bom else "") + fix.fixed)
    except OSError as exc:
        raise FixWriteError(f"{fix.path}: cannot write the fixed record: {exc.strerror or exc}; "
                            "the file is unchanged") from None
    except UnicodeDecodeError:
        raise FixWriteError(f"{fix.path}: the file changed while it was being fixed; nothing was written") from None
