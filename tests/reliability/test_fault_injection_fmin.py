"""fmin under injected faults: 30% of trials raise or return NaN/inf/None/wrong types.

The search must complete ``max_evals``, record each failure with its reason
(in memory and in the checkpoint file), and return the best of the healthy
trials, recomputed here independently of the library.
"""

from __future__ import annotations

import pytest
from _reliability_helpers import COUNTS, FAULT_REASONS, FaultyObjective, is_faulty, quadratic

from skopt_hp import STATUS_FAIL, Trials, TrialState, fmin, hp, space_eval

SPACE = {"x": hp.uniform("x", -5, 5), "c": hp.choice("c", ["a", "b"])}
MAX_EVALS = 40


@pytest.mark.parametrize("algo", ["tpe", "rand"])
@pytest.mark.parametrize("kind", sorted(FAULT_REASONS))
def test_faulty_trials_are_recorded_and_the_best_is_the_best_healthy_trial(tmp_path, kind, algo):
    objective = FaultyObjective(kind)
    trials = Trials()
    # Checkpointing costs two fsyncs a trial: one algo is enough to check the file.
    path = tmp_path / "trials.json" if algo == "tpe" else None
    best = fmin(
        objective,
        SPACE,
        algo=algo,
        max_evals=MAX_EVALS,
        trials=trials,
        rstate=0,
        catch_eval_exceptions=True,
        show_progressbar=False,
        trials_save_file=str(path or ""),
    )
    assert len(trials.records) == MAX_EVALS == objective.calls
    # hyperopt's views leave out the trials whose objective raised (state ERROR).
    assert len(trials) == MAX_EVALS - trials.count(TrialState.ERROR)
    assert len(objective.faulty_points) == 3 * MAX_EVALS // 10
    for trial in trials.records:
        if is_faulty(trial.tid):
            assert trial.loss is None and trial.status == STATUS_FAIL
            assert FAULT_REASONS[kind] in trial.result["failure"]["message"]
        else:
            assert trial.state == TrialState.DONE
            assert trial.loss == quadratic(space_eval(SPACE, trial.params))
    # The best, computed without the library's bookkeeping.
    healthy = [t for t in trials.records if not is_faulty(t.tid)]
    expected = min(healthy, key=lambda t: quadratic(space_eval(SPACE, t.params)))
    assert best == expected.params == trials.argmin
    COUNTS["fmin runs completed under faults"] += 1
    if path is None:
        return
    # The checkpoint holds the same trials, failures with their reasons.
    loaded = Trials.load(path, SPACE)
    assert [(t.tid, t.state, t.params) for t in loaded.records] == [
        (t.tid, t.state, t.params) for t in trials.records
    ]
    for saved, kept in zip(loaded.records, trials.records, strict=True):
        assert saved.result.get("failure", {}).get("message") == kept.result.get(
            "failure", {}
        ).get("message")


@pytest.mark.parametrize("kind", ["raise", "none", "dict with a bad status"])
def test_without_catching_the_first_fault_propagates_after_keeping_finished_trials(tmp_path, kind):
    objective = FaultyObjective(kind)
    trials = Trials()
    path = tmp_path / "trials.json"
    with pytest.raises((RuntimeError, ValueError)):
        fmin(objective, SPACE, algo="rand", max_evals=MAX_EVALS, trials=trials, rstate=0,
             show_progressbar=False, trials_save_file=str(path))
    # Calls 0 and 1 finished; call 2, the first faulty one, is kept failed, as hyperopt keeps it.
    assert [t.state for t in trials.records] == [TrialState.DONE] * 2 + [TrialState.ERROR]
    assert trials.tids == [0, 1]
    assert [t.tid for t in Trials.load(path, SPACE).records] == [0, 1, 2]
    # Resuming with catching on completes the search from the file.
    resumed = Trials()
    fmin(FaultyObjective(kind), SPACE, algo="rand", max_evals=MAX_EVALS, trials=resumed, rstate=1,
         catch_eval_exceptions=True, show_progressbar=False, trials_save_file=str(path))
    # max_evals counts the trials hyperopt shows when the run starts, as hyperopt: the failed
    # trial of the first run is one more.
    assert [t.tid for t in resumed.records] == list(range(MAX_EVALS + 1))
    kept = [(t.params, t.loss) for t in trials.records]
    lost = sum(a != (b.params, b.loss) for a, b in zip(kept, resumed.records[:3], strict=True))
    COUNTS["trials lost"] += lost
    assert lost == 0
