"""Fold racing's parts: the stopping test, the reference, a round's race and its workers."""

from __future__ import annotations

import contextlib
import math
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from joblib import Parallel
from scipy.stats import norm

from skopt_hp._fold_runner import TaskError, capture_errors, run_fold_tasks
from skopt_hp._race import FoldTask, Race
from skopt_hp._racing import FoldRacingTest, Leaderboard, Reference
from skopt_hp._search import DEFAULT_PRUNING_ALPHA

REFERENCE = Reference(np.array([0.90, 0.92, 0.88, 0.91, 0.89]), sigma=0.02)


# ---------------------------------------------------------------------------
# The test
# ---------------------------------------------------------------------------
def test_a_clearly_worse_candidate_stops_at_its_first_fold():
    test = FoldRacingTest(alpha=0.05)
    assert test.stops(REFERENCE, np.array([0.50]))


def test_a_close_candidate_never_stops():
    """A tenth of sigma below the reference on every fold: never stopped by default."""
    test = FoldRacingTest(alpha=DEFAULT_PRUNING_ALPHA)
    close = REFERENCE.scores - 0.1 * REFERENCE.sigma
    assert not any(test.stops(REFERENCE, close[:n]) for n in range(1, 5))


def test_the_rule_is_the_predictive_chance_to_catch_up():
    """Stops exactly when mean(d) + z * sigma * sqrt((k - n) / (n * k)) < 0, that is when
    P(D >= 0) < alpha, D ~ N(mean(d), sigma^2 (k - n) / (n k)) the mean difference over all
    k folds predicted from the first n."""
    alpha, k = 0.1, len(REFERENCE.scores)
    test = FoldRacingTest(alpha=alpha)
    z = norm.isf(alpha)
    assert test.z == pytest.approx(z)
    for n in (1, 2, 3, 4):
        # Differences constant across folds, so sigma stays the reference's.
        edge = -z * REFERENCE.sigma * math.sqrt((k - n) / (n * k))
        below, above = REFERENCE.scores[:n] + edge - 1e-9, REFERENCE.scores[:n] + edge + 1e-9
        assert test.stops(REFERENCE, below)
        assert not test.stops(REFERENCE, above)
        assert test.chance_to_catch_up(REFERENCE, below) < alpha
        assert test.chance_to_catch_up(REFERENCE, above) > alpha
        assert test.chance_to_catch_up(REFERENCE, REFERENCE.scores[:n] + edge) == pytest.approx(
            alpha
        )


def test_the_chance_to_catch_up_is_certain_once_every_fold_is_known():
    test = FoldRacingTest(alpha=0.1)
    assert test.chance_to_catch_up(REFERENCE, REFERENCE.scores - 0.001) == 0.0
    assert test.chance_to_catch_up(REFERENCE, REFERENCE.scores) == 1.0
    assert math.isnan(test.chance_to_catch_up(REFERENCE, np.array([np.nan])))
    with pytest.raises(ValueError, match="6 scores for 5 folds"):
        test.chance_to_catch_up(REFERENCE, np.zeros(6))


def test_a_late_fold_weighs_less_than_an_early_one():
    """The same mean deficit stops a candidate after four folds of five, not after one: the
    last fold can change the final mean less."""
    test = FoldRacingTest(alpha=DEFAULT_PRUNING_ALPHA)
    deficit = 0.5 * REFERENCE.sigma
    assert not test.stops(REFERENCE, REFERENCE.scores[:1] - deficit)
    assert test.stops(REFERENCE, REFERENCE.scores[:4] - deficit)


def _simulated_stops(alpha, mu, sigma, k, n_candidates, seed):
    """Fold at which each simulated candidate stops (k: never), differences N(mu, sigma^2)."""
    rng = np.random.default_rng(seed)
    ref = Reference(np.zeros(k), sigma)
    test = FoldRacingTest(alpha)
    diffs = rng.normal(mu, sigma, size=(n_candidates, k))
    stopped_at = np.full(n_candidates, k)
    for i, d in enumerate(diffs):
        for n in range(1, k):
            if test.stops(ref, d[:n]):
                stopped_at[i] = n
                break
    return stopped_at


@pytest.mark.parametrize("alpha", [0.05, DEFAULT_PRUNING_ALPHA, 0.3])
def test_a_candidate_as_good_as_the_reference_stops_at_its_documented_rate(alpha):
    """mu = 0: stopped after the first fold with probability Phi(-z sqrt((k - 1) / k)), and
    after any fold with at most the sum over folds of Phi(-z sqrt((k - n) / k))."""
    k, n_candidates = 5, 4000
    stopped_at = _simulated_stops(alpha, 0.0, 0.02, k, n_candidates, seed=0)
    z = norm.isf(alpha)
    first = norm.cdf(-z * math.sqrt((k - 1) / k))
    tolerance = 4 * math.sqrt(first * (1 - first) / n_candidates)  # 4 binomial s.e.
    assert abs(np.mean(stopped_at == 1) - first) < tolerance
    bound = sum(norm.cdf(-z * math.sqrt((k - n) / k)) for n in range(1, k))
    assert np.mean(stopped_at < k) < bound + tolerance


