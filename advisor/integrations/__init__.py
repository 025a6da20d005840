"""Lint a run while it runs: the advisor inside training code.

- `advisor.integrations.keras.AdvisorCallback`: a Keras 3 callback (any backend) that checks the
  compiled model before the first epoch, the loss at every epoch, and writes and lints a run
  directory at the end.
- `advisor.integrations.sklearn.record_sklearn`: the record and findings of a fitted scikit-learn
  `Pipeline`, search (`GridSearchCV`, `RandomizedSearchCV`) or `cross_validate` result.
- `advisor.integrations.mlflow`: both log their findings to the active MLflow run, if any.

Only these modules import Keras, scikit-learn or MLflow (and MLflow only when the training code
already imported it); `import advisor` and `advisor lint` never load them.
"""
