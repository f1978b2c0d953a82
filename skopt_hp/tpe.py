"""TPE, as hyperopt's ``tpe`` module: pass ``tpe.suggest`` as ``algo``.

hyperopt's keyword arguments are accepted through ``functools.partial``
(``partial(tpe.suggest, n_startup_jobs=10)``) and translated:

============================  =================================================
hyperopt argument             skopt_hp meaning
============================  =================================================
``n_startup_jobs``            ``TPESampler(n_startup_trials=...)``
``n_EI_candidates``           ``TPESampler(n_ei_candidates=...)``
``gamma`` (float)             hyperopt's split, ``min(ceil(gamma * sqrt(n)), 25)``
``prior_weight``              ``TPESampler(prior_weight=...)``
``linear_forgetting``         observation weights: the newest ``linear_forgetting``
                              weigh one, older ones ramp down linearly
``verbose``                   accepted and ignored
============================  =================================================

Without arguments, ``tpe.suggest`` uses :class:`~skopt_hp.samplers.TPESampler`'s
defaults, which were chosen by benchmark (see ``docs/benchmarks.md``) and
differ from hyperopt's.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from ._ask import make_suggest, register_algo
from .samplers import Sampler, TPESampler
from .samplers._tpe import linear_forgetting_weights

__all__ = ["suggest"]

_TRANSLATED = {"n_startup_jobs": "n_startup_trials", "n_EI_candidates": "n_ei_candidates"}
_HYPEROPT_ONLY = {"gamma", "linear_forgetting", "verbose"}


def _hyperopt_gamma(fraction: float, cap: int, n: int) -> int:
    return min(math.ceil(fraction * math.sqrt(n)), cap)


def _factory(**kwargs: Any) -> Sampler:
    options: dict[str, Any] = {}
    for name, value in kwargs.items():
        if name in _TRANSLATED:
            options[_TRANSLATED[name]] = value
        elif name not in _HYPEROPT_ONLY:
            options[name] = value
    gamma = kwargs.get("gamma")
    cap = kwargs.get("linear_forgetting", 25)
    if gamma is not None and not callable(gamma):
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or not gamma > 0:
            raise ValueError(f"tpe.suggest: gamma must be a number > 0, but got {gamma!r}.")
        options["gamma"] = functools.partial(_hyperopt_gamma, float(gamma), int(cap))
    elif gamma is not None:
        options["gamma"] = gamma
    if "linear_forgetting" in kwargs:
        options["weights"] = functools.partial(linear_forgetting_weights, n_recent=int(cap))
    return TPESampler(**options)


suggest = make_suggest(_factory, "tpe")
register_algo("tpe", _factory)