def test_a_better_candidate_stops_less_often_than_an_equal_one():
    alpha, sigma, k = DEFAULT_PRUNING_ALPHA, 0.02, 5
    equal = np.mean(_simulated_stops(alpha, 0.0, sigma, k, 2000, seed=1) < k)
    better = np.mean(_simulated_stops(alpha, sigma, sigma, k, 2000, seed=2) < k)
    assert better < equal / 3


def test_a_smaller_alpha_stops_fewer_candidates():
    scores = REFERENCE.scores[:1] - 0.04  # 2 sigma below
    assert FoldRacingTest(alpha=0.05).stops(REFERENCE, scores)
    assert not FoldRacingTest(alpha=0.01).stops(REFERENCE, scores)


def test_an_erratic_candidate_is_judged_by_its_own_spread():
    """From the second fold, sigma is never below the spread of the candidate's differences."""
    test = FoldRacingTest(alpha=0.05)
    steady = REFERENCE.scores[:3] - 0.03
    erratic = REFERENCE.scores[:3] + np.array([-0.15, 0.06, 0.0])  # same mean difference
    assert test.stops(REFERENCE, steady)
    assert not test.stops(REFERENCE, erratic)


def test_a_failed_fold_never_stops_a_candidate():
    test = FoldRacingTest(alpha=0.05)
    assert not test.stops(REFERENCE, np.array([np.nan]))
    assert not test.stops(REFERENCE, np.array([0.1, np.nan]))


def test_nothing_is_decided_after_the_last_fold():
    assert not FoldRacingTest(alpha=0.05).stops(REFERENCE, REFERENCE.scores - 0.5)


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1, 2.0])
def test_alpha_outside_the_open_unit_interval_is_refused(alpha):
    with pytest.raises(ValueError, match=rf"alpha must be in \(0, 1\), but got alpha={alpha}"):
        FoldRacingTest(alpha=alpha)


@settings(max_examples=200, deadline=None)
@given(
    reference=st.lists(st.floats(0, 1), min_size=2, max_size=8),
    offsets=st.lists(st.floats(-1, 1), min_size=1, max_size=7),
    sigma=st.floats(0, 0.5),
    alpha=st.floats(0.001, 0.5),
)
def test_a_stopped_candidates_estimate_is_below_the_reference(reference, offsets, sigma, alpha):
    """What the sampler learns for a stopped candidate never beats the reference."""
    ref = Reference(np.array(reference), sigma)
    n = min(len(offsets), len(reference) - 1)
    scores = ref.scores[:n] + np.array(offsets[:n])
    test = FoldRacingTest(alpha=alpha)
    if test.stops(ref, scores):
        assert test.estimate(ref, scores) < ref.mean


def test_a_tiny_deficit_still_gives_an_estimate_below_the_reference():
    """Found by the property above: the mean plus -6e-168 rounds back to the mean."""
    ref = Reference(np.array([0.0, 1.0]), 0.0)
    scores = np.array([-6.084024595219696e-168])
    test = FoldRacingTest(alpha=0.5)
    assert test.stops(ref, scores)
    assert test.estimate(ref, scores) < ref.mean


def test_the_estimate_is_the_reference_mean_plus_the_mean_difference():
    scores = np.array([0.80, 0.84])
    expected = REFERENCE.mean + np.mean(scores - REFERENCE.scores[:2])
    assert FoldRacingTest(0.05).estimate(REFERENCE, scores) == pytest.approx(expected)


# ---------------------------------------------------------------------------
# The reference
# ---------------------------------------------------------------------------
def test_no_reference_before_a_complete_candidate_or_with_one_fold():
    assert Leaderboard(5).reference() is None
    board = Leaderboard(1)
    board.add(np.array([0.5]))
    assert board.reference() is None


def test_the_reference_is_the_best_mean_and_the_first_on_ties():
    board = Leaderboard(3)
    board.add(np.array([0.5, 0.6, 0.7]))
    board.add(np.array([0.7, 0.6, 0.5]))  # the same mean, later
    board.add(np.array([0.1, 0.2, 0.3]))
    np.testing.assert_array_equal(board.reference().scores, [0.5, 0.6, 0.7])
    board.add(np.array([0.9, 0.9, 0.9]))
    np.testing.assert_array_equal(board.reference().scores, [0.9, 0.9, 0.9])


