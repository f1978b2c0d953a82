"""skopt_hp: hyperparameter tuning for scikit-learn with a hyperopt-compatible API.

Public API
----------
hp, space_eval
    The search-space language.
Trials, STATUS_OK, STATUS_FAIL, ...
    The record of a search.
fmin, tpe, rand, anneal, early_stop
    hyperopt's functional API (``skopt_hp.fmin`` is the function; the module
    of the same name, ``from skopt_hp.fmin import generate_trials_to_calculate``,
    is reached through the import system, as ``hyperopt.fmin``).
base, exceptions, pyll, criteria
    hyperopt's module paths (``JOB_STATE_*``, ``DuplicateLabel``,
    ``pyll.stochastic.sample``, ``criteria.EI_gaussian``...).
HyperoptSearchCV
    The scikit-learn meta-estimator.
HyperoptHalvingSearchCV
    Successive halving (synchronous or ASHA) with TPE proposals.
SparkTrials
    Trials run in parallel on Apache Spark (``pip install "skopt_hp[spark]"``).
plot
    Plots of a search (``pip install "skopt_hp[plot]"``; matplotlib is imported on use).
autolog
    Log every search to MLflow (``pip install "skopt_hp[mlflow]"``; mlflow is imported on use).
"""

from . import anneal, base, criteria, early_stop, exceptions, hp, plot, pyll, rand, tpe
from ._halving import HyperoptHalvingSearchCV
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

# Loads the module skopt_hp.fmin (which sets the package attribute to it), then binds the
# attribute to the function, as hyperopt does: skopt_hp.fmin(...) is the function.
from .fmin import fmin
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
    "HyperoptHalvingSearchCV",
    "HyperoptSearchCV",
    "SparkTrials",
    "Trial",
    "TrialState",
    "Trials",
    "anneal",
    "autolog",
    "base",
    "criteria",
    "early_stop",
    "exceptions",
    "plot",
    "fmin",
    "hp",
    "pyll",
    "rand",
    "space_eval",
    "tpe",
]
