"""The MC rules against the whole output table (`advisor.names`).

Every valid row (each problem type with every valid activation, loss spelling, unit count and label
encoding, including the near misses: logits with from_logits, softmax over 2 units for binary,
sigmoid + binary crossentropy for multilabel) lints with no MC finding. Every single-edit mutation
of a valid row produces exactly the MC rule(s) that own that mistake, so one mistake is never
reported twice.
"""

from __future__ import annotations

import copy

import pytest

from tests.conftest import lint_record

MC_CODES = [f"MC0{n}" for n in range(1, 10)]
#: A sentinel: leave the output layer's `activation` out of the record entirely.
MISSING = object()


def experiment(problem_type, units, activation, loss, *, labels=None, classes=None, declared=True,
               data=None, activation_layer=None):
    """A complete record around one output layer: relu hidden layer, dropout 0.5, adam at 1e-3.

    Args:
        problem_type: The problem type, written to `problem.type` when `declared`.
        units: The output layer's units.
        activation: Its activation (None writes `activation: null`; MISSING leaves it out).
        loss: The loss, a name or a mapping.
        labels: `problem.labels`, the label encoding.
        classes: `problem.classes`.
        declared: False leaves the type out, for the labels or data to imply it.
        data: The `data` section; by default it names one target column.
        activation_layer: A layer appended after the output dense layer (Softmax, Activation).

    Returns:
        The record, as a mapping.
    """
    problem = {"target": "y"}
    if declared:
        problem["type"] = problem_type
    if classes is not None:
        problem["classes"] = classes
    if labels is not None:
        problem["labels"] = labels
    output = {"type": "dense", "units": units}
    if activation is not MISSING:
        output["activation"] = activation
    layers = [{"type": "dense", "units": 32, "activation": "relu"}, {"type": "dropout", "rate": 0.5}, output]
    if activation_layer is not None:
        layers.append(activation_layer)
    return {
        "problem": problem,
        "data": data if data is not None else {"target_column": "y"},
        "model": {"layers": layers, "loss": loss, "optimizer": {"name": "adam", "learning_rate": 0.001}},
    }


def logits(name):
    return {"name": name, "from_logits": True}


BINARY = {"labels": "integer", "classes": 2}
ONE_HOT = {"labels": "one_hot", "classes": 4}
INTEGER = {"labels": "integer", "classes": 4}
MULTI_HOT = {"labels": "multi_hot", "classes": 5}

