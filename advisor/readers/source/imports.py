"""Import aliases: which library object a name in the script stands for.

`import tensorflow as tf`, `from tensorflow import keras`, `from keras.layers import Dense as D`
all resolve to canonical dotted names (`keras.layers.Dense`): TensorFlow's bundled Keras and
Keras 2's module paths are folded into Keras 3's spelling.
"""

from __future__ import annotations

import ast

_PREFIXES = (
    ("tensorflow.python.keras", "keras"), ("tensorflow.keras", "keras"), ("tf_keras", "keras"),
    ("keras.src", "keras"), ("keras.api", "keras"), ("tensorflow", "tensorflow"),
)


def canonical(dotted: str) -> str:
    """`tensorflow.keras.layers.Dense` -> `keras.layers.Dense`."""
    for prefix, replacement in _PREFIXES:
        if dotted == prefix or dotted.startswith(prefix + "."):
            return replacement + dotted[len(prefix):]
    return dotted


class Imports:
    """Local names bound by import statements, and modules imported with `*`."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.star: list[str] = []

    def add(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.names[alias.asname] = canonical(alias.name)
                else:
                    top = alias.name.split(".")[0]
                    self.names[top] = canonical(top)
            return
        if node.level or not node.module:
            return  # a relative import names the user's own code
        module = canonical(node.module)
        for alias in node.names:
            if alias.name == "*":
                self.star.append(module)
            else:
                self.names[alias.asname or alias.name] = canonical(f"{module}.{alias.name}")

    def qualify(self, node: ast.expr) -> str | None:
        """The canonical dotted name of a name or attribute chain, when it starts at an import."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.reverse()
        base = self.names.get(node.id)
        if base is None:
            if not self.star:
                return None
            base = f"{self.star[-1]}.{node.id}"
        return canonical(".".join([base, *parts]))

    @property
    def libraries(self) -> set[str]:
        """Top-level libraries imported (keras, sklearn, ...)."""
        return {name.split(".")[0] for name in [*self.names.values(), *self.star]}
