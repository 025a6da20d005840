"""Rule overlap is resolved by the engine from what rules declare (`supersedes`, `folded_into`).

A folded finding is dropped only while the finding that supersedes it stands: its rule is
selected, fired about the same part of the record, and is not suppressed there. Ignoring the
superseding rule (on the command line, per file, or inline) lets the other rule's finding report.
"""

from __future__ import annotations

import json

import pytest

from advisor.engine import folds
from advisor.registry import load_registry
from tests.advisor_cli import run_advisor, write
from tests.conftest import lint_record

#: MC01's case relu-output-with-binary-crossentropy: MC01 and MC02 both point at line 6.
RELU_OUTPUT = "    - {type: dense, units: 1, activation: relu}"
RELU_RECORD = f"""\
version: 1
problem: {{type: binary_classification}}
model:
  layers:
    - {{type: dense, units: 16, activation: relu}}
{RELU_OUTPUT}
  loss: binary_crossentropy
"""
RELU_LINE = 6
OUTPUT_CODES = ("MC01", "MC02", "MC03", "MC04", "MC05")


def _codes(findings) -> list[str]:
    return [f["code"] for f in findings if f["code"] in OUTPUT_CODES or f["code"].startswith(("XO", "ADV"))]


def _lint(cwd, *args: str, env=None) -> list[dict]:
    result = run_advisor("lint", "--no-cache", "--format", "json", *args, cwd=cwd, env=env)
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)["findings"]


@pytest.fixture
def relu(tmp_path):
    write(tmp_path, "experiment.yaml", RELU_RECORD)
    return tmp_path


def test_the_superseding_rule_alone_reports_the_mistake(relu):
    findings = _lint(relu, "experiment.yaml")
    assert _codes(findings) == ["MC01"]
    assert findings[[f["code"] for f in findings].index("MC01")]["line"] == RELU_LINE


@pytest.mark.parametrize("args", [("--ignore", "MC01"), ("--select", "MC02"), ("--select", "MC", "--ignore", "MC01")],
                         ids=["ignore", "select", "select-family-ignore"])
def test_a_deselected_superseding_rule_lets_the_other_report(relu, args):
    findings = _lint(relu, *args, "experiment.yaml")
    assert _codes(findings) == ["MC02"]
    assert findings[[f["code"] for f in findings].index("MC02")]["line"] == RELU_LINE


def test_an_inline_suppression_of_the_superseding_rule_lets_the_other_report(relu):
    write(relu, "experiment.yaml", RELU_RECORD.replace(RELU_OUTPUT, f"{RELU_OUTPUT}  # advisor: ignore[MC01]"))
    findings = _lint(relu, "--select", "MC", "--warn-unused-ignores", "experiment.yaml")
    assert _codes(findings) == ["MC02"]  # and the suppression is used: no unused-suppression warning
    assert [f["line"] for f in findings if f["code"] == "MC02"] == [RELU_LINE]


@pytest.mark.parametrize("config", ['[per-file-ignores]\n"experiment.yaml" = ["MC01"]\n',
                                    'ignore = ["loss-activation-mismatch"]\n'], ids=["per-file", "configured"])
def test_a_configured_ignore_of_the_superseding_rule_lets_the_other_report(relu, config):
    write(relu, "advisor.toml", config)
    assert _codes(_lint(relu, "--select", "MC", "experiment.yaml")) == ["MC02"]


def test_a_file_wide_suppression_of_the_superseding_rule_lets_the_other_report(relu):
    write(relu, "experiment.yaml", "# advisor: ignore-file[MC01]\n" + RELU_RECORD)
    assert _codes(_lint(relu, "--select", "MC", "experiment.yaml")) == ["MC02"]


def test_a_folded_finding_uses_no_suppression(relu):
    """A comment ignoring the folded rule suppresses nothing, as when that rule had stayed silent."""
    write(relu, "experiment.yaml", RELU_RECORD.replace(RELU_OUTPUT, f"{RELU_OUTPUT}  # advisor: ignore[MC02]"))
    findings = _lint(relu, "--select", "MC", "--warn-unused-ignores", "experiment.yaml")
    assert _codes(findings) == ["MC01", "ADV100"]
    assert [f["evidence"] for f in findings if f["code"] == "ADV100"] == [{"selector": "MC02"}]


