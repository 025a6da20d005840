"""Configuration: `[tool.advisor]` in the nearest pyproject.toml, or an `advisor.toml`.

Keys (dashes or underscores): select, ignore, extend-select, extend-ignore, per-file-ignores,
fail-on, warn-unused-ignores, baseline (a findings baseline file, relative to the settings file),
allow-paths (what records may read outside the project root),
and `[tool.advisor.rules.<code or name>]` tables holding `severity`
and the rule's options. Unknown keys, rules and option names are errors.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from advisor.confine import confine, unconfine
from advisor.errors import ConfigError, InputError
from advisor.locations import SourceMap
from advisor.severity import Severity

if TYPE_CHECKING:  # the rule base needs pydantic; a cached lint run never loads it
    from advisor.registry import RuleRegistry
    from advisor.rule import Rule, RuleOptions

CONFIG_FILES = ("advisor.toml", "pyproject.toml")
KEYS = {
    "select", "ignore", "extend-select", "extend-ignore", "per-file-ignores", "fail-on",
    "warn-unused-ignores", "rules", "baseline", "allow-paths",
}


@dataclass
class Settings:
    """Raw settings as written in a file or given on the command line (selectors unresolved)."""

    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    fail_on: Severity = Severity.WARNING
    warn_unused_ignores: bool = False
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The findings baseline file (`advisor lint --baseline`), relative to `root`.
    baseline: str | None = None
    #: Paths outside the project root that records may name (relative to `root`).
    allow_paths: list[str] = field(default_factory=list)
    #: The file the settings came from (None: defaults) and its directory, for per-file-ignores.
    source: str | None = None
    root: str = "."
    positions: SourceMap | None = None


@dataclass
class RuleSetup:
    rule: type[Rule]
    options: RuleOptions
    severity: Severity


@dataclass
class ResolvedConfig:
    """Selected rules with their options and severities, ready for the engine."""

    rules: list[RuleSetup]
    per_file_ignores: list[tuple[str, set[str]]]
    fail_on: Severity
    warn_unused_ignores: bool
    root: str

    def ignored_for(self, path: str) -> set[str]:
        """Codes ignored for `path` by per-file-ignores (patterns relative to the config's folder)."""
        if not self.per_file_ignores:
            return set()
        try:
            relative = os.path.relpath(path, self.root)
        except ValueError:
            relative = path
        relative = relative.replace(os.sep, "/")
        codes: set[str] = set()
        for pattern, ignored in self.per_file_ignores:
            if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(os.path.basename(path), pattern):
                codes |= ignored
        return codes


def find_config_file(start: str | os.PathLike[str] = ".") -> str | None:
    """The nearest advisor.toml, or pyproject.toml with a `[tool.advisor]` table, from `start` up.

    In one folder advisor.toml wins over pyproject.toml.

    Args:
        start: The folder (or a file in the folder) where the search begins.

    Returns:
        The file's path (relative to the working directory when below it), or None.
    """
    directory = Path(start).resolve()
    if directory.is_file():
        directory = directory.parent
    for folder in (directory, *directory.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_advisor_table(candidate)):
                return _shown(str(candidate))
    return None


def _has_advisor_table(pyproject: Path) -> bool:
    """Whether a pyproject.toml configures the advisor (a broken file that mentions it does: its
    error is then reported)."""
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if "advisor" not in text:
        return False
    from advisor.toml_compat import tomllib

    try:
        tool = tomllib.loads(text).get("tool")
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):  # load_settings names the problem
        return True
    return isinstance(tool, dict) and "advisor" in tool


