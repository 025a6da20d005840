"""Property tests (hypothesis): whatever the input, the advisor keeps its contract.

- Arbitrary bytes under every name a reader claims (records, logs, models, data files, stores) and
  generated records (real records with values replaced, removed or added) lint with exit code 0,
  1 or 2; exit 2 comes with an `advisor: error:` message and never an internal error; JSON and
  SARIF output stay valid.
- `advisor fix` (safe and unsafe) never leaves a record that fails to read or that raises an error
  finding it did not have, and a second run changes nothing (ruff's fix-validity fuzzing is the
  model).

The CLI runs in-process so a few thousand examples stay fast; `benchmarks/fuzz.py` runs the long
fuzz through the console script.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import tempfile
from collections.abc import Iterator

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.cli import cli
from tests import fuzz_records

SETTINGS = settings(max_examples=400, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SEEDS = fuzz_records.seeds()
#: Names each reader claims, so arbitrary bytes reach every one of them.
READER_NAMES = ["experiment.yaml", "experiment.json", "experiment.toml", "history.csv", "history.json",
                "model.json", "model.keras", "train.csv", "train.parquet", "train.npz", "mlflow.db", "script.py"]
ZIP_HEAD, SQLITE_HEAD, PARQUET_HEAD = b"PK\x03\x04", b"SQLite format 3\x00", b"PAR1"


@pytest.fixture(scope="module")
def sarif_validator():
    path = os.path.join(os.path.dirname(__file__), "data", "sarif-schema-2.1.0.json")
    with open(path, encoding="utf-8") as handle:
        return jsonschema.Draft7Validator(json.load(handle))


@contextlib.contextmanager
def scratch_folder() -> Iterator[None]:
    """Run the block in a fresh temporary folder (the advisor reads relative to it)."""
    before = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            yield
        finally:
            os.chdir(before)


def advisor(*args: str):
    """The CLI in this process, in the current folder, with the results cache off."""
    return CliRunner().invoke(cli, list(args), env={"NO_COLOR": "1"})


def assert_contract(result, output_format: str, sarif_validator=None) -> None:
    """Exit 0, 1 or 2; an exit 2 names what was wrong; never an internal error; valid output."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output[-2000:])
    everything = result.output + result.stderr
    assert "internal error" not in everything and "ADV001" not in everything, everything[-2000:]
    assert "Traceback" not in everything, everything[-2000:]
    if result.exit_code == 2:
        assert "advisor: error:" in result.stderr, result.stderr[-2000:]
    if output_format == "json" and result.stdout.strip():
        json.loads(result.stdout)
    if output_format == "sarif" and result.stdout.strip():
        sarif_validator.validate(json.loads(result.stdout))


@st.composite
def reader_inputs(draw):
    """(file name, bytes): noise, or noise behind the magic number the reader sniffs for."""
    name = draw(st.sampled_from(READER_NAMES))
    body = draw(st.binary(max_size=600) | st.text(max_size=300).map(lambda text: text.encode("utf-8")))
    head = draw(st.sampled_from([b"", ZIP_HEAD, SQLITE_HEAD, PARQUET_HEAD, b"epoch,loss\n", b'{"loss": [',
                                 b"\x93NUMPY", b"version: 1\n"]))
    return name, head + body


@SETTINGS
@given(case=reader_inputs(), output_format=st.sampled_from(["json", "sarif", "text", "github"]))
def test_arbitrary_bytes_through_every_reader(case, output_format, sarif_validator):
    name, content = case
    with scratch_folder():
        with open(name, "wb") as handle:
            handle.write(content)
        result = advisor("lint", "--no-cache", "--format", output_format, name)
        assert_contract(result, output_format, sarif_validator)


@st.composite
def records(draw, gentle: bool = False):
    """(seed, mutated record, format); gentle mutations mostly keep the record valid."""
    seed = draw(st.sampled_from(range(len(SEEDS))))
    rng = draw(st.randoms(use_true_random=False))
    record = fuzz_records.mutate(SEEDS[seed][1], rng, gentle=gentle)
    return seed, record, draw(st.sampled_from(["yaml", "json"]))


@SETTINGS
@given(case=records(), output_format=st.sampled_from(["json", "sarif"]))
def test_generated_records_keep_the_exit_code_contract(case, output_format, sarif_validator):
    seed, record, fmt = case
    with scratch_folder():
        path = fuzz_records.write_case(".", record, fmt, SEEDS[seed][2])
        result = advisor("lint", "--no-cache", "--format", output_format, os.path.basename(path))
        assert_contract(result, output_format, sarif_validator)


def _lint(path: str) -> tuple[int, set[str]]:
    result = advisor("lint", "--no-cache", "--format", "json", "--select", "ALL", path)
    assert_contract(result, "json")
    findings = json.loads(result.stdout)["findings"] if result.exit_code != 2 else []
    return result.exit_code, {finding["code"] for finding in findings if finding["severity"] == "error"}


@settings(SETTINGS, max_examples=200)
@given(case=records(gentle=True), unsafe=st.booleans())
def test_fix_leaves_a_readable_record_and_is_idempotent(case, unsafe):
    seed, record, fmt = case
    with scratch_folder():
        path = os.path.basename(fuzz_records.write_case(".", record, fmt, SEEDS[seed][2]))
        code, errors_before = _lint(path)
        if code == 2:
            return  # an unreadable record is the lint contract's business; fix refuses it alike
        options = ["--unsafe-fixes"] if unsafe else []
        first = advisor("fix", "--select", "ALL", *options, path)
        assert_contract(first, "text")
        with open(path, "rb") as handle:
            once = handle.read()
        code_after, errors_after = _lint(path)
        assert code_after != 2, f"fix left a record that cannot be read:\n{once.decode('utf-8', 'replace')}"
        assert errors_after <= errors_before, (errors_after - errors_before, once.decode("utf-8", "replace"))
        second = advisor("fix", "--select", "ALL", *options, path)
        assert_contract(second, "text")
        with open(path, "rb") as handle:
            assert handle.read() == once, "a second fix changed the record again"


def test_generated_records_vary():
    """The generator does what the properties rely on: records differ from their seed."""
    rng = random.Random(1)
    name, record, _ = SEEDS[0]
    assert sum(fuzz_records.mutate(record, rng) != record for _ in range(50)) >= 45, name
