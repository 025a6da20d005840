"""Canonical spellings of the Keras names a record may use.

Keras accepts several spellings of one thing: `mse`, `mean_squared_error`, `MeanSquaredError`;
`activation: null` and a missing activation both mean linear. Rules compare canonical names only.
"""

from __future__ import annotations

import re

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake(name: str) -> str:
    """`BinaryCrossentropy` -> `binary_crossentropy`; `keras.losses.MSE` -> `mse`."""
    name = name.strip().rsplit(".", 1)[-1]
    if not name.isupper():
        name = _CAMEL.sub("_", name)
    return name.lower().replace("-", "_")


LOSS_ALIASES = {
    "binary_crossentropy": "binary_crossentropy",
    "bce": "binary_crossentropy",
    "binary_cross_entropy": "binary_crossentropy",
    "binary_focal_crossentropy": "binary_focal_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "cce": "categorical_crossentropy",
    "categorical_cross_entropy": "categorical_crossentropy",
    "categorical_focal_crossentropy": "categorical_focal_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "sparse_categorical_cross_entropy": "sparse_categorical_crossentropy",
    "mse": "mse",
    "mean_squared_error": "mse",
    "mae": "mae",
    "mean_absolute_error": "mae",
    "mape": "mape",
    "mean_absolute_percentage_error": "mape",
    "msle": "msle",
    "mean_squared_logarithmic_error": "msle",
    "huber": "huber",
    "huber_loss": "huber",
    "log_cosh": "log_cosh",
    "logcosh": "log_cosh",
    "kld": "kl_divergence",
    "kl_divergence": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence",
    "kldivergence": "kl_divergence",
    "poisson": "poisson",
    "hinge": "hinge",
    "squared_hinge": "squared_hinge",
    "categorical_hinge": "categorical_hinge",
    "cosine_similarity": "cosine_similarity",
}
#: Every loss Keras knows, canonical; a name outside it is a custom loss that rules cannot judge.
KNOWN_LOSSES = frozenset(LOSS_ALIASES.values())

#: Losses that are crossentropies over probabilities (or logits with from_logits).
CROSSENTROPY_LOSSES = {
    "binary_crossentropy", "binary_focal_crossentropy",
    "categorical_crossentropy", "categorical_focal_crossentropy", "sparse_categorical_crossentropy",
}
BINARY_CROSSENTROPY_LOSSES = {"binary_crossentropy", "binary_focal_crossentropy"}
CATEGORICAL_CROSSENTROPY_LOSSES = {"categorical_crossentropy", "categorical_focal_crossentropy", "sparse_categorical_crossentropy"}
REGRESSION_LOSSES = {"mse", "mae", "huber", "log_cosh", "mape", "msle", "poisson"}

ACTIVATION_ALIASES = {
    "": "linear",
    "none": "linear",
    "linear": "linear",
    "identity": "linear",
    "sigmoid": "sigmoid",
    "hard_sigmoid": "hard_sigmoid",
    "softmax": "softmax",
    "log_softmax": "log_softmax",
    "relu": "relu",
    "relu6": "relu6",
    "leaky_relu": "leaky_relu",
    "elu": "elu",
    "selu": "selu",
    "gelu": "gelu",
    "silu": "silu",
    "swish": "silu",
    "tanh": "tanh",
    "softplus": "softplus",
    "softsign": "softsign",
    "exponential": "exponential",
    "mish": "mish",
    "celu": "celu",
    "glu": "glu",
    "hard_silu": "hard_silu",
    "hard_swish": "hard_silu",
    "hard_shrink": "hard_shrink",
    "hard_tanh": "hard_tanh",
    "log_sigmoid": "log_sigmoid",
    "soft_shrink": "soft_shrink",
    "sparse_plus": "sparse_plus",
    "sparse_sigmoid": "sparse_sigmoid",
    "sparsemax": "sparsemax",
    "squareplus": "squareplus",
    "tanh_shrink": "tanh_shrink",
    "threshold": "threshold",
}
#: Every activation Keras knows, canonical; a name outside it is a custom one that rules cannot judge.
KNOWN_ACTIVATIONS = frozenset(ACTIVATION_ALIASES.values())
#: Activations whose outputs are probabilities (what a crossentropy without from_logits expects).
PROBABILITY_ACTIVATIONS = {"sigmoid", "hard_sigmoid", "sparse_sigmoid", "softmax", "sparsemax"}
#: Activations that squash each unit into (0, 1) independently.
SIGMOID_ACTIVATIONS = {"sigmoid", "hard_sigmoid"}

