"""Function application inside a space: hyperopt's ``scope.int(hp.quniform(...))``.

hyperopt users transform sampled values with ``scope`` functions (most
often ``scope.int``). :class:`Apply` keeps such a call in the space; it is
evaluated by ``space_eval`` after its arguments, and is transparent to the
samplers, which only see the parameters inside it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._nodes import Expr

__all__ = ["Apply", "Scope", "scope"]


class Apply(Expr):
    """A call ``fn(*args, **kwargs)`` whose arguments may hold expressions."""

    def __init__(self, name: str, fn: Callable[..., Any], args: tuple, kwargs: dict):
        self.name = name
        self.fn = fn
        self.args = tuple(args)
        self.kwargs = dict(kwargs)

    def children(self) -> list[Any]:
        return [*self.args, *self.kwargs.values()]

    def __repr__(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"scope.{self.name}({', '.join(parts)})"


class Scope:
    """Namespace of functions usable inside a space, as ``hyperopt.pyll.scope``.

    ``scope.int``, ``scope.float``, ``scope.round``, ``scope.min``,
    ``scope.max``, ``scope.abs`` are predefined; ``scope.define`` registers a
    user function under its name.
    """

    def __init__(self) -> None:
        self._functions: dict[str, Callable[..., Any]] = {}
        for fn in (int, float, round, min, max, abs, len, list, tuple, dict, sum):
            self._functions[fn.__name__] = fn

    def define(self, fn: Callable[..., Any]) -> Callable[..., Apply]:
        """Register ``fn``; ``scope.<name>(...)`` then builds a deferred call."""
        if not callable(fn):
            raise TypeError(f"scope.define expects a function, but got {fn!r}.")
        self._functions[fn.__name__] = fn
        return getattr(self, fn.__name__)

    def __getattr__(self, name: str) -> Callable[..., Apply]:
        try:
            fn = self.__dict__["_functions"][name]
        except KeyError:
            raise AttributeError(
                f"scope has no function {name!r}; register one with @scope.define."
            ) from None

        def build(*args: Any, **kwargs: Any) -> Apply:
            return Apply(name, fn, args, kwargs)

        build.__name__ = name
        return build


scope = Scope()
