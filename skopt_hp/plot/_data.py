"""One table of finished trials, whatever the plots were given.

A plot receives either a :class:`~skopt_hp.Trials` (from ``fmin``) or a
fitted :class:`~skopt_hp.HyperoptSearchCV`. :func:`trial_table` turns both
into a :class:`TrialTable`: one row per finished trial (tid, whether it
succeeded, its loss, the value of each parameter, ``NaN`` where a
conditional parameter was inactive) and one :class:`ParamInfo` per
parameter saying how to draw it (categorical or numeric, log-scaled,
bounds), read from the search space when it is known and inferred from the
values otherwise.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.exceptions import NotFittedError

from .._search import HyperoptSearchCV, _compile_space
from .._trials import Trials
from ..space import SearchSpace, as_search_space
from ..space._nodes import CATEGORICAL, Param

__all__ = ["ParamInfo", "TrialTable", "completed_table", "select_params", "trial_table"]

#: Kinds of :class:`ParamInfo`.
CATEGORY, INTEGER, FLOAT = "categorical", "int", "float"

#: The longest tick label of a choice option before it is shortened.
_MAX_OPTION_LABEL = 18


@dataclass(frozen=True)
class ParamInfo:
    """How one parameter is drawn.

    Attributes
    ----------
    label : str
    kind : {"categorical", "int", "float"}
        ``"categorical"`` only when the space says so (an ``hp.choice``);
        its values are option indices.
    log : bool
        Drawn on a logarithmic axis.
    low, high : float or None
        The bounds of the external values (option indices for a choice);
        ``None`` when unbounded or unknown.
    choices : tuple of str
        Tick labels of the options of a categorical parameter.
    conditional : bool
        Whether the parameter is inactive in some points of the space.
    """

    label: str
    kind: str
    log: bool = False
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    conditional: bool = False

    def coords(self, values: np.ndarray) -> np.ndarray:
        """The values on the axis the plots and the importance forest use.

        ``log10`` of the values for a log-scaled parameter (a value of 0,
        which a quantised log parameter can take, is put at its lower bound,
        or a decade below the smallest positive value); the values (option
        indices for a choice) otherwise. ``NaN`` stays ``NaN``.
        """
        values = np.asarray(values, dtype=float)
        if not self.log:
            return values.copy()
        positive = values[values > 0]
        if self.low is not None and self.low > 0:
            floor = self.low
        elif positive.size:
            floor = float(positive.min()) / 10
        else:
            floor = 1.0
        clipped = np.where(np.isnan(values) | (values > 0), values, floor)
        return np.log10(clipped)

    def coord_range(self, values: np.ndarray) -> tuple[float, float]:
        """The range an axis of this parameter spans, in :meth:`coords` units.

        The bounds of the space when known and finite (so a plot shows where
        in its domain the search went), widened to the observed values;
        the observed range otherwise.
        """
        coords = self.coords(values)
        coords = coords[~np.isnan(coords)]
        ends: list[float] = []
        if self.low is not None and self.high is not None:
            ends = [float(v) for v in self.coords(np.array([self.low, self.high]))]
        if coords.size:
            ends += [float(coords.min()), float(coords.max())]
        if not ends:
            return 0.0, 1.0
        return min(ends), max(ends)


@dataclass(frozen=True)
class TrialTable:
    """The finished trials of a search, one row each, in the order they were recorded.

    Attributes
    ----------
    tids : ndarray of int
    ok : ndarray of bool
        Finished with status ``"ok"`` and a finite loss.
    losses : ndarray of float
        ``NaN`` where not ``ok``.
    params : dict of str to ndarray
        Per label, the external values (option indices for a choice),
        ``NaN`` where the parameter was inactive.
    info : dict of str to ParamInfo
        In the order of the search space.
    objective : str
        The name used on axes and colour bars: ``"loss"`` for ``Trials``,
        ``"score"`` for a search (``"score (<metric>)"`` with several metrics).
    minimize : bool
        Whether a lower objective is better (``False`` for a search's score).
    """

    tids: np.ndarray
    ok: np.ndarray
    losses: np.ndarray
    params: dict[str, np.ndarray]
    info: dict[str, ParamInfo]
    objective: str
    minimize: bool

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.info)

    @property
    def n_failed(self) -> int:
        """Finished trials that did not succeed (failed, cancelled, or without a finite loss)."""
        return int(np.count_nonzero(~self.ok))

    @property
    def objective_values(self) -> np.ndarray:
        """What the plots show: the loss, or the score (minus the loss) of a search."""
        return self.losses if self.minimize else -self.losses

    def completed(self) -> TrialTable:
        """The rows of the successful trials only."""
        keep = self.ok
        return TrialTable(
            tids=self.tids[keep],
            ok=self.ok[keep],
            losses=self.losses[keep],
            params={label: col[keep] for label, col in self.params.items()},
            info=self.info,
            objective=self.objective,
            minimize=self.minimize,
        )


def _constant_label(value: Any) -> str | None:
    """A short name for a constant option, or ``None`` when it has none."""
    if value is None or isinstance(value, (str, numbers.Number, np.generic)):
        return str(value)
    if isinstance(value, type):
        return value.__name__
    if callable(getattr(value, "get_params", None)):
        return type(value).__name__  # a scikit-learn estimator
    if callable(value) and isinstance(getattr(value, "__name__", None), str):
        return value.__name__
    return None


def _option_labels(options: tuple[Any, ...]) -> tuple[str, ...]:
    """Tick labels of the options of a choice.

    A constant names itself (an estimator or a class by its class name); a
    dict (a sub-space) by its first value that is a string, a class or an
    estimator (``{"name": "svm", "C": hp...}`` → ``"svm"``); anything else
    is ``"option i"``. Labels that would be ambiguous are prefixed with
    their index.
    """
    labels = []
    for i, option in enumerate(options):
        text = _constant_label(option)
        if text is None and isinstance(option, Mapping):
            named = (
                v
                for v in option.values()
                if isinstance(v, (str, type)) or callable(getattr(v, "get_params", None))
            )
            text = next((_constant_label(v) for v in named), None)
        if text is None:
            text = f"option {i}"
        if len(text) > _MAX_OPTION_LABEL:
            text = text[: _MAX_OPTION_LABEL - 1] + "…"
        labels.append(text)
    if len(set(labels)) < len(labels):
        labels = [f"{i}: {text}" for i, text in enumerate(labels)]
    return tuple(labels)


def _ks_to_uniform(values: np.ndarray) -> float:
    """Kolmogorov-Smirnov distance between ``values`` and a uniform law over their range."""
    v = np.sort(values)
    u = (v - v[0]) / (v[-1] - v[0])
    n = v.size
    return float(max(np.max(np.arange(1, n + 1) / n - u), np.max(u - np.arange(n) / n)))


def _looks_log(values: np.ndarray) -> bool:
    """Whether values of unknown distribution look log-scaled.

    They must be positive, span at least two decades, and be spread more
    evenly over their range in log space than in linear space (a smaller
    Kolmogorov-Smirnov distance to a uniform law), as draws from a
    log-uniform prior are. A search that concentrated its trials near the
    low end of a linear range can pass too: pass the space to be sure.
    """
    values = values[~np.isnan(values)]
    if values.size < 3 or values.min() <= 0 or values.max() / values.min() < 100:
        return False
    return _ks_to_uniform(np.log(values)) < _ks_to_uniform(values)


def _info_from_param(param: Param, conditional: bool, values: np.ndarray) -> ParamInfo:
    if param.kind == CATEGORICAL:
        options = tuple(getattr(param, "options", ()))
        return ParamInfo(
            label=param.label,
            kind=CATEGORY,
            low=0.0,
            high=float(max(len(options) - 1, 0)),
            choices=_option_labels(options),
            conditional=conditional,
        )
    kind = INTEGER if getattr(param, "integer", False) else FLOAT
    bounds = getattr(param, "bounds", None)
    if bounds is None:
        # An opaque distribution (a scipy.stats object without an hp equivalent).
        return ParamInfo(param.label, kind, log=_looks_log(values), conditional=conditional)
    log = bool(getattr(param, "log", False))
    lo, hi = (math.exp(b) if log else float(b) for b in bounds)
    finite = math.isfinite(lo) and math.isfinite(hi)
    return ParamInfo(
        label=param.label,
        kind=kind,
        log=log,
        low=lo if finite else None,
        high=hi if finite else None,
        conditional=conditional,
    )


def _inferred_info(label: str, values: np.ndarray) -> ParamInfo:
    active = values[~np.isnan(values)]
    integral = active.size > 0 and bool(np.all(active == np.round(active)))
    return ParamInfo(
        label=label,
        kind=INTEGER if integral else FLOAT,
        log=_looks_log(values),
        conditional=bool(np.isnan(values).any()),
    )


def _score_label(search: HyperoptSearchCV) -> str:
    results = getattr(search, "cv_results_", None)
    if not getattr(search, "multimetric_", False) or not results:
        return "score"
    return f"score ({search._optimized_metric(results)})"


def _resolve(source: Any, space: Any) -> tuple[Trials, SearchSpace | None, str, bool]:
    """The trials, the compiled space (if known), the objective's name and its direction."""
    if isinstance(source, HyperoptSearchCV):
        trials = getattr(source, "trials_", None)
        if not isinstance(trials, Trials):
            raise NotFittedError(
                "source: this HyperoptSearchCV is not fitted yet; call fit before plotting it."
            )
        if space is not None:
            compiled = _compile_space(space)
        elif trials.space is not None:
            compiled = trials.space
        else:
            compiled = _compile_space(source.search_space)
        return trials, compiled, _score_label(source), False
    if isinstance(source, Trials):
        compiled = as_search_space(space) if space is not None else source.space
        return source, compiled, "loss", True
    raise TypeError(
        f"source must be a Trials or a fitted HyperoptSearchCV, but got {type(source).__name__}."
    )


def _labels(trials: Trials, space: SearchSpace | None) -> tuple[str, ...]:
    seen = dict.fromkeys(label for t in trials.records for label in t.params)
    if space is None:
        return tuple(dict.fromkeys([*trials.labels, *seen]))
    unknown = [label for label in seen if label not in space.index]
    if unknown:
        raise ValueError(
            f"space: the trials have parameters that are not in the given space: {unknown}; "
            f"its parameters are {list(space.labels)}."
        )
    return space.labels


def _as_float(label: str, tid: int, value: Any) -> float:
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]  # hyperopt's {label: [value]} form
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"source: trial {tid} has a non-numeric value {value!r} for parameter {label!r}; "
            "trials must hold the sampler's values (numbers, option indices for choices)."
        ) from None


