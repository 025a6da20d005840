"""`AdvisorCallback`: the advisor's rules inside `model.fit`.

    from advisor.integrations.keras import AdvisorCallback

    model.fit(x, y, validation_data=(x_val, y_val), epochs=40,
              callbacks=[AdvisorCallback(data=(x, y), validation=(x_val, y_val))])

- Before the first epoch it reads the compiled model through Keras' public API (the model config,
  the compile config: layers, loss, optimizer and learning rate, metrics) and runs the rules that
  need no history: the model rules (MC), and with data the data, problem and leakage rules (DP,
  PD, LK). Findings are printed once, in the text format of `advisor lint`.
- After each epoch it checks the loss so far: non-finite (TD01) and diverging (TD02), each
  reported once. `stop_on="error"` then stops training, like `TerminateOnNaN`, but explained.
- At the end it writes a run directory in the reference trainer's layout (`experiment.yaml`,
  `history.csv`, and `model.keras` with `save_model=True`), atomically and never over an existing
  directory, lints it with the project's `[tool.advisor]` settings and prints the summary; inside
  an active MLflow run the verdict is logged to it.

Keras shows callbacks neither the training data nor the validation data, so the data facts come
from what is passed here: `data` (the training arrays), `validation`, `test`. The validation and
test data are compared by their values' fingerprints, so passing the test set as validation data
is caught (LK03). Everything else the record should say (problem, metric, baseline, early
stopping) comes from `record=`, whose fields win over what the callback measured.

The callback never breaks training: a problem of the advisor itself (an unreadable model config,
a read-only folder) is reported once as an `AdvisorWarning` and training goes on unchanged. Only
backend-neutral Keras 3 API is used.
"""

from __future__ import annotations

import datetime
import os
import sys
from collections.abc import Callable
from typing import Any

import keras

from advisor.config import ResolvedConfig
from advisor.errors import InputError
from advisor.finding import Finding
from advisor.integrations import session
from advisor.integrations.session import AdvisorWarning, RecordSource
from advisor.locations import SourceMap
from advisor.rule import BEFORE_TRAINING, EACH_EPOCH, WITH_DATA

__all__ = ["AdvisorCallback", "AdvisorWarning"]

#: The severities `stop_on` accepts.
STOP_LEVELS = ("error", "warning", "info")


