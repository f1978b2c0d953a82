"""Searches shared by the plot tests: small, seeded, and fast."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_iris
from sklearn.svm import SVC

from skopt_hp import STATUS_FAIL, STATUS_OK, HyperoptSearchCV, Trials, fmin, hp, rand, tpe

#: A choice between two families; "a" is log-scaled and active only in the first,
#: "b" and "c" only in the second; "x" is always active.
CONDITIONAL_SPACE = {
    "family": hp.choice(
        "family",
        [
            {"name": "first", "a": hp.loguniform("a", np.log(1e-4), np.log(10.0))},
            {"name": "second", "b": hp.uniform("b", 0.0, 1.0), "c": hp.randint("c", 5)},
        ],
    ),
    "x": hp.uniform("x", -2.0, 2.0),
}
CONDITIONAL_LABELS = ("family", "a", "b", "c", "x")


def conditional_objective(point: dict) -> dict:
    family = point["family"]
    if family["name"] == "first":
        loss = (np.log10(family["a"]) + 2.0) ** 2 + point["x"] ** 2
    else:
        if family["c"] == 4:
            return {"status": STATUS_FAIL}
        loss = 1.0 + family["b"] + 0.1 * family["c"] + point["x"] ** 2
    return {"status": STATUS_OK, "loss": float(loss)}


def conditional_trials(max_evals: int = 40, seed: int = 0) -> Trials:
    """``fmin`` on :data:`CONDITIONAL_SPACE`; trials with ``c == 4`` fail."""
    trials = Trials()
    fmin(
        conditional_objective,
        CONDITIONAL_SPACE,
        algo=tpe.suggest,
        max_evals=max_evals,
        trials=trials,
        rstate=seed,
        show_progressbar=False,
    )
    return trials


def x_only_trials(max_evals: int = 40, seed: int = 0) -> Trials:
    """Random search where the loss depends on ``x`` only; ``y`` is noise."""
    space = {"x": hp.uniform("x", -5.0, 5.0), "y": hp.uniform("y", -5.0, 5.0)}
    trials = Trials()
    fmin(
        lambda p: p["x"] ** 2,
        space,
        algo=rand.suggest,
        max_evals=max_evals,
        trials=trials,
        rstate=seed,
        show_progressbar=False,
    )
    return trials


def hand_trials(losses: list[float | None], params: list[dict] | None = None) -> Trials:
    """Trials recorded by hand, without a space: ``None`` losses are failed trials."""
    trials = Trials()
    params = params if params is not None else [{"x": float(i)} for i in range(len(losses))]
    for point, loss in zip(params, losses, strict=True):
        trial = trials.new_trial(point)
        trials.start(trial)
        if loss is None:
            trials.fail(trial, "boom", exc_type="RuntimeError")
        else:
            trials.complete(trial, {"status": STATUS_OK, "loss": loss})
    return trials


def fitted_search() -> HyperoptSearchCV:
    """An SVC tuned on iris: ``C`` log-scaled, ``kernel`` a choice; 8 candidates, 3 folds."""
    X, y = load_iris(return_X_y=True)
    search = HyperoptSearchCV(
        SVC(),
        {
            "C": hp.loguniform("C", np.log(1e-3), np.log(1e3)),
            "kernel": ["linear", "rbf"],
        },
        n_iter=8,
        cv=3,
        random_state=0,
    )
    return search.fit(X, y)
