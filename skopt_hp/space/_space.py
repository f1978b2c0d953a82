"""The flattened search space that samplers work on.

A user's space is any nesting of dicts, lists and tuples holding ``hp``
expressions and constants. :class:`SearchSpace` walks it once and keeps:

* ``params``: every labelled parameter, parents (choices) before the
  parameters they gate;
* ``conditions``: for each parameter, when it is active, as a disjunction of
  conjunctions of ``(choice position, option index)`` — a parameter reused
  in several branches is active when any of them is chosen.

Points are rows of a float matrix ``Z`` (one column per parameter, the
parameter's internal encoding, ``NaN`` where inactive). All operations on
``Z`` are vectorised over rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..exceptions import BadSearchSpace, DuplicateLabel
from ._apply import Apply
from ._nodes import Choice, Expr, Param

__all__ = ["BadSearchSpace", "DuplicateLabel", "SearchSpace", "space_eval", "as_search_space"]

Condition = tuple[tuple[tuple[int, int], ...], ...]


def _walk(node: Any, path: tuple, found: dict, order: list, stack: set) -> None:
    if isinstance(node, Param):
        label = node.label
        if label in found:
            first, paths = found[label]
            # Identity, as hyperopt: two hp calls are two parameters even with equal
            # arguments, and silently merging them would hide a copy-paste slip.
            if first is not node:
                raise DuplicateLabel(
                    label,
                    f"Label {label!r} is used for two different expressions in one space: "
                    f"{first!r} and {node!r}. Labels must be unique; to use one parameter "
                    "in several places, build its expression once and reuse that object.",
                )
            paths.add(path)
        else:
            found[label] = (node, {path})
            order.append(label)
        if isinstance(node, Choice):
            if id(node) in stack:
                raise ValueError(f"hp.choice({label!r}) contains itself.")
            stack.add(id(node))
            for i, option in enumerate(node.options):
                _walk(option, path + ((label, i),), found, order, stack)
            stack.discard(id(node))
        return
    if isinstance(node, Apply):
        for child in node.children():
            _walk(child, path, found, order, stack)
        return
    if isinstance(node, Expr):
        raise TypeError(f"Unsupported expression {node!r} in the search space.")
    if isinstance(node, (dict, list, tuple)):
        if id(node) in stack:
            raise ValueError("The search space contains itself (a recursive container).")
        stack.add(id(node))
        values = node.values() if isinstance(node, dict) else node
        for value in values:
            _walk(value, path, found, order, stack)
        stack.discard(id(node))


def _simplify(paths: set) -> list[tuple]:
    # A path that is a prefix of another already covers it (e.g. the top level).
    paths = sorted(paths, key=len)
    kept: list[tuple] = []
    for p in paths:
        if not any(p[: len(k)] == k for k in kept):
            kept.append(p)
    return kept


class SearchSpace:
    """A search space compiled for sampling and encoding.

    Parameters
    ----------
    space : object
        A single expression, or any nesting of dicts, lists and tuples of
        expressions and constants.

    Attributes
    ----------
    params : tuple of Param
        The parameters, each after every choice that gates it.
    labels : tuple of str
    index : dict
        Label to column position.
    conditions : tuple
        Per parameter, a tuple of conjunctions; each conjunction is a tuple of
        ``(choice column, option index)``. ``((),)`` means always active.
    """

    def __init__(self, space: Any):
        if isinstance(space, SearchSpace):
            space = space.space
        self.space = space
        found: dict[str, tuple[Param, set]] = {}
        order: list[str] = []
        _walk(space, (), found, order, set())

        # Stable topological order: a parameter after every choice on its paths.
        deps = {label: {c for path in found[label][1] for c, _ in path} for label in order}
        placed: list[str] = []
        done: set[str] = set()
        remaining = list(order)
        while remaining:
            progressed = False
            for label in list(remaining):
                if deps[label] <= done:
                    placed.append(label)
                    done.add(label)
                    remaining.remove(label)
                    progressed = True
            if not progressed:
                raise ValueError(f"Cyclic conditions between parameters {remaining}.")

        self.labels: tuple[str, ...] = tuple(placed)
        self.index: dict[str, int] = {label: i for i, label in enumerate(placed)}
        self.params: tuple[Param, ...] = tuple(found[label][0] for label in placed)
        conditions = []
        for label in placed:
            conj = _simplify(found[label][1])
            # Sorted so that equal conditions are equal tuples, whatever the set order.
            conditions.append(
                tuple(sorted(tuple((self.index[c], o) for c, o in path) for path in conj))
            )
        self.conditions: tuple = tuple(conditions)
        self.is_conditional = any(c != ((),) for c in self.conditions)

    # ------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.params)

    def __repr__(self) -> str:
        return f"SearchSpace({', '.join(repr(p) for p in self.params)})"

    @property
    def n_params(self) -> int:
        return len(self.params)

    def _active(self, Z: np.ndarray, j: int) -> np.ndarray:
        cond = self.conditions[j]
        if cond == ((),):
            return np.ones(Z.shape[0], dtype=bool)
        out = np.zeros(Z.shape[0], dtype=bool)
        for conj in cond:
            m = np.ones(Z.shape[0], dtype=bool)
            for c, o in conj:
                m &= Z[:, c] == o
            out |= m
        return out

    def active_mask(self, Z: np.ndarray) -> np.ndarray:
        """Boolean matrix: where each parameter is active given the choices in ``Z``."""
        Z = np.asarray(Z, dtype=float)
        return (
            np.column_stack([self._active(Z, j) for j in range(self.n_params)])
            if len(self.params)
            else np.zeros((Z.shape[0], 0), dtype=bool)
        )

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` points from the prior, as an ``(n, n_params)`` internal matrix."""
        Z = np.empty((n, self.n_params))
        for j, param in enumerate(self.params):
            col = param.sample(rng, n)
            Z[:, j] = np.where(self._active(Z, j), col, np.nan)
        return Z

    def snap(self, Z: np.ndarray) -> np.ndarray:
        """Project proposals onto valid points: snap values, blank inactive columns."""
        Z = np.array(Z, dtype=float, copy=True)
        for j, param in enumerate(self.params):
            col = Z[:, j]
            ok = ~np.isnan(col)
            if self.conditions[j] == ((),) and ok.all():
                # Always active and set: the common case, once per suggestion.
                Z[:, j] = param.snap(col)
                continue
            snapped = np.full_like(col, np.nan)
            snapped[ok] = param.snap(col[ok])
            Z[:, j] = np.where(self._active(Z, j), snapped, np.nan)
        return Z

    def validate(self, Z: np.ndarray) -> None:
        """Raise ``ValueError`` unless every active entry is set and inactive ones are NaN."""
        Z = np.asarray(Z, dtype=float)
        active = self.active_mask(Z)
        missing = active & np.isnan(Z)
        if missing.any():
            i, j = np.argwhere(missing)[0]
            raise ValueError(f"Point {i}: active parameter {self.labels[j]!r} has no value.")

    # -- conversions between internal rows and external points -----------
    def decode(self, Z: np.ndarray) -> list[dict[str, Any]]:
        """Rows of ``Z`` to points: ``{label: external value}`` for active labels."""
        Z = np.atleast_2d(np.asarray(Z, dtype=float))
        cols = []
        for j, param in enumerate(self.params):
            col = Z[:, j]
            ok = ~np.isnan(col)
            if ok.all():
                # Active in every row (always, for an unconditional space): no masking.
                cols.append((param.label, None, param.to_external(col).tolist()))
                continue
            ext = np.empty(len(col), dtype=object)
            if ok.any():
                ext[ok] = param.to_external(col[ok]).tolist()
            cols.append((param.label, ok, ext))
        points = []
        for i in range(Z.shape[0]):
            points.append({label: ext[i] for label, ok, ext in cols if ok is None or ok[i]})
        return points

    def encode(self, points: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Points (``{label: value}``; values may be hyperopt-style 1-lists) to rows."""
        Z = np.full((len(points), self.n_params), np.nan)
        for i, point in enumerate(points):
            point = normalize_point(point)
            unknown = set(point) - set(self.index)
            if unknown:
                raise ValueError(
                    f"Point {i} has labels not in the search space: {sorted(unknown)}."
                )
            for label, value in point.items():
                param = self.params[self.index[label]]
                param.check_external(value)
                Z[i, self.index[label]] = param.to_internal([value])[0]
        for j in range(self.n_params):
            active = self._active(Z, j)
            col = Z[:, j]
            missing = active & np.isnan(col)
            if missing.any():
                i = int(np.argmax(missing))
                raise ValueError(
                    f"Point {i} has no value for the active parameter {self.labels[j]!r}."
                )
            Z[:, j] = np.where(active, col, np.nan)
        return Z

    def evaluate(self, point: Mapping[str, Any]) -> Any:
        """The concrete structure for ``point`` (see :func:`space_eval`)."""
        return space_eval(self.space, point)


def normalize_point(point: Mapping[str, Any]) -> dict[str, Any]:
    """Accept hyperopt's ``misc.vals`` form (``{label: [value]}`` or ``[]``) and scalars."""
    if not isinstance(point, Mapping):
        raise TypeError(f"A point must be a mapping of label to value, got {type(point).__name__}.")
    out = {}
    for label, value in point.items():
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
        if isinstance(value, (list, tuple, np.ndarray)):
            if len(value) == 0:
                continue
            if len(value) != 1:
                raise ValueError(f"Label {label!r}: expected one value, got {value!r}.")
            value = value[0]
        if isinstance(value, np.generic):
            value = value.item()
        out[label] = value
    return out


def space_eval(space: Any, point: Mapping[str, Any]) -> Any:
    """Return the concrete structure that ``space`` takes at ``point``.

    Parameters
    ----------
    space : object
        A search space (expressions inside dicts, lists, tuples).
    point : mapping
        Label to value, with *indices* for choices, as returned by ``fmin``;
        hyperopt's ``{label: [value]}`` form is accepted too.

    Returns
    -------
    object
        The space with every expression replaced by its value; constants are
        returned as they are (not copied).
    """
    if isinstance(space, SearchSpace):
        space = space.space
    point = normalize_point(point)
    return _eval(space, point)


def _eval(node: Any, point: dict) -> Any:
    if isinstance(node, Param):
        try:
            value = point[node.label]
        except KeyError:
            raise KeyError(
                f"space_eval: no value for the active parameter {node.label!r} in the point "
                f"{point!r}."
            ) from None
        if isinstance(node, Choice):
            node.check_external(value)
            return _eval(node.options[int(value)], point)
        if getattr(node, "integer", False):
            return int(round(value))
        return float(value)
    if isinstance(node, Apply):
        args = [_eval(a, point) for a in node.args]
        kwargs = {k: _eval(v, point) for k, v in node.kwargs.items()}
        return node.fn(*args, **kwargs)
    if isinstance(node, dict):
        values = {k: _eval(v, point) for k, v in node.items()}
        # Keep mapping subclasses (OrderedDict...) as the user built them.
        return values if type(node) is dict else type(node)(values)
    if isinstance(node, list):
        return [_eval(v, point) for v in node]
    if isinstance(node, tuple):
        values = [_eval(v, point) for v in node]
        return type(node)(*values) if hasattr(node, "_fields") else tuple(values)
    return node


def as_search_space(space: Any) -> SearchSpace:
    """Compile ``space`` unless it already is a :class:`SearchSpace`."""
    return space if isinstance(space, SearchSpace) else SearchSpace(space)
