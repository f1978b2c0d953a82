"""Tree-structured Parzen Estimator: the sampler and its split and weighting rules.

The rules are exported for callers that translate other libraries' settings
(hyperopt's ``gamma`` and ``linear_forgetting``, Optuna's ``gamma``) into
:class:`TPESampler` arguments.
"""

from ._sampler import TPESampler
from ._split import default_gamma, hyperopt_gamma, linear_forgetting_weights, optuna_gamma

__all__ = [
    "TPESampler",
    "default_gamma",
    "hyperopt_gamma",
    "linear_forgetting_weights",
    "optuna_gamma",
]
