"""TPE, as hyperopt's ``tpe`` module: pass ``tpe.suggest`` as ``algo``.

hyperopt's keyword arguments are accepted through ``functools.partial``
(``partial(tpe.suggest, n_startup_jobs=10)``) and translated:

* ``n_startup_jobs``: ``TPESampler(n_startup_trials=...)``; that many
  successful trials are drawn from the prior first.
* ``n_EI_candidates``: ``TPESampler(n_ei_candidates=...)``.
* ``gamma`` (float > 0): hyperopt's split; the best
  ``min(ceil(gamma * sqrt(n)), 25)`` of the ``n`` finished trials form
  l(x). A callable ``n -> n_below`` is passed on as it is.
* ``prior_weight``: ``TPESampler(prior_weight=...)``.
* ``linear_forgetting`` (int): observation weights; the newest
  ``linear_forgetting`` weigh one, older ones ramp down linearly (used for
  g(x), and for l(x) when ``ei_weights=False``). hyperopt 0.3's
  ``tpe.suggest`` no longer takes it (it fixes 25); it is accepted for
  older programs.
* ``verbose``: accepted and ignored (skopt_hp logs nothing per
  suggestion).

The keyword arguments of :class:`~skopt_hp.samplers.TPESampler` itself
(``multivariate=False``, ``ei_weights=False`` ...) are accepted too; any
other name raises ``TypeError`` naming it.

Without arguments, ``tpe.suggest`` uses :class:`~skopt_hp.samplers.TPESampler`'s
defaults, which were chosen by benchmark (see ``docs/benchmarks.md``) and
differ from hyperopt's (20 startup trials, univariate kernels, the split
above with ``gamma=0.25``). ``partial(tpe.suggest, n_startup_jobs=20,
gamma=0.25, multivariate=False, ei_weights=False, branch_exploration=0.0,
group_split=False)`` comes closest to hyperopt's algorithm.

Examples
--------
>>> from functools import partial
>>> from skopt_hp import fmin, hp, tpe
>>> algo = partial(tpe.suggest, n_startup_jobs=5, gamma=0.25)
>>> best = fmin(lambda x: x ** 2, hp.uniform("x", -1, 1), algo=algo, max_evals=15,
...             rstate=0, show_progressbar=False)
>>> sorted(best)
['x']
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from typing import Any

from ._ask import make_suggest, register_algo
from .samplers import Sampler, TPESampler
from .samplers._tpe import linear_forgetting_weights

__all__ = ["suggest"]

#: hyperopt's cap on the size of l(x) (``DEFAULT_LF``, the ``gamma_cap`` of ``ap_split_trials``).
HYPEROPT_GAMMA_CAP = 25

_TRANSLATED = {"n_startup_jobs": "n_startup_trials", "n_EI_candidates": "n_ei_candidates"}
_HYPEROPT_ONLY = ("gamma", "linear_forgetting", "verbose")


def _sampler_params() -> tuple[str, ...]:
    return tuple(inspect.signature(TPESampler).parameters)


def _hyperopt_gamma(fraction: float, n: int) -> int:
    """hyperopt's split: ``min(ceil(fraction * sqrt(n)), 25)`` trials below."""
    return min(math.ceil(fraction * math.sqrt(n)), HYPEROPT_GAMMA_CAP)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"tpe.suggest: {name} must be an int >= 1, but got {value!r}.")
    return int(value)


def _factory(**kwargs: Any) -> Sampler:
    """Build a :class:`TPESampler` from hyperopt's (or TPESampler's) keyword arguments."""
    sampler_params = _sampler_params()
    unknown = sorted(set(kwargs) - set(_TRANSLATED) - set(_HYPEROPT_ONLY) - set(sampler_params))
    if unknown:
        raise TypeError(
            f"tpe.suggest got unexpected keyword argument(s) {unknown}; it accepts hyperopt's "
            f"{sorted([*_TRANSLATED, *_HYPEROPT_ONLY, 'prior_weight'])} and TPESampler's "
            f"{sorted(sampler_params)}."
        )
    options: dict[str, Any] = {}
    given_as: dict[str, str] = {}
    for name, value in kwargs.items():
        if name in _HYPEROPT_ONLY:
            continue
        target = _TRANSLATED.get(name, name)
        if target in options:
            raise TypeError(
                f"tpe.suggest: {given_as[target]} and {name} are the same setting; give one."
            )
        options[target], given_as[target] = value, name

    gamma = kwargs.get("gamma")
    if gamma is not None and not callable(gamma):
        if (
            isinstance(gamma, bool)
            or not isinstance(gamma, numbers.Real)
            or not (math.isfinite(gamma) and gamma > 0)
        ):
            raise ValueError(
                f"tpe.suggest: gamma must be a number > 0 (hyperopt's fraction) or a callable "
                f"n_finished -> n_below, but got {gamma!r}."
            )
        options["gamma"] = functools.partial(_hyperopt_gamma, float(gamma))
    elif gamma is not None:
        options["gamma"] = gamma
    if kwargs.get("linear_forgetting") is not None:
        if "weights" in options:
            raise TypeError("tpe.suggest: give linear_forgetting or weights, not both.")
        n_recent = _positive_int("linear_forgetting", kwargs["linear_forgetting"])
        options["weights"] = functools.partial(linear_forgetting_weights, n_recent=n_recent)
    return TPESampler(**options)


suggest = make_suggest(_factory, "tpe")
register_algo("tpe", _factory)