def trial_table(source: Any, *, space: Any = None) -> TrialTable:
    """The finished trials of ``source`` as a :class:`TrialTable`.

    Parameters
    ----------
    source : Trials or HyperoptSearchCV
        ``Trials`` filled by ``fmin``, or a fitted search (its ``trials_``).
    space : object, optional
        The search space, to draw choices with their option labels and
        log-scaled parameters on log axes. Defaults to the space the trials
        were recorded with (``fmin`` binds it), or the search's
        ``search_space``; without one, kinds and log scales are inferred.

    Raises
    ------
    TypeError
        If ``source`` is neither a ``Trials`` nor a ``HyperoptSearchCV``.
    sklearn.exceptions.NotFittedError
        If ``source`` is a search that was not fitted (a ``ValueError``).
    ValueError
        If ``source`` holds no finished trial.
    """
    trials, compiled, objective, minimize = _resolve(source, space)
    if not trials.records:
        raise ValueError("source holds no trials: run fmin with it (or fit the search) first.")
    records = [t for t in trials.records if t.is_finished]
    if not records:
        raise ValueError(
            f"source has no finished trial yet ({len(trials.records)} new or running); "
            "nothing to plot."
        )
    labels = _labels(trials, compiled)
    params = {label: np.full(len(records), np.nan) for label in labels}
    for i, trial in enumerate(records):
        for label, value in trial.params.items():
            params[label][i] = _as_float(label, trial.tid, value)
    losses = np.array([np.nan if t.loss is None else t.loss for t in records], dtype=float)

    info: dict[str, ParamInfo] = {}
    for label in labels:
        if compiled is None:
            info[label] = _inferred_info(label, params[label])
        else:
            j = compiled.index[label]
            conditional = compiled.conditions[j] != ((),)
            info[label] = _info_from_param(compiled.params[j], conditional, params[label])
    return TrialTable(
        tids=np.array([t.tid for t in records], dtype=np.int64),
        ok=~np.isnan(losses),
        losses=losses,
        params=params,
        info=info,
        objective=objective,
        minimize=minimize,
    )