VALID_ROWS = {
    # binary_classification: sigmoid over 1 unit + binary crossentropy, and its equivalents
    "binary-sigmoid": experiment("binary_classification", 1, "sigmoid", "binary_crossentropy", **BINARY),
    "binary-sigmoid-class-name": experiment("binary_classification", 1, "sigmoid", "BinaryCrossentropy", **BINARY),
    "binary-hard-sigmoid": experiment("binary_classification", 1, "hard_sigmoid", "bce", **BINARY),
    "binary-focal": experiment("binary_classification", 1, "sigmoid", "binary_focal_crossentropy", **BINARY),
    "binary-logits-null": experiment("binary_classification", 1, None, logits("binary_crossentropy"), **BINARY),
    "binary-logits-missing": experiment("binary_classification", 1, MISSING, logits("binary_crossentropy"), **BINARY),
    "binary-softmax-sparse": experiment("binary_classification", 2, "softmax", "sparse_categorical_crossentropy", **BINARY),
    "binary-softmax-one-hot": experiment("binary_classification", 2, "softmax", "categorical_crossentropy",
                                         labels="one_hot", classes=2),
    "binary-logits-sparse": experiment("binary_classification", 2, "linear", logits("sparse_categorical_crossentropy"),
                                       **BINARY),
    "binary-implied-by-labels": experiment("binary_classification", 1, "sigmoid", "binary_crossentropy",
                                           declared=False, **BINARY),
    # multiclass_classification: softmax over the classes, crossentropy matching the encoding
    "multiclass-one-hot": experiment("multiclass_classification", 4, "softmax", "categorical_crossentropy", **ONE_HOT),
    "multiclass-one-hot-class-name": experiment("multiclass_classification", 4, "softmax", "CategoricalCrossentropy",
                                                **ONE_HOT),
    "multiclass-integer": experiment("multiclass_classification", 4, "softmax", "sparse_categorical_crossentropy",
                                     **INTEGER),
    "multiclass-one-hot-logits": experiment("multiclass_classification", 4, "linear",
                                            logits("categorical_crossentropy"), **ONE_HOT),
    "multiclass-integer-logits": experiment("multiclass_classification", 4, None,
                                            logits("SparseCategoricalCrossentropy"), **INTEGER),
    "multiclass-softmax-layer": experiment("multiclass_classification", 4, MISSING, "categorical_crossentropy",
                                           activation_layer={"type": "Softmax"}, **ONE_HOT),
    "multiclass-activation-layer": experiment("multiclass_classification", 4, None, "sparse_categorical_crossentropy",
                                              activation_layer={"type": "activation", "activation": "softmax"},
                                              **INTEGER),
    "multiclass-implied-by-one-hot": experiment("multiclass_classification", 4, "softmax", "categorical_crossentropy",
                                                declared=False, **ONE_HOT),
    "multiclass-implied-by-class-counts": experiment(
        "multiclass_classification", 3, "softmax", "sparse_categorical_crossentropy", declared=False, labels="integer",
        data={"target_column": "y", "class_counts": {"a": 50, "b": 50, "c": 50}}),
    # multilabel_classification: one sigmoid per label + binary crossentropy
    "multilabel-sigmoid": experiment("multilabel_classification", 5, "sigmoid", "binary_crossentropy", **MULTI_HOT),
    "multilabel-logits": experiment("multilabel_classification", 5, "linear", logits("binary_crossentropy"),
                                    **MULTI_HOT),
    "multilabel-implied-by-labels": experiment("multilabel_classification", 5, "sigmoid", "BinaryCrossentropy",
                                               declared=False, **MULTI_HOT),
    # regression: no activation, a regression loss under any Keras spelling
    "regression-mse-missing-activation": experiment("regression", 1, MISSING, "mse", labels="continuous"),
    "regression-mean-squared-error-null": experiment("regression", 1, None, "mean_squared_error"),
    "regression-mean-squared-error-class": experiment("regression", 1, "linear", "MeanSquaredError"),
    "regression-mae": experiment("regression", 1, MISSING, "mae"),
    "regression-huber": experiment("regression", 1, MISSING, "huber"),
    "regression-log-cosh": experiment("regression", 1, MISSING, "log_cosh"),
    "regression-three-targets": experiment("regression", 3, MISSING, "mse",
                                           data={"target": {"encoding": "continuous", "columns": 3}}),
    # bounded_regression: sigmoid + mse or binary crossentropy (or logits)
    "bounded-mse": experiment("bounded_regression", 1, "sigmoid", "mse"),
    "bounded-binary-crossentropy": experiment("bounded_regression", 1, "sigmoid", "binary_crossentropy"),
    "bounded-logits": experiment("bounded_regression", 1, None, logits("binary_crossentropy")),
}


def lint_mc(tmp_path, record):
    return lint_record(tmp_path, record, select=MC_CODES)


@pytest.mark.parametrize("row", VALID_ROWS, ids=list(VALID_ROWS))
def test_valid_row_has_no_mc_finding(tmp_path, row):
    findings = lint_mc(tmp_path, VALID_ROWS[row])
    assert findings == [], [f"{f.code} {f.pointer}: {f.message}" for f in findings]


# --- single-edit mutations -------------------------------------------------------------------

def output(**fields):
    """Edit the output dense layer (the last dense layer of the record)."""
    def edit(record):
        layer = [layer for layer in record["model"]["layers"] if layer["type"] == "dense"][-1]
        layer.update(fields)
    return edit


def set_loss(value):
    def edit(record):
        record["model"]["loss"] = value
    return edit


def from_logits(flag):
    def edit(record):
        loss = record["model"]["loss"]
        record["model"]["loss"] = {**(loss if isinstance(loss, dict) else {"name": loss}), "from_logits": flag}
    return edit


def declare(problem_type):
    def edit(record):
        record["problem"]["type"] = problem_type
    return edit


def labels(encoding):
    def edit(record):
        record["problem"]["labels"] = encoding
    return edit


