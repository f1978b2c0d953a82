"""hyperopt's ``pyll.stochastic.sample``: draw one point of a space, as values.

``from hyperopt.pyll.stochastic import sample`` becomes
``from skopt_hp.pyll.stochastic import sample``; ``sample(space)`` previews
what the objective would receive.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..space import SearchSpace, space_eval

__all__ = ["sample"]


def _as_generator(rng: Any) -> np.random.Generator:
    if rng is None or isinstance(rng, np.random.Generator):
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.RandomState):
        # hyperopt before 0.2.7 took a RandomState: seed a Generator from it.
        return np.random.default_rng(rng.randint(np.iinfo(np.int32).max))
    if isinstance(rng, np.random.BitGenerator) or (
        isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0
    ):
        return np.random.default_rng(rng)
    raise TypeError(
        "sample: `rng` must be a numpy.random.Generator (np.random.default_rng(seed)), a "
        f"BitGenerator, an int seed >= 0 or None, but got {rng!r} of type {type(rng).__name__}."
    )


def sample(expr: Any, rng: np.random.Generator | int | None = None) -> Any:
    """Draw one point of ``expr`` from its prior and return its value.

    Parameters
    ----------
    expr : object
        A search space: an ``hp`` expression, or dicts, lists and tuples
        holding expressions and constants (``scope`` calls and arithmetic on
        expressions included).
    rng : numpy.random.Generator, int or None, default=None
        The source of randomness; a Generator is advanced, so successive
        calls with it give successive draws. An int seeds a new Generator;
        ``None`` uses fresh entropy. A ``BitGenerator`` or a legacy
        ``RandomState`` is accepted too.

    Returns
    -------
    object
        ``space_eval(expr, point)`` for a random point: the structure of
        ``expr`` with values (options of choices, not their indices).

    Raises
    ------
    DuplicateLabel
        When two different parameters of ``expr`` share a label (hyperopt's
        ``sample`` draws them independently; ``fmin`` rejects such a space).

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_hp import hp
    >>> from skopt_hp.pyll.stochastic import sample
    >>> space = {"C": hp.loguniform("C", -3, 3), "kernel": hp.choice("kernel", ["rbf", "poly"])}
    >>> point = sample(space, rng=np.random.default_rng(0))
    >>> sorted(point), point["kernel"] in ("rbf", "poly")
    (['C', 'kernel'], True)
    """
    generator = _as_generator(rng)
    compiled = SearchSpace(expr)
    (point,) = compiled.decode(compiled.sample(generator, 1))
    return space_eval(compiled.space, point)
