"""Open a record file for editing with the backend of its format (YAML, TOML or JSON).

Each backend builds on `advisor.fix.document.Document` and loads its library (ruamel.yaml,
tomlkit) only when it opens a file.
"""

from __future__ import annotations

from advisor.fix.document import Document, document_format
from advisor.fix.json_document import JsonDocument
from advisor.fix.toml_document import TomlDocument
from advisor.fix.yaml_document import YamlDocument

_BACKENDS: dict[str, type[Document]] = {"yaml": YamlDocument, "toml": TomlDocument, "json": JsonDocument}


def open_document(path: str, text: str) -> Document:
    """A `Document` for the record file `path` holding `text`.

    Raises:
        ValueError: the file is not a YAML, TOML or JSON record.
    """
    backend = _BACKENDS.get(document_format(path) or "")
    if backend is None:
        raise ValueError(f"{path}: not a YAML, TOML or JSON record; nothing to fix")
    return backend(path, text)
