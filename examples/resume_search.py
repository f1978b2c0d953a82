"""Stop a search and continue it later, from a file or from the fitted estimator.

``fmin(..., trials_save_file=path)`` appends every finished trial to a JSON-lines
file as it finishes (a crash loses at most the trial in flight). Running the same call again
resumes from the file, and ``max_evals`` counts the trials already there. Here the file lives
in a temporary directory, removed when the example ends.

``HyperoptSearchCV(..., warm_start=True)`` continues a fitted (or interrupted)
search: raise ``n_iter`` and call ``fit`` again; only the new candidates are
evaluated, and with an int ``random_state`` the result is the one a single
longer search would have given.

Run: ``python examples/resume_search.py``. ``SKOPT_HP_EXAMPLE_SMALL=1`` shrinks
the run.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import ElasticNet

from skopt_hp import HyperoptSearchCV, Trials, fmin, hp, tpe

SMALL = os.environ.get("SKOPT_HP_EXAMPLE_SMALL") == "1"
FIRST, TOTAL = (5, 10) if SMALL else (20, 40)


def objective(params: dict) -> float:
    x, y = params["x"], params["y"]
    return (x - 1.0) ** 2 + (y + 2.0) ** 2


def resume_fmin(path: Path) -> None:
    space = {"x": hp.uniform("x", -5, 5), "y": hp.uniform("y", -5, 5)}
    settings = dict(algo=tpe.suggest, trials_save_file=str(path), show_progressbar=False)
    fmin(objective, space, max_evals=FIRST, rstate=np.random.default_rng(0), **settings)
    print(f"fmin stopped after {FIRST} trials; {path.name} holds them")
    # Later, possibly in another process: the same call with a larger budget resumes.
    best = fmin(objective, space, max_evals=TOTAL, rstate=np.random.default_rng(1), **settings)
    trials = Trials.load(path)
    print(f"resumed to {len(trials)} trials, best {best}, loss {min(trials.losses()):.4g}")


def continue_search() -> None:
    X, y = load_diabetes(return_X_y=True)
    search = HyperoptSearchCV(
        ElasticNet(max_iter=5_000),
        {
            "alpha": hp.loguniform("alpha", np.log(1e-4), np.log(10.0)),
            "l1_ratio": hp.uniform("l1_ratio", 0.0, 1.0),
        },
        n_iter=FIRST,
        cv=3,
        random_state=0,
        warm_start=True,
    )
    search.fit(X, y)
    print(f"HyperoptSearchCV: {FIRST} candidates, best R^2 {search.best_score_:.4f}")
    search.set_params(n_iter=TOTAL).fit(X, y)
    n = len(search.cv_results_["params"])
    print(f"continued to {n} candidates, best R^2 {search.best_score_:.4f}")
    print("best parameters:", search.best_params_)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="skopt_hp_resume_") as directory:
        resume_fmin(Path(directory) / "resume_demo_trials.json")
    continue_search()
