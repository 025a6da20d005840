"""Lint orchestration shared by the CLI commands: settings, inputs, rules, findings."""

from __future__ import annotations

from dataclasses import dataclass

from advisor.config import ResolvedConfig, Settings, find_config_file, load_settings, resolve
from advisor.engine import Linter
from advisor.finding import Finding
from advisor.registry import load_registry
from advisor.rule import Severity


@dataclass
class LintResult:
    findings: list[Finding]
    files: list[str]
    config: ResolvedConfig


def build_config(config_file: str | None = None, select: list[str] | None = None, ignore: list[str] | None = None,
                 extend_select: list[str] | None = None, fail_on: str | None = None,
                 warn_unused_ignores: bool | None = None, start: str = ".") -> ResolvedConfig:
    """Settings from the config file (given or discovered), with command-line overrides on top.

    Raises:
        InputError / ConfigError: on a bad configuration.
    """
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
    return resolve(settings, load_registry())


def lint_paths(paths: list[str], config: ResolvedConfig) -> LintResult:
    """Read every input below `paths` and lint it.

    Raises:
        InputError: an input cannot be read (the run stops: exit 2).
    """
    from advisor.readers import discover, read_input

    linter = Linter(config)
    inputs = discover(paths)
    findings: list[Finding] = []
    for path in inputs:
        for subject, experiment in read_input(path):
            findings.extend(linter.lint(experiment, subject))
    return LintResult(findings, inputs, config)
