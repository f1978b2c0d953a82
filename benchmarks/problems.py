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
    """A named objective over a neutral space; ``optimum`` is the known minimum or ``None``."""

    name: str
    params: tuple[Param, ...]
    objective: Callable[[Mapping[str, Any]], float]
    optimum: float | None
    description: str = ""
    argmin: Mapping[str, Any] | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)

    def __call__(self, point: Mapping[str, Any]) -> float:
        return float(self.objective(point))

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


PROBLEMS: dict[str, Problem] = {
    p.name: p
    for p in [
        Problem(
            "branin",
            (uniform("x0", -5, 10), uniform("x1", 0, 15)),
            branin,
            0.397887,
            "Branin-Hoo, 2-d",
            {"x0": math.pi, "x1": 2.275},
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
            "rosenbrock4",
            _box("x", 4, -2.048, 2.048),
            rosenbrock4,
            0.0,
            "Rosenbrock, 4-d",
            dict.fromkeys(_names("x", 4), 1.0),
        ),
        Problem(
            "styblinski_tang4",
            _box("x", 4, -5, 5),
            styblinski_tang4,
            -156.664637,
            "Styblinski-Tang, 4-d",
            dict.fromkeys(_names("x", 4), -2.903534),
        ),
        Problem(
            "ackley5",
            _box("x", 5, -32.768, 32.768),
            ackley5,
            0.0,
            "Ackley, 5-d",
            dict.fromkeys(_names("x", 5), 0.0),
        ),
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
        ),
    ]
}


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

    if problem.argmin is not None and problem.optimum is not None:
        value = problem(problem.argmin)
        assert abs(value - problem.optimum) < 1e-4, (problem.name, value, problem.optimum)

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


if __name__ == "__main__":
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    for _problem in PROBLEMS.values():
        check_problem(_problem)
        print(f"ok  {_problem.name:18s} {_problem.n_params:2d} params  {_problem.description}")
