"""Annealing, as hyperopt's ``anneal`` module: pass ``anneal.suggest`` as ``algo``.

hyperopt's keyword arguments ``avg_best_idx`` and ``shrink_coef`` are
accepted through ``functools.partial(anneal.suggest, shrink_coef=0.2)``; see
:class:`~skopt_hp.samplers.AnnealingSampler` for the algorithm. ``algo="anneal"``
works too.

Examples
--------
>>> from skopt_hp import anneal, fmin, hp
>>> best = fmin(lambda x: (x - 1) ** 2, hp.uniform("x", -5, 5), algo=anneal.suggest,
...             max_evals=40, rstate=0, show_progressbar=False)
>>> abs(best["x"] - 1) < 0.5
True
"""

from ._ask import make_suggest, register_algo
from .samplers import AnnealingSampler

__all__ = ["suggest"]

suggest = make_suggest(AnnealingSampler, "anneal")
register_algo("anneal", AnnealingSampler)
