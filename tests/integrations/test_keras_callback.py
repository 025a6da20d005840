"""AdvisorCallback on real Keras fits (JAX backend): each mistake it should catch, before the first
epoch, at the epoch it happens, or at the end; a clean run; the run directory it writes; and the
bad inputs that must never break training."""

from __future__ import annotations

import contextlib
import os
import subprocess
import warnings

import numpy as np
import pytest
import yaml

from advisor.integrations.keras import AdvisorCallback, AdvisorWarning
from tests.advisor_cli import run_advisor
from tests.integrations.training import (
    Printed,
    breast_cancer,
    codes,
    dense,
    keras,
    same_weights,
    wine_one_hot,
)

#: What a clean binary experiment declares beyond what the callback sees.
CLEAN_RECORD = {
    "problem": {"type": "binary_classification", "labels": "integer", "target": "diagnosis"},
    "data": {"preprocessing": [{"step": "standardize", "fit_on": "train"}]},
    "splits": {"method": "stratified", "shuffle": True},
    "protocol": {"type": "kfold", "folds": 4},
    "metric": {"name": "accuracy", "others": ["auc", "precision", "recall"]},
    "baseline": {"strategy": "most_frequent", "score": 0.627},
    "model": {"early_stopping": {"monitor": "val_loss", "patience": 5, "restore_best_weights": True}},
}


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # run directories go to ./runs; no [tool.advisor] settings above
    return tmp_path


def fit(model, train, callback, validation=None, epochs=3, extra=(), **kwargs):
    printed = getattr(callback, "_print", None)
    printed = printed if isinstance(printed, Printed) else None
    marker = [printed.epoch_marker()] if printed is not None else []
    return model.fit(*train, validation_data=validation, epochs=epochs, batch_size=32, verbose=0,
                     callbacks=[callback, *marker, *extra], **kwargs)


def test_softmax_over_one_unit_is_reported_before_the_first_epoch():
    train, validation, _test = breast_cancer()
    printed = Printed()
    callback = AdvisorCallback(data=train, validation=validation, print_fn=printed)
    fit(dense(30, 1, "softmax"), train, callback, validation, epochs=2)
    before = printed.before_first_epoch()
    assert "MC04 a softmax over 1 unit always outputs 1.0" in before
    assert before.count("MC04") == 1 and printed.text.count("advisor: before training") == 1
    assert "MC04" in codes(callback.final_findings)


def test_sigmoid_with_categorical_crossentropy_is_a_mismatch():
    train, validation, _ = wine_one_hot()
    printed = Printed()
    callback = AdvisorCallback(data=train, validation=validation, print_fn=printed)
    fit(dense(13, 3, "sigmoid", loss="categorical_crossentropy"), train, callback, validation, epochs=2)
    assert "MC01" in printed.before_first_epoch()
    assert "MC01" in codes(callback.findings)


def test_unscaled_data_given_as_data_is_flagged_and_scaled_data_is_not():
    raw_train, raw_validation, _ = breast_cancer(scaled=False)
    raw = AdvisorCallback(data=raw_train, validation=raw_validation, print_fn=Printed())
    fit(dense(30, 1, "sigmoid"), raw_train, raw, raw_validation, epochs=1)
    assert "DP02" in codes(raw.findings)
    train, validation, _ = breast_cancer(scaled=True)
    scaled = AdvisorCallback(data=train, validation=validation, print_fn=Printed())
    fit(dense(30, 1, "sigmoid"), train, scaled, validation, epochs=1)
    assert not {"DP02", "DP03"} & codes(scaled.findings)