class AdvisorCallback(keras.callbacks.Callback):
    """Lint a Keras training run while it runs.

    Args:
        data: The training data `(x, y)` given to `fit` (arrays or a DataFrame); profiled for
            the data rules. None: no data facts.
        validation: The validation data `(x_val, y_val)` given to `fit`, if any.
        test: The held-out test data `(x_test, y_test)`, if any; never used for training.
        record: A record (path or mapping) declaring what the callback cannot see: problem,
            metric, baseline, splits, early stopping. Its fields win.
        run_dir: Where to write the run directory; must not exist. Default:
            `runs/<name>-<timestamp>` in the working directory.
        save_model: Also save the trained model as `model.keras` in the run directory (the
            record holds its layers, loss and optimizer either way).
        stop_on: "error" (or "warning") stops training after an epoch whose check found a
            finding at or above that severity; None never stops.
        verbose: Print the findings (before training, at the epoch of a problem, at the end).
        print_fn: Where printed text goes (default: standard output).

    Attributes:
        findings: Every finding printed so far (before training and per epoch).
        final_findings: The findings of the run directory (or of the final record).
        run_dir: The run directory written, or None.
        record: The record as written at the end (or as built before training).
    """

    def __init__(self, data: Any = None, validation: Any = None, test: Any = None, record: RecordSource = None,
                 run_dir: str | os.PathLike[str] | None = None, save_model: bool = False,
                 stop_on: str | None = None, verbose: bool = True, print_fn: Callable[[str], None] | None = None):
        super().__init__()
        if stop_on is not None and stop_on not in STOP_LEVELS:
            raise ValueError(f"stop_on: expected one of {', '.join(STOP_LEVELS)} or None, received {stop_on!r}")
        self._data = {"train": data, "validation": validation, "test": test}
        self._declared_source = record
        self._out = os.fspath(run_dir) if run_dir is not None else None
        self._save_model = save_model
        self._stop_on = stop_on
        self._verbose = verbose
        self._print = print_fn or _print
        self.findings: list[Finding] = []
        self.final_findings: list[Finding] = []
        self.run_dir: str | None = None
        self.record: dict[str, Any] = {}
        self._warned: set[str] = set()
        self._reset()

    def _reset(self) -> None:
        self._history: dict[str, list[float | None]] = {}
        self._epochs = 0
        self._reported: set[str] = set()
        self._config: ResolvedConfig | None = None  # None until the check before training loads it
        self._path: str | None = None
        self._sources: SourceMap | None = None
        self._stopped: str | None = None
        self._started = _now()

    # --- Keras hooks ------------------------------------------------------------------------

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._reset()
        self.findings = []
        self.final_findings = []
        self.run_dir = None
        self._guarded("could not check the model before training", self._begin)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._guarded("could not check the epoch", self._epoch_end, logs or {})

    def on_train_end(self, logs: dict | None = None) -> None:
        self._guarded("could not write or lint the run directory", self._end)

    # --- before training --------------------------------------------------------------------

    def _begin(self) -> None:
        self._config = session.load_config()
        declared = session.load_declared(self._declared_source)
        self._path = self._run_path(declared)
        filled = self._model_record()
        has_data = self._data["train"] is not None
        if has_data:
            try:
                filled = session.merged(self._data_record(declared), filled)
            except InputError as exc:  # the model is still checked
                self._warn(f"the data cannot be profiled: {exc}")
                has_data = False
        self.record = session.merged(declared, filled)
        experiment = session.experiment_of(self.record, self._record_path())
        self._sources = experiment.sources
        # What a rule can judge before the first epoch is its own declaration (`Rule.judged`).
        moments = (BEFORE_TRAINING, WITH_DATA) if has_data else (BEFORE_TRAINING,)
        config = session.only_rules(self._config, lambda rule: rule.judged in moments)
        self._report(session.lint_experiment(experiment, config), "before training", self._config)

    def _run_path(self, declared: dict[str, Any]) -> str | None:
        if self._out is not None:
            problem = session.existing_path_error(self._out)
            if problem is not None:
                self._warn(f"{problem}; no run directory will be written")
                return None
            return self._out
        name = declared.get("name") if isinstance(declared.get("name"), str) else getattr(self.model, "name", None)
        return session.default_run_path("runs", name)

    def _record_path(self) -> str:
        return os.path.join(self._path if self._path is not None else "runs/unsaved", session.RECORD_NAME)

    def _model_record(self) -> dict[str, Any]:
        """The record's `model` from the compiled model, read through Keras' public API."""
        from advisor.locations import SourceMap
        from advisor.readers.keras_config import ModelConfigReader

        model = self.model
        compiled = model.get_compile_config() if hasattr(model, "get_compile_config") else None
        if not compiled:
            self._warn("the model is not compiled: its loss, optimizer and metrics are unknown")
        try:
            config = keras.saving.serialize_keras_object(model)
            if not isinstance(config, dict) or not isinstance(config.get("config"), dict):
                raise TypeError(f"its config is {type(config).__name__}")
        except Exception as exc:  # noqa: BLE001 - a subclassed model without get_config
            self._warn(f"the model's config cannot be read ({type(exc).__name__}: {_short(exc)}); its layers are "
                       "unknown, only what it was compiled with is checked")
            config = {"class_name": type(model).__name__, "config": {}}
        config["compile_config"] = compiled
        shown = "the model"
        try:
            fields, _ = ModelConfigReader(shown, shown, SourceMap(shown)).read(config)
        except InputError as exc:
            self._warn(f"the model's config cannot be read: {exc.message}")
            fields = {}
        epochs = (self.params or {}).get("epochs")
        if isinstance(epochs, int) and epochs >= 0:
            fields["epochs"] = epochs
        return {"name": getattr(model, "name", None) or "run", "model": fields}

    def _data_record(self, declared: dict[str, Any]) -> dict[str, Any]:
        """Data profile, split sizes, and whether the validation data is the test data."""
        from advisor.integrations.arrays import as_pair, fingerprint, profile_arrays

        pairs = {split: as_pair(value, f"the {split} data") for split, value in self._data.items() if value is not None}
        problem = declared.get("problem")
        if not isinstance(problem, dict):
            problem = {}
        found = profile_arrays(pairs, problem.get("type"), problem.get("labels"))
        if "validation" in pairs and "test" in pairs:
            same = fingerprint(*pairs["validation"][:2]) == fingerprint(*pairs["test"][:2])
            found["tuning"] = {"validation_data": "test" if same else "validation"}
        return found

    # --- each epoch -------------------------------------------------------------------------

    def _epoch_end(self, logs: dict[str, Any]) -> None:
        for key, value in logs.items():
            series = self._history.setdefault(key, [None] * self._epochs)
            series.append(_number(value))
        self._epochs += 1
        for series in self._history.values():
            if len(series) < self._epochs:
                series.append(None)
        if self._config is None:
            return
        pending = session.only_rules(self._config, lambda rule: rule.judged == EACH_EPOCH and rule.code not in self._reported)
        if not pending.rules:
            return
        history = {key: values for key, values in self._history.items() if key in ("loss", "val_loss")}
        if not history:
            return
        from advisor.readers.record import validate_record

        record = {"model": self.record.get("model", {}), "history": history}
        experiment = validate_record(self._record_path(), record, self._sources or _empty_sources(self._record_path()))
        found = session.lint_experiment(experiment, pending)
        self._report(found, f"after epoch {self._epochs}", self._config)
        if self._stop_on is not None:
            from advisor.severity import Severity

            level = Severity.parse(self._stop_on).rank
            stopping = [f for f in found if f.severity.rank >= level]
            if stopping:
                self.model.stop_training = True
                self._stopped = f"stopped by AdvisorCallback after epoch {self._epochs} on {stopping[0].code}"
                self._say(f"advisor: training {self._stopped} (stop_on={self._stop_on!r})")

    # --- at the end -------------------------------------------------------------------------

    def _end(self) -> None:
        if self._config is None:
            return  # the check before training failed and said why
        record = self._final_record()
        written = None
        if self._path is not None:
            written = self._write(record, self._path)
        if written is not None:
            from advisor.lint import lint_paths

            self.run_dir = written
            result = lint_paths([written], self._config)
            self.final_findings = result.findings
            files = result.files
        else:
            experiment = session.experiment_of(record, self._record_path())
            self.final_findings = session.lint_experiment(experiment, self._config)
            files = [self._record_path()]
        text = session.render_findings(self.final_findings, files, self._config)
        where = f" of {os.path.relpath(written)}" if written is not None else ""
        self._say(f"advisor: lint{where}:\n{text}".rstrip("\n"))
        from advisor.integrations.mlflow import log_verdict

        log_verdict(self.final_findings, text, record, self._history)

    def _final_record(self) -> dict[str, Any]:
        record = dict(self.record)
        kept = {key: values for key, values in self._history.items() if values}
        if kept:
            record["history"] = kept
        run = {"status": "failed" if self._stopped else "completed", "started": self._started, "finished": _now(),
               "advisor_version": _version(), "backend": keras.backend.backend()}
        if self._stopped:
            run["message"] = self._stopped
        record["run"] = {**run, **(record.get("run") or {})} if isinstance(record.get("run"), dict) else run
        self.record = record
        return record

    def _write(self, record: dict[str, Any], path: str) -> str | None:
        """Write the run directory at `path`; the record it holds names its history and model files."""
        record = dict(record)
        files: session.RunFiles = {}
        if record.get("history"):
            files[session.HISTORY_NAME] = session.history_csv(record["history"])
            record["history"] = {"file": session.HISTORY_NAME}
        if self._save_model:
            record["model"] = {**(record.get("model") or {})}
            record["model"].setdefault("file", session.MODEL_NAME)
            files[session.MODEL_NAME] = self._saver(record)
        target = os.path.abspath(path)
        # last: saving the model may have taken model.file out of the record
        files[session.RECORD_NAME] = lambda path: _write_text(path, session.record_text(session.relocated(record, target)))
        try:
            written = session.write_run_directory(path, files)
        except OSError as exc:
            self._warn(f"could not write the run directory {path}: {exc.strerror or exc}; linted in memory")
            return None
        self.record = record
        return written

    def _saver(self, record: dict[str, Any]) -> Callable[[str], None]:
        def save(path: str) -> None:
            try:
                self.model.save(path)
            except OSError:
                raise
            except Exception as exc:  # noqa: BLE001 - a subclassed model Keras cannot serialize
                self._warn(f"the model could not be saved ({type(exc).__name__}: {_short(exc)}); "
                           "the run directory holds no model.keras")
                if record.get("model", {}).get("file") == session.MODEL_NAME:
                    del record["model"]["file"]
        return save

    # --- reporting --------------------------------------------------------------------------

    def _report(self, found: list[Finding], when: str, config: ResolvedConfig) -> None:
        new = [f for f in found if f.code not in self._reported]
        self._reported.update(f.code for f in new)
        self.findings.extend(new)
        if new:
            text = session.render_findings(new, [self._record_path()], config)
            self._say(f"advisor: {when}:\n{text}".rstrip("\n"))

    def _say(self, text: str) -> None:
        if self._verbose:
            self._print(text)

    def _warn(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            session.warn(message)

    def _guarded(self, what: str, step: Callable[..., None], *args: Any) -> None:
        """Run `step`; any failure of the advisor becomes one warning and training goes on."""
        try:
            step(*args)
        except InputError as exc:
            self._warn(f"{what}: {exc}")
        except Exception as exc:  # noqa: BLE001 - the advisor must never break training
            self._warn(f"{what}: {type(exc).__name__}: {_short(exc)}")


def _print(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text if len(text) <= 200 else text[:197] + "..."


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _version() -> str:
    from advisor import __version__

    return __version__


def _empty_sources(path: str):
    from advisor.locations import SourceMap

    return SourceMap(path)


def _write_text(path: str, text: str) -> None:
    from advisor.atomic import write_text_atomic

    write_text_atomic(path, text)

