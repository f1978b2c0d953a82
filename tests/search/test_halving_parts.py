"""HyperoptHalvingSearchCV's parts: schedule, subsampled folds, rungs, proposals, ASHA's logic."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import uniform
from sklearn.datasets import make_classification
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingRandomSearchCV, KFold, StratifiedKFold
from sklearn.model_selection.tests.test_successive_halving import FastClassifier

from skopt_hp import HyperoptHalvingSearchCV, hp
from skopt_hp._asha import DONE, WAIT, AshaScheduler
from skopt_hp._halving_plan import plan_halving
from skopt_hp._halving_rungs import Ladder, Proposer, grid_size, min_points_in_model
from skopt_hp._halving_splits import SubsampledSplits, prefix_order
from skopt_hp.samplers import RandomSampler, TPESampler
from skopt_hp.space import SearchSpace


# -- the schedule: scikit-learn's, setting for setting --------------------------------------
@pytest.mark.parametrize("factor", [2, 3, 4.5])
@pytest.mark.parametrize(
    ("n_candidates", "min_resources", "max_resources", "aggressive"),
    [
        (20, 1, 100, False),
        (20, 1, 100, True),
        (81, 1, 27, False),
        (81, 1, 27, True),
        (7, 3, 500, False),
        (30, "exhaust", 300, False),
        (5, "exhaust", 17, True),
        (1, 1, 10, False),
    ],
)
def test_schedule_matches_halving_random_search(
    factor, n_candidates, min_resources, max_resources, aggressive
):
    X, y = make_classification(n_samples=60, random_state=0)
    settings = dict(
        n_candidates=n_candidates,
        factor=factor,
        resource="c",
        min_resources=min_resources,
        max_resources=max_resources,
        aggressive_elimination=aggressive,
        cv=2,
        random_state=0,
    )
    theirs = HalvingRandomSearchCV(FastClassifier(), {"a": uniform()}, **settings).fit(X, y)
    ours = HyperoptHalvingSearchCV(FastClassifier(), {"a": uniform()}, **settings).fit(X, y)
    for name in (
        "n_resources_",
        "n_candidates_",
        "n_iterations_",
        "n_possible_iterations_",
        "n_required_iterations_",
        "n_remaining_candidates_",
        "min_resources_",
        "max_resources_",
    ):
        assert getattr(ours, name) == getattr(theirs, name), name
    plan = plan_halving(
        n_candidates=n_candidates,
        min_resources=1 if min_resources == "exhaust" else min_resources,
        max_resources=max_resources,
        factor=factor,
        aggressive_elimination=aggressive,
        exhaust_min_resources=min_resources == "exhaust",
    )
    assert list(plan.resources) == theirs.n_resources_


def test_plan_keeps_ceil_of_the_candidates():
    plan = plan_halving(
        n_candidates=10,
        min_resources=1,
        max_resources=100,
        factor=3,
        aggressive_elimination=False,
        exhaust_min_resources=False,
    )
    assert [plan.n_kept(n) for n in (10, 4, 2, 1, 0)] == [4, 2, 1, 1, 0]
    assert plan.resources == (1, 3, 9) and plan.n_iterations == 3


# -- subsampled folds -----------------------------------------------------------------------
def _folds(cv, X, y, fraction, seed=(0, 1), stratify=False):
    return list(SubsampledSplits(cv, fraction, seed, stratify).split(X, y))


def test_subsamples_have_the_requested_sizes_and_stay_in_their_part():
    X, y = make_classification(n_samples=100, random_state=0)
    base = list(KFold(5).split(X, y))
    for fraction in (0.2, 0.5, 1.0):
        for (train, test), (full_train, full_test) in zip(
            _folds(KFold(5), X, y, fraction), base, strict=True
        ):
            assert len(train) == int(fraction * 80) and len(test) == int(fraction * 20)
            assert set(train) <= set(full_train) and set(test) <= set(full_test)
            assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0)  # sorted, distinct


def test_smaller_budgets_are_subsets_of_larger_ones_and_calls_agree():
    X, y = make_classification(n_samples=200, random_state=0)
    small = _folds(KFold(4), X, y, 0.1)
    large = _folds(KFold(4), X, y, 0.5)
    for (s_train, s_test), (l_train, l_test) in zip(small, large, strict=True):
        assert set(s_train) < set(l_train) and set(s_test) < set(l_test)
    again = _folds(KFold(4), X, y, 0.1)
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(small, again, strict=True))
    other_seed = _folds(KFold(4), X, y, 0.1, seed=(1, 1))
    assert not all(np.array_equal(a[0], b[0]) for a, b in zip(small, other_seed, strict=True))


def test_stratified_prefixes_keep_the_class_proportions():
    rng = np.random.default_rng(0)
    labels = np.array([0] * 90 + [1] * 10)
    order = prefix_order(np.arange(100), labels, rng)
    for size in (10, 20, 50):
        counts = np.bincount(labels[order[:size]], minlength=2)
        # Each prefix holds the rare class in proportion (within one sample).
        assert abs(counts[1] - size / 10) <= 1
    X = np.zeros((100, 1))
    for train, _ in _folds(StratifiedKFold(5), X, labels, 0.25, stratify=True):
        assert np.bincount(labels[train], minlength=2)[1] == 2  # int(0.25 * 8)


def test_unstratified_order_is_a_permutation():
    order = prefix_order(np.arange(10, 20), None, np.random.default_rng(0))
    assert sorted(order) == list(range(10, 20))


# -- rungs ----------------------------------------------------------------------------------
def _ladder(scores_by_rung, factor=3, n_rungs=3):
    ladder = Ladder(n_rungs, factor)
    cands = [ladder.add({"i": i}, np.array([float(i)])) for i in range(len(scores_by_rung[0]))]
    for rung, scores in enumerate(scores_by_rung):
        for i, score in scores.items() if isinstance(scores, dict) else enumerate(scores):
            ladder.start(cands[i], rung)
            ladder.record(cands[i], rung, score)
    return ladder, cands


def test_best_ranks_nan_last_and_ties_by_arrival():
    ladder, cands = _ladder([[0.5, np.nan, 0.9, 0.5, -np.inf]])
    assert [c.index for c in ladder.ranked(0)] == [2, 0, 3, 1, 4]
    assert [c.index for c in ladder.best(0, 2)] == [2, 0]


def test_asha_promotes_the_top_floor_fraction_then_ceil_when_final():
    ladder, cands = _ladder([[0.1, 0.9, 0.5, 0.7, 0.2]], factor=3)
    # 5 results: floor(5 / 3) = 1 may go on: the best, once.
    first = ladder.promotable(0, final=False)
    assert first is cands[1]
    ladder.start(first, 1)
    assert ladder.promotable(0, final=False) is None
    # Final rung: ceil(5 / 3) = 2, so the second best goes on too.
    assert ladder.promotable(0, final=True) is cands[3]


def test_asha_never_promotes_a_failed_candidate():
    ladder, cands = _ladder([[np.nan, np.nan, np.nan, 0.1]], factor=2)
    assert ladder.promotable(0, final=True) is cands[3]
    ladder.start(cands[3], 1)
    assert ladder.promotable(0, final=True) is None


def test_model_rung_is_the_largest_with_enough_finite_scores():
    ladder, _ = _ladder([list(np.linspace(0, 1, 12)), {0: 0.1, 1: 0.2, 2: np.nan, 3: 0.3}])
    assert ladder.model_rung(4) == 0  # rung 1 has 3 finite scores
    assert ladder.model_rung(3) == 1
    obs = ladder.observations(1, 1)
    assert obs.n_done == 3 and obs.n_failed == 1
    assert np.allclose(obs.losses, [-0.1, -0.2, -0.3])
    assert np.allclose(obs.Z[:, 0], [0, 1, 3])


def test_observations_of_an_empty_ladder_have_the_spaces_columns():
    """TPE reads the number of parameters from Z's columns, scored or not."""
    obs = Ladder(2, 3).observations(0, 4)
    assert obs.Z.shape == (0, 4) and obs.pending.shape == (0, 4)
    space = SearchSpace({"a": hp.uniform("a", 0, 1), "b": hp.choice("b", [1, 2])})
    proposed = Proposer(TPESampler(), space, n_min=5).propose(
        Ladder(2, 3), 3, np.random.default_rng(0)
    )
    assert len(proposed) == 3


