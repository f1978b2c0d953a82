"""The search-space language, compatible with hyperopt's ``hp`` module.

Every function takes a string ``label`` first; labels name the dimensions
of the space and must be unique within it. See :mod:`skopt_hp.space` for
the exact semantics and the internal encoding samplers use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .space._nodes import Choice, Normal, RandInt, Uniform

__all__ = [
    "choice",
    "pchoice",
    "randint",
    "uniform",
    "quniform",
    "loguniform",
    "qloguniform",
    "normal",
    "qnormal",
    "lognormal",
    "qlognormal",
    "uniformint",
]


def _q(func: str, label: Any, q: Any) -> Any:
    # The nodes read q=None as "not quantised" (and would then name hp.uniform...).
    if q is None:
        raise TypeError(f"hp.{func}({label!r}): `q` must be a real number > 0, but got None.")
    return q


def choice(label: str, options: Sequence[Any]) -> Choice:
    """One of ``options``, uniformly at random; ``fmin`` reports its index.

    Options may be constants, objects (estimators...) or sub-spaces whose
    parameters are active only when that option is chosen.
    """
    return Choice(label, options)


def pchoice(label: str, p_options: Sequence[tuple[float, Any]]) -> Choice:
    """One of the options of ``[(probability, option), ...]`` with those probabilities."""
    try:
        pairs = [tuple(pair) for pair in p_options]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError
    except (TypeError, ValueError):
        raise TypeError(
            f"hp.pchoice({label!r}): `p_options` must be a list of (probability, option) pairs, "
            f"but got {p_options!r}."
        ) from None
    if not pairs:
        raise ValueError(f"hp.pchoice({label!r}): `p_options` must not be empty.")
    return Choice(label, [o for _, o in pairs], [p for p, _ in pairs], func="pchoice")


def randint(label: str, *args: int) -> RandInt:
    """An integer in ``[0, upper)`` (``randint(label, upper)``) or ``[low, high)``."""
    if len(args) == 1:
        return RandInt(label, 0, args[0])
    if len(args) == 2:
        return RandInt(label, args[0], args[1])
    raise TypeError(
        f"hp.randint({label!r}): expected (label, upper) or (label, low, high), "
        f"got {len(args)} bounds."
    )


def uniform(label: str, low: float, high: float) -> Uniform:
    """A float uniformly distributed between ``low`` and ``high``."""
    return Uniform(label, low, high)


def quniform(label: str, low: float, high: float, q: float) -> Uniform:
    """``round(uniform(low, high) / q) * q``, a float."""
    return Uniform(label, low, high, _q("quniform", label, q))


def loguniform(label: str, low: float, high: float) -> Uniform:
    """``exp(uniform(low, high))``: the bounds are in log space, as in hyperopt."""
    return Uniform(label, low, high, log=True)


def qloguniform(label: str, low: float, high: float, q: float) -> Uniform:
    """``round(exp(uniform(low, high)) / q) * q``, a float."""
    return Uniform(label, low, high, _q("qloguniform", label, q), log=True)


def normal(label: str, mu: float, sigma: float) -> Normal:
    """A float normally distributed with mean ``mu`` and standard deviation ``sigma``."""
    return Normal(label, mu, sigma)


def qnormal(label: str, mu: float, sigma: float, q: float) -> Normal:
    """``round(normal(mu, sigma) / q) * q``, a float."""
    return Normal(label, mu, sigma, _q("qnormal", label, q))


def lognormal(label: str, mu: float, sigma: float) -> Normal:
    """``exp(normal(mu, sigma))``: positive, log-normally distributed."""
    return Normal(label, mu, sigma, log=True)


def qlognormal(label: str, mu: float, sigma: float, q: float) -> Normal:
    """``round(exp(normal(mu, sigma)) / q) * q``, a float."""
    return Normal(label, mu, sigma, _q("qlognormal", label, q), log=True)


def uniformint(label: str, low: int, high: int, q: float = 1.0) -> Uniform:
    """An integer in ``[low, high]``: ``int(quniform(label, low, high, 1))``."""
    if q != 1:
        raise ValueError(f"hp.uniformint({label!r}): only q=1 is supported, but got q={q!r}.")
    return Uniform(label, low, high, 1.0, integer=True)
