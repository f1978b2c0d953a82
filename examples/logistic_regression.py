"""Tune a logistic regression with hyperopt's functional API.

The objective receives a point of the space (``hp.uniform`` for the inverse
regularisation strength on a log scale through ``hp.loguniform``,
``hp.randint`` for the solver's iteration budget, ``hp.choice`` for the
penalty) and returns minus the cross-validated accuracy as the loss. Code
written for hyperopt runs unchanged apart from the import line.

Run: ``python examples/logistic_regression.py``. ``SKOPT_HP_EXAMPLE_SMALL=1``
shrinks the run.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skopt_hp import STATUS_OK, Trials, fmin, hp, space_eval, tpe

SMALL = os.environ.get("SKOPT_HP_EXAMPLE_SMALL") == "1"

X, y = load_wine(return_X_y=True)

space = {
    "C": hp.loguniform("C", np.log(1e-3), np.log(1e2)),
    "l1_ratio": hp.uniform("l1_ratio", 0.0, 1.0),
    "max_iter": hp.randint("max_iter", 50, 500),
    "class_weight": hp.choice("class_weight", [None, "balanced"]),
}


def objective(params: dict) -> dict:
    model = make_pipeline(
        StandardScaler(),
        LogisticRegression(solver="saga", tol=1e-3, **params),
    )
    accuracy = cross_val_score(model, X, y, cv=5).mean()
    return {"loss": -accuracy, "status": STATUS_OK, "accuracy": accuracy}


def main() -> None:
    # max_iter is itself tuned: small budgets not converging is expected, not news.
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    trials = Trials()
    best = fmin(
        objective,
        space,
        algo=tpe.suggest,
        max_evals=10 if SMALL else 60,
        trials=trials,
        rstate=np.random.default_rng(0),
        show_progressbar=False,
    )
    print("argmin (choice indices, as hyperopt returns it):", best)
    print("best parameters:", space_eval(space, best))
    print(f"best cross-validated accuracy: {-min(trials.losses()):.4f} over {len(trials)} trials")


if __name__ == "__main__":
    main()