def test_min_points_in_model_counts_dimensions_and_startup():
    space = SearchSpace({"a": hp.uniform("a", 0, 1), "b": hp.uniform("b", 0, 1)})
    assert min_points_in_model(TPESampler(n_startup_trials=2), space) == 5
    assert min_points_in_model(TPESampler(n_startup_trials=20), space) == 20
    assert min_points_in_model(RandomSampler(), space) == 5


def test_grid_size_of_finite_unconditional_spaces_only():
    assert grid_size(SearchSpace({"a": hp.choice("a", [1, 2, 3]), "b": hp.randint("b", 4)})) == 12
    assert grid_size(SearchSpace({"a": hp.uniform("a", 0, 1)})) is None
    conditional = hp.choice("m", [{"x": hp.choice("x", [1, 2])}, {"y": 1}])
    assert grid_size(SearchSpace(conditional)) is None
    assert grid_size(SearchSpace({"c": 1})) == 1


def test_proposals_never_repeat_and_stop_when_the_space_is_exhausted():
    space = SearchSpace({"a": hp.choice("a", [1, 2, 3]), "b": hp.choice("b", ["x", "y"])})
    ladder = Ladder(1, 3)
    proposer = Proposer(RandomSampler(), space, n_min=5)
    rng = np.random.default_rng(0)
    cands = proposer.propose(ladder, 4, rng) + proposer.propose(ladder, 4, rng)
    keys = {tuple(sorted(c.params.items())) for c in cands}
    assert len(cands) == len(keys) == 6 and proposer.exhausted
    assert proposer.propose(ladder, 1, rng) == []


def _peaked_ladder(space, n_scored, rng):
    """A one-rung ladder of ``n_scored`` prior draws scored by closeness to x = 0.5."""
    ladder = Ladder(1, 3)
    for z in space.sample(rng, n_scored):
        candidate = ladder.add(space.decode(z[None])[0], z)
        ladder.record(candidate, 0, -abs(float(candidate.params["x"]) - 0.5))
    return ladder