#: Records where one mistake is owned by the first rule and also judged by the second.
OVERLAPS = {
    "relu-with-binary-crossentropy": ("MC01", "MC02", {
        "problem": {"type": "binary_classification"},
        "model": {"layers": [{"type": "dense", "units": 1, "activation": "relu"}], "loss": "binary_crossentropy"}}),
    "linear-with-binary-crossentropy-for-regression": ("MC01", "MC03", {
        "problem": {"type": "regression"},
        "model": {"layers": [{"type": "dense", "units": 1}], "loss": "binary_crossentropy"}}),
    "softmax-over-one-unit-for-regression": ("MC02", "MC04", {
        "problem": {"type": "regression", "target": "price"},
        "model": {"layers": [{"type": "dense", "units": 1, "activation": "softmax"}], "loss": "mse"}}),
    "units-of-an-invalid-pair": ("MC01", "MC04", {
        "problem": {"type": "binary_classification", "labels": "integer"},
        "model": {"layers": [{"type": "dense", "units": 2, "activation": "sigmoid"}],
                  "loss": "sparse_categorical_crossentropy"}}),
    "categorical-loss-after-sigmoid": ("MC01", "MC05", {
        "problem": {"type": "binary_classification", "labels": "integer"},
        "model": {"layers": [{"type": "dense", "units": 1, "activation": "sigmoid"}],
                  "loss": "categorical_crossentropy"}}),
    "sparse-loss-wrong-for-multilabel": ("MC03", "MC05", {
        "problem": {"type": "multilabel_classification", "labels": "one_hot"},
        "model": {"layers": [{"type": "dense", "units": 3, "activation": "sigmoid"}],
                  "loss": "sparse_categorical_crossentropy"}}),
    "a-loss-that-ends-above-its-start": ("TD02", "OF02", {
        "history": {"loss": [0.5, 0.45, 0.48, 0.55, 0.60, 0.62]}}),
    "a-loss-that-grows-tenfold-and-ends-above-its-start": ("TD02", "OF02", {
        "history": {"loss": [0.5, 0.05, 0.9, 1.2, 1.1, 1.3]}}),
}


@pytest.mark.parametrize(("owner", "folded", "record"), OVERLAPS.values(), ids=OVERLAPS.keys())
def test_each_overlap_is_folded_only_while_its_owner_runs(tmp_path, owner, folded, record):
    (tmp_path / "alone").mkdir()
    (tmp_path / "both").mkdir()
    alone = lint_record(tmp_path / "alone", record, select=[folded])
    assert [f.code for f in alone] == [folded]
    both = lint_record(tmp_path / "both", record, select=[owner, folded])
    assert [f.code for f in both] == [owner]


def test_a_spike_the_loss_recovers_from_leaves_a_flat_loss_to_report(tmp_path):
    """TD02's growth finding is about one epoch, not the whole curve that OF02 judges: both stand."""
    record = {"history": {"loss": [0.5, 0.04, 0.6, 0.47, 0.47, 0.47]}}
    findings = lint_record(tmp_path, record, select=["TD02", "OF02"])
    assert sorted(f.code for f in findings) == ["OF02", "TD02"]
    assert [f.pointer for f in findings if f.code == "TD02"] == ["/history/loss/2"]


def test_the_built_in_declarations_name_registered_rules():
    registry = load_registry()
    declared = {code for rule in registry.rules for code in (*rule.supersedes, *rule.folded_into)}
    assert declared and all(registry.get(code) is not None for code in declared), declared
    assert folds(registry.rules)["MC04"] == {"MC01", "MC02"}


#: A third-party pack, installed by putting its folder (module and dist-info) on PYTHONPATH.
PACK = '''\
"""A rule pack whose rules declare how they overlap the built-in ones."""

from advisor import Rule, Severity
from advisor.facts import output_layer


class ReluOutput(Rule):
    """The output layer applies relu."""

    code = "XO01"
    name = "relu-output"
    stage = 5
    severity = Severity.WARNING
    folded_into = ("MC01",)

    def check(self, experiment, options):
        out = output_layer(experiment)
        if out is not None and out.activation == "relu":
            yield self.violation("the output layer applies relu", out.activation_pointer, about=out.pointer)


class AdamTooFast(Rule):
    """Adam runs at a learning rate of 0.1 or more."""

    code = "XO02"
    name = "adam-too-fast"
    stage = 5
    severity = Severity.WARNING
    supersedes = ("MC07",)

    def check(self, experiment, options):
        optimizer = experiment.model.optimizer if experiment.model is not None else None
        if optimizer is not None and optimizer.name == "adam" and (optimizer.learning_rate or 0) >= 0.1:
            yield self.violation("adam at 0.1 or more overshoots", "/model/optimizer/learning_rate")


RULES = [ReluOutput, AdamTooFast]
'''


@pytest.fixture
def pack(tmp_path):
    site = tmp_path / "site"
    write(site, "overlap_pack.py", PACK)
    write(site, "overlap_pack-0.0.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: overlap-pack\nVersion: 0.0.0\n")
    write(site, "overlap_pack-0.0.0.dist-info/entry_points.txt", "[advisor.rules]\noverlap = overlap_pack:RULES\n")
    project = tmp_path / "project"
    write(project, "experiment.yaml", RELU_RECORD + "  optimizer: {name: adam, learning_rate: 0.5}\n")
    return project, {"PYTHONPATH": str(site), "ADVISOR_CACHE_DIR": str(tmp_path / "cache")}


def _pack_codes(findings) -> list[str]:
    return sorted(f["code"] for f in findings if f["code"] in ("MC01", "MC07", "XO01", "XO02"))


def test_a_third_party_rule_folded_into_a_built_in_one(pack):
    project, env = pack
    assert _pack_codes(_lint(project, "--select", "MC01,XO01", "experiment.yaml", env=env)) == ["MC01"]
    assert _pack_codes(_lint(project, "--select", "XO01", "experiment.yaml", env=env)) == ["XO01"]


def test_a_third_party_rule_superseding_a_built_in_one(pack):
    project, env = pack
    assert _pack_codes(_lint(project, "--select", "MC07,XO02", "experiment.yaml", env=env)) == ["XO02"]
    assert _pack_codes(_lint(project, "--select", "MC07,XO02", "--ignore", "XO02", "experiment.yaml",
                             env=env)) == ["MC07"]
