"""Lint orchestration shared by the CLI commands: settings, inputs, rules, findings."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from advisor.config import ResolvedConfig, Settings, find_config_file, load_settings, resolve
from advisor.engine import Linter
from advisor.errors import InputError
from advisor.finding import Finding
from advisor.fix.document import is_record_file
from advisor.fix.remedies import edit_remedy_ids, edit_safety
from advisor.record_files import named_files
from advisor.registry import load_registry

if TYPE_CHECKING:
    from advisor.cache import LintCache
from advisor.severity import Severity


@dataclass
class LintResult:
    """What a lint run produced.

    Args:
        findings: Every finding, input by input.
        files: The inputs that were read and linted.
        config: The configuration the run used (None when every input came from the cache).
        errors: One `InputError` per input that could not be read (the run exits 2).
        files_read: The absolute path of every input found and of every file the inputs named
            (data, model, history): what a report must never be written over.
    """

    findings: list[Finding]
    files: list[str]
    config: ResolvedConfig | None
    errors: list[InputError] = field(default_factory=list)
    files_read: set[str] = field(default_factory=set)


def build_config(config_file: str | None = None, select: list[str] | None = None, ignore: list[str] | None = None,
                 extend_select: list[str] | None = None, fail_on: str | None = None,
                 warn_unused_ignores: bool | None = None, start: str = ".") -> ResolvedConfig:
    """Settings from the config file (given or discovered), with command-line overrides on top.

    Args:
        config_file: The file given with `--config`; None to search upward from `start`.
        select, ignore, extend_select: Rule selectors from the command line.
        fail_on: `--fail-on` (error, warning or info).
        warn_unused_ignores: `--warn-unused-ignores`; None keeps the configured value.
        start: Where the search for advisor.toml or pyproject.toml begins.

    Returns:
        The rules to run with their options and severities.

    Raises:
        InputError: the configuration file is unreadable or holds unknown keys, rules or options.
        ConfigError: a command-line selector names no rule.
    """
    registry = load_registry()
    for option, selectors in (("--select", select), ("--ignore", ignore), ("--extend-select", extend_select)):
        for selector in selectors or ():
            registry.resolve(selector, option)  # names the option, not the config file, when wrong
    settings: Settings = load_settings(config_file if config_file else find_config_file(start))
    if select:
        settings.select = list(select)
    if ignore:
        settings.ignore = settings.ignore + list(ignore)
    if extend_select:
        settings.extend_select = settings.extend_select + list(extend_select)
    if fail_on:
        settings.fail_on = Severity.parse(fail_on)
    if warn_unused_ignores is not None:
        settings.warn_unused_ignores = warn_unused_ignores
    return resolve(settings, registry)


def settings_fingerprint(config_file: str | None, selection: tuple, warn_unused_ignores: bool | None) -> str:
    """A digest of everything configurable that changes findings: the configuration file (its
    path and bytes) and the command-line selection. The fail level is left out: it changes the exit
    code, not the findings."""
    import hashlib

    path = config_file if config_file else find_config_file(".")
    digest = hashlib.sha256(repr((os.path.abspath(path) if path else None, selection, warn_unused_ignores, os.getcwd())).encode())
    if path and not os.path.isfile(path):  # a FIFO would block: load_settings names the problem
        digest.update(b"not a regular file")
    elif path:
        try:
            with open(path, "rb") as handle:
                digest.update(handle.read())
        except OSError:
            digest.update(b"unreadable")
    return digest.hexdigest()


def lint_paths(paths: list[str], config: ResolvedConfig | Callable[[], ResolvedConfig], keep_going: bool = False,
               cache: LintCache | None = None) -> LintResult:
    """Read every input below `paths` and lint it.

    Args:
        paths: Files and directories, as the user gave them.
        config: The resolved configuration, or a function that resolves it; a function is called
            only when some input is not in the cache, so a fully cached run never loads the rules.
        keep_going: Record an input that cannot be read in `errors` and lint the others, instead
            of raising.
        cache: The results cache, or None to lint everything afresh.

    Returns:
        The findings, the inputs linted and the inputs that could not be read.

    Raises:
        InputError: an input cannot be read (only without `keep_going`).
    """
    from advisor.readers import discover

    run = _Run(config)
    result = LintResult([], [], config if isinstance(config, ResolvedConfig) else None)
    inputs: list[str] = []
    for path in paths:
        try:
            inputs.extend(discover([path]))
        except InputError as exc:
            if not keep_going:
                raise
            result.errors.append(exc)
    outcomes: dict[str, _Outcome] = {}
    pending: list[tuple[str, str]] = []  # (path, cache key) of the inputs to read and lint
    result.files_read.update(os.path.abspath(path) for path in inputs)
    for path in dict.fromkeys(inputs):
        key, cached, deps = cache.get(path) if cache is not None and os.path.isfile(path) else ("", None, [])
        if cached is not None:
            outcomes[path] = _Outcome([Finding.from_dict(item) for item in cached], deps)
        else:
            pending.append((path, key))
    if pending:
        linter = run.linter
        for (path, key), outcome in zip(pending, _lint_inputs(linter, [p for p, _ in pending])):
            outcomes[path] = outcome
            if cache is not None and key and outcome.error is None:
                cache.put(key, [f.to_dict(full=True) for f in outcome.findings], outcome.files_read)
    read_by_others = _read_by_another_input(outcomes, explicit={os.path.abspath(p) for p in paths})
    for path, outcome in outcomes.items():
        result.files_read.update(outcome.files_read)
        if os.path.abspath(path) in read_by_others:
            continue  # a record naming this script as its source already reports it (the record wins)
        if outcome.error is not None:
            if not keep_going:
                raise outcome.error
            result.errors.append(outcome.error)
            continue
        result.files.append(path)
        result.findings.extend(outcome.findings)
    result.config = run.config if run.resolved else result.config
    return result


def _read_by_another_input(outcomes: dict[str, _Outcome], explicit: set[str]) -> set[str]:
    """Inputs found by walking a folder whose content another input already read: a training
    script a record names as its `source`. Linting both would report each finding twice. A path
    the user named is always reported on its own."""
    read: set[str] = set()
    for outcome in outcomes.values():
        read.update(outcome.files_read)
    return {path for path in map(os.path.abspath, outcomes) if path in read and path not in explicit}


@dataclass
class _Outcome:
    """One input's findings, the other files it read, or why it could not be read."""

    findings: list[Finding] = field(default_factory=list)
    files_read: list[str] = field(default_factory=list)
    error: InputError | None = None