@pytest.mark.parametrize("random_fraction", [0.0, 1 / 3, 0.5, 1.0])
def test_random_fraction_is_an_exact_share_of_the_modelled_proposals(random_fraction):
    space = SearchSpace({"x": hp.uniform("x", 0, 1)})
    rng = np.random.default_rng(0)
    ladder = _peaked_ladder(space, 6, rng)
    proposer = Proposer(TPESampler(), space, n_min=10, random_fraction=random_fraction)
    # Start-up (fewer than n_min scores): the sampler's own random draws, none counted.
    proposer.propose(ladder, 4, rng)
    assert proposer.n_modelled == proposer.n_prior_draws == 0
    ladder = _peaked_ladder(space, 12, rng)
    for n in (4, 3, 5, 1, 5):  # groups of any size: the share holds after each one
        proposer.propose(ladder, n, rng)
        assert proposer.n_prior_draws == math.floor(proposer.n_modelled * random_fraction + 1e-9)
    assert proposer.n_modelled == 18


def test_prior_draws_ignore_the_model_and_the_others_follow_it():
    space = SearchSpace({"x": hp.uniform("x", 0, 1)})
    rng = np.random.default_rng(1)
    ladder = _peaked_ladder(space, 20, rng)
    spread = lambda cands: np.mean([abs(c.params["x"] - 0.5) for c in cands])  # noqa: E731
    modelled = Proposer(TPESampler(), space, n_min=10).propose(ladder, 60, rng)
    drawn = Proposer(TPESampler(), space, n_min=10, random_fraction=1.0).propose(ladder, 60, rng)
    assert spread(modelled) < 0.17  # TPE proposes around the peak
    assert spread(drawn) > 0.2  # the prior's mean distance to the peak is 0.25


# -- ASHA's decisions, without threads ------------------------------------------------------
def _scheduler(n_candidates=27, factor=3, n_rungs=3, n_splits=2, score=None):
    space = SearchSpace({"x": hp.uniform("x", 0, 1)})
    ladder = Ladder(n_rungs, factor)
    proposer = Proposer(RandomSampler(), space, n_min=4)
    score = score or (lambda outs: float(np.mean(outs)))
    return AshaScheduler(
        ladder=ladder,
        proposer=proposer,
        n_candidates=n_candidates,
        n_splits=n_splits,
        params_at=lambda c, rung: {**c.params, "rung": rung},
        score_of=score,
        seed=0,
    )


def _fold_score(task):
    # Better with larger x, a little better at higher rungs.
    return task.job.params["x"] + 0.1 * task.job.rung


def test_asha_with_folds_finishing_in_order_runs_every_candidate_and_promotes_the_best():
    scheduler = _scheduler()
    while (task := scheduler.next_task()) not in (DONE, WAIT):
        scheduler.complete(task, _fold_score(task))
    assert task == DONE
    ladder = scheduler.ladder
    assert len(ladder) == 27
    counts = [ladder.n_results(r) for r in range(3)]
    # At least the candidates synchronous halving keeps reach each rung.
    assert counts[0] == 27 and counts[1] >= 9 and counts[2] >= 3
    # No candidate is evaluated twice at one rung.
    for rung in range(3):
        rows = [job.candidate.index for job in scheduler.jobs if job.rung == rung]
        assert len(rows) == len(set(rows)) == counts[rung]
    # The best candidates of rung 0 all reached rung 1.
    top = sorted(ladder.candidates, key=lambda c: -c.scores[0])[: math.ceil(27 / 3)]
    assert all(1 in c.scores for c in top)


def test_asha_hands_out_folds_of_started_jobs_first_and_promotes_before_a_rung_is_full():
    scheduler = _scheduler(n_candidates=30, n_splits=3)
    tasks = [scheduler.next_task() for _ in range(3)]
    assert [t.fold for t in tasks] == [0, 1, 2] and len({id(t.job) for t in tasks}) == 1
    # Run the jobs one after the other until one is promoted.
    n_started = 1
    while True:
        for task in tasks:
            scheduler.complete(task, _fold_score(task))
        tasks = [scheduler.next_task() for _ in range(3)]
        if tasks[0].job.rung == 1:
            break
        n_started += 1
    # floor(3 / 3) = 1 candidate may go on once rung 0 has 3 results (of 30 to come).
    assert n_started == 3
    assert tasks[0].job.candidate is scheduler.ladder.ranked(0)[0]


def test_asha_waits_when_nothing_can_start_and_ends_when_nothing_runs():
    scheduler = _scheduler(n_candidates=1, n_rungs=2, n_splits=1)
    task = scheduler.next_task()
    assert scheduler.next_task() == WAIT  # the only candidate is running
    scheduler.complete(task, 1.0)
    # Final rung 0 with one result: ceil(1 / 3) = 1 promotion.
    promoted = scheduler.next_task()
    assert promoted.job.rung == 1
    scheduler.complete(promoted, 1.0)
    assert scheduler.next_task() == DONE
