"""Build and compile a Keras model from the record's `model` section.

Keras is imported only inside these functions, after `KERAS_BACKEND` is settled (JAX unless the
environment names another backend), so importing this module costs nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any

from advisor.names import CROSSENTROPY_LOSSES, canonical_activation, canonical_layer_type, canonical_loss, canonical_optimizer, snake

#: Keras's backend when the environment does not name one.
DEFAULT_BACKEND = "jax"
#: Epochs and batch size when the record declares none (Keras's own default of 1 epoch trains nothing).
DEFAULT_EPOCHS = 20
DEFAULT_BATCH_SIZE = 32
#: Loss classes that take `from_logits` / `label_smoothing`.
_LOSS_CLASSES = {
    "binary_crossentropy": "BinaryCrossentropy",
    "binary_focal_crossentropy": "BinaryFocalCrossentropy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "categorical_focal_crossentropy": "CategoricalFocalCrossentropy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
}
_LOSS_FUNCTIONS = {"log_cosh": "log_cosh", "kl_divergence": "kl_divergence", "huber": "huber"}


def import_keras() -> Any:
    """Import Keras on the configured backend (`KERAS_BACKEND`, default jax)."""
    os.environ.setdefault("KERAS_BACKEND", DEFAULT_BACKEND)
    import keras

    return keras


@dataclass(frozen=True)
class LayerSpec:
    """One layer as the record declares it: Keras type (snake case) and its settings."""

    type: str
    units: int | None = None
    activation: str | None = None
    rate: float | None = None
    l1: float | None = None
    l2: float | None = None


@dataclass(frozen=True)
class ModelSpec:
    """Everything needed to build, compile and fit one model; plain data, so it travels to worker
    processes.

    Args:
        layers: Input to output.
        loss: Canonical Keras loss name.
        from_logits: The loss takes logits.
        label_smoothing: For crossentropy losses.
        optimizer: Canonical optimizer name.
        learning_rate: None for the optimizer's default.
        epochs: Maximum epochs.
        batch_size: Samples per gradient step.
        early_stopping: EarlyStopping keyword arguments, or None.
        metrics: Canonical success metrics to log during training (`accuracy`, `mae`, ...).
        multilabel: The targets are multi-hot rows (for AUC-type metrics).
    """

    layers: tuple[LayerSpec, ...]
    loss: str
    from_logits: bool = False
    label_smoothing: float | None = None
    optimizer: str = "rmsprop"
    learning_rate: float | None = None
    optimizer_options: dict[str, float] = field(default_factory=dict)
    epochs: int = DEFAULT_EPOCHS
    batch_size: int = DEFAULT_BATCH_SIZE
    early_stopping: dict[str, Any] | None = None
    metrics: tuple[str, ...] = ()
    multilabel: bool = False

    @property
    def output(self) -> LayerSpec:
        """The last layer with units (the output layer)."""
        return next(layer for layer in reversed(self.layers) if layer.units is not None)

    def output_activation(self) -> str:
        """The canonical activation applied to the model's output (a trailing activation layer counts)."""
        for layer in reversed(self.layers):
            if layer.type == "activation":
                return canonical_activation(layer.activation)
            if layer.type == "softmax":
                return "softmax"
            if layer.units is not None:
                return canonical_activation(layer.activation)
        return "linear"

    def with_regularization(self, dropout: float, l2: float) -> "ModelSpec":
        """The same model with `l2` on every dense layer and a dropout layer after each hidden dense
        layer (existing dropout layers take `dropout`; 0 removes them)."""
        out_index = max(i for i, layer in enumerate(self.layers) if layer.units is not None)
        layers: list[LayerSpec] = []
        for index, layer in enumerate(self.layers):
            if layer.type == "dropout":
                continue
            layers.append(replace(layer, l2=l2 or None) if layer.units is not None else layer)
            if layer.units is not None and index < out_index and dropout > 0:
                layers.append(LayerSpec("dropout", rate=dropout))
        return replace(self, layers=tuple(layers))

    def widened(self, factor: int) -> "ModelSpec":
        """Hidden dense layers `factor` times wider."""
        out_index = max(i for i, layer in enumerate(self.layers) if layer.units is not None)
        return replace(self, layers=tuple(
            replace(layer, units=layer.units * factor) if layer.units is not None and i < out_index else layer
            for i, layer in enumerate(self.layers)))

    def deepened(self) -> "ModelSpec":
        """One more hidden dense layer, a copy of the last hidden one (or 64 relu units)."""
        dense = [i for i, layer in enumerate(self.layers) if layer.units is not None]
        hidden = [i for i in dense[:-1]]
        template = self.layers[hidden[-1]] if hidden else LayerSpec("dense", 64, "relu")
        at = hidden[-1] + 1 if hidden else dense[-1]
        layers = list(self.layers)
        layers.insert(at, replace(template, type="dense"))
        return replace(self, layers=tuple(layers))

    def architecture(self) -> str:
        """A short name of the layer stack (`dense-16-relu/dropout-0.5/dense-1-sigmoid`)."""
        parts = []
        for layer in self.layers:
            if layer.units is not None:
                parts.append(f"{layer.type}-{layer.units}-{canonical_activation(layer.activation)}")
            elif layer.rate is not None:
                parts.append(f"{layer.type}-{layer.rate:g}")
            else:
                parts.append(layer.type + (f"-{layer.activation}" if layer.activation else ""))
        return "/".join(parts)