def test_test_data_as_validation_data_is_caught_by_fingerprint_not_identity():
    train, validation, test = breast_cancer()
    copy_of_test = (test[0].copy(), test[1].copy())  # equal values, another object
    leaked = AdvisorCallback(data=train, validation=copy_of_test, test=test, print_fn=Printed())
    fit(dense(30, 1, "sigmoid"), train, leaked, copy_of_test, epochs=1)
    assert "LK03" in codes(leaked.findings)
    assert leaked.record["tuning"]["validation_data"] == "test"
    separate = AdvisorCallback(data=train, validation=validation, test=test, print_fn=Printed())
    fit(dense(30, 1, "sigmoid"), train, separate, validation, epochs=1)
    assert "LK03" not in codes(separate.findings)


def test_nan_loss_is_reported_at_its_epoch_and_stops_training():
    train, validation, _ = breast_cancer(scaled=False)
    printed = Printed()
    callback = AdvisorCallback(data=train, validation=validation, stop_on="error", print_fn=printed)
    model = dense(30, 1, "linear", hidden=0, loss="mse", optimizer=keras.optimizers.SGD(0.01))
    history = fit(model, train, callback, validation, epochs=20)
    losses = history.history["loss"]
    assert len(losses) < 20 and not np.isfinite(losses[-1])  # stopped at the epoch it happened
    assert f"advisor: after epoch {len(losses)}:" in printed.text
    assert printed.text.count(": TD01 loss is nan") == 2  # once at its epoch, once in the run directory's lint
    assert "stopped by AdvisorCallback" in printed.text
    assert callback.record["run"]["status"] == "failed"


def test_without_stop_on_training_goes_on_and_td01_is_reported_once():
    train, validation, _ = breast_cancer(scaled=False)
    printed = Printed()
    callback = AdvisorCallback(data=train, validation=validation, print_fn=printed, run_dir="run")
    model = dense(30, 1, "linear", hidden=0, loss="mse", optimizer=keras.optimizers.SGD(0.01))
    history = fit(model, train, callback, validation, epochs=6)
    assert len(history.history["loss"]) == 6
    assert [f.code for f in callback.findings].count("TD01") == 1
    assert printed.text.count("advisor: after epoch") == 1


def test_overfitting_without_regularization_is_reported_at_the_end():
    train, validation, _ = breast_cancer()
    few = (train[0][:80], train[1][:80])  # a wide model on 80 rows memorizes them
    callback = AdvisorCallback(data=few, validation=validation, print_fn=Printed())
    history = fit(dense(30, 1, "sigmoid", hidden=256), few, callback, validation, epochs=60)
    assert min(history.history["val_loss"]) < history.history["val_loss"][-1]
    assert "RG01" in codes(callback.final_findings)
    assert "RG01" not in codes(callback.findings)  # a whole-curve judgment: not before the end


def test_clean_run_reports_nothing_at_warning_or_above():
    train, validation, test = breast_cancer()
    printed = Printed()
    callback = AdvisorCallback(data=train, validation=validation, test=test, record=CLEAN_RECORD, print_fn=printed)
    model = dense(30, 1, "sigmoid", hidden=16, metrics=["accuracy", "auc"], optimizer=keras.optimizers.RMSprop(0.001))
    fit(model, train, callback, validation, epochs=30,
        extra=[keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)])
    serious = [f for f in callback.findings + callback.final_findings if f.severity.value in ("error", "warning")]
    assert serious == []
    assert callback.run_dir is not None and "Found" in printed.text or "All checks passed!" in printed.text


def test_run_directory_lints_to_the_findings_the_callback_printed(in_tmp):
    train, validation, test = breast_cancer(scaled=False)
    printed = Printed()
    callback = AdvisorCallback(data=train, validation=validation, test=test, print_fn=printed, run_dir="runs/first",
                               save_model=True)
    fit(dense(30, 1, "softmax"), train, callback, validation, epochs=3)
    assert sorted(os.listdir("runs/first")) == ["experiment.yaml", "history.csv", "model.keras"]
    assert [name for name in os.listdir("runs") if name.startswith(".")] == []  # no partial folder left
    lint = run_advisor("lint", "runs/first", cwd=in_tmp)
    assert lint.returncode == 1
    end = printed.text.split("advisor: lint of runs/first:\n", 1)[1]
    assert lint.stdout == end + "\n"
    printed_before = {(f.code, f.line, f.message) for f in callback.findings}
    assert printed_before <= {(f.code, f.line, f.message) for f in callback.final_findings}
    assert run_advisor("next", "runs/first", cwd=in_tmp).returncode == 0  # the workflow reads it too
    report = run_advisor("report", "--format", "markdown", "runs/first", cwd=in_tmp)
    assert report.returncode == 1 and "MC04" in report.stdout


