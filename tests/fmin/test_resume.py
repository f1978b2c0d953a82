"""fmin(trials_save_file=...) checkpoints after every trial and resumes from the file."""

import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

from skopt_hp import Trials, fmin, hp, tpe

SPACE = {
    "model": hp.choice("model", [LogisticRegression(), SVC()]),
    "x": hp.uniform("x", -3, 3),
}


def objective(p):
    return p["x"] ** 2 + (0.0 if isinstance(p["model"], SVC) else 1.0)


def saved(path):
    """The trial records of a journal (its lines after the header)."""
    return [json.loads(line)["trial"] for line in path.read_text().splitlines()[1:]]


def run(path, max_evals, seed, **kwargs):
    return fmin(objective, kwargs.pop("space", SPACE), algo=tpe.suggest, max_evals=max_evals,
                trials_save_file=str(path), rstate=np.random.default_rng(seed),
                show_progressbar=False, **kwargs)


def test_resume_from_file_continues_to_max_evals(tmp_path):
    path = tmp_path / "trials.json"
    run(path, 6, 0)
    first = saved(path)
    assert [t["tid"] for t in first] == list(range(6))
    # A new process: fresh Trials, same file.
    trials = Trials()
    best = run(path, 15, 1, trials=trials)
    assert len(trials) == 15 and trials.tids == list(range(15))
    assert [t.params for t in trials.records[:6]] == [t["params"] for t in first]
    assert best == trials.argmin
    assert len(saved(path)) == 15


def test_estimators_in_the_space_are_stored_by_choice_index(tmp_path):
    path = tmp_path / "trials.json"
    run(path, 4, 0)
    text = path.read_text()
    assert "LogisticRegression" not in text and "SVC" not in text
    assert {t["params"]["model"] for t in saved(path)} <= {0, 1}


def test_checkpoint_after_every_trial_survives_an_exception(tmp_path):
    path = tmp_path / "trials.json"
    calls = []

    def dies_on_fourth(p):
        calls.append(p)
        if len(calls) == 4:
            raise RuntimeError("worker lost")
        return p["x"] ** 2

    with pytest.raises(RuntimeError, match="worker lost"):
        fmin(dies_on_fourth, SPACE, max_evals=10, trials_save_file=str(path), rstate=0,
             show_progressbar=False)
    # The three finished trials, and the one that raised, kept failed as hyperopt keeps it.
    assert [t["state"] for t in saved(path)] == ["DONE"] * 3 + ["ERROR"]
    trials = Trials()
    run(path, 5, 1, trials=trials)
    # max_evals counts the resumed trials hyperopt shows (not the failed one), as hyperopt.
    assert len(trials) == 5 and len(trials.records) == 6


def test_resuming_with_a_different_space_is_refused(tmp_path):
    path = tmp_path / "trials.json"
    run(path, 3, 0)
    other = {"model": SPACE["model"], "x": hp.uniform("x", -1, 1)}
    with pytest.raises(ValueError, match="different search space"):
        run(path, 6, 1, space=other)


def test_a_tampered_file_gives_a_clear_error_before_any_evaluation(tmp_path):
    path = tmp_path / "trials.json"
    run(path, 3, 0)
    lines = path.read_text().splitlines()
    event = json.loads(lines[1])
    event["trial"]["params"]["model"] = 7
    lines[1] = json.dumps(event)
    path.write_text("\n".join(lines) + "\n")
    calls = []
    with pytest.raises(ValueError, match="trials.json"):
        fmin(lambda p: calls.append(p) or 0.0, SPACE, max_evals=6,
             trials_save_file=str(path), rstate=0, show_progressbar=False)
    assert calls == []
