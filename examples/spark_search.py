"""Run ``HyperoptSearchCV``'s cross-validation fits on Spark.

Inside ``spark_backend(n_jobs=2)`` scikit-learn's joblib work runs as Spark tasks
(a fixed joblibspark backend); ``X`` is sent to the executors once per search, as a
Spark broadcast, instead of inside every task.

Run: ``python examples/spark_search.py``, or ``spark-submit examples/spark_search.py`` on a cluster
(needs ``pip install "skopt_hp[spark]"`` and Java).
Set ``SKOPT_HP_EXAMPLE_SMALL=1`` for a quick run.
"""

import os
import time

from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier

from skopt_hp import HyperoptSearchCV, hp

SMALL = os.environ.get("SKOPT_HP_EXAMPLE_SMALL") == "1"
N_ITER = 6 if SMALL else 30

search_space = {
    "learning_rate": hp.loguniform("learning_rate", -4, 0),
    "max_leaf_nodes": hp.uniformint("max_leaf_nodes", 4, 64),
    "l2_regularization": hp.loguniform("l2_regularization", -6, 1),
}


def main() -> None:
    try:
        from skopt_hp.integrations.spark import get_spark_session, spark_backend

        spark = get_spark_session()  # spark-submit's master, else an embedded local[N]
    except (ImportError, RuntimeError) as exc:
        print(f"Spark is not available, nothing to run: {exc}")
        return

    n_samples = 4_000 if SMALL else 20_000
    X, y = make_classification(n_samples=n_samples, n_features=40, random_state=0)
    search = HyperoptSearchCV(
        HistGradientBoostingClassifier(max_iter=50, random_state=0),
        search_space,
        n_iter=N_ITER,
        n_points=2,
        cv=3,
        random_state=0,
    )
    start = time.perf_counter()
    with spark_backend(n_jobs=2, spark_session=spark) as backend:
        search.fit(X, y)
    elapsed = time.perf_counter() - start
    print(f"{len(search.cv_results_['params'])} candidates x 3 folds in {elapsed:.1f} s on Spark")
    print(f"arrays broadcast: {backend.n_broadcasts} (X is {X.nbytes / 1e6:.1f} MB)")
    print("best parameters:", search.best_params_)
    print(f"best CV accuracy: {search.best_score_:.4f}")
    spark.stop()


if __name__ == "__main__":
    main()
