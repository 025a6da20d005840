"""What the source reader knows about library objects, by canonical dotted name.

Only names listed here are interpreted; anything else a script calls is unknown, and an unknown
value never makes a rule fire.
"""

from __future__ import annotations

#: scikit-learn's bundled datasets: facts the advisor knows without loading them (checked against
#: scikit-learn by the tests). `ordered_by` is set where the rows come sorted by class.
BUNDLED_DATASETS: dict[str, dict] = {
    "iris": {"problem": "multiclass_classification", "samples": 150, "features": 4,
             "class_counts": {"0": 50, "1": 50, "2": 50}, "ordered_by": "target"},
    "wine": {"problem": "multiclass_classification", "samples": 178, "features": 13,
             "class_counts": {"0": 59, "1": 71, "2": 48}, "ordered_by": "target"},
    "breast_cancer": {"problem": "binary_classification", "samples": 569, "features": 30,
                      "class_counts": {"0": 212, "1": 357}},
    "digits": {"problem": "multiclass_classification", "samples": 1797, "features": 64,
               "class_counts": {"0": 178, "1": 182, "2": 177, "3": 183, "4": 181, "5": 182, "6": 181,
                                "7": 179, "8": 174, "9": 180}},
    "diabetes": {"problem": "regression", "samples": 442, "features": 10},
}

#: Readers of data files (their first argument, a literal path, becomes `data.path`).
DATA_LOADERS = {"pandas.read_csv", "pandas.read_parquet", "pandas.read_table", "numpy.load", "numpy.loadtxt",
                "numpy.genfromtxt"}

#: Preprocessing classes -> the record's step name.
PREPROCESSING_STEPS = {
    "StandardScaler": "standardize", "RobustScaler": "standardize", "MinMaxScaler": "minmax",
    "MaxAbsScaler": "scale", "Normalizer": "scale", "QuantileTransformer": "scale", "PowerTransformer": "scale",
    "OneHotEncoder": "one_hot", "SimpleImputer": "impute", "KNNImputer": "impute", "IterativeImputer": "impute",
    "SelectKBest": "feature_selection", "SelectPercentile": "feature_selection", "RFE": "feature_selection",
    "RFECV": "feature_selection", "VarianceThreshold": "feature_selection", "SelectFromModel": "feature_selection",
    "PCA": "feature_engineering", "TruncatedSVD": "feature_engineering", "PolynomialFeatures": "feature_engineering",
    "Normalization": "standardize",  # keras.layers.Normalization, adapted on rows
}
PREPROCESSING_MODULES = ("sklearn.preprocessing", "sklearn.impute", "sklearn.feature_selection",
                         "sklearn.decomposition", "sklearn.experimental")

#: scikit-learn modules whose classes are models (fit learns from labels).
ESTIMATOR_MODULES = ("sklearn.linear_model", "sklearn.ensemble", "sklearn.svm", "sklearn.tree", "sklearn.neighbors",
                     "sklearn.naive_bayes", "sklearn.neural_network", "sklearn.discriminant_analysis",
                     "sklearn.gaussian_process", "sklearn.kernel_ridge", "xgboost", "lightgbm", "catboost")

SPLITTERS = {"KFold": ("kfold", None), "StratifiedKFold": ("kfold", "stratified"), "GroupKFold": ("kfold", "group"),
             "RepeatedKFold": ("iterated_kfold", None), "RepeatedStratifiedKFold": ("iterated_kfold", "stratified"),
             "TimeSeriesSplit": ("kfold", "time"), "StratifiedGroupKFold": ("kfold", "group")}

#: Keras optimizers' default learning rates (Keras 3; TensorFlow's Keras 2 agrees).
DEFAULT_LEARNING_RATES = {"adam": 0.001, "adamw": 0.001, "sgd": 0.01, "rmsprop": 0.001, "adagrad": 0.001,
                          "adamax": 0.001, "nadam": 0.001, "adadelta": 0.001, "ftrl": 0.001, "lion": 0.001}

#: Methods that score a model on the rows given, and methods that only predict (several models'
#: predictions on the test rows may be averaged into one ensemble that is scored once).
SCORES = {"evaluate", "score", "evaluate_generator"}
PREDICTIONS = {"predict", "predict_proba", "predict_classes", "decision_function", "predict_generator",
               "predict_log_proba"}
EVALUATIONS = SCORES | PREDICTIONS
FITS = {"fit", "fit_generator", "partial_fit"}
TRANSFORM_FITS = {"fit", "fit_transform", "adapt", "partial_fit"}
#: Methods and functions that return the same rows (in the same order) they are given.
SAME_ROWS = {"values", "to_numpy", "astype", "copy", "reshape", "fillna", "dropna", "transform", "squeeze",
             "ravel", "flatten", "asarray", "array", "float32", "expand_dims", "get_dummies"}
#: Functions that shuffle rows.
SHUFFLES = {"sklearn.utils.shuffle", "numpy.random.shuffle", "numpy.random.permutation"}