def test_project_configuration_is_honored_before_training_and_at_the_end(in_tmp):
    (in_tmp / "advisor.toml").write_text('ignore = ["MC04"]\n[rules.DP02]\nseverity = "error"\n', encoding="utf-8")
    train, validation, _ = breast_cancer(scaled=False)
    printed = Printed()
    callback = AdvisorCallback(data=train, validation=validation, print_fn=printed)
    fit(dense(30, 1, "softmax"), train, callback, validation, epochs=1)
    assert "MC04" not in codes(callback.findings) | codes(callback.final_findings)
    assert "MC04" not in printed.text
    dp02 = [f for f in callback.findings + callback.final_findings if f.code == "DP02"]
    assert len(dp02) == 2 and {f.severity.value for f in dp02} == {"error"}


def test_training_is_identical_with_and_without_the_callback():
    train, validation, test = breast_cancer()
    plain = dense(30, 1, "sigmoid", seed=3)
    plain_history = fit(plain, train, keras.callbacks.Callback(), validation, epochs=4, shuffle=True)
    watched = dense(30, 1, "sigmoid", seed=3)
    callback = AdvisorCallback(data=train, validation=validation, test=test, print_fn=Printed())
    watched_history = fit(watched, train, callback, validation, epochs=4, shuffle=True)
    assert watched_history.history == plain_history.history
    assert same_weights(plain, watched)


def test_record_declarations_win_and_fill_the_rest():
    train, validation, _ = breast_cancer()
    declared = {"name": "cancer-mlp", "problem": {"type": "binary_classification", "target": "diagnosis"},
                "data": {"samples": 569}}
    with open("declared.yaml", "w", encoding="utf-8") as handle:
        yaml.safe_dump(declared, handle)
    callback = AdvisorCallback(data=train, validation=validation, record="declared.yaml", print_fn=Printed())
    fit(dense(30, 1, "sigmoid"), train, callback, validation, epochs=1)
    with open(os.path.join(callback.run_dir, "experiment.yaml"), encoding="utf-8") as handle:
        written = yaml.safe_load(handle)
    assert os.path.basename(callback.run_dir).startswith("cancer-mlp-")
    assert written["data"]["samples"] == 569  # declared, though the callback saw 455 rows
    assert written["problem"]["target"] == "diagnosis"
    assert written["splits"] == {"train": 341, "validation": 114, "class_counts": written["splits"]["class_counts"],
                                 "overlap": 0}
    assert written["model"]["loss"] == {"name": "binary_crossentropy"}
    assert written["history"] == {"file": "history.csv"}


# --- bad input: a warning, a partial record, training unaffected -----------------------------

def test_uncompiled_model_driven_by_a_custom_loop_gives_a_warning_and_the_layers():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="softmax")])
    callback = AdvisorCallback(print_fn=Printed())
    callbacks = keras.callbacks.CallbackList([callback], model=model)
    with pytest.warns(AdvisorWarning, match="not compiled"):
        callbacks.on_train_begin()
    assert callback.record["model"]["layers"][-1] == {"type": "dense", "name": model.layers[-1].name,
                                                      "units": 1, "activation": "softmax"}
    assert "loss" not in callback.record["model"]


