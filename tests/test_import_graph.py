"""The `advisor` package's imports form no cycle, counting imports inside functions too.

A function-local import hides a cycle from Python (it runs after both modules are loaded) but not
from a reader: two modules that need each other are one module split in two. Local imports are
for keeping a heavy library off the lint path, not for tying modules into knots. Imports under
`if TYPE_CHECKING:` never run and are not counted.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import advisor

PACKAGE_DIR = Path(advisor.__file__).parent

#: Cycles accepted for now, each with why it is not broken yet: {frozenset(modules): reason}.
ALLOWED_CYCLES: dict[frozenset[str], str] = {}


def _module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = ["advisor", *path.relative_to(PACKAGE_DIR).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None) if isinstance(node, ast.If) else None
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING" or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_nodes(tree: ast.AST):
    """Every node except those under `if TYPE_CHECKING:` (the `else:` branch does run)."""
    pending = [tree]
    while pending:
        node = pending.pop()
        yield node
        if _is_type_checking_block(node):
            pending.extend(node.orelse)
        else:
            pending.extend(ast.iter_child_nodes(node))


def _nearest_module(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imported(module: str, path: Path, modules: dict[str, Path]) -> dict[str, int]:
    """The advisor modules `module` imports anywhere in its body, each with its first line.

    `from advisor.x import y` counts `advisor.x.y` when y is a module, else `advisor.x`; a dotted
    module name passed as a string literal to `importlib.import_module` (or a helper that wraps it)
    counts too, since that is an import by another spelling.
    """
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: dict[str, int] = {}

    def add(name: str | None, line: int) -> None:
        target = _nearest_module(name, modules) if name else None
        if target and target != module:
            found.setdefault(target, line)

    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != "advisor":
                continue
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                add(submodule if submodule in modules else source, node.lineno)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            text = node.args[0].value
            if isinstance(text, str) and text in modules:
                add(text, node.lineno)
    return found


def import_graph() -> dict[str, dict[str, int]]:
    """{module: {imported advisor module: line}} over the whole `advisor` package."""
    modules = _module_names()
    return {name: _imported(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, dict[str, int]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = lowlink[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = lowlink[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, {})))))
                elif child in on_stack:
                    lowlink[node] = min(lowlink[node], index[child])
                continue
            work.pop()
            if work:
                lowlink[work[-1][0]] = min(lowlink[work[-1][0]], lowlink[node])
            if lowlink[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def _describe(component: frozenset[str], graph: dict[str, dict[str, int]]) -> str:
    edges = [f"    {source} -> {target} (line {line})" for source in sorted(component)
             for target, line in sorted(graph[source].items()) if target in component]
    return "cycle among " + ", ".join(sorted(component)) + ":\n" + "\n".join(edges)


def test_the_advisor_package_has_no_import_cycle():
    graph = import_graph()
    found = [component for component in cycles(graph) if component not in ALLOWED_CYCLES]
    assert not found, "\n".join(_describe(component, graph) for component in found)


def test_every_allowed_cycle_still_exists():
    """An allow-list entry whose cycle is gone must be removed, so the list only shrinks."""
    existing = set(cycles(import_graph()))
    assert [sorted(c) for c in ALLOWED_CYCLES if c not in existing] == []


def test_the_checker_sees_a_cycle_hidden_behind_a_local_import(tmp_path, monkeypatch):
    """The checker itself: a module-level import one way and a function-local import back is a
    cycle; an import under TYPE_CHECKING is not."""
    package = tmp_path / "advisor"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "first.py").write_text("from advisor import second\n")
    (package / "second.py").write_text("def later():\n    from advisor.first import x\n")
    (package / "third.py").write_text("from advisor import second\n")
    (package / "fourth.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from advisor import third\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE_DIR", package)
    graph = import_graph()
    assert cycles(graph) == [frozenset({"advisor.first", "advisor.second"})]
    assert graph["advisor.fourth"] == {}