#: Below this many inputs, worker processes cost more than they save.
PARALLEL_MIN_INPUTS = 200
_worker_linter: Linter | None = None


def _lint_one(linter: Linter, path: str) -> _Outcome:
    try:
        experiments = _read(path)
    except InputError as exc:
        return _Outcome(error=exc)
    findings = [f for subject, experiment in experiments for f in linter.lint(experiment, subject)]
    mark_fixes(linter, path, findings)
    return _Outcome(findings, _files_read(path, experiments))


def mark_fixes(linter: Linter, path: str, findings: list[Finding]) -> None:
    """Set each finding's `fix` to what `advisor fix` can do for it; it edits record files only."""
    edits = edit_remedy_ids()
    candidates = [finding for finding in findings if finding.remedy in edits]
    if not candidates or not is_record_file(path):
        return
    rules = {setup.rule.code: setup.rule for setup in linter.config.rules}  # a rule may declare its fix_safety
    for finding in candidates:
        finding.fix = edit_safety(finding.remedy, rules.get(finding.code, finding.code))


def _lint_chunk(paths: list[str]) -> list[_Outcome]:
    assert _worker_linter is not None
    return [_lint_one(_worker_linter, path) for path in paths]


def _lint_inputs(linter: Linter, paths: list[str]) -> list[_Outcome]:
    """Lint `paths` in order; large batches are spread over the machine's cores, like flake8 -j."""
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2 or len(paths) < PARALLEL_MIN_INPUTS or os.environ.get("ADVISOR_JOBS") == "1" or "jax" in sys.modules:
        return [_lint_one(linter, path) for path in paths]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _worker_linter
    _worker_linter = linter  # forked workers inherit the loaded rules and configuration
    chunk = max(1, min(500, len(paths) // (workers * 4)))
    chunks = [paths[i:i + chunk] for i in range(0, len(paths), chunk)]
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return [outcome for outcomes in pool.map(_lint_chunk, chunks) for outcome in outcomes]
    finally:
        _worker_linter = None


class _Run:
    """Resolves the configuration and builds the linter on first need."""

    def __init__(self, config: ResolvedConfig | Callable[[], ResolvedConfig]):
        self._config = config
        self._linter: Linter | None = None

    @property
    def resolved(self) -> bool:
        return isinstance(self._config, ResolvedConfig)

    @property
    def config(self) -> ResolvedConfig:
        if not isinstance(self._config, ResolvedConfig):
            self._config = self._config()
        return self._config

    @property
    def linter(self) -> Linter:
        if self._linter is None:
            self._linter = Linter(self.config)
        return self._linter


def _files_read(path: str, experiments: list) -> list[str]:
    """Every file besides `path` whose content went into the experiments (for cache validity)."""
    found: set[str] = set()
    for _, experiment in experiments:
        found.update(_file_of(located) for located in experiment.sources.paths())
        base = os.path.dirname(os.path.abspath(path))
        for named in named_files(experiment):
            found.add(os.path.join(base, named))
    own = os.path.abspath(path)
    return sorted(p for p in {os.path.abspath(f) for f in found if f} if p != own)


def _file_of(located: str) -> str:
    """The file a location names: a notebook cell (`nb.ipynb:cell 4`) lies in its notebook."""
    notebook, marker, _ = located.partition(".ipynb:cell ")
    return notebook + ".ipynb" if marker else located


def _read(path: str):
    """Read one input; an unexpected failure of a reader becomes an InputError naming the file.

    Raises:
        InputError: the input cannot be read.
    """
    from advisor.errors import reading
    from advisor.readers import read_input

    with reading(path):
        return read_input(path)