def spec_from_record(model: Any, success_metrics: tuple[str, ...], multilabel: bool) -> ModelSpec:
    """The ModelSpec of a record's `model` section (advisor.record.Model, layers already merged from
    `model.file` by the reader).

    Raises:
        ValueError: no layers or no loss declared (the caller names the record).
    """
    if model is None or not model.layers:
        raise ValueError("model.layers is missing: declare the layers, input to output")
    if model.loss is None:
        raise ValueError("model.loss is missing: declare a Keras loss (e.g. binary_crossentropy)")
    layers = tuple(
        LayerSpec(canonical_layer_type(layer.type), layer.units, layer.activation, layer.rate, layer.l1, layer.l2)
        for layer in model.layers)
    if not any(layer.units is not None for layer in layers):
        raise ValueError("model.layers has no layer with units: the model has no output layer")
    optimizer = model.optimizer
    options = {}
    if optimizer is not None:
        options = {key: value for key, value in (("momentum", optimizer.momentum), ("weight_decay", optimizer.weight_decay))
                   if value is not None}
    early = None
    if model.early_stopping is not None:
        early = model.early_stopping.model_dump(exclude_none=True)
    return ModelSpec(
        layers=layers,
        loss=canonical_loss(model.loss.name) or model.loss.name,
        from_logits=bool(model.loss.from_logits),
        label_smoothing=model.loss.label_smoothing,
        optimizer=canonical_optimizer(optimizer.name if optimizer and optimizer.name else "rmsprop") or "rmsprop",
        learning_rate=optimizer.learning_rate if optimizer else None,
        optimizer_options=options,
        epochs=model.epochs if model.epochs is not None else DEFAULT_EPOCHS,
        batch_size=model.batch_size or DEFAULT_BATCH_SIZE,
        early_stopping=early,
        metrics=success_metrics,
        multilabel=multilabel,
    )


# --- Keras objects ------------------------------------------------------------------------------

def _layer_class(keras: Any, kind: str) -> Any:
    for name in dir(keras.layers):
        if not name[:1].isupper():
            continue
        if canonical_layer_type(name) == kind or snake(name) == kind:
            candidate = getattr(keras.layers, name)
            if isinstance(candidate, type) and issubclass(candidate, keras.layers.Layer):
                return candidate
    raise ValueError(f"unknown Keras layer type {kind!r}")