def _shown(path: str) -> str:
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def load_settings(path: str | None) -> Settings:
    """Read settings from `path` (advisor.toml or pyproject.toml); defaults when None.

    Raises:
        InputError: when the file cannot be read or parsed, or holds unknown keys or bad values.
    """
    if path is None:
        return Settings()
    from advisor.readers.structured import parse, read_text

    data, positions = parse(path, read_text(path, what="a TOML file of advisor settings", allow_empty=True), "toml")
    prefix = ""
    if os.path.basename(path) == "pyproject.toml":
        data = data.get("tool", {}).get("advisor", {})
        prefix = "/tool/advisor"
    settings = Settings(source=path, root=os.path.dirname(os.path.abspath(path)), positions=positions)

    def fail(key: str, message: str) -> InputError:
        location = positions.locate(f"{prefix}/{key}")
        return InputError(path, message, location.line, location.column)

    if not isinstance(data, dict):
        raise fail("", "expected a table of advisor settings")
    for key, value in data.items():
        norm = key.replace("_", "-")
        if norm not in KEYS:
            close = difflib.get_close_matches(norm, sorted(KEYS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; expected one of: {', '.join(sorted(KEYS))}"
            raise fail(key, f"unknown setting '{key}'{hint}")
        if norm in ("select", "ignore", "extend-select", "extend-ignore"):
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise fail(key, f"'{key}' expects a list of rule codes or names, received {value!r}")
            if norm == "select":
                settings.select = list(value)
            elif norm in ("ignore", "extend-ignore"):
                settings.ignore.extend(value)
            else:
                settings.extend_select.extend(value)
        elif norm == "per-file-ignores":
            if not isinstance(value, dict) or not all(
                isinstance(v, list) and all(isinstance(c, str) for c in v) for v in value.values()
            ):
                raise fail(key, "'per-file-ignores' expects a table of glob = [codes or names]")
            settings.per_file_ignores = {str(k): list(v) for k, v in value.items()}
        elif norm == "fail-on":
            try:
                settings.fail_on = Severity.parse(value)
            except ValueError as exc:
                raise fail(key, f"'fail-on' {exc}") from None
        elif norm == "warn-unused-ignores":
            if not isinstance(value, bool):
                raise fail(key, f"'warn-unused-ignores' expects true or false, received {value!r}")
            settings.warn_unused_ignores = value
        elif norm == "baseline":
            if not isinstance(value, str) or not value:
                raise fail(key, f"'baseline' expects the path of a baseline file, received {value!r}")
            settings.baseline = value
        elif norm == "allow-paths":
            if not (isinstance(value, list) and all(isinstance(v, str) and v for v in value)):
                raise fail(key, f"'allow-paths' expects a list of folders or files records may read outside "
                                f"the project root, received {value!r}")
            settings.allow_paths = list(value)
        elif norm == "rules":
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                raise fail(key, "'rules' expects tables: [tool.advisor.rules.<code or name>]")
            settings.rules = {str(k): dict(v) for k, v in value.items()}
    return settings


def resolve(settings: Settings, registry: RuleRegistry) -> ResolvedConfig:
    """Turn selectors into rules and validate per-rule options.

    Raises:
        InputError / ConfigError: unknown rules or options, bad severities.
    """
    origin = settings.source or "command line"

    def expand(selectors: list[str], what: str) -> set[str]:
        codes: set[str] = set()
        for selector in selectors:
            try:
                codes |= {r.code for r in registry.resolve(selector, f"{origin}: {what}")}
            except ConfigError as exc:
                location = settings.positions.locate(_settings_pointer(settings, what)) if settings.positions else None
                if location is not None and location.line is not None:
                    raise InputError(origin, str(exc).split(": ", 2)[-1], location.line, location.column) from None
                raise
        return codes

    selected = expand(settings.select, "select") if settings.select is not None else {r.code for r in registry.rules}
    selected |= expand(settings.extend_select, "extend-select")
    selected -= expand(settings.ignore, "ignore")
    per_file = [(pattern, expand(codes, "per-file-ignores")) for pattern, codes in settings.per_file_ignores.items()]

    overrides: dict[str, tuple[str, dict[str, Any]]] = {}
    for key, table in settings.rules.items():
        rule = registry.get(key)
        if rule is None:
            close = difflib.get_close_matches(key, [*registry.by_code, *registry.by_name], n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else "; `advisor rules` lists them"
            raise _config_error(settings, f"/tool/advisor/rules/{key}", f"unknown rule '{key}' in rules{hint}")
        overrides[rule.code] = (key, table)

    setups: list[RuleSetup] = []
    for rule in registry.rules:
        if rule.code not in selected:
            continue
        severity = rule.severity
        options = rule.default_options()
        if rule.code in overrides:
            key, table = overrides[rule.code]
            table = dict(table)
            if "severity" in table:
                try:
                    severity = Severity.parse(table.pop("severity"))
                except ValueError as exc:
                    raise _config_error(settings, f"/tool/advisor/rules/{key}/severity", f"rules.{key}.severity: {exc}") from None
            options = validate_options(rule, table, settings, key)
        setups.append(RuleSetup(rule, options, severity))
    return ResolvedConfig(setups, per_file, settings.fail_on, settings.warn_unused_ignores, settings.root)


def validate_options(rule: type[Rule], table: dict[str, Any], settings: Settings | None = None, key: str | None = None) -> RuleOptions:
    """Validate a rule's options table against its Options model."""
    from pydantic import ValidationError

    try:
        return rule.Options.model_validate({k.replace("-", "_"): v for k, v in table.items()})
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        name = str(error["loc"][0]) if error["loc"] else "?"
        known = sorted(rule.Options.model_fields) + ["severity"]
        if error["type"] == "extra_forbidden":
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; {rule.code} takes: {', '.join(known)}"
            message = f"unknown option '{name}' for {rule.code} ({rule.name}){hint}"
        else:
            message = f"{rule.code} option '{name}': {error['msg'].replace('Input should be', 'expected')}, received {error.get('input')!r}"
        if settings is None:
            raise ConfigError(message) from None
        raise _config_error(settings, f"/tool/advisor/rules/{key}/{name}", message) from None


def _config_error(settings: Settings, pointer: str, message: str) -> InputError:
    origin = settings.source or "configuration"
    if settings.positions is not None:
        if settings.source and os.path.basename(settings.source) == "advisor.toml":
            pointer = pointer.removeprefix("/tool/advisor")
        location = settings.positions.locate(pointer)
        return InputError(origin, message, location.line, location.column)
    return InputError(origin, message)


def _settings_pointer(settings: Settings, key: str) -> str:
    if settings.source and os.path.basename(settings.source) == "advisor.toml":
        return f"/{key}"
    return f"/tool/advisor/{key}"


def confine_command(config_file: str | None, allow_paths: Iterable[str], inputs: Iterable[str]) -> None:
    """Confine reads as the lint, next and fix commands do.

    Args:
        config_file: The file given with `--config`, or None to find it from the working directory.
        allow_paths: The `--allow-path` values (relative to the working directory).
        inputs: The paths given on the command line: the user named them, so they (and the folder of
            a file among them) are readable too.

    Inside a click command, the confinement ends when the command's context closes.

    Raises:
        InputError: the configuration file cannot be read.
    """
    path = config_file if config_file else find_config_file(".")
    settings = load_settings(path)
    root = os.path.dirname(os.path.abspath(path)) if path else os.getcwd()
    allowed = [os.path.join(root, allowed_path) for allowed_path in settings.allow_paths]
    allowed += list(allow_paths)
    for given in inputs:
        allowed.append(given)
        if not os.path.isdir(given):
            allowed.append(os.path.dirname(os.path.abspath(given)))
    confine(root, allowed)
    context = click.get_current_context(silent=True)
    if context is not None:  # the confinement ends with the command (tests run many in one process)
        context.call_on_close(unconfine)
