"""skopt_hp: hyperparameter tuning for scikit-learn with a hyperopt-compatible API.

Public API
----------
hp, space_eval
    The search-space language.
Trials, STATUS_OK, STATUS_FAIL, ...
    The record of a search.
SparkTrials
    Trials run in parallel on Apache Spark (``pip install "skopt_hp[spark]"``).
"""

from . import early_stop, hp, rand, tpe
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
    "early_stop",
    "fmin",
    "hp",
    "rand",
    "space_eval",
    "tpe",
]
