"""The ask step shared by ``fmin`` and ``HyperoptSearchCV``.

``algo`` arguments come in hyperopt's form (``tpe.suggest``, a
``functools.partial`` of it), as a name (``"tpe"``, ``"rand"``) or as a
:class:`~skopt_hp.samplers.Sampler`. :func:`resolve_algo` turns each into a
sampler; :func:`ask` proposes new trials from what a ``Trials`` holds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ._trials import Trial, Trials
from .samplers import RandomSampler, Sampler
from .space import SearchSpace

__all__ = ["ask", "make_suggest", "resolve_algo"]

_NAMED: dict[str, Callable[..., Sampler]] = {"rand": RandomSampler, "random": RandomSampler}


def register_algo(name: str, factory: Callable[..., Sampler]) -> None:
    """Make ``algo=name`` build a sampler with ``factory()``."""
    _NAMED[name] = factory


def make_suggest(factory: Callable[..., Sampler], name: str) -> Callable[..., Any]:
    """Build a hyperopt-style ``suggest`` function backed by a sampler factory.

    The function can be passed as ``algo`` (directly or wrapped in
    ``functools.partial`` with keyword arguments for ``factory``), and can
    be called as hyperopt calls its algorithms:
    ``suggest(new_ids, domain, trials, seed, **kwargs)``, which returns the
    new points (``{label: value}``) for ``new_ids`` without recording them.
    """

    def suggest(new_ids, domain, trials, seed, **kwargs):
        space = getattr(domain, "space", domain)
        space = space if isinstance(space, SearchSpace) else SearchSpace(space)
        sampler = factory(**kwargs)
        rng = np.random.default_rng(seed)
        Z = sampler.ask(space, trials.observations(space), len(new_ids), rng)
        return space.decode(Z)

    suggest.__name__ = "suggest"
    suggest.__qualname__ = f"{name}.suggest"
    suggest.__doc__ = f"Propose points with {name} (hyperopt-compatible ``algo``)."
    suggest._skopt_hp_factory = factory  # type: ignore[attr-defined]
    return suggest


def resolve_algo(algo: Any, *, param_name: str = "algo") -> Sampler:
    """Return the :class:`Sampler` that ``algo`` stands for.

    Raises
    ------
    ValueError, TypeError
        Naming ``param_name`` and the value, for anything else.
    """
    if isinstance(algo, Sampler):
        return algo
    if isinstance(algo, str):
        try:
            return _NAMED[algo]()
        except KeyError:
            raise ValueError(
                f"`{param_name}` must be one of {sorted(_NAMED)}, a suggest function or a "
                f"Sampler, but got {algo!r}."
            ) from None
    kwargs: dict[str, Any] = {}
    func = algo
    while isinstance(func, functools.partial):
        if func.args:
            raise TypeError(
                f"`{param_name}`: functools.partial of a suggest function takes keyword "
                f"arguments only, but got positional arguments {func.args!r}."
            )
        kwargs = {**func.keywords, **kwargs}
        func = func.func
    factory = getattr(func, "_skopt_hp_factory", None)
    if factory is None:
        raise TypeError(
            f"`{param_name}` must be a name such as 'tpe' or 'rand', skopt_hp's tpe.suggest / "
            f"rand.suggest (optionally in functools.partial), or a Sampler, but got {algo!r}."
        )
    try:
        return factory(**kwargs)
    except TypeError as exc:
        raise TypeError(f"`{param_name}`: invalid arguments {kwargs!r}: {exc}") from exc


def ask(
    sampler: Sampler,
    space: SearchSpace,
    trials: Trials,
    n: int,
    rng: np.random.Generator,
) -> list[Trial]:
    """Propose ``n`` points and record them in ``trials`` as new trials."""
    observations = trials.observations(space)
    Z = sampler.ask(space, observations, n, rng)
    points = space.decode(Z)
    return [trials.new_trial(p, z=z) for p, z in zip(points, Z, strict=True)]
