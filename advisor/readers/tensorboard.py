"""Read the scalars Keras' TensorBoard callback logs into the record's `history`, without
TensorFlow: the event files' record framing and the few protobuf fields scalars use are decoded
here, with the standard library.

Layout (`keras.callbacks.TensorBoard(log_dir)`): `log_dir/train/events.out.tfevents.*` holds the
training metrics as `epoch_loss`, `epoch_accuracy`, ...; `log_dir/validation/` the validation
metrics under the same tags. They become `loss`, `accuracy`, ... and `val_loss`, `val_accuracy`,
one value per epoch (the event's step). Batch-level tags (`batch_*`) and the validation curve
against iterations are left out. A scalar is read whether it is written as `simple_value` (older
writers, tensorboardX) or as a one-element float tensor (TensorFlow 2's `tf.summary.scalar`).

Event file format: a sequence of records, each `uint64 length`, `uint32 masked CRC-32C of the
length`, `length` bytes of a serialized `Event`, `uint32 masked CRC-32C of the data`. The CRCs
are checked for every record read; records over `MAX_PARSED_RECORD_BYTES` (graphs, images) are
skipped without being read.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from typing import Any, BinaryIO

from advisor.errors import InputError
from advisor.locations import Location, escape_token
from advisor.readers.artifacts import check_size
from advisor.readers.sniff import TENSORBOARD_EVENT_PREFIX, TENSORBOARD_RUN_FOLDERS
from advisor.readers.tuning_sections import Sections

#: Largest event file accepted (image and histogram summaries make them big; they are skipped).
MAX_EVENT_FILE_BYTES = 1024 * 1024 * 1024
#: Records larger than this are not scalars: skipped unread.
MAX_PARSED_RECORD_BYTES = 64 * 1024
#: Most scalar values read from one log folder.
MAX_SCALARS = 5_000_000
_WHAT = "a TensorBoard event file (events.out.tfevents.*, as Keras' TensorBoard callback writes it)"
_PREFIX = {"train": "", "validation": "val_"}
_EPOCH_TAG = "epoch_"
_DT_FLOAT, _DT_DOUBLE = 1, 2


def read_logdir(path: str, shown: str | None = None) -> Sections:
    """Read the log folder at `path` (holding `train/` and `validation/`).

    Args:
        path: The folder given to the TensorBoard callback as `log_dir`.
        shown: The path findings name (default: `path`).

    Returns:
        The `history` section and its locations.

    Raises:
        InputError: an event file is truncated, corrupt (CRC mismatch, bad protobuf), of an
            unknown file version or too large; or the folder logs no epoch scalars.
    """
    shown = shown or path
    series: dict[str, dict[int, tuple[float, Location]]] = {}
    count = 0
    for folder in TENSORBOARD_RUN_FOLDERS:
        directory = os.path.join(path, folder)
        for name in _event_files(directory):
            file_shown = os.path.join(shown, folder, name)
            for step, tag, value, index in read_scalars(os.path.join(directory, name), file_shown):
                if not tag.startswith(_EPOCH_TAG) or len(tag) == len(_EPOCH_TAG):
                    continue
                metric = _PREFIX[folder] + tag[len(_EPOCH_TAG):]
                pointer = f"/events/{index}/summary/{escape_token(tag)}"
                series.setdefault(metric, {})[step] = (value, Location(file_shown, None, None, pointer))
                count += 1
                if count > MAX_SCALARS:
                    raise InputError(shown, f"logs more than {MAX_SCALARS:,} scalars; refusing to read them all")
    if not series:
        raise InputError(shown, "holds TensorBoard event files but no epoch scalars (epoch_loss, ...); expected "
                         "the log folder of Keras' TensorBoard callback")
    history, locations = _history(series)
    sections = Sections()
    sections.set("history", history, locations)
    return sections


def _event_files(directory: str) -> list[str]:
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return sorted(name for name in names if name.startswith(TENSORBOARD_EVENT_PREFIX)
                  and os.path.isfile(os.path.join(directory, name)))


def _history(series: dict[str, dict[int, tuple[float, Location]]]) -> tuple[dict[str, Any], dict[str, Location]]:
    """One list per metric over the training epochs; a metric logged at other epochs (say
    validation every few epochs) stays out, as a history holds one value per epoch."""
    reference = series.get("loss") or max(series.values(), key=len)
    steps = sorted(reference)
    history: dict[str, Any] = {"epoch": steps}
    locations: dict[str, Location] = {}
    for metric in sorted(series):
        points = series[metric]
        if sorted(points) != steps:
            continue
        key = "/" + escape_token(metric)
        history[metric] = [points[step][0] for step in steps]
        locations[key] = points[steps[0]][1]
        for index, step in enumerate(steps):
            locations[f"{key}/{index}"] = points[step][1]
    return history, locations


# --- records ---------------------------------------------------------------------------------

def read_scalars(path: str, shown: str) -> Iterator[tuple[int, str, float, int]]:
    """(step, tag, value, record index) of every scalar in one event file.

    Raises:
        InputError: the file is too large, truncated, corrupt or of an unknown version.
    """
    try:
        check_size(path, MAX_EVENT_FILE_BYTES, _WHAT)
    except InputError as exc:
        raise InputError(shown, exc.message) from None
    try:
        with open(path, "rb") as handle:
            for index, data in enumerate(_records(handle, shown)):
                if data is None:
                    continue
                try:
                    event = _fields(data)
                except ValueError as exc:
                    raise InputError(shown, f"record {index + 1} is not a valid Event ({exc}); the file is "
                                     f"corrupt; expected {_WHAT}") from None
                if index == 0:
                    _check_version(event, shown)
                yield from _event_scalars(event, index, shown)
    except OSError as exc:
        raise InputError(shown, f"cannot be read: {exc.strerror or exc}") from None


def _records(handle: BinaryIO, shown: str) -> Iterator[bytes | None]:
    """The payload of each record (None for one too large to parse, skipped unread)."""
    offset = 0
    while True:
        header = handle.read(12)
        if not header:
            return
        if len(header) < 12:
            raise _truncated(shown, offset)
        length, length_crc = struct.unpack("<QI", header)
        if _masked_crc(header[:8]) != length_crc:
            raise InputError(shown, f"record at byte {offset:,}: length checksum mismatch; the file is corrupt "
                             f"or not an event file; expected {_WHAT}")
        if length > MAX_PARSED_RECORD_BYTES:
            handle.seek(length, os.SEEK_CUR)
            trailer = handle.read(4)
            if len(trailer) < 4:
                raise _truncated(shown, offset)
            yield None
        else:
            data = handle.read(length)
            trailer = handle.read(4)
            if len(data) < length or len(trailer) < 4:
                raise _truncated(shown, offset)
            if _masked_crc(data) != struct.unpack("<I", trailer)[0]:
                raise InputError(shown, f"record at byte {offset:,}: data checksum mismatch; the file is corrupt")
            yield data
        offset += 16 + length


def _truncated(shown: str, offset: int) -> InputError:
    return InputError(shown, f"is truncated: the record at byte {offset:,} ends early; expected {_WHAT}")


def _check_version(event: dict[int, list[Any]], shown: str) -> None:
    """The first record names the format: `brain.Event:2` (or 1)."""
    version = event.get(3)
    if not version:
        return
    text = bytes(version[0]).decode("utf-8", "replace")
    if text not in ("brain.Event:1", "brain.Event:2"):
        raise InputError(shown, f"has file version {text[:40]!r}; this reader knows brain.Event:1 and brain.Event:2")


def _event_scalars(event: dict[int, list[Any]], index: int, shown: str) -> Iterator[tuple[int, str, float, int]]:
    summaries = event.get(5)
    if not summaries:
        return
    step = int(event.get(2, [0])[-1])
    try:
        for summary in summaries:
            for value in _fields(summary).get(1, []):
                found = _scalar(_fields(value))
                if found is not None:
                    yield step, found[0], found[1], index
    except ValueError as exc:
        raise InputError(shown, f"record {index + 1} holds an invalid summary ({exc}); the file is corrupt") from None


def _scalar(value: dict[int, list[Any]]) -> tuple[str, float] | None:
    """(tag, number) of a Summary.Value holding one number; None for images, histograms, text."""
    tags = value.get(1)
    if not tags:
        return None
    tag = bytes(tags[0]).decode("utf-8", "replace")
    if 2 in value:  # simple_value: a fixed32 float
        return tag, struct.unpack("<f", struct.pack("<I", value[2][-1]))[0]
    if 8 not in value:
        return None
    tensor = _fields(value[8][-1])
    dtype = tensor.get(1, [0])[-1]
    if dtype not in (_DT_FLOAT, _DT_DOUBLE):
        return None
    fmt, size, repeated = ("<f", 4, 5) if dtype == _DT_FLOAT else ("<d", 8, 6)
    raw = bytes(tensor[4][-1]) if 4 in tensor else None
    if raw is None and repeated in tensor:
        item = tensor[repeated][-1]
        # packed repeated values arrive as bytes; a single unpacked one as its fixed-width integer
        raw = bytes(item) if isinstance(item, (bytes, memoryview)) else struct.pack("<I" if size == 4 else "<Q", item)
    if raw is None or len(raw) != size:
        return None  # not a single number
    return tag, struct.unpack(fmt, raw)[0]


# --- protobuf wire format ---------------------------------------------------------------------

def _fields(data: bytes | memoryview) -> dict[int, list[Any]]:
    """Decode one protobuf message into field number -> values (varints and fixed-width numbers as
    integers, length-delimited fields as memoryviews).

    Raises:
        ValueError: the bytes are not a well-formed message.
    """
    view = memoryview(data)
    fields: dict[int, list[Any]] = {}
    position, end = 0, len(view)
    while position < end:
        value: int | memoryview  # a number, or the bytes of a length-delimited field
        key, position = _varint(view, position)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ValueError("field number 0")
        if wire == 0:
            value, position = _varint(view, position)
        elif wire == 1:
            if position + 8 > end:
                raise ValueError("truncated 64-bit field")
            value = struct.unpack_from("<Q", view, position)[0]
            position += 8
        elif wire == 2:
            length, position = _varint(view, position)
            if position + length > end:
                raise ValueError("truncated length-delimited field")
            value = view[position:position + length]
            position += length
        elif wire == 5:
            if position + 4 > end:
                raise ValueError("truncated 32-bit field")
            value = struct.unpack_from("<I", view, position)[0]
            position += 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        fields.setdefault(number, []).append(value)
    return fields


def _varint(view: memoryview, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if position >= len(view) or shift > 63:
            raise ValueError("truncated varint")
        byte = view[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7


# --- CRC-32C (Castagnoli), masked as TFRecord does --------------------------------------------

def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc_table()


def crc32c(data: bytes | memoryview) -> int:
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for byte in bytes(data):
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked_crc(data: bytes | memoryview) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF
