"""Read a training script's statements in order and follow what each name holds.

A light def-use analysis: assignments (with tuple unpacking), subscripts, method chains, loops and
functions (a called function's body is read at the call, with its arguments bound). It follows the
rows of the data (all, train, validation, test) through splits, loaders and transforms, the Keras
model being built, and scikit-learn objects, and notes the facts the record needs in `Facts`.
Anything it cannot follow is unknown and leaves no fact behind.
"""

from __future__ import annotations

import ast
import math
import os
import sys
from typing import Any

from advisor.locations import Location
from advisor.names import snake
from advisor.readers.source import keras_calls as kc
from advisor.readers.source.facts import Facts, LoopFrame
from advisor.readers.source.imports import Imports
from advisor.readers.source.known import (
    BUNDLED_DATASETS,
    DATA_LOADERS,
    ESTIMATOR_MODULES,
    EVALUATIONS,
    FITS,
    PREPROCESSING_MODULES,
    PREPROCESSING_STEPS,
    SAME_ROWS,
    SCORES,
    SPLITTERS,
    TRANSFORM_FITS,
)
from advisor.readers.source.parse import Unit
from advisor.readers.source.values import (
    Bunch,
    Const,
    Estimator,
    FoldIndex,
    Function,
    Items,
    KerasModel,
    LayerValue,
    Order,
    Origin,
    Reference,
    Rows,
    Splitter,
    Tensor,
    grid_size,
    role_of_name,
)

#: Functions are read inline at most this deep (recursion is never followed).
MAX_CALL_DEPTH = 4
_LABEL_NAME = ("y", "target", "targets", "label", "labels")
_FEATURE_NAME = ("x", "features", "inputs")
_SEARCHES = {"GridSearchCV", "RandomizedSearchCV", "HalvingGridSearchCV", "HalvingRandomSearchCV"}
_CROSS_VALIDATION = {"cross_val_score", "cross_validate", "cross_val_predict"}
#: The try statements (try/except* is new in Python 3.11).
if sys.version_info >= (3, 11):
    _TRY_NODES: tuple[type[ast.Try | ast.TryStar], ...] = (ast.Try, ast.TryStar)
else:
    _TRY_NODES = (ast.Try,)


def _names_a(name: str, words: tuple[str, ...]) -> bool:
    first = name.lower().split("_")[0]
    return first in words


class Interpreter:
    """Walks the code units of one script or notebook and collects `Facts`."""

    def __init__(self, units: list[Unit], base: str):
        self.units = units
        self.base = base
        self.imports = Imports()
        self.env: dict[str, Any] = {}
        self.facts = Facts()
        self.facts.locate = self.locate
        self.loops: list[LoopFrame] = []
        self.active: list[ast.AST] = []
        self.returned: list[Any] = []
        self.unit = units[0] if units else None
        self._lines: list[str] = []

    # --- entry ---

    def run(self) -> Facts:
        for unit in self.units:
            self.unit = unit
            self._lines = unit.text.splitlines()
            self.block(unit.tree.body)
        return self.facts

    def locate(self, node: ast.AST) -> Location:
        """The 1-based line and column (in characters, as editors count) of `node`."""
        line = getattr(node, "lineno", None)
        offset = getattr(node, "col_offset", None)
        column = None
        if line is not None and offset is not None:
            text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
            column = offset + 1 if text.isascii() else len(text.encode("utf-8")[:offset].decode("utf-8", "ignore")) + 1
        return Location(self.unit.path if self.unit else "", line, column)

    # --- statements ---

    def block(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            try:
                self.statement(statement)
            except RecursionError:
                continue  # too deep to follow: what it would have told stays unknown
            if self.returned and self.returned[-1] is not _NOT_RETURNED:
                return

    def statement(self, node: ast.stmt) -> None:
        self.facts.target_names = []
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self.imports.add(node)
            for alias in node.names:
                self.env.pop((alias.asname or alias.name).split(".")[0], None)
        elif isinstance(node, ast.Assign):
            self.facts.target_names = [n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
            value = self.eval(node.value)
            for target in node.targets:
                self.bind(target, value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self.bind(node.target, self.eval(node.value))
        elif isinstance(node, ast.AugAssign):
            self.eval(node.value)
            if isinstance(node.target, ast.Name):
                self.env[node.target.id] = None
        elif isinstance(node, ast.Expr):
            self.eval(node.value)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.loop(node)
        elif isinstance(node, ast.While):
            self.eval(node.test)
            self.loops.append(LoopFrame(None))
            self.block(node.body)
            self.loops.pop()
            self.block(node.orelse)
        elif isinstance(node, ast.If):
            if not _is_main_guard(node.test):
                self.eval(node.test)
            self.block(node.body)
            self.block(node.orelse)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                value = self.eval(item.context_expr)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, value)
            self.block(node.body)
        elif isinstance(node, _TRY_NODES):
            self.block(node.body)
            for handler in node.handlers:
                self.block(handler.body)
            self.block(node.orelse)
            self.block(node.finalbody)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.env[node.name] = Function(node)
        elif isinstance(node, ast.ClassDef):
            self.env[node.name] = None  # a subclassed model or a custom object: not guessed
        elif isinstance(node, ast.Return) and self.returned:
            self.returned[-1] = self.eval(node.value) if node.value is not None else None

    def loop(self, node: ast.For | ast.AsyncFor) -> None:
        iterable = self.eval(node.iter)
        count, element, folds = _iteration(iterable)
        inner = iterable.inner if isinstance(iterable, _Enumerated) else iterable
        if isinstance(inner, _Folds):
            self.facts.cross_validation(None, None, inner.splitter, None, inner.splitter.location, self.loops)
        self.bind(node.target, element)
        names = [n.id.lower() for n in ast.walk(node.target) if isinstance(n, ast.Name)]
        repeats = any(word in name for name in names for word in ("seed", "fold", "repeat"))
        self.loops.append(LoopFrame(count, folds or repeats))
        self.block(node.body)
        self.loops.pop()
        self.block(node.orelse)

    def bind(self, target: ast.expr, value: Any) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = self._named(target.id, value, target)
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = _unpacked(value, len(target.elts))
            for element, item in zip(target.elts, items):
                self.bind(element, item)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, None)

    def _named(self, name: str, value: Any, node: ast.AST) -> Any:
        """Naming conventions complete what the data flow shows: `X_test` holds test rows when it
        comes straight from a split or a slice; `y = df["label"]` names the target column."""
        if not isinstance(value, Rows):
            return value
        if value.fresh:
            role = role_of_name(name)
            if role is not None and role != value.role:
                if role in ("test", "validation") and value.role in ("all", None):
                    self.facts.split_event("holdout")
                value = value.derived(role=role)
            else:
                value = value.derived()
        origin = value.origin
        if value.column and _names_a(name, _LABEL_NAME):
            if origin.target is None or origin.target_from_drop:
                origin.target, origin.target_location, origin.target_from_drop = value.column, self.locate(node), False
            value = value.derived(target=True)
        elif value.dropped and _names_a(name, _FEATURE_NAME) and origin.target is None:
            # `X = df.drop(columns=["y"])`: probably the target; `y = df["label"]` says for sure
            origin.target, origin.target_location, origin.target_from_drop = value.dropped, self.locate(node), True
        return value

    # --- expressions ---

    def eval(self, node: ast.expr | None) -> Any:
        if node is None:
            return None
        if isinstance(node, ast.Constant):
            return Const(node.value)
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return self.env[node.id]
            qualified = self.imports.qualify(node)
            return Reference(qualified) if qualified else None
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Subscript):
            return self.subscript(self.eval(node.value), node.slice)
        if isinstance(node, (ast.Tuple, ast.List)):
            items = [self.eval(element) for element in node.elts]
            if all(isinstance(item, Const) for item in items):
                values = [item.value for item in items]
                return Const(tuple(values) if isinstance(node, ast.Tuple) else values)
            return Items(items)
        if isinstance(node, ast.Dict):
            keys = [self.eval(key) for key in node.keys]
            values = [self.eval(value) for value in node.values]
            if all(isinstance(item, Const) for item in (*keys, *values)):
                try:
                    return Const({key.value: value.value for key, value in zip(keys, values)})
                except TypeError:  # an unhashable key
                    return None
            return None
        if isinstance(node, ast.UnaryOp):
            operand = self.eval(node.operand)
            if isinstance(node.op, ast.USub) and kc.number(operand) is not None:
                return Const(-operand.value)
            return operand if isinstance(node.op, ast.UAdd) else None
        if isinstance(node, ast.BinOp):
            left, right = self.eval(node.left), self.eval(node.right)
            rows = left if isinstance(left, Rows) else right if isinstance(right, Rows) else None
            if rows is not None and not (isinstance(left, Rows) and isinstance(right, Rows)):
                return rows.derived()  # X / 255: the same rows, rescaled
            return _arithmetic(node.op, left, right)
        if isinstance(node, ast.Call):
            return self.call(node)
        for child in ast.iter_child_nodes(node):  # comprehensions, f-strings: read the calls inside
            if isinstance(child, ast.expr):
                self.eval(child)
        return None

    def attribute(self, node: ast.Attribute) -> Any:
        root = _root_name(node)
        if root is not None and root not in self.env:
            qualified = self.imports.qualify(node)
            return Reference(qualified) if qualified else None
        base = self.eval(node.value)
        if isinstance(base, Bunch):
            return _bunch_member(base, node.attr)
        if isinstance(base, Rows) and node.attr in SAME_ROWS | {"T"}:
            return base.derived()
        if isinstance(base, Rows) and node.attr not in ("shape", "columns", "dtypes", "index", "size"):
            return base.derived(column=node.attr)  # df.label
        return None

    def subscript(self, base: Any, key_node: ast.expr) -> Any:
        if isinstance(key_node, ast.Slice):
            for part in (key_node.lower, key_node.upper, key_node.step):
                self.eval(part)
            if isinstance(base, Rows):
                return base.derived(fresh=True)
            return None
        key = self.eval(key_node)
        if isinstance(base, Bunch):
            return _bunch_member(base, key.value) if isinstance(key, Const) and isinstance(key.value, str) else None
        if isinstance(base, Items) and kc.integer(key) is not None:
            index = key.value
            return base.items[index] if -len(base.items) <= index < len(base.items) else None
        if isinstance(base, Const) and isinstance(key, Const):
            try:
                return Const(base.value[key.value])
            except (TypeError, KeyError, IndexError):
                return None
        if not isinstance(base, Rows):
            return None
        if isinstance(key, Const) and isinstance(key.value, str):
            return base.derived(column=key.value)
        if isinstance(key, Const) and isinstance(key.value, list) and all(isinstance(k, str) for k in key.value):
            return base.derived()
        if isinstance(key, Order):
            return base.derived(order=key.by)
        if isinstance(key, FoldIndex):
            return base.derived(role=key.role if base.role in ("all", "train", None) else base.role, order=None)
        if isinstance(key, Const) and isinstance(key.value, tuple):
            return base.derived(fresh=any(isinstance(part, slice) for part in key.value))
        if isinstance(key_node, ast.Tuple) and any(isinstance(part, ast.Slice) for part in key_node.elts):
            return base.derived()  # X[:, 1:]: columns
        # An index or mask we cannot read: the order is unknown, and a name such as X_test may say
        # which rows it selects (a split by hand).
        return base.derived(order=None, fresh=True)

    # --- calls ---

    def arguments(self, node: ast.Call) -> kc.Args:
        positional = [self.eval(arg) for arg in node.args]
        keywords: dict[str, Any] = {}
        nodes: dict[str, ast.AST] = {}
        for keyword in node.keywords:
            value = self.eval(keyword.value)
            if keyword.arg is not None:
                keywords[keyword.arg] = value
                nodes[keyword.arg] = keyword.value
        kc.modern_keywords(keywords, nodes)
        return kc.Args(positional, keywords, nodes, node)

    def call(self, node: ast.Call) -> Any:
        func = node.func
        if isinstance(func, ast.Attribute):
            root = _root_name(func)
            if root is not None and root not in self.env:
                qualified = self.imports.qualify(func)
                args = self.arguments(node)
                return self.library(qualified, args) if qualified else None
            receiver = self.eval(func.value)
            return self.method(receiver, func.attr, self.arguments(node))
        if isinstance(func, ast.Name) and func.id not in self.env:
            qualified = self.imports.qualify(func)
            args = self.arguments(node)
            if qualified:
                return self.library(qualified, args)
            return self.builtin(func.id, args)
        callee = self.eval(func)
        args = self.arguments(node)
        if isinstance(callee, Function):
            return self.inline(callee, args)
        if isinstance(callee, LayerValue):
            return _apply_layer(callee, args.get("inputs", 0), len(self.loops))
        if isinstance(callee, KerasModel):
            return Tensor(None)
        if isinstance(callee, Reference):
            return self.library(callee.name, args)
        return None

    def builtin(self, name: str, args: kc.Args) -> Any:
        if name in ("range",) and all(kc.integer(value) is not None for value in args.positional) and args.positional:
            bounds = [value.value for value in args.positional]
            try:
                return Const(range(*bounds))
            except (TypeError, ValueError):
                return None
        if name in ("list", "tuple", "sorted", "reversed") and args.positional:
            first = args.positional[0]
            return first if isinstance(first, (Const, Items)) else None
        if name == "enumerate" and args.positional:
            return _Enumerated(args.positional[0])
        if name in ("float", "int") and args.positional and kc.number(args.positional[0]) is not None:
            return Const((float if name == "float" else int)(args.positional[0].value))
        return None

    def inline(self, function: Function, args: kc.Args) -> Any:
        node = function.node
        if len(self.active) >= MAX_CALL_DEPTH or node in self.active:
            return None
        saved = self.env
        self.env = dict(saved)
        parameters = node.args
        names = [a.arg for a in [*parameters.posonlyargs, *parameters.args]]
        defaults = [None] * (len(names) - len(parameters.defaults)) + list(parameters.defaults)
        for index, (name, default) in enumerate(zip(names, defaults)):
            if name in args.keywords:
                self.env[name] = args.keywords[name]
            elif index < len(args.positional):
                self.env[name] = args.positional[index]
            else:
                self.env[name] = self.eval(default) if default is not None else None
        for parameter, default in zip(parameters.kwonlyargs, parameters.kw_defaults):
            self.env[parameter.arg] = args.keywords.get(parameter.arg, self.eval(default) if default else None)
        self.active.append(node)
        self.returned.append(_NOT_RETURNED)
        try:
            self.block(node.body)
            result = self.returned[-1]
        finally:
            self.returned.pop()
            self.active.pop()
            self.env = saved
        return None if result is _NOT_RETURNED else result

    # --- library functions and classes ---

    def library(self, name: str, args: kc.Args) -> Any:
        module, _, cls = name.rpartition(".")
        if name.startswith("keras."):
            return self.keras(module, cls, args)
        if name.startswith("sklearn.") or module in ESTIMATOR_MODULES or module.split(".")[0] in ("xgboost", "lightgbm"):
            return self.sklearn(module, cls, args)
        if name in DATA_LOADERS:
            return self.load_data(name, args)
        if name in ("numpy.argsort",):
            first = args.get("a", 0)
            return Order("target" if isinstance(first, Rows) and first.target else "unknown")
        if name in ("numpy.random.permutation",):
            return Order("shuffled")
        if name == "numpy.random.default_rng" or name == "numpy.random.RandomState":
            return _Generator()
        if name.startswith("numpy.random.") and name.rsplit(".", 1)[-1] in _RANDOM_ROWS:
            return Rows("all", Origin(), fresh=True)
        if name in ("numpy.concatenate", "numpy.vstack", "numpy.hstack", "numpy.row_stack", "pandas.concat"):
            return _concatenated(args.get("objs", 0), stacked=not name.endswith("hstack"))
        if name.split(".")[0] in ("numpy", "pandas") and name.rsplit(".", 1)[-1] in SAME_ROWS:
            first = args.get("a", 0)
            return first.derived() if isinstance(first, Rows) else None
        return None

    def keras(self, module: str, cls: str, args: kc.Args) -> Any:
        if module.startswith("keras.layers") or (module == "keras" and cls == "Input"):
            if cls == "Input":
                return Tensor([], len(self.loops))
            if cls[:1].islower():  # layers.concatenate([...]), layers.add(...): branches merge
                return Tensor(None)
            found = kc.layer(cls, args, self.locate)
            return found if found is not None else Tensor([])
        if cls == "Sequential":
            return self.sequential(args)
        if cls in ("Model", "Functional"):
            outputs = args.get("outputs", 1)
            if isinstance(outputs, Items) and outputs.items:
                outputs = outputs.items[0]
            layers = outputs.layers if isinstance(outputs, Tensor) else None
            return KerasModel(list(layers) if layers is not None else None, self.locate(args.call))
        if module.startswith("keras.regularizers"):
            return kc.regularizer_call(cls, args)
        if module.startswith("keras.losses"):
            return kc.loss_object(cls, args, self.locate) if cls[:1].isupper() else None
        if module.startswith("keras.optimizers"):
            return kc.optimizer_object(cls, args, self.locate) if cls[:1].isupper() else None
        if module.startswith("keras.callbacks"):
            return kc.callback(cls, args, self.locate)
        if module.startswith("keras.metrics") and cls[:1].isupper():
            name = kc.text(args.get("name"))
            return Const(name or snake(cls))
        if module.startswith("keras.datasets") and cls == "load_data":
            origin = Origin(bundled=module.rsplit(".", 1)[-1])
            return Items([Items([Rows("train", origin), Rows("train", origin, target=True)]),
                          Items([Rows("test", origin), Rows("test", origin, target=True)])])
        if cls == "to_categorical":
            first = args.get("y", 0)
            return first.derived() if isinstance(first, Rows) else None
        return None

    def sequential(self, args: kc.Args) -> KerasModel:
        given = args.get("layers", 0)
        layers: list[LayerValue] | None = []
        if isinstance(given, Items):
            layers = _layer_list(given.items)
        elif args.has("layers", 0) and not (isinstance(given, Const) and given.value in ([], ())):
            layers = None
        return KerasModel(layers, self.locate(args.call), depth=len(self.loops))

    def sklearn(self, module: str, cls: str, args: kc.Args) -> Any:
        where = self.locate(args.call)
        if module.startswith("sklearn.metrics"):
            if any(isinstance(value, Rows) and value.role == "test" and value.target for value in args.positional):
                self.facts.metric_on_test(where, self.loops)
            return None
        if cls == "train_test_split":
            return self.split(args)
        if cls in SPLITTERS:
            protocol, method = SPLITTERS[cls]
            folds = kc.integer(args.get("n_splits", 0))
            return Splitter(protocol, folds if folds is not None else 5, method, where)
        if cls in _CROSS_VALIDATION:
            self.facts.fit_calls += 1
            self.cross_validate(args)
            return None
        if cls in _SEARCHES:
            estimator = args.get("estimator", 0)
            search = Estimator(cls, "search", where, [estimator] if isinstance(estimator, Estimator) else [],
                               params={"cv": args.get("cv"), "grid": args.get("param_grid", 1) if "Grid" in cls else None,
                                       "n_iter": args.get("n_iter"), "scoring": args.get("scoring"),
                                       "scoring_location": self.locate(args.node("scoring"))})
            return search
        if cls == "ParameterGrid":
            size = grid_size(args.get("param_grid", 0))
            return Const(range(size)) if size is not None else None
        if cls in ("Pipeline", "make_pipeline", "ColumnTransformer", "make_column_transformer", "FeatureUnion",
                   "make_union"):
            return Estimator(cls, "pipeline", where, _pipeline_steps(cls, args))
        if cls in PREPROCESSING_STEPS and module.startswith(PREPROCESSING_MODULES):
            step = Estimator(cls, "step", where)
            step.step_index = self.facts.add_step(PREPROCESSING_STEPS[cls], where)
            return step
        if module == "sklearn.dummy":
            strategy = kc.text(args.get("strategy", 0))
            self.facts.baseline(cls, strategy, where)
            return Estimator(cls, "dummy", where)
        if module.startswith("sklearn.datasets") and cls.startswith("load_"):
            return self.bundled(cls[len("load_"):], args)
        if module.startswith("sklearn.datasets") and cls.startswith("make_"):
            origin = Origin()
            samples = kc.integer(args.get("n_samples", 0))
            if samples is not None and samples > 0:
                self.facts.set("/data/samples", samples, self.locate(args.node("n_samples", 0)))
            return Items([Rows("all", origin), Rows("all", origin, target=True)])
        if cls == "shuffle" and module == "sklearn.utils":
            shuffled = [value.derived(order=None) if isinstance(value, Rows) else None for value in args.positional]
            return shuffled[0] if len(shuffled) == 1 else Items(shuffled)
        if module.startswith(ESTIMATOR_MODULES) or module.split(".")[0] in ("xgboost", "lightgbm"):
            return Estimator(cls, "model", where)
        return None

    def bundled(self, name: str, args: kc.Args) -> Any:
        known = BUNDLED_DATASETS.get(name)
        origin = Origin(bundled=name if known else None)
        if known:
            self.facts.bundled_dataset(name, known, self.locate(args.call))
        order = known.get("ordered_by") if known else None
        features = Rows("all", origin, order=order, fresh=True)
        labels = Rows("all", origin, order=order, fresh=True, target=True)
        if kc.boolean(args.get("return_X_y")):
            return Items([features, labels])
        return Bunch(features)

    def load_data(self, name: str, args: kc.Args) -> Any:
        path = kc.text(args.get("filepath_or_buffer" if name.startswith("pandas") else "file", 0))
        origin = Origin()
        role = "all"
        if path is not None and "://" not in path:
            origin.path, origin.path_location = path, self.locate(args.node("filepath_or_buffer", 0))
            named = role_of_name(os.path.splitext(os.path.basename(path))[0])
            role = named or "all"
            self.facts.data_file(origin, role)
        parse_dates = args.get("parse_dates")
        if isinstance(parse_dates, Const) and isinstance(parse_dates.value, list) and len(parse_dates.value) == 1:
            origin.time_column = str(parse_dates.value[0])
        rows = Rows(role, origin, fresh=True)
        return Bunch(rows) if name == "numpy.load" and path and path.lower().endswith(".npz") else rows

    # --- methods ---

    def method(self, receiver: Any, name: str, args: kc.Args) -> Any:
        if name in FITS or name in TRANSFORM_FITS:
            self.facts.fit_calls += 1
        if isinstance(receiver, KerasModel):
            return self.model_method(receiver, name, args)
        if isinstance(receiver, Estimator):
            return self.estimator_method(receiver, name, args)
        if isinstance(receiver, Splitter) and name == "split":
            return _Folds(receiver)
        if isinstance(receiver, Rows):
            return self.rows_method(receiver, name, args)
        if isinstance(receiver, _Generator):
            if name == "permutation":
                return Order("shuffled")
            return Rows("all", Origin(), fresh=True) if name in _RANDOM_ROWS else None
        if isinstance(receiver, LayerValue) and name == "adapt":
            self.facts.fitted_step(self.facts.add_step("standardize", self.locate(args.call)),
                                   args.get("data", 0), self.locate(args.call), self.loops)
            return None
        if isinstance(receiver, Bunch) and name in ("get",):
            key = args.get("key", 0)
            return _bunch_member(receiver, key.value) if isinstance(key, Const) and isinstance(key.value, str) else None
        if receiver is None and name in EVALUATIONS:
            self.facts.evaluated(None, args.get("x", 0), args.call, self.locate(args.call), self.loops, name in SCORES)
        return None

    def rows_method(self, rows: Rows, name: str, args: kc.Args) -> Any:
        if name == "pop":
            column = kc.text(args.get("item", 0))
            return rows.derived(column=column)
        if name == "drop":
            columns = args.get("columns")
            if columns is None and kc.integer(args.get("axis")) == 1 or kc.text(args.get("axis")) == "columns":
                columns = args.get("labels", 0)
            dropped = columns.value if isinstance(columns, Const) else None
            if isinstance(dropped, (list, tuple)) and len(dropped) == 1:
                dropped = dropped[0]
            return rows.derived(dropped=dropped if isinstance(dropped, str) else None)
        if name == "sort_values":
            by = args.get("by", 0)
            column = by.value if isinstance(by, Const) else None
            if isinstance(column, (list, tuple)) and column:
                column = column[0]
            return rows.derived(order=column if isinstance(column, str) else "unknown")
        if name == "sample":
            return rows.derived(order=None)
        if name in SAME_ROWS or name in ("reset_index", "dropna", "fillna", "rename", "assign", "replace", "map",
                                         "apply", "drop_duplicates", "select_dtypes", "head", "tail"):
            keeps_rows = name not in ("head", "tail", "drop_duplicates")
            return rows.derived() if keeps_rows else rows.derived(fresh=True)
        if name == "argsort":
            return Order("target" if rows.target else "unknown")
        return None

    def model_method(self, model: KerasModel, name: str, args: kc.Args) -> Any:
        where = self.locate(args.call)
        if name == "add":
            layer = args.get("layer", 0)
            if len(self.loops) > model.depth:
                model.layers = None  # added in a loop: how many times is not followed
            if model.layers is not None:
                if isinstance(layer, LayerValue):
                    model.layers.append(layer)
                elif not (isinstance(layer, Tensor) and layer.layers == []):
                    model.layers = None
            return None
        if name == "compile":
            self.compile(model, args)
            self.facts.compiled(model)
            return None
        if name in FITS:
            x = args.get("x", 0)
            self.facts.model_fit(model, x, args, where, self.loops)
            return None
        if name in EVALUATIONS:
            self.facts.evaluated(model, args.get("x", 0), args.call, where, self.loops, name in SCORES)
        return None

    def compile(self, model: KerasModel, args: kc.Args) -> None:
        model.compiled = {}
        model.locations = {}
        found = kc.loss(args.get("loss", 1), args.node("loss", 1), self.locate) if args.has("loss", 1) else None
        if found is not None:
            model.compiled["loss"], locations = found
            model.locations.update({"/loss" + key: value for key, value in locations.items()})
        optimizer = args.get("optimizer", 0) if args.has("optimizer", 0) else Const("rmsprop")
        found = kc.optimizer(optimizer, args.node("optimizer", 0), self.locate)
        if found is not None:
            model.compiled["optimizer"], locations = found
            model.locations.update({"/optimizer" + key: value for key, value in locations.items()})
        metrics = args.get("metrics")
        names = metrics.value if isinstance(metrics, Const) and isinstance(metrics.value, (list, tuple)) else (
            [item.value if isinstance(item, Const) else None for item in metrics.items] if isinstance(metrics, Items) else None)
        if names and all(isinstance(name, str) for name in names):
            model.compiled["metrics"] = list(dict.fromkeys(names))
            model.locations["/metrics"] = self.locate(args.node("metrics"))

    def estimator_method(self, estimator: Estimator, name: str, args: kc.Args) -> Any:
        where = self.locate(args.call)
        rows = args.get("X", 0)
        if name in TRANSFORM_FITS or name in FITS:
            self.facts.estimator_fit(estimator, rows, args, where, self.loops)
            if name == "fit_transform" and isinstance(rows, Rows):
                return rows.derived()
            return estimator if name in FITS else None
        if name == "transform" or name == "inverse_transform":
            return rows.derived() if isinstance(rows, Rows) else None
        if name in EVALUATIONS:
            self.facts.evaluated(estimator, rows, args.call, where, self.loops, name in SCORES)
        return None

    def split(self, args: kc.Args) -> Any:
        arrays = args.positional
        held_out = self.facts.train_test_split(args, arrays, self.locate)
        out: list[Any] = []
        for value in arrays:
            if isinstance(value, Rows):
                order = value.order if kc.boolean(args.get("shuffle")) is False else None
                out += [value.derived(role="train" if value.role in ("all", "train", None) else value.role,
                                      order=order, fresh=True),
                        value.derived(role=held_out if value.role in ("all", "train", None) else value.role,
                                      order=order, fresh=True)]
            else:
                out += [None, None]
        return Items(out)

    def cross_validate(self, args: kc.Args) -> None:
        estimator = args.get("estimator", 0)
        rows = args.get("X", 1)
        self.facts.cross_validation(estimator, rows, args.get("cv"), args.node("cv"), self.locate(args.call), self.loops)
        self.facts.scoring(args.get("scoring"), self.locate(args.node("scoring")))


class _Marker:
    pass


_NOT_RETURNED = _Marker()


#: numpy.random functions (and Generator methods) that draw a synthetic data set.
_RANDOM_ROWS = {"normal", "rand", "randn", "uniform", "integers", "randint", "random", "binomial", "standard_normal"}


class _Generator:
    """A numpy random generator (`np.random.default_rng(0)`)."""


class _Folds:
    """What `splitter.split(X, y)` returns: one (train, validation) index pair per fold."""

    def __init__(self, splitter: Splitter):
        self.splitter = splitter


class _Enumerated:
    def __init__(self, inner: Any):
        self.inner = inner


def _iteration(iterable: Any) -> tuple[int | None, Any, bool]:
    """(iterations when known, the value bound to the loop target, whether the loop runs folds)."""
    if isinstance(iterable, _Enumerated):
        count, element, folds = _iteration(iterable.inner)
        return count, Items([None, element]), folds
    if isinstance(iterable, _Folds):
        element = Items([FoldIndex("train"), FoldIndex("validation")])
        return iterable.splitter.folds, element, True
    if isinstance(iterable, Const) and isinstance(iterable.value, (list, tuple, range, dict)):
        return len(iterable.value), None, False
    if isinstance(iterable, Items):
        return len(iterable.items), None, False
    return None, None, False


def _unpacked(value: Any, count: int) -> list[Any]:
    if isinstance(value, Items) and len(value.items) == count:
        return value.items
    if isinstance(value, Const) and isinstance(value.value, (list, tuple)) and len(value.value) == count:
        return [Const(item) for item in value.value]
    return [None] * count


def _arithmetic(op: ast.operator, left: Any, right: Any) -> Any:
    a, b = kc.number(left), kc.number(right)
    if a is None or b is None:
        return None
    a, b = left.value, right.value
    try:
        if isinstance(op, ast.Add):
            return Const(a + b)
        if isinstance(op, ast.Sub):
            return Const(a - b)
        if isinstance(op, ast.Mult):
            return Const(a * b)
        if isinstance(op, ast.Div):
            return Const(a / b)
        if isinstance(op, ast.FloorDiv):
            return Const(a // b)
        if isinstance(op, ast.Pow) and abs(b) <= 64:
            result = a ** b
            return Const(result) if isinstance(result, (int, float)) and not (
                isinstance(result, float) and math.isinf(result)) else None
    except (ZeroDivisionError, OverflowError):
        return None
    return None


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_main_guard(test: ast.expr) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__")


def _bunch_member(bunch: Bunch, key: str) -> Any:
    rows = bunch.rows
    lowered = key.lower()
    role = role_of_name(lowered) or rows.role
    if lowered in ("target", "y", "labels", "label") or lowered.startswith("y_"):
        return rows.derived(role=role, target=True, fresh=True)
    if lowered in ("data", "x", "features") or lowered.startswith("x_"):
        return rows.derived(role=role, fresh=True)
    if lowered == "frame":
        return rows.derived()
    return None


def _apply_layer(layer: LayerValue, inputs: Any, depth: int) -> Tensor:
    """The tensor after `layer`; unknown when a loop repeats the call (read once, run many times)."""
    if isinstance(inputs, Tensor) and inputs.layers is not None and depth <= inputs.depth:
        return Tensor([*inputs.layers, layer], inputs.depth)
    return Tensor(None)


def _concatenated(parts: Any, stacked: bool) -> Any:
    if not isinstance(parts, Items) or not all(isinstance(part, Rows) for part in parts.items) or not parts.items:
        return None
    roles = {part.role for part in parts.items}
    first = parts.items[0]
    if not stacked or len(roles) == 1:
        return first.derived(order=None) if stacked else first.derived()
    if roles == {"train", "validation"}:
        return first.derived(role="train+validation", order=None)
    if "test" in roles:
        return first.derived(role="all", order=None)
    return first.derived(role=None, order=None)


def _pipeline_steps(cls: str, args: kc.Args) -> list[Estimator]:
    """The estimators of a Pipeline, make_pipeline or ColumnTransformer call."""
    if cls.startswith("make_"):
        candidates = list(args.positional)
    else:
        given = args.get("steps" if cls == "Pipeline" else "transformers" if cls == "ColumnTransformer" else
                         "transformer_list", 0)
        candidates = []
        for item in given.items if isinstance(given, Items) else []:
            if isinstance(item, Items) and len(item.items) >= 2:
                candidates.append(item.items[1])
    steps: list[Estimator] = []
    for candidate in candidates:
        if isinstance(candidate, Items) and len(candidate.items) >= 1:  # make_column_transformer((scaler, cols))
            candidate = candidate.items[0]
        if isinstance(candidate, Estimator):
            steps.append(candidate)
    return steps


def _layer_list(items: list[Any]) -> list[LayerValue] | None:
    """The layers of a `Sequential([...])` list (an input tensor adds none), or None when an item is
    something this reader cannot read: the layer list is then unknown."""
    layers: list[LayerValue] = []
    for item in items:
        if isinstance(item, LayerValue):
            layers.append(item)
        elif not (isinstance(item, Tensor) and item.layers == []):
            return None
    return layers
