"""TPE on quantised and integer parameters: ordinal modelling, untried points, exact optima."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _sampler_helpers import minimize

from skopt_hp import fmin, hp, tpe
from skopt_hp.samplers import Observations, TPESampler
from skopt_hp.samplers._tpe._estimator import fit_parzen
from skopt_hp.samplers._tpe._groups import group_params
from skopt_hp.samplers._tpe._settings import KernelSettings
from skopt_hp.space import SearchSpace

SETTINGS = KernelSettings(
    prior_weight=1.0, consider_magic_clip=True, consider_endpoints=False, bandwidth="neighbor"
)


# -- the grid a parameter takes -------------------------------------------------


@pytest.mark.parametrize(
    "param",
    [
        hp.quniform("a", 0, 5, 1),
        hp.quniform("b", 0.05, 1.0, 0.1),
        hp.qloguniform("c", math.log(0.1), math.log(20), 2),
        hp.randint("d", -3, 4),
        hp.uniformint("e", 1, 6),
    ],
    ids=lambda p: p._func,
)
def test_grid_lists_every_value_with_its_prior_probability(param) -> None:
    grid = param.grid
    z = param.sample(np.random.default_rng(0), 200_000)
    values, counts = np.unique(z, return_counts=True)
    np.testing.assert_allclose(values, grid.values, rtol=0, atol=1e-12)
    np.testing.assert_allclose(counts / counts.sum(), grid.prior, atol=0.005)
    assert grid.prior.sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(param.snap(grid.values), grid.values)


@pytest.mark.parametrize(
    "param",
    [
        hp.uniform("u", 0, 1),
        hp.loguniform("l", 0, 1),
        hp.qnormal("n", 0, 1, 1),
        hp.randint("big", 10**7),
        hp.quniform("fine", 0, 1, 1e-6),
    ],
    ids=lambda p: p.label,
)
def test_continuous_unbounded_and_huge_parameters_have_no_grid(param) -> None:
    assert param.grid is None


# -- ordinal modelling --------------------------------------------------------------


def test_ordinal_parameters_are_modelled_on_grid_indices() -> None:
    space = SearchSpace({"k": hp.quniform("k", 10, 50, 10), "x": hp.uniform("x", 0, 1)})
    (group,) = group_params(space, multivariate=True, max_ordinal_points=5)
    assert group.grids[0] is not None and group.grids[1] is None
    Z = np.array([[10.0, 0.3], [50.0, 0.1], [30.0, 0.9]])
    X = group.to_model(Z)
    np.testing.assert_array_equal(X[:, 0], [0, 4, 2])
    np.testing.assert_array_equal(group.from_model(X), Z)
    # A grid larger than the threshold keeps discretised normal kernels.
    (group,) = group_params(space, multivariate=True, max_ordinal_points=4)
    assert group.grids == (None, None)


def test_ordinal_kernels_are_distributions_over_the_grid_that_sharpen_with_data() -> None:
    param = hp.quniform("k", 0, 5, 1)
    grid = param.grid
    few = fit_parzen([param], np.array([[2.0]]), np.ones(1), SETTINGS, grids=[grid])
    many = fit_parzen([param], np.full((30, 1), 2.0), np.ones(30), SETTINGS, grids=[grid])
    for mix in (few, many):
        (table,) = mix.categorical.probs
        np.testing.assert_allclose(table.sum(axis=1), 1.0)
        np.testing.assert_array_equal(table[-1], grid.prior)
        # The mode is the observed point; neighbours get more than far points.
        assert np.argmax(table[0]) == 2
        assert table[0, 1] > table[0, 0] and table[0, 3] > table[0, 5]
    assert many.categorical.probs[0][0, 2] > few.categorical.probs[0][0, 2]
    # Bandwidth 0 is the categorical kernel: the point plus a share of the prior.
    flat = fit_parzen(
        [param],
        np.array([[2.0]]),
        np.ones(1),
        SETTINGS._replace(ordinal_bandwidth=0.0),
        grids=[grid],
    )
    expected = np.array([0, 0, 1.0, 0, 0, 0]) + 0.5 * 6 * grid.prior
    np.testing.assert_allclose(flat.categorical.probs[0][0], expected / expected.sum())


def test_every_value_of_a_small_grid_stays_reachable() -> None:
    # hyperopt's quniform gives the bounds half the prior weight; after a run
    # that never saw the bounds, TPE must still propose them.
    space = SearchSpace({"k": hp.quniform("k", 0, 4, 1)})
    Z = np.array([[1.0], [2.0], [3.0]] * 5)
    losses = np.tile([1.0, 0.5, 1.0], 5)
    sampler = TPESampler(n_startup_trials=0)
    seen = set()
    for seed in range(40):
        seen.add(
            float(sampler.ask(space, Observations(Z, losses), 1, np.random.default_rng(seed))[0, 0])
        )
    assert {0.0, 4.0} <= seen


# -- untried points first -------------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 3])
def test_discrete_spaces_get_untried_points_until_exhausted(batch: int) -> None:
    space = SearchSpace(
        {"a": hp.quniform("a", 0, 2, 1), "b": hp.randint("b", 2), "c": hp.choice("c", ["x", "y"])}
    )
    n_points = 3 * 2 * 2
    losses = minimize(
        TPESampler(n_startup_trials=3),
        space,
        lambda p: p["a"] + p["b"] + (p["c"] == "x"),
        n_points,
        seed=0,
        batch=batch,
    )
    assert sorted(losses) == sorted(a + b + c for a in range(3) for b in range(2) for c in range(2))


def test_conditional_discrete_spaces_avoid_repeats_too() -> None:
    space = SearchSpace(
        hp.choice("m", [{"k": hp.randint("k", 4)}, {"j": hp.quniform("j", 0, 3, 1)}, "none"])
    )
    rng = np.random.default_rng(1)
    sampler = TPESampler(n_startup_trials=2)
    Z = np.empty((0, space.n_params))
    for _ in range(9):
        z = sampler.ask(space, Observations(Z, np.arange(len(Z), dtype=float)), 1, rng)
        Z = np.vstack([Z, z])
    rows = {tuple(np.nan_to_num(r, nan=-1.0)) for r in Z}
    assert len(rows) == 9


def test_continuous_spaces_are_not_checked_for_repeats() -> None:
    # A repeat is impossible there; the check would only cost time.
    space = SearchSpace({"x": hp.uniform("x", 0, 1), "k": hp.randint("k", 3)})
    from skopt_hp.samplers._tpe._sampler import _SeenPoints

    obs = Observations(space.sample(np.random.default_rng(0), 5), np.arange(5.0))
    assert _SeenPoints.of(space, obs) is None


# -- exact integer optima ----------------------------------------------------------------


def _roots_3_10_50(t: int) -> float:
    return abs(np.poly1d([1, -63, 680, -1500])(t))


@pytest.mark.parametrize(
    ("lower", "upper"), [(2, 7), (2, 30), (2, 100), (5, 30), (5, 100), (20, 100)]
)
def test_tpe_finds_constrained_solution(lower: int, upper: int) -> None:
    # hyperopt's tests/unit/test_randint.py::test_tpe_finds_constrained_solution,
    # through skopt_hp's fmin with its default TPE.
    best = fmin(
        _roots_3_10_50,
        space=hp.randint("t", lower, upper),
        algo=tpe.suggest,
        rstate=np.random.default_rng(4),
        max_evals=150,
        show_progressbar=False,
    )
    assert best["t"] in [i for i in [3, 10, 50] if lower <= i < upper]


_GRID_OPTIMUM = {"a": 3.0, "b": 1.0, "c": 6, "d": 2}


def _grid_space(hp_module):
    return {
        "a": hp_module.quniform("a", 0, 4, 1),
        "b": hp_module.quniform("b", 0, 5, 1),
        "c": hp_module.randint("c", 0, 10),
        "d": hp_module.quniform("d", 0, 2, 1),
    }


def _grid_objective(p) -> float:
    # Smooth in every parameter, so that neighbouring values carry information.
    return (
        (p["a"] - 3) ** 2
        + 0.5 * (p["b"] - 1) ** 2
        + 0.2 * (p["c"] - 6) ** 2
        + 2.0 * (p["d"] - 2) ** 2
        + 0.3 * abs((p["a"] - 3) * (p["c"] - 6))
    )


def test_small_integer_grids_find_the_exact_optimum_at_least_as_often_as_hyperopt() -> None:
    # The peer is a dev dependency only; the oldest-dependencies stage does not install it.
    hyperopt = pytest.importorskip("hyperopt")

    seeds, budget = range(10), 60
    ours = hyperopts = 0
    for seed in seeds:
        best = fmin(
            _grid_objective,
            _grid_space(hp),
            algo=tpe.suggest,
            max_evals=budget,
            rstate=np.random.default_rng(seed),
            show_progressbar=False,
        )
        ours += best == _GRID_OPTIMUM
        best = hyperopt.fmin(
            _grid_objective,
            _grid_space(hyperopt.hp),
            algo=hyperopt.tpe.suggest,
            max_evals=budget,
            rstate=np.random.default_rng(seed),
            show_progressbar=False,
        )
        hyperopts += {k: float(v) for k, v in best.items()} == _GRID_OPTIMUM
    assert ours >= hyperopts
    assert ours >= len(seeds) // 2


def test_reading_the_grid_leaves_the_parameter_unchanged() -> None:
    # scikit-learn's checks hash the search space before and after fit.
    import joblib

    param = hp.quniform("q", 0, 5, 1)
    before = joblib.hash(param)
    assert param.grid is not None
    assert joblib.hash(param) == before