def _layer(keras: Any, spec: LayerSpec, seed: int | None = None) -> Any:
    cls = _layer_class(keras, spec.type)
    kwargs: dict[str, Any] = {}
    if seed is not None:
        kwargs.update(_seeded(keras, cls, seed))
    if spec.units is not None:
        kwargs["units"] = spec.units
    if spec.activation is not None and spec.type != "softmax":
        kwargs["activation"] = canonical_activation(spec.activation)
    if spec.rate is not None:
        kwargs["rate"] = spec.rate
    if spec.l1 or spec.l2:
        kwargs["kernel_regularizer"] = keras.regularizers.L1L2(l1=spec.l1 or 0.0, l2=spec.l2 or 0.0)
    return cls(**kwargs)


def _seeded(keras: Any, cls: Any, seed: int) -> dict[str, Any]:
    """Seeds for a layer's random parts, so building it draws nothing from Python's process-wide
    `random` (which Keras uses for unseeded layers, and which a Dask worker's own threads draw
    from while a job builds its model: the initial weights would then depend on timing)."""
    import inspect

    accepted = inspect.signature(cls.__init__).parameters
    kwargs: dict[str, Any] = {}
    if "kernel_initializer" in accepted:  # Keras' default kernel initializer, seeded
        kwargs["kernel_initializer"] = keras.initializers.GlorotUniform(seed=seed)
    if "seed" in accepted:
        kwargs["seed"] = seed
    return kwargs


def loss_object(keras: Any, spec: ModelSpec) -> Any:
    """The Keras loss the spec names, with from_logits and label smoothing where they apply."""
    options: dict[str, Any] = {}
    if spec.from_logits and spec.loss in CROSSENTROPY_LOSSES:
        options["from_logits"] = True
    if spec.label_smoothing and spec.loss in CROSSENTROPY_LOSSES and spec.loss != "sparse_categorical_crossentropy":
        options["label_smoothing"] = spec.label_smoothing
    if spec.loss in _LOSS_CLASSES:
        return getattr(keras.losses, _LOSS_CLASSES[spec.loss])(**options)
    return keras.losses.get(_LOSS_FUNCTIONS.get(spec.loss, spec.loss))


def _optimizer(keras: Any, spec: ModelSpec) -> Any:
    cls = type(keras.optimizers.get(spec.optimizer))
    options = dict(spec.optimizer_options)
    if spec.learning_rate is not None:
        options["learning_rate"] = spec.learning_rate
    return cls(**options)


def metric_objects(keras: Any, spec: ModelSpec) -> list[Any]:
    """Keras metrics that log the success metrics, named as the record names them, so the history
    holds `val_<metric>`."""
    logits = spec.from_logits and spec.loss in CROSSENTROPY_LOSSES
    binary_output = spec.output.units == 1 or spec.multilabel
    metrics: list[Any] = []
    for name in spec.metrics:
        if name == "accuracy":
            if binary_output and spec.loss not in ("sparse_categorical_crossentropy", "categorical_crossentropy"):
                metrics.append(keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0 if logits else 0.5))
            else:
                metrics.append("accuracy")
        elif name in ("mae", "mse"):
            metrics.append(name)
        elif name == "rmse":
            metrics.append(keras.metrics.RootMeanSquaredError(name="rmse"))
        elif name == "auc":
            metrics.append(keras.metrics.AUC(name="auc", from_logits=logits, multi_label=spec.multilabel))
        elif name in ("pr_auc", "average_precision", "map"):
            metrics.append(keras.metrics.AUC(name=name, curve="PR", from_logits=logits, multi_label=spec.multilabel))
        elif name in ("precision", "recall") and binary_output:
            cls = keras.metrics.Precision if name == "precision" else keras.metrics.Recall
            metrics.append(cls(name=name, thresholds=0.0 if logits else 0.5))
    return metrics


