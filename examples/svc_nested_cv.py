"""Nested cross-validation: an unbiased score for a tuned SVC.

``HyperoptSearchCV`` is an estimator, so ``cross_val_score`` can evaluate the
whole tuning procedure: every outer fold runs its own search on the outer
training part, and is scored on data that search never saw. The inner search's
best score is optimistic (it picked the maximum of noisy estimates); the outer
scores are not.

Run: ``python examples/svc_nested_cv.py``. ``SKOPT_HP_EXAMPLE_SMALL=1`` shrinks
the run.
"""

from __future__ import annotations

import os

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skopt_hp import HyperoptSearchCV, hp

SMALL = os.environ.get("SKOPT_HP_EXAMPLE_SMALL") == "1"


def main() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    search = HyperoptSearchCV(
        make_pipeline(StandardScaler(), SVC()),
        {
            "svc__C": hp.loguniform("C", np.log(1e-2), np.log(1e3)),
            "svc__gamma": hp.loguniform("gamma", np.log(1e-4), np.log(1.0)),
            "svc__kernel": ["rbf", "sigmoid"],
        },
        n_iter=6 if SMALL else 30,
        cv=3,
        random_state=0,
    )
    outer = StratifiedKFold(3 if SMALL else 5, shuffle=True, random_state=0)
    scores = cross_val_score(search, X, y, cv=outer, n_jobs=2)
    print("outer-fold accuracies:", np.round(scores, 4))
    print(f"nested CV accuracy: {scores.mean():.4f} ± {scores.std():.4f}")

    search.fit(X, y)
    print(f"inner best score on all data (optimistic): {search.best_score_:.4f}")
    print("chosen parameters:", search.best_params_)


if __name__ == "__main__":
    main()