def completed_table(source: Any, *, space: Any = None) -> TrialTable:
    """:func:`trial_table`, checking that at least one trial succeeded.

    Raises
    ------
    ValueError
        If no finished trial has status ``"ok"`` and a finite loss.
    """
    table = trial_table(source, space=space)
    if not table.ok.any():
        n = len(table.tids)
        raise ValueError(
            "source has no completed trial (status 'ok' with a finite loss) to plot: "
            f"all {n} of its finished trials failed."
        )
    return table


def select_params(
    table: TrialTable, params: str | Iterable[str] | None, *, param_name: str = "params"
) -> list[str]:
    """Validate a user's parameter selection against the table's labels."""
    if params is None:
        return list(table.labels)
    names = [params] if isinstance(params, str) else list(params)
    if not names:
        raise ValueError(f"{param_name} must name at least one parameter, but got {params!r}.")
    bad = [n for n in names if not isinstance(n, str)]
    if bad:
        raise TypeError(f"{param_name} must hold parameter labels (str), but got {bad!r}.")
    unknown = [n for n in names if n not in table.info]
    if unknown:
        raise ValueError(
            f"{param_name}: unknown parameter(s) {unknown}; the parameters are "
            f"{list(table.labels)}."
        )
    return list(dict.fromkeys(names))
