"""TPESampler behaviour: valid proposals, determinism, startup, conditions, pending, arguments."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from _sampler_helpers import minimize, mixed_space
from scipy import stats
from scipy.spatial.distance import pdist

from skopt_hp import hp
from skopt_hp.samplers import Observations, TPESampler
from skopt_hp.space import Distribution, SearchSpace


def observe(space: SearchSpace, n: int, seed: int, loss=None) -> Observations:
    """``n`` prior draws with losses ``loss(decoded point)`` (random when ``None``)."""
    rng = np.random.default_rng(seed)
    Z = space.sample(rng, n)
    if loss is None:
        losses = rng.random(n)
    else:
        losses = np.array([loss(p) for p in space.decode(Z)])
    return Observations(Z, losses)


def assert_valid(space: SearchSpace, Z: np.ndarray) -> None:
    np.testing.assert_array_equal(space.snap(Z), Z)
    np.testing.assert_array_equal(~np.isnan(Z), space.active_mask(Z))
    space.validate(Z)
    space.decode(Z)


# -- validity and determinism -------------------------------------------------


@pytest.mark.parametrize("multivariate", [True, False])
def test_proposals_are_valid_points_for_every_parameter_kind(multivariate: bool) -> None:
    space = mixed_space()
    sampler = TPESampler(n_startup_trials=5, multivariate=multivariate)
    obs = observe(space, 40, seed=0)
    Z = sampler.ask(space, obs, 12, np.random.default_rng(1))
    assert Z.shape == (12, space.n_params)
    assert_valid(space, Z)


def test_whole_runs_stay_valid_and_use_both_branches() -> None:
    space = mixed_space()
    rng = np.random.default_rng(0)
    sampler = TPESampler(n_startup_trials=5)
    Z = np.empty((0, space.n_params))
    losses: list[float] = []
    for _ in range(30):
        z = sampler.ask(space, Observations(Z, np.array(losses)), 2, rng)
        assert_valid(space, z)
        Z = np.vstack([Z, z])
        losses.extend(rng.random(2))
    branch = Z[:, space.index["branch"]]
    assert set(np.unique(branch)) == {0.0, 1.0}


def test_opaque_parameters_are_drawn_from_their_prior() -> None:
    space = SearchSpace(
        {"x": hp.uniform("x", 0, 1), "d": Distribution("d", stats.expon(scale=2.0))}
    )
    sampler = TPESampler(n_startup_trials=1)
    obs = observe(space, 20, seed=0)
    Z = sampler.ask(space, obs, 300, np.random.default_rng(0))
    assert_valid(space, Z)
    assert stats.kstest(Z[:, space.index["d"]], stats.expon(scale=2.0).cdf).pvalue > 0.01


def test_same_seed_gives_same_proposals() -> None:
    space = mixed_space()
    obs = observe(space, 30, seed=2)
    sampler = TPESampler(n_startup_trials=5)
    a = sampler.ask(space, obs, 5, np.random.default_rng(42))
    b = sampler.ask(space, obs, 5, np.random.default_rng(42))
    c = sampler.ask(space, obs, 5, np.random.default_rng(43))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c, equal_nan=True)


def test_startup_phase_samples_the_prior() -> None:
    space = mixed_space()
    obs = observe(space, 9, seed=0)
    sampler = TPESampler(n_startup_trials=10)
    got = sampler.ask(space, obs, 7, np.random.default_rng(5))
    expected = space.sample(np.random.default_rng(5), 7)
    np.testing.assert_array_equal(got, expected)
    # Pending and failed trials do not count towards the startup budget.
    busy = Observations(obs.Z, obs.losses, pending=space.sample(np.random.default_rng(1), 4))
    busy = Observations(busy.Z, busy.losses, busy.pending, n_failed=3)
    np.testing.assert_array_equal(sampler.ask(space, busy, 7, np.random.default_rng(5)), expected)


def test_works_without_any_observation_when_startup_is_zero() -> None:
    space = mixed_space()
    Z = TPESampler(n_startup_trials=0).ask(
        space, Observations.empty(space.n_params), 4, np.random.default_rng(0)
    )
    assert_valid(space, Z)


def test_zero_points() -> None:
    space = mixed_space()
    obs = observe(space, 20, seed=0)
    assert TPESampler().ask(space, obs, 0, np.random.default_rng(0)).shape == (0, space.n_params)


def test_tied_losses_are_handled() -> None:
    space = mixed_space()
    obs = observe(space, 30, seed=0, loss=lambda p: 1.0)
    assert_valid(space, TPESampler().ask(space, obs, 3, np.random.default_rng(0)))


# -- learning -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("param", "optimum"),
    [
        (hp.uniform("x", -10, 10), 3.0),
        (hp.loguniform("x", math.log(1e-4), math.log(1e2)), math.log(0.5)),
        (hp.quniform("x", 0, 100, 5), 35.0),
        (hp.randint("x", 50), 17.0),
        (hp.normal("x", 0.0, 5.0), -4.0),
        (hp.qnormal("x", 0.0, 5.0, 1.0), 6.0),
    ],
    ids=["uniform", "loguniform", "quniform", "randint", "normal", "qnormal"],
)
def test_proposals_concentrate_where_losses_are_low(param, optimum) -> None:
    space = SearchSpace({"x": param})
    obs = observe(space, 60, seed=0, loss=None)
    obs = Observations(obs.Z, np.abs(obs.Z[:, 0] - optimum))
    Z = TPESampler(constant_liar=False).ask(space, obs, 50, np.random.default_rng(0))
    prior = space.sample(np.random.default_rng(0), 50)
    assert np.median(np.abs(Z[:, 0] - optimum)) < 0.5 * np.median(np.abs(prior[:, 0] - optimum))


def test_categorical_proposals_favour_the_best_option() -> None:
    space = SearchSpace({"c": hp.choice("c", list("abcdef"))})
    obs = observe(space, 60, seed=0)
    obs = Observations(obs.Z, (obs.Z[:, 0] != 4).astype(float))
    Z = TPESampler(constant_liar=False).ask(space, obs, 40, np.random.default_rng(0))
    assert np.mean(Z[:, 0] == 4) > 0.8


# -- conditional spaces ------------------------------------------------------------


def two_branch_space() -> SearchSpace:
    return SearchSpace(
        hp.choice(
            "branch",
            [{"x_a": hp.uniform("x_a", 0, 10)}, {"x_b": hp.uniform("x_b", 0, 10)}],
        )
    )


def test_conditional_parameters_learn_only_from_trials_where_active() -> None:
    space = two_branch_space()
    obs = observe(space, 60, seed=0)
    a, b = space.index["x_a"], space.index["x_b"]
    in_b = ~np.isnan(obs.Z[:, b])
    # Two histories that differ only in the values of x_b (same choices, same
    # losses): x_a's proposals must not change.
    Z2 = obs.Z.copy()
    Z2[in_b, b] = 10.0 - Z2[in_b, b]
    # The liar makes a batch alternate between branches (pending rows only
    # differ in x_b too).
    sampler = TPESampler(n_startup_trials=5)
    p1 = sampler.ask(space, obs, 30, np.random.default_rng(3))
    p2 = sampler.ask(space, Observations(Z2, obs.losses), 30, np.random.default_rng(3))
    chose_a = p1[:, space.index["branch"]] == 0
    assert chose_a.any() and (~chose_a).any()
    np.testing.assert_array_equal(p1[:, space.index["branch"]], p2[:, space.index["branch"]])
    np.testing.assert_array_equal(p1[chose_a, a], p2[chose_a, a])
    assert not np.array_equal(p1[~chose_a, b], p2[~chose_a, b])


def test_conditional_parameters_follow_their_own_good_trials() -> None:
    space = two_branch_space()
    obs = observe(space, 80, seed=1)
    a, b = space.index["x_a"], space.index["x_b"]
    # Branch a is good near x_a = 8, branch b near x_b = 2.
    losses = np.where(np.isnan(obs.Z[:, a]), np.abs(obs.Z[:, b] - 2), np.abs(obs.Z[:, a] - 8))
    # Each proposal picks the branch with the best ratio; pending points (the
    # liar) make a batch visit both.
    sampler = TPESampler()
    Z = sampler.ask(space, Observations(obs.Z, losses), 60, np.random.default_rng(0))
    assert_valid(space, Z)
    xa, xb = Z[:, a][~np.isnan(Z[:, a])], Z[:, b][~np.isnan(Z[:, b])]
    assert xa.size > 5 and xb.size > 5
    assert np.median(np.abs(xa - 8)) < 1.5
    assert np.median(np.abs(xb - 2)) < 1.5


def _revisits_after_a_bad_start(sampler: TPESampler, seed: int, budget: int = 80) -> int:
    """How often branch b is proposed in ``budget`` trials after a bad start in it.

    Branch a bottoms at 0.5; branch b holds the optimum, 0 at ``x_b = 0.9``,
    but its trials of the random start all landed at ``x_b < 0.5`` (loss > 3).
    """
    space = SearchSpace(
        hp.choice("model", [{"x_a": hp.uniform("x_a", 0, 1)}, {"x_b": hp.uniform("x_b", 0, 1)}])
    )
    a, b = space.index["x_a"], space.index["x_b"]

    def loss(z: np.ndarray) -> float:
        return 0.5 + (z[a] - 0.5) ** 2 if np.isnan(z[b]) else 20 * (z[b] - 0.9) ** 2

    rng = np.random.default_rng(seed)
    Z = space.sample(rng, 20)
    in_b = ~np.isnan(Z[:, b])
    Z[in_b, b] = rng.uniform(0, 0.5, in_b.sum())
    losses = [loss(z) for z in Z]
    for _ in range(budget):
        z = sampler.ask(space, Observations(Z, np.array(losses)), 1, rng)
        Z = np.vstack([Z, z])
        losses.append(loss(z[0]))
    return int((~np.isnan(Z[20:, b])).sum())


def test_a_branch_locked_out_by_a_bad_start_is_revisited() -> None:
    seeds = range(4)
    revisits = [_revisits_after_a_bad_start(TPESampler(), seed) for seed in seeds]
    assert min(revisits) >= 1, revisits
    # The usual pseudo-counts (hyperopt's and Optuna's) leave b locked out on most seeds.
    usual = [_revisits_after_a_bad_start(TPESampler(branch_exploration=0.0), s) for s in seeds]
    assert sum(r == 0 for r in usual) > len(seeds) / 2, usual


def test_a_branch_learns_from_its_own_best_trials_with_the_group_split() -> None:
    space = two_branch_space()
    b = space.index["x_b"]
    obs = observe(space, 80, seed=0)
    in_b = ~np.isnan(obs.Z[:, b])
    # Every trial of branch b is worse than every trial of branch a; within b,
    # the best ones are near x_b = 2.
    losses = np.where(in_b, 10 + np.abs(obs.Z[:, b] - 2), obs.losses)
    spread = {}
    for group_split in (True, False):
        models = TPESampler(group_split=group_split)._fit_below(space, Observations(obs.Z, losses))
        (model,) = [m for m in models if b in m.group.columns]
        x = model.below.sample(np.random.default_rng(0), 200)[:, 0]
        spread[group_split] = np.median(np.abs(x - 2))
    assert spread[True] < 1.5
    # Split with all trials, b's l(x) has no 'below' trial: the prior alone.
    assert spread[False] > 2.5


def test_nested_conditions_are_proposed_in_gating_order() -> None:
    space = SearchSpace(
        hp.choice(
            "outer",
            [
                {"leaf": hp.uniform("o0", 0, 1)},
                {
                    "inner": hp.choice(
                        "inner",
                        [{"deep": hp.randint("i0", 5)}, {"deep": hp.loguniform("i1", -2, 2)}],
                    )
                },
            ],
        )
    )
    sampler = TPESampler(n_startup_trials=3)
    obs = observe(space, 40, seed=0)
    Z = sampler.ask(space, obs, 40, np.random.default_rng(0))
    assert_valid(space, Z)


# -- pending trials (constant liar) -----------------------------------------------------


OPTIMUM = np.array([0.3, 0.7])


def _observations_around_an_optimum(seed: int) -> tuple[SearchSpace, Observations]:
    space = SearchSpace({"x": hp.uniform("x", 0, 1), "y": hp.uniform("y", 0, 1)})
    Z = np.random.default_rng(seed).random((30, 2))
    return space, Observations(Z, np.linalg.norm(Z - OPTIMUM, axis=1))


def test_pending_points_spread_a_batch() -> None:
    batch_spread, independent_spread = [], []
    for seed in range(8):
        space, obs = _observations_around_an_optimum(seed)
        sampler = TPESampler()
        rng = np.random.default_rng(100 + seed)
        batch = sampler.ask(space, obs, 8, rng)
        alone = np.vstack([sampler.ask(space, obs, 1, rng) for _ in range(8)])
        batch_spread.append(np.median(pdist(batch)))
        independent_spread.append(np.median(pdist(alone)))
    batch_spread, independent_spread = np.array(batch_spread), np.array(independent_spread)
    # Independent asks pile up near the optimum; a batch, each point seeing the
    # previous ones as pending, spreads out: clearly, and for every seed.
    assert np.mean(batch_spread) > 2.0 * np.mean(independent_spread)
    assert np.all(batch_spread > independent_spread)
    assert stats.wilcoxon(batch_spread, independent_spread, alternative="greater").pvalue < 0.01


def test_pending_trials_from_other_workers_repel_proposals() -> None:
    space, obs = _observations_around_an_optimum(0)
    with_pending = Observations(obs.Z, obs.losses, pending=np.tile(OPTIMUM, (6, 1)))
    liar, no_liar = TPESampler(), TPESampler(constant_liar=False)
    distances = []
    for sampler in (liar, no_liar):
        Z = np.vstack(
            [sampler.ask(space, with_pending, 1, np.random.default_rng(s)) for s in range(40)]
        )
        distances.append(np.linalg.norm(Z - OPTIMUM, axis=1))
    assert np.median(distances[0]) > 1.3 * np.median(distances[1])
    assert stats.mannwhitneyu(*distances, alternative="greater").pvalue < 0.01
    # Without the liar, pending trials are ignored altogether.
    np.testing.assert_array_equal(
        no_liar.ask(space, with_pending, 3, np.random.default_rng(0)),
        no_liar.ask(space, obs, 3, np.random.default_rng(0)),
    )


# -- arguments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_startup_trials": -1}, ValueError, "n_startup_trials must be >= 0, but got -1"),
        ({"n_startup_trials": 2.5}, TypeError, "n_startup_trials must be an int"),
        ({"n_ei_candidates": 0}, ValueError, "n_ei_candidates must be >= 1, but got 0"),
        ({"n_ei_candidates": True}, TypeError, "n_ei_candidates must be an int"),
        ({"gamma": 0.25}, TypeError, "gamma must be None or a callable"),
        ({"prior_weight": 0.0}, ValueError, "prior_weight must be finite and > 0, but got 0.0"),
        ({"prior_weight": "1"}, TypeError, "prior_weight must be a real number"),
        ({"multivariate": "yes"}, TypeError, "multivariate must be True or False"),
        ({"consider_magic_clip": None}, TypeError, "consider_magic_clip must be True or False"),
        ({"consider_endpoints": 1}, TypeError, "consider_endpoints must be True or False"),
        ({"constant_liar": 0}, TypeError, "constant_liar must be True or False"),
        ({"weights": [1, 2]}, TypeError, "weights must be None or a callable"),
        ({"ei_weights": "no"}, TypeError, "ei_weights must be True or False"),
        ({"bandwidth": "silverman"}, ValueError, "bandwidth must be one of"),
        ({"max_ordinal_points": -1}, ValueError, "max_ordinal_points must be >= 0, but got -1"),
        ({"max_ordinal_points": 8.0}, TypeError, "max_ordinal_points must be an int"),
        ({"ordinal_bandwidth": -0.5}, ValueError, "ordinal_bandwidth must be finite and >= 0.0"),
        ({"ordinal_bandwidth": "1"}, TypeError, "ordinal_bandwidth must be a real number"),
        ({"choice_exploration": 1.5}, ValueError, r"choice_exploration must be in \[0, 1\], but"),
        ({"choice_exploration": -0.1}, ValueError, "choice_exploration must be finite and >= 0"),
        ({"branch_exploration": "1"}, TypeError, "branch_exploration must be a real number"),
        ({"group_split": 1}, TypeError, "group_split must be True or False"),
    ],
)
def test_invalid_arguments_name_the_parameter(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        TPESampler(**kwargs)


def test_arguments_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        TPESampler(10)  # type: ignore[misc]


def test_bad_gamma_and_weights_results_are_reported() -> None:
    space = SearchSpace({"x": hp.uniform("x", 0, 1)})
    obs = observe(space, 20, seed=0)
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match=r"gamma\(20\) must return an int"):
        TPESampler(gamma=lambda n: "two").ask(space, obs, 1, rng)
    with pytest.raises(ValueError, match=r"weights\(\d+\) must return \d+ values"):
        TPESampler(weights=lambda n: np.ones(n + 1), ei_weights=False).ask(space, obs, 1, rng)
    with pytest.raises(ValueError, match="n must be >= 0"):
        TPESampler().ask(space, obs, -1, rng)


def test_custom_gamma_and_weights_are_used() -> None:
    space = SearchSpace({"x": hp.uniform("x", 0, 1)})
    obs = observe(space, 30, seed=0)
    calls: list[int] = []

    def gamma(n: int) -> int:
        calls.append(n)
        return min(math.ceil(0.25 * math.sqrt(n)), 25)

    sampler = TPESampler(gamma=gamma, weights=lambda n: np.linspace(0.5, 1.0, n))
    assert_valid(space, sampler.ask(space, obs, 2, np.random.default_rng(0)))
    assert calls == [30]


def test_repr_shows_the_settings() -> None:
    text = repr(TPESampler(n_startup_trials=7))
    assert text.startswith("TPESampler(") and "n_startup_trials=7" in text


def test_minimize_helper_runs_batches() -> None:
    space = SearchSpace({"x": hp.uniform("x", -1, 1)})
    losses = minimize(TPESampler(), space, lambda p: p["x"] ** 2, 25, seed=0, batch=4)
    assert losses.shape == (25,)


def test_sampler_is_immutable_and_picklable() -> None:
    sampler = TPESampler(n_ei_candidates=12)
    with pytest.raises(AttributeError, match="immutable"):
        sampler.n_ei_candidates = 3  # type: ignore[misc]
    clone = pickle.loads(pickle.dumps(sampler))
    assert repr(clone) == repr(sampler)
    space = SearchSpace({"x": hp.uniform("x", 0, 1)})
    obs = observe(space, 20, seed=0)
    np.testing.assert_array_equal(
        clone.ask(space, obs, 2, np.random.default_rng(0)),
        sampler.ask(space, obs, 2, np.random.default_rng(0)),
    )


def test_exported_split_and_weighting_rules() -> None:
    from skopt_hp.samplers._tpe import (
        default_gamma,
        hyperopt_gamma,
        linear_forgetting_weights,
        optuna_gamma,
    )

    assert [default_gamma(n) for n in (1, 10, 100, 1000)] == [1, 3, 25, 250]
    assert [optuna_gamma(n) for n in (1, 10, 100, 1000)] == [1, 1, 10, 25]
    assert [hyperopt_gamma(n) for n in (1, 16, 100, 100_000)] == [1, 1, 3, 25]
    np.testing.assert_array_equal(linear_forgetting_weights(25), np.ones(25))
    w = linear_forgetting_weights(30)
    assert w.shape == (30,) and w[0] == pytest.approx(1 / 30) and np.all(w[-25:] == 1)
    assert np.all(np.diff(w) >= 0)
