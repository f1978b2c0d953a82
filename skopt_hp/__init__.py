"""skopt_hp: hyperparameter tuning for scikit-learn with a hyperopt-compatible API.

Public API
----------
hp, space_eval
    The search-space language.
Trials, STATUS_OK, STATUS_FAIL, ...
    The record of a search.
fmin, tpe, rand, early_stop
    hyperopt's functional API.
HyperoptSearchCV
    The scikit-learn meta-estimator.
SparkTrials
    Trials run in parallel on Apache Spark (``pip install "skopt_hp[spark]"``).
plot
    Plots of a search (``pip install "skopt_hp[plot]"``; matplotlib is imported on use).
autolog
    Log every search to MLflow (``pip install "skopt_hp[mlflow]"``; mlflow is imported on use).
"""

from . import early_stop, hp, plot, rand, tpe
from ._fmin import fmin
from ._search import HyperoptSearchCV
from ._trials import (
    STATUS_FAIL,
    STATUS_NEW,
    STATUS_OK,
    STATUS_RUNNING,
    STATUS_STRINGS,
    STATUS_SUSPENDED,
    AllTrialsFailed,
    Trial,
    Trials,
    TrialState,
)
from .integrations.mlflow import autolog  # mlflow itself is imported on use only
from .integrations.spark import SparkTrials  # pyspark itself is imported on use only
from .space import space_eval

__version__ = "0.1.0.dev0"

__all__ = [
    "STATUS_FAIL",
    "STATUS_NEW",
    "STATUS_OK",
    "STATUS_RUNNING",
    "STATUS_STRINGS",
    "STATUS_SUSPENDED",
    "AllTrialsFailed",
    "HyperoptSearchCV",
    "SparkTrials",
    "Trial",
    "TrialState",
    "Trials",
    "autolog",
    "early_stop",
    "plot",
    "fmin",
    "hp",
    "rand",
    "space_eval",
    "tpe",
]