def test_alone_the_reference_gives_sqrt2_times_its_own_spread():
    board = Leaderboard(4)
    scores = np.array([0.8, 0.9, 0.85, 0.95])
    board.add(scores)
    assert board.reference().sigma == pytest.approx(math.sqrt(2) * np.std(scores, ddof=1))


def test_sigma_pools_the_differences_of_the_better_half():
    rng = np.random.default_rng(0)
    best = np.array([0.9, 0.8, 0.85, 0.95, 0.9])
    close = [best - 0.01 + rng.normal(0, 0.01, 5) for _ in range(3)]
    far = [best - 0.5 + rng.normal(0, 0.2, 5) for _ in range(3)]  # noisy and far below
    board = Leaderboard(5)
    for row in [best, *far, *close]:
        board.add(row)
    expected = math.sqrt(np.mean([np.var(row - best, ddof=1) for row in close]))
    assert board.reference().sigma == pytest.approx(expected)


def test_candidates_scoring_as_the_reference_on_every_fold_are_left_out_of_sigma():
    board = Leaderboard(3)
    best = np.array([1.0, 0.9, 1.0])
    board.add(best)
    board.add(best.copy())  # the same model under other parameters
    assert board.reference().sigma == pytest.approx(math.sqrt(2) * np.std(best, ddof=1))


def test_non_finite_rows_are_not_complete_candidates():
    board = Leaderboard(2)
    assert not board.add(np.array([0.5, np.nan]))
    assert len(board) == 0
    with pytest.raises(ValueError, match="expected 2 fold scores, got 3"):
        board.add(np.array([0.1, 0.2, 0.3]))


def test_the_leaderboard_grows_past_its_first_capacity():
    board = Leaderboard(2)
    for i in range(40):
        board.add(np.array([i, i], dtype=float))
    assert len(board) == 40
    np.testing.assert_array_equal(board.reference().scores, [39.0, 39.0])


# ---------------------------------------------------------------------------
# A round's race
# ---------------------------------------------------------------------------
# Candidate i's score on fold j; candidates 1 and 3 are clearly worse than the reference
# (3 only from its second fold, and erratically: it stops after its third).
TABLE = np.array(
    [
        [0.90, 0.91, 0.89, 0.90, 0.92],
        [0.30, 0.35, 0.32, 0.31, 0.30],
        [0.89, 0.92, 0.90, 0.88, 0.91],
        [0.89, 0.60, 0.55, 0.62, 0.58],
        [0.91, 0.90, 0.93, 0.90, 0.91],
    ]
)


def _race(alpha=0.05, reference=REFERENCE, table=TABLE):
    return Race(len(table), table.shape[1], reference, FoldRacingTest(alpha), lambda out: out)


def _run_sequentially(race, table=TABLE):
    while (task := race.next_task()) is not None:
        race.complete(task, table[task.candidate, task.fold])
    return race.results()


def _run_shuffled(race, n_workers, rng, table=TABLE):
    """Up to ``n_workers`` tasks in flight; a random one of them finishes first each time."""
    running: list[FoldTask] = []
    while True:
        while len(running) < n_workers and (task := race.next_task()) is not None:
            running.append(task)
        if not running:
            return race.results()
        task = running.pop(rng.integers(len(running)))
        race.complete(task, table[task.candidate, task.fold])


def _summary(results):
    return [(r.pruned, r.n_folds_fitted, r.estimate, list(r.outs)) for r in results]


def test_first_folds_first_then_the_next_fold_of_a_candidate_still_racing():
    race = _race()
    assert [race.next_task() for _ in range(5)] == [FoldTask(i, 0) for i in range(5)]
    race.complete(FoldTask(1, 0), TABLE[1, 0])  # stops candidate 1
    race.complete(FoldTask(2, 0), TABLE[2, 0])
    assert race.next_task() == FoldTask(2, 1)  # known and not stopped
    # Only candidates with a running fold left: the one with the most folds known runs ahead.
    assert race.next_task() == FoldTask(2, 2)


def test_a_clearly_bad_candidate_stops_after_one_fold_and_close_ones_finish():
    results = _run_sequentially(_race())
    assert [r.pruned for r in results] == [False, True, False, True, False]
    assert results[1].n_folds_fitted == 1
    assert results[3].n_folds_fitted == 3
    assert [r.n_folds_fitted for r in results if not r.pruned] == [5, 5, 5]
    assert results[1].estimate == pytest.approx(REFERENCE.mean + TABLE[1, 0] - 0.90)


@pytest.mark.parametrize("n_workers", [2, 3, 8])
def test_the_outcome_does_not_depend_on_the_order_folds_finish(n_workers):
    expected = _summary(_run_sequentially(_race()))
    for seed in range(20):
        race = _race()
        assert _summary(_run_shuffled(race, n_workers, np.random.default_rng(seed))) == expected
        # Fits run ahead of a decision that then stopped their candidate are thrown away.
        kept = sum(n for _, n, _, _ in expected)
        assert race.n_started == kept + race.n_discarded