OUTPUT_MUTATIONS = [
    # binary, sigmoid over 1 unit
    ("binary-sigmoid", "relu output", output(activation="relu"), {"MC01"}),
    ("binary-sigmoid", "tanh output", output(activation="tanh"), {"MC01"}),
    ("binary-sigmoid", "activation removed", output(activation=None), {"MC01"}),
    ("binary-sigmoid", "softmax over 1 unit", output(activation="softmax"), {"MC04"}),
    ("binary-sigmoid", "2 sigmoid units", output(units=2), {"MC04"}),
    ("binary-sigmoid", "mse loss", set_loss("mse"), {"MC03"}),
    ("binary-sigmoid", "sparse categorical loss", set_loss("sparse_categorical_crossentropy"), {"MC01"}),
    ("binary-sigmoid", "categorical loss", set_loss("categorical_crossentropy"), {"MC01"}),
    ("binary-sigmoid", "from_logits after sigmoid", from_logits(True), {"MC06"}),
    ("binary-sigmoid", "declared regression", declare("regression"), {"MC02", "MC03"}),
    ("binary-sigmoid", "declared multiclass", declare("multiclass_classification"), {"MC02", "MC03"}),
    # binary, softmax over 2 units
    ("binary-softmax-sparse", "binary crossentropy", set_loss("binary_crossentropy"), {"MC01"}),
    ("binary-softmax-sparse", "categorical loss with integer labels", set_loss("categorical_crossentropy"), {"MC05"}),
    ("binary-softmax-sparse", "softmax over 1 unit", output(units=1), {"MC04"}),
    ("binary-softmax-sparse", "softmax over 3 units", output(units=3), {"MC04"}),
    ("binary-softmax-sparse", "sigmoid with sparse loss", output(activation="sigmoid"), {"MC01"}),
    ("binary-softmax-sparse", "from_logits after softmax", from_logits(True), {"MC06"}),
    ("binary-softmax-one-hot", "sparse loss with one-hot labels", set_loss("sparse_categorical_crossentropy"), {"MC05"}),
    ("binary-softmax-one-hot", "labels become integer", labels("integer"), {"MC05"}),
    # binary logits
    ("binary-logits-null", "from_logits dropped", from_logits(False), {"MC01"}),
    ("binary-logits-null", "2 logits for binary crossentropy", output(units=2), {"MC04"}),
    ("binary-logits-null", "sigmoid before logits", output(activation="sigmoid"), {"MC06"}),
    ("binary-logits-sparse", "1 logit for sparse loss", output(units=1), {"MC04"}),
    # multiclass
    ("multiclass-one-hot", "sigmoid output", output(activation="sigmoid"), {"MC01"}),
    ("multiclass-one-hot", "relu output", output(activation="relu"), {"MC01"}),
    ("multiclass-one-hot", "activation removed", output(activation=None), {"MC01"}),
    ("multiclass-one-hot", "binary crossentropy", set_loss("binary_crossentropy"), {"MC01"}),
    ("multiclass-one-hot", "sparse loss with one-hot labels", set_loss("sparse_categorical_crossentropy"), {"MC05"}),
    ("multiclass-one-hot", "mse loss", set_loss("mean_squared_error"), {"MC03"}),
    ("multiclass-one-hot", "3 units for 4 classes", output(units=3), {"MC04"}),
    ("multiclass-one-hot", "softmax over 1 unit", output(units=1), {"MC04"}),
    ("multiclass-one-hot", "from_logits after softmax", from_logits(True), {"MC06"}),
    ("multiclass-one-hot", "declared multilabel", declare("multilabel_classification"), {"MC02", "MC03"}),
    ("multiclass-integer", "categorical loss with integer labels", set_loss("categorical_crossentropy"), {"MC05"}),
    ("multiclass-integer", "from_logits after softmax", from_logits(True), {"MC06"}),
    ("multiclass-integer-logits", "from_logits dropped", from_logits(False), {"MC01"}),
    ("multiclass-integer-logits", "5 logits for 4 classes", output(units=5), {"MC04"}),
    ("multiclass-softmax-layer", "from_logits after the Softmax layer", from_logits(True), {"MC06"}),
    ("multiclass-implied-by-class-counts", "4 units for 3 classes counted", output(units=4), {"MC04"}),
    # multilabel
    ("multilabel-sigmoid", "softmax output", output(activation="softmax"), {"MC01"}),
    ("multilabel-sigmoid", "categorical loss", set_loss("categorical_crossentropy"), {"MC01"}),
    ("multilabel-sigmoid", "mse loss", set_loss("mse"), {"MC03"}),
    ("multilabel-sigmoid", "4 units for 5 labels", output(units=4), {"MC04"}),
    ("multilabel-sigmoid", "from_logits after sigmoid", from_logits(True), {"MC06"}),
    ("multilabel-sigmoid", "declared multiclass", declare("multiclass_classification"), {"MC02", "MC03"}),
    ("multilabel-logits", "from_logits dropped", from_logits(False), {"MC01"}),
    ("multilabel-implied-by-labels", "softmax output", output(activation="softmax"), {"MC01"}),
    # regression
    ("regression-mse-missing-activation", "sigmoid output", output(activation="sigmoid"), {"MC02"}),
    ("regression-mse-missing-activation", "relu output", output(activation="relu"), {"MC02"}),
    ("regression-mse-missing-activation", "softmax output", output(activation="softmax"), {"MC02"}),
    ("regression-mse-missing-activation", "binary crossentropy", set_loss("binary_crossentropy"), {"MC01"}),
    ("regression-mse-missing-activation", "sparse categorical loss", set_loss("sparse_categorical_crossentropy"),
     {"MC01"}),
    ("regression-mse-missing-activation", "from_logits crossentropy", set_loss(logits("binary_crossentropy")),
     {"MC03"}),
    ("regression-mse-missing-activation", "hinge loss", set_loss("hinge"), {"MC03"}),
    ("regression-mse-missing-activation", "2 units for 1 target", output(units=2), {"MC04"}),
    ("regression-mse-missing-activation", "declared bounded regression", declare("bounded_regression"), {"MC02"}),
    ("regression-three-targets", "1 unit for 3 targets", output(units=1), {"MC04"}),
    # bounded regression
    ("bounded-mse", "activation removed", output(activation=None), {"MC02"}),
    ("bounded-mse", "relu output", output(activation="relu"), {"MC02"}),
    ("bounded-mse", "categorical loss", set_loss("categorical_crossentropy"), {"MC01"}),
    ("bounded-mse", "hinge loss", set_loss("hinge"), {"MC03"}),
    ("bounded-mse", "2 units for 1 target", output(units=2), {"MC04"}),
    ("bounded-mse", "declared regression", declare("regression"), {"MC02"}),
    ("bounded-binary-crossentropy", "activation removed", output(activation=None), {"MC01"}),
    ("bounded-binary-crossentropy", "from_logits after sigmoid", from_logits(True), {"MC06"}),
]