#: The output table (the MC rules, docs/rules/MC01.md): the last-layer activations and the losses that fit each problem
#: type. A linear last layer also fits a classification type, and bounded regression, when the loss
#: is a crossentropy with from_logits. Binary classification also takes a softmax over 2 units with
#: (sparse) categorical crossentropy; hinge losses are the classifiers' other Keras losses.
PROBLEM_ACTIVATIONS: dict[str, set[str]] = {
    "binary_classification": SIGMOID_ACTIVATIONS | {"softmax"},
    "multiclass_classification": {"softmax"},
    "multilabel_classification": SIGMOID_ACTIVATIONS,
    "regression": {"linear"},
    "bounded_regression": SIGMOID_ACTIVATIONS,
}
PROBLEM_LOSSES: dict[str, set[str]] = {
    "binary_classification": BINARY_CROSSENTROPY_LOSSES | CATEGORICAL_CROSSENTROPY_LOSSES | {"hinge", "squared_hinge"},
    "multiclass_classification": CATEGORICAL_CROSSENTROPY_LOSSES | {"categorical_hinge", "kl_divergence"},
    "multilabel_classification": BINARY_CROSSENTROPY_LOSSES | {"hinge", "squared_hinge"},
    "regression": REGRESSION_LOSSES,
    "bounded_regression": REGRESSION_LOSSES | BINARY_CROSSENTROPY_LOSSES,
}
#: The first choice of each row, as the table names it (what a fix or a message proposes).
PROBLEM_OUTPUT: dict[str, tuple[str, str]] = {
    "binary_classification": ("sigmoid", "binary_crossentropy"),
    "multiclass_classification": ("softmax", "categorical_crossentropy"),
    "multilabel_classification": ("sigmoid", "binary_crossentropy"),
    "regression": ("linear", "mse"),
    "bounded_regression": ("sigmoid", "mse"),
}
#: Problem types grouped as the rules judge them: one label per row, any classification, regression.
SINGLE_LABEL_TYPES = ("binary_classification", "multiclass_classification")
CLASSIFICATION_TYPES = (*SINGLE_LABEL_TYPES, "multilabel_classification")
REGRESSION_TYPES = ("regression", "bounded_regression")

#: Layer types that hold trainable weights and take an activation.
DENSE_LAYER_TYPES = {"dense", "einsum_dense"}
DROPOUT_LAYER_TYPES = {"dropout", "spatial_dropout1d", "spatial_dropout2d", "spatial_dropout3d", "alpha_dropout", "gaussian_dropout"}
#: Layers that apply an activation of their own (`Activation`, `Softmax`, `ReLU`, ...): type -> the
#: canonical activation, None when the layer's `activation` field names it.
ACTIVATION_LAYER_TYPES: dict[str, str | None] = {
    "activation": None, "softmax": "softmax", "re_lu": "relu", "relu": "relu",
    "leaky_re_lu": "leaky_relu", "leaky_relu": "leaky_relu", "p_re_lu": "leaky_relu", "pre_lu": "leaky_relu",
    "prelu": "leaky_relu", "elu": "elu",
}
#: Layers that keep a stack linear (no nonlinearity of their own, at inference): between two dense
#: layers they do not stop the two from collapsing into one linear map.
LINEAR_LAYER_TYPES = DROPOUT_LAYER_TYPES | {
    "batch_normalization", "layer_normalization", "group_normalization", "unit_normalization",
    "rms_normalization", "gaussian_noise", "flatten", "reshape", "identity", "activity_regularization",
}

