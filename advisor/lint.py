"""Lint orchestration shared by the CLI commands: settings, inputs, rules, findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from advisor.config import ResolvedConfig, Settings, find_config_file, load_settings, resolve
from advisor.engine import Linter
from advisor.errors import InputError
from advisor.finding import Finding
from advisor.registry import load_registry
from advisor.rule import Severity


@dataclass
class LintResult:
    """What a lint run produced.

    Args:
        findings: Every finding, input by input.
        files: The inputs that were read and linted.
        config: The configuration the run used.
        errors: One `InputError` per input that could not be read (the run exits 2).
    """

    findings: list[Finding]
    files: list[str]
    config: ResolvedConfig
    errors: list[InputError] = field(default_factory=list)


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


def lint_paths(paths: list[str], config: ResolvedConfig, keep_going: bool = False) -> LintResult:
    """Read every input below `paths` and lint it.

    Args:
        paths: Files and directories, as the user gave them.
        config: The resolved configuration.
        keep_going: Record an input that cannot be read in `errors` and lint the others, instead
            of raising.

    Returns:
        The findings, the inputs linted and the inputs that could not be read.

    Raises:
        InputError: an input cannot be read (only without `keep_going`).
    """
    from advisor.readers import discover

    linter = Linter(config)
    result = LintResult([], [], config)
    inputs: list[str] = []
    for path in paths:
        try:
            inputs.extend(discover([path]))
        except InputError as exc:
            if not keep_going:
                raise
            result.errors.append(exc)
    for path in dict.fromkeys(inputs):
        try:
            experiments = _read(path)
        except InputError as exc:
            if not keep_going:
                raise
            result.errors.append(exc)
            continue
        result.files.append(path)
        for subject, experiment in experiments:
            result.findings.extend(linter.lint(experiment, subject))
    return result


def _read(path: str):
    """Read one input; an unexpected failure of a reader becomes an InputError naming the file.

    Raises:
        InputError: the input cannot be read.
    """
    from advisor.readers import read_input

    try:
        return read_input(path)
    except InputError:
        raise
    except RecursionError:
        raise InputError(path, "refused: nested too deeply to read") from None
    except MemoryError:
        raise InputError(path, "refused: too large to read into memory") from None
    except Exception as exc:  # a reader bug must not end in a traceback
        raise InputError(path, f"could not be read: {type(exc).__name__}: {exc} "
                               "(an internal error of the advisor; please report it)") from None