def hidden_activation_removed(record):
    record["model"]["layers"][0]["activation"] = None


def dropout(rate):
    def edit(record):
        record["model"]["layers"][1]["rate"] = rate
    return edit


def learning_rate(rate):
    def edit(record):
        record["model"]["optimizer"]["learning_rate"] = rate
    return edit


#: Mistakes outside the output layer: the same single rule on every row.
EVERY_ROW_MUTATIONS = [
    ("hidden layer without activation", hidden_activation_removed, {"MC08"}),
    ("dropout 0.8", dropout(0.8), {"MC09"}),
    ("learning rate 0.5", learning_rate(0.5), {"MC07"}),
    ("learning rate 1e-8", learning_rate(1e-8), {"MC07"}),
]
MUTATIONS = OUTPUT_MUTATIONS + [
    (row, what, edit, expected) for row in VALID_ROWS for what, edit, expected in EVERY_ROW_MUTATIONS
]


@pytest.mark.parametrize(("row", "what", "edit", "expected"), MUTATIONS,
                         ids=[f"{row}: {what}" for row, what, _, _ in MUTATIONS])
def test_single_edit_produces_exactly_the_owning_rules(tmp_path, row, what, edit, expected):
    record = copy.deepcopy(VALID_ROWS[row])
    edit(record)
    findings = lint_mc(tmp_path, record)
    got = [f.code for f in findings]
    assert sorted(got) == sorted(expected), [f"{f.code} {f.pointer}: {f.message}" for f in findings]


def test_mutations_cover_every_mc_rule():
    covered = set().union(*(expected for *_, expected in MUTATIONS))
    assert covered == set(MC_CODES)


def test_every_problem_type_has_valid_rows_and_mutations():
    from advisor.record import PROBLEM_TYPES

    row_types = {row["problem"].get("type") for row in VALID_ROWS.values()}
    assert set(PROBLEM_TYPES) <= row_types
    mutated = {VALID_ROWS[row]["problem"].get("type") for row, *_ in OUTPUT_MUTATIONS}
    assert set(PROBLEM_TYPES) <= mutated


# --- the MC rules' options --------------------------------------------------------------------