def test_without_a_reference_the_first_candidate_runs_first_and_becomes_it():
    race = _race(reference=None)
    assert [race.next_task() for _ in range(6)] == [
        *(FoldTask(0, j) for j in range(5)),
        FoldTask(1, 0),
    ]
    results = _run_sequentially(_race(reference=None))
    assert [r.pruned for r in results] == [False, True, False, True, False]
    assert results[1].n_folds_fitted == 1
    pacer = TABLE[0]
    sigma = math.sqrt(2) * np.std(pacer, ddof=1)
    assert results[1].estimate == pytest.approx(pacer.mean() + TABLE[1, 0] - pacer[0])
    alone = Reference.alone(pacer)
    np.testing.assert_array_equal(alone.scores, pacer)
    assert alone.sigma == pytest.approx(sigma)


@pytest.mark.parametrize("n_workers", [2, 3, 8])
def test_racing_the_first_candidate_does_not_depend_on_the_order_folds_finish(n_workers):
    expected = _summary(_run_sequentially(_race(reference=None)))
    for seed in range(20):
        race = _race(reference=None)
        assert _summary(_run_shuffled(race, n_workers, np.random.default_rng(seed))) == expected
        assert race.n_started == sum(n for _, n, _, _ in expected) + race.n_discarded


def test_a_first_candidate_with_a_failed_fold_stops_nobody():
    table = TABLE.copy()
    table[0, 2] = np.nan
    for n_workers in (1, 4):
        race = _race(reference=None, table=table)
        results = _run_shuffled(race, n_workers, np.random.default_rng(0), table=table)
        assert not any(r.pruned for r in results)


def test_sequential_racing_throws_nothing_away():
    race = _race()
    _run_sequentially(race)
    assert race.n_discarded == 0
    assert race.n_started == 5 + 1 + 5 + 3 + 5  # the folds kept


def test_results_are_refused_while_candidates_race():
    race = _race()
    race.next_task()
    with pytest.raises(RuntimeError, match="still racing"):
        race.results()


def test_a_reference_with_another_number_of_folds_is_refused():
    with pytest.raises(ValueError, match="the reference has 5 fold scores, the race 3 folds"):
        Race(2, 3, REFERENCE, FoldRacingTest(0.05), float)


# ---------------------------------------------------------------------------
# Workers
# ---------------------------------------------------------------------------
class _Tasks:
    """Tasks 0..n-1, completed under the runner's lock."""

    def __init__(self, n):
        self.todo = list(range(n))
        self.done = {}
        self.threads = set()

    def next_task(self):
        return self.todo.pop(0) if self.todo else None

    def complete(self, task, result):
        self.done[task] = result


def _double(x):
    return 2 * x


def test_one_worker_runs_every_task_in_the_calling_thread():
    tasks = _Tasks(5)

    def run(task, parallel):
        assert parallel is None
        tasks.threads.add(threading.get_ident())
        return task * 2

    run_fold_tasks(tasks.next_task, run, tasks.complete, parallels=None)
    assert tasks.done == {i: 2 * i for i in range(5)}
    assert tasks.threads == {threading.get_ident()}


def test_each_worker_sends_its_tasks_through_its_own_parallel():
    from joblib import delayed

    tasks = _Tasks(12)
    seen = set()

    def run(task, parallel):
        seen.add(id(parallel))
        return parallel([delayed(_double)(task)])[0]

    with contextlib.ExitStack() as stack:
        parallels = [stack.enter_context(Parallel(n_jobs=2, backend="threading")) for _ in "ab"]
        run_fold_tasks(tasks.next_task, run, tasks.complete, parallels=parallels)
    assert tasks.done == {i: 2 * i for i in range(12)}
    assert seen <= {id(p) for p in parallels}


def test_a_task_error_is_raised_after_the_running_tasks_end_and_stops_new_ones():
    tasks = _Tasks(50)
    started = []

    def run(task, parallel):
        started.append(task)
        if task == 3:
            raise ZeroDivisionError("task 3")
        return task

    with contextlib.ExitStack() as stack:
        parallels = [stack.enter_context(Parallel(n_jobs=1)) for _ in range(3)]
        with pytest.raises(ZeroDivisionError, match="task 3"):
            run_fold_tasks(tasks.next_task, run, tasks.complete, parallels=parallels)
    assert len(started) < 50


def test_an_error_in_a_worker_process_comes_back_as_itself():
    out = capture_errors(math.sqrt, -1.0)
    assert isinstance(out, TaskError)
    error = out.error()
    assert isinstance(error, ValueError) and "math domain error" in str(error)
    assert any("Traceback in the worker" in note for note in getattr(error, "__notes__", []))
    assert capture_errors(math.sqrt, 4.0) == 2.0
