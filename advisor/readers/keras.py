"""Read Keras models as JSON: `.keras` archives and model JSON from `model.to_json()`.

Only the archive's `config.json` is read, with a bounded read: weights are never loaded, Keras is
never imported and no object is deserialized, so a custom layer, loss or activation is kept by its
name and never run. The config becomes the record's `model` section:

- `layers`, input to output: Sequential layers in order; for a Functional model, the layers that
  lead to its (first) output, found through `output_layers` and each layer's `inbound_nodes`;
  nested models are flattened in place. Input layers are skipped.
- each layer's `type` (snake case of its class), `name`, `units`, `activation` (also when
  serialized as a function or an activation layer), `rate`, and `l1`/`l2` from its
  `kernel_regularizer` (L1, L2, L1L2).
- `loss` (by name, as a function, as a class with `from_logits`), `optimizer` (class and learning
  rate, the initial rate of a schedule) and `metrics`, from `compile_config`.

Every value keeps its position: the file is the archive (or the JSON file) and the pointer
addresses the value inside config.json, with its line and column there.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from advisor.errors import InputError
from advisor.locations import SourceMap
from advisor.readers.artifacts import (
    MB, Locations, check_size, merge_section, named_by, named_file, read_artifact_text, section_sources,
)
from advisor.readers.keras_config import ModelConfigReader

#: Largest config.json accepted, declared or actually decompressed (a zip bomb is refused).
MAX_CONFIG_BYTES = 64 * MB
#: Largest model JSON file accepted.
MAX_MODEL_JSON_BYTES = 64 * MB
#: Largest config whose values get line and column positions (mapping them costs seconds a
#: megabyte); a larger one is still read, its findings located by pointer only. Real model
#: configs are far smaller (a ResNet-50 is about 0.3 MB).
MAX_POSITIONED_BYTES = 1 * MB
ZIP_MAGIC = b"PK"

_WHAT_ARCHIVE = "a .keras archive (a zip holding config.json, metadata.json and model.weights.h5)"
_WHAT_JSON = "a Keras model JSON (model.to_json())"


# --- public entry points ----------------------------------------------------------------------

def read_model_input(path: str) -> list[tuple[str | None, Any]]:
    """Read a `.keras` archive or model JSON given alone: a record with only `model`.

    Raises:
        InputError: the file cannot be read as a Keras model.
    """
    from advisor.readers.record_validation import validate_record

    model, locations = read_model_file(path)
    sources = section_sources(path, "model", locations)
    return [(None, validate_record(path, {"model": model}, sources))]


def merge_model_file(record_path: str, base: str, data: dict[str, Any], sources: SourceMap) -> None:
    """Fill the record's `model` from the file named by `model.file` (record fields win).

    Raises:
        InputError: the file is missing or unreadable, reported at the record line naming it.
    """
    path, shown = named_file(record_path, base, data, sources, "model", "file")
    with named_by(record_path, sources, "/model/file"):
        model, locations = read_model_file(path, shown)
    merge_section(data, "model", model, locations, sources)


def read_model_file(path: str, shown: str | None = None) -> tuple[dict[str, Any], Locations]:
    """Read a `.keras` archive or a model JSON into the record's `model` fields.

    Args:
        path: The file to open.
        shown: The path findings name (default: `path`).

    Returns:
        The `model` fields and, for each, its location (keyed by pointer inside `model`).

    Raises:
        InputError: the file is not a readable Keras model.
    """
    shown = shown or path
    if _is_zip(path):
        text = _archive_config(path, shown)
        what = "config.json"
    else:
        text = read_artifact_text(path, MAX_MODEL_JSON_BYTES, _WHAT_JSON)
        what = "the file"
    config = _parse_json(shown, text, what)
    positions = _positions(shown, text)
    try:
        return ModelConfigReader(shown, what, positions).read(config)
    except RecursionError:
        raise InputError(shown, f"{what} is nested too deeply to be a Keras model config") from None


# --- archive and JSON ---------------------------------------------------------------------------

def _is_zip(path: str) -> bool:
    from advisor.readers.sniff import head

    return path.lower().endswith(".keras") or head(path, 2) == ZIP_MAGIC


def _archive_config(path: str, shown: str) -> str:
    """config.json of a `.keras` archive, read with a bounded read."""
    import zipfile
    import zlib

    check_size(path, None, _WHAT_ARCHIVE)  # exists and is a file; no limit: weights may be large
    broken = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError)
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo("config.json")
            except KeyError:
                names = ", ".join(archive.namelist()[:5]) or "nothing"
                raise InputError(shown, f"holds no config.json (found {names}); expected {_WHAT_ARCHIVE}") from None
            if info.file_size > MAX_CONFIG_BYTES:
                raise InputError(shown, f"config.json declares {info.file_size:,} bytes uncompressed, over the "
                                 f"{MAX_CONFIG_BYTES // MB} MB limit; refusing to decompress it (a zip bomb?)")
            with archive.open(info) as member:
                raw = member.read(MAX_CONFIG_BYTES + 1)
    except InputError:
        raise
    except broken as exc:
        raise InputError(shown, f"is not a readable zip archive ({exc}); the file may be truncated or corrupt; "
                         f"expected {_WHAT_ARCHIVE}") from None
    except OSError as exc:
        raise InputError(shown, f"cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise InputError(shown, f"config.json decompresses to more than {MAX_CONFIG_BYTES // MB} MB; "
                         "refusing it (a zip bomb?)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(shown, "config.json is not UTF-8 text; expected a Keras model config") from None


def _parse_json(shown: str, text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"invalid JSON: {exc.msg}; expected a Keras model config"
        if what == "config.json":  # positions inside the archive's member, not the archive
            raise InputError(shown, f"config.json line {exc.lineno}, column {exc.colno}: {message}") from None
        raise InputError(shown, message, exc.lineno, exc.colno) from None
    except RecursionError:
        raise InputError(shown, f"{what} is nested too deeply to be a Keras model config") from None
    except ValueError:  # an integer over Python's digit limit for int conversion
        raise InputError(shown, f"{what} holds a number of more than {sys.get_int_max_str_digits():,} digits; "
                         "expected a Keras model config") from None


def _positions(shown: str, text: str) -> SourceMap:
    """Positions of the config's values; none when the config is too large to map."""
    from advisor.readers.structured import parse

    if len(text) > MAX_POSITIONED_BYTES:
        return SourceMap(shown)
    try:
        return parse(shown, text, "json")[1]
    except InputError:
        return SourceMap(shown)