OPTIMIZER_ALIASES = {
    "sgd": "sgd",
    "adam": "adam",
    "adamw": "adamw",
    "adam_w": "adamw",
    "rmsprop": "rmsprop",
    "r_m_sprop": "rmsprop",
    "rms_prop": "rmsprop",
    "adagrad": "adagrad",
    "adadelta": "adadelta",
    "adamax": "adamax",
    "nadam": "nadam",
    "ftrl": "ftrl",
    "lion": "lion",
    "lamb": "lamb",
    "adafactor": "adafactor",
    "loss_scale_optimizer": "loss_scale_optimizer",
}
#: Optimizers that adapt per-parameter step sizes (MC07's range applies to them).
ADAPTIVE_OPTIMIZERS = {"adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "lion", "lamb", "adafactor"}

METRIC_ALIASES = {
    "acc": "accuracy",
    "accuracy": "accuracy",
    "binary_accuracy": "accuracy",
    "categorical_accuracy": "accuracy",
    "sparse_categorical_accuracy": "accuracy",
    "balanced_accuracy": "balanced_accuracy",
    "auc": "auc",
    "roc_auc": "auc",
    "pr_auc": "pr_auc",
    "average_precision": "average_precision",
    "precision": "precision",
    "recall": "recall",
    "f1": "f1",
    "f1_score": "f1",
    "fbeta_score": "f1",
    "map": "map",
    "mean_average_precision": "map",
    "ndcg": "ndcg",
    "mrr": "mrr",
    "top_k_categorical_accuracy": "top_k_accuracy",
    "sparse_top_k_categorical_accuracy": "top_k_accuracy",
    "mae": "mae",
    "mean_absolute_error": "mae",
    "mse": "mse",
    "mean_squared_error": "mse",
    "rmse": "rmse",
    "root_mean_squared_error": "rmse",
    "mape": "mape",
    "mean_absolute_percentage_error": "mape",
    "msle": "msle",
    "r2": "r2",
    "r2_score": "r2",
    "log_loss": "log_loss",
    "loss": "loss",
}
#: Metrics where larger is better; the rest of the known metrics are minimized.
MAXIMIZED_METRICS = {
    "accuracy", "balanced_accuracy", "auc", "pr_auc", "average_precision", "precision", "recall",
    "f1", "map", "ndcg", "mrr", "top_k_accuracy", "r2",
}
MINIMIZED_METRICS = {"mae", "mse", "rmse", "mape", "msle", "log_loss", "loss"}
CLASSIFICATION_METRICS = {
    "accuracy", "balanced_accuracy", "auc", "pr_auc", "average_precision", "precision", "recall",
    "f1", "map", "ndcg", "mrr", "top_k_accuracy", "log_loss",
}
REGRESSION_METRICS = {"mae", "mse", "rmse", "mape", "msle", "r2"}
RANKING_METRICS = {"map", "average_precision", "pr_auc", "ndcg", "mrr"}


def canonical_loss(name: str | None) -> str | None:
    if name is None:
        return None
    key = snake(name)
    return LOSS_ALIASES.get(key, key)


def canonical_activation(name: str | None) -> str:
    """`None` (absent or `null`) is linear, as in Keras."""
    if name is None:
        return "linear"
    key = snake(name)
    return ACTIVATION_ALIASES.get(key, key)


def canonical_optimizer(name: str | None) -> str | None:
    if name is None:
        return None
    key = snake(name)
    return OPTIMIZER_ALIASES.get(key, key)


def canonical_metric(name: str | None) -> str | None:
    if name is None:
        return None
    key = snake(name)
    return METRIC_ALIASES.get(key, key)


_DIMENSION_SUFFIX = re.compile(r"(?<=\d)_d$")


def canonical_layer_type(name: str | None) -> str:
    """Layer type in snake case as Keras writes it (`SpatialDropout1D` -> `spatial_dropout1d`); a
    missing type is a dense layer (the record's default)."""
    if name is None:
        return "dense"
    return _DIMENSION_SUFFIX.sub("d", snake(name))


def metric_goal(name: str | None) -> str | None:
    """"maximize" or "minimize" for known metrics, else None."""
    metric = canonical_metric(name)
    if metric in MAXIMIZED_METRICS:
        return "maximize"
    if metric in MINIMIZED_METRICS or (metric or "").endswith("loss") or (metric or "").endswith("error"):
        return "minimize"
    return None

#: Metrics that are a share of correctly handled samples: their sampling error is that of a proportion.
PROPORTION_METRICS = {"accuracy", "top_k_accuracy"}
#: Error metrics whose perfect value is 0.
ZERO_PERFECT_METRICS = {"mae", "mse", "rmse", "mape", "msle", "log_loss"}


def perfect_score(name: str | None) -> float | None:
    """The score of a perfect model in a known metric: 1.0 for the maximized ones (all bounded by
    1: accuracy, AUC, F1, R², ...), 0.0 for error metrics; None when unknown (say, a raw loss)."""
    metric = canonical_metric(name)
    if metric in MAXIMIZED_METRICS:
        return 1.0
    if metric in ZERO_PERFECT_METRICS:
        return 0.0
    return None
