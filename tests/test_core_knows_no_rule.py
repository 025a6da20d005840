"""The core (`advisor/`) holds no knowledge of the built-in pack's rules: no code in any string it
uses (a docstring may name one as an example), no import of the pack. Everything it does for a rule
(fix, advice, workflow evidence, when a callback judges it) comes from the rule's or its remedy's
declaration, so a third-party pack gets the same treatment and a rule's knowledge lives in one place.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import advisor
from advisor.registry import load_registry, load_remedies

CORE = Path(advisor.__file__).parent


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _strings(path: Path) -> list[tuple[int, str]]:
    """Every string constant of a module but its docstrings (f-string parts included), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def _catalog_pattern() -> re.Pattern[str]:
    codes = sorted(rule.code for rule in load_registry().rules if rule.__module__.startswith("rules."))
    assert len(codes) > 50  # the built-in pack is what is looked for
    return re.compile(r"\b(" + "|".join(codes) + r")\b")


def _core_strings_naming(pattern: re.Pattern[str], root: Path) -> list[str]:
    return [f"{path.relative_to(root.parent)}:{line}: {text[:60]!r}"
            for path in sorted(root.rglob("*.py")) for line, text in _strings(path) if pattern.search(text)]


def test_no_string_of_the_core_names_a_built_in_rule():
    assert _core_strings_naming(_catalog_pattern(), CORE) == []


def test_the_core_never_imports_the_pack():
    imports = []
    for path in sorted(CORE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            imports += [f"{path.relative_to(CORE.parent)}: {name}" for name in names
                        if name == "rules" or name.startswith(("rules.", "reference_trainer"))]
    assert imports == []


def test_the_scan_finds_a_code_where_the_core_would_hide_one(tmp_path):
    """The scanner itself: a code in an ordinary string is found; in a docstring it is not."""
    package = tmp_path / "advisor"
    package.mkdir()
    (package / "leaky.py").write_text('"""Names MC01 as an example."""\nSPECIAL = {"MC01": "advice"}\n', encoding="utf-8")
    (package / "clean.py").write_text('"""MC01 in a docstring only."""\n', encoding="utf-8")
    assert _core_strings_naming(_catalog_pattern(), package) == ["advisor/leaky.py:2: 'MC01'"]


def test_every_remedy_a_built_in_rule_names_is_declared_by_the_pack():
    declared = load_remedies()
    named = {rule.remedy for rule in load_registry().rules if rule.remedy}
    assert named - set(declared) == set()
    assert {remedy.id for remedy in declared.values()} - named == set()  # no remedy left without a rule