def check_model(spec: ModelSpec) -> None:
    """Make every layer, the loss, the optimizer and the metrics once, without building the model
    (cheap: no weights, nothing compiled).

    Raises:
        ValueError: a layer, loss or optimizer Keras does not know, or settings it refuses.
    """
    keras = import_keras()
    try:
        for layer in spec.layers:
            _layer(keras, layer)
        loss_object(keras, spec)
        _optimizer(keras, spec)
        metric_objects(keras, spec)
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"the model cannot be built: {exc}") from None


#: Bytes per parameter while training: float32 weights, their gradients and two optimizer slots
#: (Adam's moments; RMSprop and momentum SGD keep fewer).
TRAINING_BYTES_PER_PARAMETER = 4 * 4


def parameter_count(spec: ModelSpec, input_dim: int) -> int:
    """The model's weights and biases, counted from the layer widths (every layer with units is
    dense over the previous width; other layers keep the width)."""
    count, width = 0, input_dim
    for layer in spec.layers:
        if layer.units is not None:
            count += (width + 1) * layer.units
            width = layer.units
    return count


def physical_memory() -> int | None:
    """Bytes of physical memory of this machine (None where the system does not say)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


#: Files holding a container's memory limit (cgroup v2, then v1); a container reports the host's
#: physical memory, so the limit is what a kernel kill happens at.
_CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def memory_limit() -> tuple[int, str] | None:
    """The memory this process may use and what sets it: the machine's physical memory, a
    container's (cgroup) limit, or the process's address-space limit, whichever is smallest
    (None where nothing says)."""
    limits = []
    physical = physical_memory()
    if physical is not None:
        limits.append((physical, "this machine's"))
    for path in _CGROUP_LIMITS:
        try:
            with open(path, encoding="ascii") as handle:
                text = handle.read(64).strip()
        except (OSError, ValueError):
            continue
        if text.isdigit():
            limits.append((int(text), "the container's limit of"))
            break
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            limits.append((soft, "the process's address-space limit of"))
    except (ImportError, ValueError, OSError):
        pass
    return min(limits) if limits else None


def check_memory(spec: ModelSpec, input_dim: int) -> None:
    """Refuse a model whose training state would not fit in the memory this process may use,
    before Keras allocates it (a layer of a billion units got the process killed at 24 GB).

    Raises:
        ValueError: the estimate exceeds the memory available (see `memory_limit`).
    """
    parameters = parameter_count(spec, input_dim)
    needed = parameters * TRAINING_BYTES_PER_PARAMETER
    limit = memory_limit()
    if limit is not None and needed > limit[0]:
        raise ValueError(f"the model has about {parameters:,} parameters over {input_dim} inputs: training them needs "
                         f"about {needed / 2**30:,.1f} GiB (float32 weights, gradients and optimizer state), more than "
                         f"{limit[1]} {limit[0] / 2**30:,.1f} GiB of memory; declare fewer units")


def build_model(spec: ModelSpec, input_dim: int, seed: int | None = None) -> Any:
    """A compiled Sequential model over `input_dim` features.

    Args:
        spec: The layers, loss, optimizer and metrics.
        input_dim: The number of input features.
        seed: Seeds every layer's initializer and dropout (layer `i` gets `seed * 1000 + i`), so
            the model is the same whatever else the process does meanwhile; None leaves Keras'
            unseeded defaults.

    Raises:
        ValueError: a layer, loss or optimizer Keras does not know, or settings it refuses, or a
            model too large for this machine's memory.
    """
    check_memory(spec, input_dim)  # prepare() checks the declared model; this, the wider ones scale-up derives
    keras = import_keras()
    try:
        model = keras.Sequential([keras.Input(shape=(input_dim,))] + [
            _layer(keras, layer, None if seed is None else seed * 1000 + index) for index, layer in enumerate(spec.layers)])
        model.compile(optimizer=_optimizer(keras, spec), loss=loss_object(keras, spec), metrics=metric_objects(keras, spec))
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"the model cannot be built: {exc}") from None
    return model
