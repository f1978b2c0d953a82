"""Determinism under faults: with a fixed seed, which proposals transient failures leave unchanged.

What the design guarantees (see docs/reliability.md):

* The random generator is consumed once per ask, whatever the outcomes, so
  random search proposes the same candidates with or without failures.
* TPE draws from the prior until ``n_startup_trials`` trials *succeeded*,
  exactly as random search does, so its proposals equal random search's until
  that many successes: with failures, the prior phase simply lasts longer.
  From then on TPE models the successful trials only (failed ones are
  ignored), so a run with failures proposes other points than one without.
* HyperoptSearchCV seeds round ``r`` with ``(seed, r)``: the same holds per
  round, and a round's candidates do not depend on how earlier rounds failed
  under random search.
* How a trial fails does not matter: an exception, a timeout or a dead worker
  all make a failed trial (see test_trial_timeout.py and
  test_fault_injection_search.py for the process-based failures).
"""

from __future__ import annotations

import math
import warnings
from functools import partial

import pytest
from _reliability_helpers import COUNTS, FaultyObjective, MeanRegressor, quadratic
from sklearn.datasets import make_regression
from sklearn.model_selection import KFold

from skopt_hp import HyperoptSearchCV, Trials, fmin, hp, tpe

SPACE = {"x": hp.uniform("x", -5, 5), "c": hp.choice("c", ["a", "b"])}
N_STARTUP = 8
TPE = partial(tpe.suggest, n_startup_jobs=N_STARTUP)


def _proposals(algo, kind, max_queue_len=1, max_evals=30):
    """The points fmin proposes, with faults of ``kind`` on 30% of trials (None: no faults)."""
    trials = Trials()
    objective = FaultyObjective(kind) if kind else quadratic
    fmin(objective, SPACE, algo=algo, max_evals=max_evals, trials=trials, rstate=11,
         catch_eval_exceptions=True, show_progressbar=False, max_queue_len=max_queue_len)
    return [t.params for t in trials.records], trials


@pytest.mark.parametrize("max_queue_len", [1, 3])
@pytest.mark.parametrize("kind", ["raise", "nan", "none"])
def test_random_search_proposes_the_same_points_with_or_without_failures(kind, max_queue_len):
    clean, _ = _proposals("rand", None, max_queue_len)
    faulty, trials = _proposals("rand", kind, max_queue_len)
    assert faulty == clean
    n_faults = sum(t.loss is None for t in trials.records)
    assert n_faults == 9
    COUNTS["faults injected (determinism runs)"] += n_faults


@pytest.mark.parametrize("kind", ["raise", "nan"])
def test_tpe_equals_random_search_until_n_startup_successes(kind):
    random_search, _ = _proposals("rand", None)
    clean, _ = _proposals(TPE, None)
    faulty, trials = _proposals(TPE, kind)
    # Without failures: the first N_STARTUP proposals are random search's, then TPE's own.
    assert clean[:N_STARTUP] == random_search[:N_STARTUP]
    assert clean[N_STARTUP] != random_search[N_STARTUP]
    # With failures: the prior phase lasts until N_STARTUP trials succeeded.
    successes = [i for i, t in enumerate(trials.records) if t.loss is not None]
    end_of_startup = successes[N_STARTUP - 1] + 1
    assert end_of_startup > N_STARTUP  # some of the first trials failed
    assert faulty[:end_of_startup] == random_search[:end_of_startup]
    assert faulty[end_of_startup] != random_search[end_of_startup]
    # So the runs with and without failures agree exactly on the first N_STARTUP trials,
    # and differ from the first TPE proposal of the run without failures on.
    assert faulty[:N_STARTUP] == clean[:N_STARTUP]
    assert faulty[N_STARTUP] != clean[N_STARTUP]
    COUNTS["faults injected (determinism runs)"] += sum(t.loss is None for t in trials.records)


def _search(kind, algo):
    """A search whose candidates with fault 2, 5 or 8 misbehave as ``kind`` says.

    ``kind="healthy"`` is no known fault kind: the estimator then never misbehaves.
    """
    X, y = make_regression(n_samples=45, n_features=2, noise=1.0, random_state=0)
    space = {"shift": hp.uniform("shift", -3, 3), "fault": hp.randint("fault", 10)}
    search = HyperoptSearchCV(MeanRegressor(kind=kind), space, n_iter=18, n_points=3, cv=KFold(3),
                              algo=algo, random_state=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    return search


@pytest.mark.parametrize("kind", ["raise", "score nan"])
def test_search_rounds_propose_the_same_candidates_with_or_without_failures(kind):
    clean, faulty = _search("healthy", "rand"), _search(kind, "rand")
    assert faulty.cv_results_["params"] == clean.cv_results_["params"]
    failed = [t for t in faulty.trials_.records if t.status == "fail"]
    assert failed
    COUNTS["faults injected (determinism runs)"] += len(failed)
    # TPE: equal to random search while in its prior phase, i.e. in every round that starts
    # with fewer than N_STARTUP successes: rounds 0-2 (9 candidates) without failures, and
    # at least those with failures.
    tpe_clean, tpe_faulty = _search("healthy", TPE), _search(kind, TPE)
    n_equal = 3 * math.ceil(N_STARTUP / 3)
    random_rows = clean.cv_results_["params"]
    assert tpe_clean.cv_results_["params"][:n_equal] == random_rows[:n_equal]
    assert tpe_faulty.cv_results_["params"][:n_equal] == random_rows[:n_equal]
    assert tpe_clean.cv_results_["params"][n_equal:] != random_rows[n_equal:]