class Subclassed(keras.Model):
    """A subclassed model with an argument Keras cannot serialize: no config to read."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = keras.layers.Dense(8, activation="relu")
        self.out = keras.layers.Dense(1, activation="sigmoid")

    def call(self, inputs):
        return self.out(self.hidden(inputs))


def test_subclassed_model_whose_config_cannot_be_read_still_trains_and_checks_the_compile_config():
    train, validation, _ = breast_cancer()
    keras.utils.set_random_seed(0)
    model = Subclassed(units=object())
    model.compile(optimizer=keras.optimizers.Adam(3.0), loss="binary_crossentropy")
    callback = AdvisorCallback(data=train, validation=validation, save_model=True, print_fn=Printed())
    with pytest.warns(AdvisorWarning, match="config cannot be read"):
        history = fit(model, train, callback, validation, epochs=2)
    assert len(history.history["loss"]) == 2
    assert "layers" not in callback.record["model"]
    assert callback.record["model"]["optimizer"]["learning_rate"] == 3.0
    assert "MC07" in codes(callback.findings)  # learning rate out of range, from the compile config
    assert callback.run_dir is not None


@contextlib.contextmanager
def read_only(folder: str):
    """`folder` made read-only for this process: by its mode, or for root (whom modes do not stop)
    by the immutable attribute."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", folder], check=True)
    else:
        os.chmod(folder, 0o555)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", folder], check=True)
        else:
            os.chmod(folder, 0o755)


def test_read_only_output_folder_gives_a_warning_and_findings_in_memory():
    os.mkdir("locked")
    train, validation, _ = breast_cancer()
    callback = AdvisorCallback(data=train, validation=validation, run_dir="locked/run", print_fn=Printed())
    with read_only("locked"), pytest.warns(AdvisorWarning, match="could not write the run directory"):
        history = fit(dense(30, 1, "softmax"), train, callback, validation, epochs=2)
    assert len(history.history["loss"]) == 2 and callback.run_dir is None
    assert os.listdir("locked") == []
    assert "MC04" in codes(callback.final_findings)
    assert callback.record["history"]["loss"] == history.history["loss"]


def test_existing_run_directory_is_never_written_over(in_tmp):
    os.makedirs("runs/taken")
    with open("runs/taken/notes.txt", "w", encoding="utf-8") as handle:
        handle.write("mine")
    train, validation, _ = breast_cancer()
    callback = AdvisorCallback(data=train, validation=validation, run_dir="runs/taken", print_fn=Printed())
    with pytest.warns(AdvisorWarning, match="already exists"):
        fit(dense(30, 1, "sigmoid"), train, callback, validation, epochs=1)
    assert os.listdir("runs/taken") == ["notes.txt"] and callback.run_dir is None
    assert callback.final_findings  # linted in memory instead


def test_data_with_nan_is_reported_and_training_unaffected():
    train, validation, _ = breast_cancer()
    x = train[0].copy()
    x[5, 3] = np.nan
    plain = dense(30, 1, "sigmoid", seed=1)
    plain_history = fit(plain, (x, train[1]), keras.callbacks.Callback(), validation, epochs=2)
    watched = dense(30, 1, "sigmoid", seed=1)
    callback = AdvisorCallback(data=(x, train[1]), validation=validation, print_fn=Printed())
    watched_history = fit(watched, (x, train[1]), callback, validation, epochs=2)
    assert "DP04" in codes(callback.findings)
    assert np.array_equal(watched_history.history["loss"], plain_history.history["loss"], equal_nan=True)


def test_data_that_is_not_arrays_gives_a_warning_and_the_model_is_still_checked():
    train, validation, _ = breast_cancer()
    callback = AdvisorCallback(data=(object(), train[1]), print_fn=Printed())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = fit(dense(30, 1, "softmax"), train, callback, validation, epochs=1)
    advisor = [w for w in caught if issubclass(w.category, AdvisorWarning)]
    assert len(advisor) == 1 and "expected a numeric samples x features array" in str(advisor[0].message)
    assert len(history.history["loss"]) == 1


def test_stop_on_names_a_severity():
    with pytest.raises(ValueError, match="stop_on"):
        AdvisorCallback(stop_on="nan")
