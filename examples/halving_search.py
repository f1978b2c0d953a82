"""Successive halving with TPE: many random-forest candidates for the price of a few.

``HyperoptHalvingSearchCV`` evaluates many candidates with few trees
(``n_estimators``), keeps the best third, triples the trees, and repeats. The
first candidates are proposed by TPE from the scores obtained so far. The same
search runs asynchronously (ASHA) with two workers, and, for comparison, a
``HyperoptSearchCV`` evaluates as many candidates with all the trees.

Run: ``python examples/halving_search.py``. ``SKOPT_HP_EXAMPLE_SMALL=1`` shrinks
the run.
"""

from __future__ import annotations

import os
import time

from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier

from skopt_hp import HyperoptHalvingSearchCV, HyperoptSearchCV, hp

SMALL = os.environ.get("SKOPT_HP_EXAMPLE_SMALL") == "1"


def main() -> None:
    X, y = make_classification(
        n_samples=1500 if SMALL else 6000, n_features=20, n_informative=8, random_state=0
    )
    model = RandomForestClassifier(n_estimators=54, random_state=0)
    space = {
        "max_depth": hp.quniform("max_depth", 2, 30, 1),
        "max_features": hp.uniform("max_features", 0.05, 0.8),
        "min_samples_leaf": hp.quniform("min_samples_leaf", 1, 30, 1),
        "criterion": ["gini", "entropy"],
    }
    n_candidates = 9 if SMALL else 27
    halving = dict(
        resource="n_estimators",
        max_resources=54,
        min_resources="exhaust",
        n_candidates=n_candidates,
        factor=3,
        cv=3,
        random_state=0,
    )
    searches = {
        "halving": HyperoptHalvingSearchCV(model, space, **halving),
        "halving, ASHA on 2 workers": HyperoptHalvingSearchCV(
            model, space, asynchronous=True, n_jobs=2, **halving
        ),
        "every candidate in full": HyperoptSearchCV(
            model, space, n_iter=n_candidates, cv=3, random_state=0
        ),
    }
    for name, search in searches.items():
        start = time.perf_counter()
        search.fit(X, y)
        seconds = time.perf_counter() - start
        print(f"{name}: best CV accuracy {search.best_score_:.4f} in {seconds:.1f} s")
        if isinstance(search, HyperoptHalvingSearchCV):
            print(f"  candidates {search.n_candidates_}, trees {search.n_resources_}")
        print(f"  best parameters {search.best_params_}")


if __name__ == "__main__":
    main()
