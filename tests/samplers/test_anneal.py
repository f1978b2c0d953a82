"""AnnealingSampler / anneal.suggest: hyperopt's annealing on skopt_hp's encoded space."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from _sampler_helpers import branin, conditional_quadratic, minimize
from scipy import stats

from skopt_hp import Trials, anneal, fmin, hp
from skopt_hp._ask import resolve_algo
from skopt_hp.samplers import AnnealingSampler, Observations, RandomSampler
from skopt_hp.space import SearchSpace

SEEDS = range(12)
BUDGET = 80


def mixed_space() -> SearchSpace:
    return SearchSpace({
        "u": hp.uniform("u", -2, 3),
        "q": hp.quniform("q", 0, 10, 2.5),
        "lu": hp.loguniform("lu", np.log(1e-3), np.log(10)),
        "qlu": hp.qloguniform("qlu", 0, 4, 1),
        "n": hp.normal("n", 1, 2),
        "ln": hp.lognormal("ln", 0, 1),
        "r": hp.randint("r", 3, 9),
        "i": hp.uniformint("i", -4, 4),
        "c": hp.pchoice("c", [(0.2, "a"), (0.5, "b"), (0.3, "c")]),
        "model": hp.choice("model", [
            {"C": hp.uniform("C", 0, 1)},
            {"depth": hp.randint("depth", 1, 4), "k": hp.choice("k", [1, 2])},
        ]),
    })


def observe(space: SearchSpace, n: int, seed: int) -> Observations:
    rng = np.random.default_rng(seed)
    Z = space.sample(rng, n)
    return Observations(Z, rng.normal(size=n))


def test_proposals_are_valid_points_of_the_space():
    space = mixed_space()
    sampler = AnnealingSampler()
    rng = np.random.default_rng(0)
    for n_done in (0, 1, 5, 60):
        Z = sampler.ask(space, observe(space, n_done, n_done), 30, rng)
        assert Z.shape == (30, space.n_params)
        np.testing.assert_array_equal(space.snap(Z), Z)  # on the grids, in the bounds
        space.validate(Z)  # every active parameter set
        np.testing.assert_array_equal(~np.isnan(Z), space.active_mask(Z))  # inactive = NaN
        for point in space.decode(Z):
            assert -2 <= point["u"] <= 3 and point["q"] % 2.5 == 0 and 0 <= point["q"] <= 10
            assert 1e-3 <= point["lu"] <= 10 and 3 <= point["r"] < 9 and -4 <= point["i"] <= 4
            assert point["qlu"] == round(point["qlu"]) and point["ln"] > 0
            assert ("C" in point) == (point["model"] == 0) == ("depth" not in point)


def test_the_same_seed_gives_the_same_proposals():
    space = mixed_space()
    obs = observe(space, 20, 1)
    a = AnnealingSampler().ask(space, obs, 8, np.random.default_rng(7))
    b = AnnealingSampler().ask(space, obs, 8, np.random.default_rng(7))
    c = AnnealingSampler().ask(space, obs, 8, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c, equal_nan=True)


def test_neighbourhoods_shrink_around_the_best_trials():
    space = SearchSpace({"x": hp.uniform("x", 0, 100)})
    rng = np.random.default_rng(0)
    # 200 observations: the best at x=10, the others far from it and much worse.
    Z = np.concatenate([[10.0], rng.uniform(50, 100, 199)])[:, None]
    losses = np.concatenate([[-1.0], rng.uniform(5, 10, 199)])
    draws = AnnealingSampler(avg_best_idx=1.0).ask(space, Observations(Z, losses), 500, rng)[:, 0]
    # Window = 100 / (1 + 200 * 0.1) = 4.76 wide, centred on 10.
    half = 0.5 * 100 / (1 + 200 * 0.1)
    assert draws.min() >= 10 - half and draws.max() <= 10 + half
    assert stats.kstest(draws, stats.uniform(10 - half, 2 * half).cdf).pvalue > 1e-3
    # shrink_coef=0: the window stays the whole range (shifted into the bounds).
    wide = AnnealingSampler(avg_best_idx=1.0, shrink_coef=0.0).ask(
        space, Observations(Z, losses), 500, rng
    )[:, 0]
    assert wide.max() - wide.min() > 90


def test_a_window_at_a_bound_is_shifted_inside():
    space = SearchSpace({"x": hp.uniform("x", 0, 1)})
    obs = Observations(np.array([[0.0], [0.9]]), np.array([0.0, 1.0]))
    draws = AnnealingSampler(avg_best_idx=1.0, shrink_coef=4.5).ask(
        space, obs, 300, np.random.default_rng(0)
    )[:, 0]
    # Width 1 / (1 + 2 * 4.5) = 0.1, centred on 0 then shifted to [0, 0.1].
    assert draws.min() >= 0 and draws.max() <= 0.1 and draws.max() > 0.09


def test_normal_parameters_use_a_narrowed_sigma_in_their_encoding():
    space = SearchSpace({"n": hp.normal("n", 0, 10), "ln": hp.lognormal("ln", 0, 2)})
    Z = np.array([[5.0, np.log(3.0)]] * 40)
    obs = Observations(Z, np.zeros(40))
    draws = AnnealingSampler().ask(space, obs, 2000, np.random.default_rng(0))
    shrink = 1 / (1 + 40 * 0.1)
    assert np.mean(draws[:, 0]) == pytest.approx(5.0, abs=0.15)
    assert np.std(draws[:, 0]) == pytest.approx(10 * shrink, rel=0.08)
    assert np.std(draws[:, 1]) == pytest.approx(2 * shrink, rel=0.08)  # log space


def test_choices_keep_the_value_with_probability_one_minus_the_shrink():
    space = SearchSpace({"c": hp.choice("c", ["a", "b", "c", "d"])})
    obs = Observations(np.full((10, 1), 2.0), np.zeros(10))
    draws = AnnealingSampler().ask(space, obs, 4000, np.random.default_rng(0))[:, 0]
    shrink = 1 / (1 + 10 * 0.1)  # 0.5: keep 2 with 0.5, else uniform over 4 options
    assert np.mean(draws == 2) == pytest.approx(1 - shrink + shrink / 4, abs=0.03)
    assert set(np.unique(draws)) == {0.0, 1.0, 2.0, 3.0}


def test_parameters_of_branches_never_observed_come_from_the_prior():
    space = SearchSpace(hp.choice("m", [{"a": hp.uniform("a", 0, 1)},
                                        {"b": hp.uniform("b", 5, 6)}]))
    # Only branch 0 observed: a proposal in branch 1 draws b from its prior.
    Z = np.array([[0.0, 0.5, np.nan]] * 3)
    draws = AnnealingSampler(shrink_coef=10.0).ask(
        space, Observations(Z, np.zeros(3)), 400, np.random.default_rng(0)
    )
    branch1 = draws[draws[:, 0] == 1]
    assert len(branch1) > 0 and np.all(np.isnan(branch1[:, 1]))
    assert branch1[:, 2].min() < 5.2 and branch1[:, 2].max() > 5.8


@pytest.mark.parametrize(
    "problem", [branin, conditional_quadratic], ids=lambda f: f.__name__
)
def test_annealing_beats_random_search(problem):
    space, objective = problem()
    annealed = np.array(
        [minimize(AnnealingSampler(), space, objective, BUDGET, s).min() for s in SEEDS]
    )
    rand = np.array([minimize(RandomSampler(), space, objective, BUDGET, s).min() for s in SEEDS])
    assert annealed.mean() < rand.mean()
    assert stats.mannwhitneyu(annealed, rand, alternative="less").pvalue < 0.05


def test_anneal_suggest_as_algo_with_hyperopts_keywords():
    space = {"x": hp.uniform("x", -5, 5), "k": hp.choice("k", [0, 1])}
    trials = Trials()
    best = fmin(lambda p: (p["x"] - 1) ** 2 + p["k"], space, max_evals=40, trials=trials,
                algo=functools.partial(anneal.suggest, avg_best_idx=1.5, shrink_coef=0.2),
                rstate=np.random.default_rng(0), show_progressbar=False)
    assert len(trials) == 40 and abs(best["x"] - 1) < 0.5
    sampler = resolve_algo(functools.partial(anneal.suggest, shrink_coef=0.2))
    assert isinstance(sampler, AnnealingSampler) and sampler.shrink_coef == 0.2
    assert isinstance(resolve_algo("anneal"), AnnealingSampler)


def test_anneal_suggest_called_as_hyperopt_calls_algorithms():
    space = SearchSpace({"x": hp.uniform("x", 0, 1)})
    trials = Trials()
    fmin(lambda p: p["x"], space.space, algo="rand", max_evals=5, trials=trials,
         rstate=0, show_progressbar=False)
    points = anneal.suggest([5, 6], space, trials, 123)
    assert len(points) == 2 and all(0 <= p["x"] <= 1 for p in points)
    assert points == anneal.suggest([5, 6], space, trials, 123)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"avg_best_idx": 0.5}, ValueError, "avg_best_idx must be finite and >= 1"),
        ({"avg_best_idx": np.inf}, ValueError, "avg_best_idx"),
        ({"avg_best_idx": "2"}, TypeError, "avg_best_idx must be a real number"),
        ({"shrink_coef": -0.1}, ValueError, "shrink_coef must be finite and >= 0"),
        ({"shrink_coef": True}, TypeError, "shrink_coef"),
    ],
)
def test_bad_settings_name_the_setting(kwargs, error, match):
    with pytest.raises(error, match=match):
        AnnealingSampler(**kwargs)
    with pytest.raises(error, match=match.split()[0]):
        resolve_algo(functools.partial(anneal.suggest, **kwargs))
