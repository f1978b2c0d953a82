"""Conversion of scikit-learn style ``param_distributions`` into a space.

``RandomizedSearchCV(param_distributions=...)`` accepts a dict (or a list of
dicts) mapping parameter names to sequences of values (lists, tuples,
ranges, arrays) or to objects with ``rvs``.
:func:`from_param_distributions` turns those into ``hp`` expressions so the
samplers can model them: sequences become choices and the scipy.stats
distributions with an ``hp`` equivalent become that expression; any other
object with ``rvs`` is kept as an opaque sampled parameter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._nodes import Choice, Distribution, Expr, Normal, Param, RandInt, Uniform

__all__ = ["from_param_distributions", "from_scipy"]

#: Label of the choice between the dicts of a list of ``param_distributions``.
SUBSPACE_LABEL = "__subspace__"


def from_scipy(label: str, dist: Any) -> Expr:
    """The ``hp`` expression equivalent to a frozen scipy.stats distribution.

    ``uniform`` → :func:`hp.uniform`, ``loguniform``/``reciprocal`` →
    :func:`hp.loguniform`, ``randint`` → :func:`hp.randint`, ``norm`` →
    :func:`hp.normal`; any other object with ``rvs`` → an opaque parameter.
    """
    name = getattr(getattr(dist, "dist", None), "name", None)
    kwds = getattr(dist, "kwds", {}) or {}
    try:
        if name == "uniform":
            low, high = (float(v) for v in dist.support())
            return Uniform(label, low, high)
        if (
            name in ("loguniform", "reciprocal")
            and kwds.get("loc", 0) == 0
            and kwds.get("scale", 1) == 1
            and len(dist.args) <= 2
        ):
            low, high = (float(v) for v in dist.support())
            return Uniform(label, math.log(low), math.log(high), log=True)
        if name == "randint":
            low, high = (int(v) for v in dist.support())
            return RandInt(label, low, high + 1)
        if name == "norm":
            return Normal(label, float(dist.mean()), float(dist.std()))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"param_distributions[{label!r}]: cannot use {dist!r}: {exc}") from exc
    return Distribution(label, dist)


def _is_choice_list(value: Any) -> bool:
    # What scikit-learn's ParameterSampler draws an item of (``v[rng.randint(len(v))]``):
    # lists, tuples, ranges, numpy arrays (an n-d array's items are its rows). A string is
    # one value here (ParameterSampler would draw one of its characters; ParameterGrid
    # rejects it).
    return isinstance(value, (Sequence, np.ndarray)) and not isinstance(
        value, (str, bytes, bytearray)
    )


def _convert_one(name: Any, value: Any, label: str) -> Any:
    if isinstance(value, Expr):
        return value
    if _is_choice_list(value):
        options = list(value)
        if not options:
            raise ValueError(
                f"search_space[{name!r}]: a list of values must not be empty, but got {value!r}."
            )
        return Choice(label, options)
    if callable(getattr(value, "rvs", None)):
        return from_scipy(label, value)
    return value


def from_param_distributions(space: Any) -> Any:
    """Convert a scikit-learn ``param_distributions`` dict (or list of dicts).

    Parameters
    ----------
    space : dict, list of dict, or expression
        Dict values may be ``hp`` expressions (kept), sequences (a uniform
        choice over their items: lists, tuples, ``range``, numpy arrays),
        scipy.stats distributions, or constants (a string is a constant). A list of dicts is a
        choice between them. An ``hp`` expression is returned unchanged.

    Returns
    -------
    object
        A space whose evaluation is a dict of parameter values.
    """
    if isinstance(space, Expr):
        return space
    if isinstance(space, Mapping):
        return _convert_dict(space, None, {})
    if isinstance(space, (list, tuple)):
        if not space:
            raise ValueError("search_space: a list of dicts must not be empty.")
        labels: dict[str, list] = {}
        branches = []
        for i, sub in enumerate(space):
            if not isinstance(sub, Mapping):
                raise TypeError(
                    f"search_space[{i}]: a list search space must hold dicts, but got "
                    f"{type(sub).__name__}."
                )
            branches.append(_convert_dict(sub, i, labels))
        if len(branches) == 1:
            return branches[0]
        return Choice(SUBSPACE_LABEL, branches)
    raise TypeError(
        "search_space must be a dict of parameter name to distribution, a list of such dicts, "
        f"or an hp expression, but got {type(space).__name__}."
    )


def _convert_dict(space: Mapping, branch: int | None, seen: dict) -> dict:
    out = {}
    for name, value in space.items():
        if not isinstance(name, str):
            raise TypeError(f"search_space: parameter names must be str, but got {name!r}.")
        label = name
        if branch is not None and not isinstance(value, Expr):
            # The same name may carry different distributions in different dicts;
            # give each distinct one its own label so they are separate parameters.
            candidate = _convert_one(name, value, name)
            previous = seen.setdefault(name, [])
            for prev in previous:
                if _same(prev, candidate):
                    out[name] = prev
                    break
            else:
                if previous:
                    label = f"{name}[{branch}]"
                    candidate = _convert_one(name, value, label)
                previous.append(candidate)
                out[name] = candidate
            continue
        out[name] = _convert_one(name, value, label)
    return out


def _same(a: Any, b: Any) -> bool:
    # Compare definitions, not labels: ``b`` is built with the plain name while
    # ``a`` may already carry a branch label such as "C[1]".
    if isinstance(a, Choice) and isinstance(b, Choice):
        return (
            a.p == b.p
            and len(a.options) == len(b.options)
            and all(_same_option(x, y) for x, y in zip(a.options, b.options, strict=True))
        )
    if isinstance(a, Param) and isinstance(b, Param):
        return type(a) is type(b) and a._func == b._func and a._args() == b._args()
    return a is b


def _same_option(x: Any, y: Any) -> bool:
    # Equal values of one type: True and 1, or 1 and 1.0, are different options, and
    # options such as arrays whose ``==`` is not a bool are the same only if identical.
    if x is y:
        return True
    if type(x) is not type(y):
        return False
    try:
        return bool(x == y)
    except (TypeError, ValueError):
        return False
