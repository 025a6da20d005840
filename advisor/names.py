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
    "poisson": "poisson",
    "hinge": "hinge",
    "squared_hinge": "squared_hinge",
    "categorical_hinge": "categorical_hinge",
    "cosine_similarity": "cosine_similarity",
}

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
}

#: Layer types that hold trainable weights and take an activation.
DENSE_LAYER_TYPES = {"dense", "einsum_dense"}
DROPOUT_LAYER_TYPES = {"dropout", "spatial_dropout1d", "spatial_dropout2d", "spatial_dropout3d", "alpha_dropout", "gaussian_dropout"}

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


def canonical_layer_type(name: str | None) -> str:
    """Layer type in snake case; a missing type is a dense layer (the record's default)."""
    if name is None:
        return "dense"
    return snake(name)


def metric_goal(name: str | None) -> str | None:
    """"maximize" or "minimize" for known metrics, else None."""
    metric = canonical_metric(name)
    if metric in MAXIMIZED_METRICS:
        return "maximize"
    if metric in MINIMIZED_METRICS or (metric or "").endswith("loss") or (metric or "").endswith("error"):
        return "minimize"
    return None
