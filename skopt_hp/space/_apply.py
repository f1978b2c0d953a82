"""Function application inside a space: hyperopt's ``scope.int(hp.quniform(...))``.

hyperopt users transform sampled values with ``scope`` functions (most
often ``scope.int``) and with operators (``1 + hp.normal("x", 0, 1) * 2``).
:class:`Apply` keeps such a call in the space; it is evaluated by
``space_eval`` after its arguments, and is transparent to the samplers,
which only see the parameters inside it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from . import _nodes
from ._nodes import Expr

__all__ = ["Apply", "Scope", "apply_operator", "scope"]

#: The functions behind the operators of expressions, under hyperopt's ``scope`` names.
OPERATORS: dict[str, Callable[..., Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "truediv": operator.truediv,
    "floordiv": operator.floordiv,
    "mod": operator.mod,
    "pow": operator.pow,
    "neg": operator.neg,
    "pos": operator.pos,
    "abs": abs,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}
# Explicit calls only (scope.eq(a, b), scope.getitem(a, 0)): overloading == would break
# expressions as dict keys, and [] would make every expression look iterable.
_CALL_ONLY: dict[str, Callable[..., Any]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "getitem": operator.getitem,
}
_INFIX = {
    "add": "+", "sub": "-", "mul": "*", "truediv": "/", "floordiv": "//", "mod": "%",
    "pow": "**", "lt": "<", "le": "<=", "gt": ">", "ge": ">=",
}  # fmt: skip
_PREFIX = {"neg": "-", "pos": "+"}


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
        if not self.kwargs and self.fn is OPERATORS.get(self.name):
            if self.name in _INFIX and len(self.args) == 2:
                return f"({self.args[0]!r} {_INFIX[self.name]} {self.args[1]!r})"
            if self.name in _PREFIX and len(self.args) == 1:
                return f"{_PREFIX[self.name]}{self.args[0]!r}"
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"scope.{self.name}({', '.join(parts)})"


def apply_operator(name: str, *args: Any) -> Apply:
    """The deferred ``OPERATORS[name](*args)``: what ``expr + 1`` and friends build."""
    return Apply(name, OPERATORS[name], args, {})


class Scope:
    """Namespace of functions usable inside a space, as ``hyperopt.pyll.scope``.

    ``scope.int``, ``scope.float``, ``scope.round``, ``scope.min``,
    ``scope.max``, ``scope.abs`` are predefined, and so are hyperopt's
    operator functions (``scope.add``, ``scope.sub``, ``scope.mul``,
    ``scope.truediv``, ``scope.floordiv``, ``scope.mod``, ``scope.pow``,
    ``scope.neg``, ``scope.pos``, ``scope.lt``, ``scope.le``, ``scope.gt``,
    ``scope.ge``, ``scope.eq``, ``scope.ne``, ``scope.getitem``);
    ``scope.define`` registers a user function under its name.
    """

    def __init__(self) -> None:
        self._functions: dict[str, Callable[..., Any]] = {}
        for fn in (int, float, round, min, max, abs, len, list, tuple, dict, sum):
            self._functions[fn.__name__] = fn
        self._functions.update(OPERATORS)
        self._functions.update(_CALL_ONLY)

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


_nodes._operator_node = apply_operator