@pytest.mark.parametrize(("code", "table", "message"), [
    ("MC07", {"min_lr": 0.5, "max_lr": 0.1}, "must be above min_lr (0.5)"),
    ("MC07", {"max_lr": 1e-7}, "must be above min_lr (1e-06)"),
    ("MC07", {"min_lr": 0}, "greater than 0"),
    ("MC09", {"max_rate": 1.5}, "less than or equal to 1"),
])
def test_invalid_options_are_refused(code, table, message):
    from advisor.config import validate_options
    from advisor.errors import AdvisorError
    from advisor.registry import load_registry

    with pytest.raises(AdvisorError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_options(load_registry().get(code), table)


# --- the valid rows train in real Keras -------------------------------------------------------

def keras_model(record):
    """Build and compile the record's model in Keras 3, names passed to Keras as written."""
    import functools

    import keras

    layers = [keras.Input((4,))]
    for layer in record["model"]["layers"]:
        kind = layer["type"]
        if kind == "dense":
            layers.append(keras.layers.Dense(layer["units"], activation=layer.get("activation")))
        elif kind == "dropout":
            layers.append(keras.layers.Dropout(layer["rate"]))
        elif kind == "activation":
            layers.append(keras.layers.Activation(layer["activation"]))
        else:
            layers.append(getattr(keras.layers, kind)())
    model = keras.Sequential(layers)
    spec = record["model"]["loss"]
    loss = keras.losses.get(spec["name"] if isinstance(spec, dict) else spec)
    if isinstance(spec, dict):
        options = {"from_logits": spec["from_logits"]}
        loss = type(loss)(**options) if isinstance(loss, keras.losses.Loss) else functools.partial(loss, **options)
    # Eager: a few steps on tiny data, so compiling would cost more than it saves.
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss, run_eagerly=True)
    return model


def learnable_targets(row, record, features):
    """Targets a model can learn from `features`, encoded as the row declares."""
    import numpy as np

    units = [layer for layer in record["model"]["layers"] if layer["type"] == "dense"][-1]["units"]
    encoding = record["problem"].get("labels")
    if row.startswith(("binary", "multiclass")):
        classes = 2 if row.startswith("binary") else units
        index = np.argmax(features[:, :classes], axis=1)
        if encoding == "one_hot":
            return np.eye(classes)[index]
        return index if units > 1 else index.reshape(-1, 1)
    if row.startswith("multilabel"):
        return (features[:, [j % 4 for j in range(units)]] > 0).astype("float32")
    if row.startswith("bounded"):
        return 1 / (1 + np.exp(-features[:, :1]))
    return features[:, :units] * 2.0 + 1.0


#: Rows that differ from another row only in how the record spells a name or where the problem
#: type comes from: Keras builds the same model, so they are checked by name resolution alone.
SAME_MODEL_AS_ANOTHER_ROW = {
    "binary-sigmoid-class-name", "binary-logits-missing", "binary-implied-by-labels",
    "multiclass-one-hot-class-name", "multiclass-implied-by-one-hot", "multilabel-implied-by-labels",
    "regression-mean-squared-error-null", "regression-mean-squared-error-class",
}
TRAINED_ROWS = [row for row in VALID_ROWS if row not in SAME_MODEL_AS_ANOTHER_ROW]


@pytest.mark.parametrize("row", VALID_ROWS, ids=list(VALID_ROWS))
def test_keras_knows_every_name_of_the_row(row):
    import keras

    model = VALID_ROWS[row]["model"]
    spec = model["loss"]
    assert keras.losses.get(spec["name"] if isinstance(spec, dict) else spec) is not None
    for layer in model["layers"]:
        if layer.get("activation") is not None:
            assert keras.activations.get(layer["activation"]) is not None
        assert layer["type"] in ("dense", "dropout", "activation") or hasattr(keras.layers, layer["type"])


@pytest.mark.parametrize("row", TRAINED_ROWS)
def test_valid_row_trains_in_keras(row):
    import numpy as np

    record = VALID_ROWS[row]
    features = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    targets = learnable_targets(row, record, features)
    model = keras_model(record)
    history = model.fit(features, targets, epochs=5, batch_size=64, verbose=0).history["loss"]
    assert np.all(np.isfinite(history)), history
    assert history[-1] < history[0], f"the loss did not go down: {history}"


def test_softmax_over_one_unit_outputs_one_whatever_the_input():
    """MC04's claim, in real Keras."""
    import numpy as np

    record = experiment("binary_classification", 1, "softmax", "binary_crossentropy")
    features = np.random.default_rng(1).normal(size=(32, 4)).astype("float32")
    with pytest.warns(UserWarning, match="always return the value 1"):
        predictions = keras_model(record).predict(features, verbose=0)
    assert np.all(predictions == 1.0)


def test_from_logits_after_sigmoid_cannot_reach_zero_loss():
    """MC06's claim, in real Keras: squashed twice, a perfect prediction still costs log(1 + 1/e)."""
    import math

    import keras
    import numpy as np

    perfect = np.array([[1.0]], dtype="float32")  # a sigmoid output that is certain, and right
    squashed_twice = float(keras.losses.binary_crossentropy(perfect, perfect, from_logits=True)[0])
    squashed_once = float(keras.losses.binary_crossentropy(perfect, perfect)[0])
    assert squashed_twice == pytest.approx(math.log(1 + math.exp(-1)), rel=1e-4)
    assert squashed_once < 1e-6
