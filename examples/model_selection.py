"""The main job: choose a model family and tune it, in one search.

A pipeline (scaling, then a classifier) is tuned on scikit-learn's bundled
breast-cancer data. The classifier itself is an ``hp.choice`` between logistic
regression, an RBF support-vector machine, a random forest and, when xgboost is
installed, gradient-boosted trees; each family brings its own conditional
parameters. The search ranks candidates by cross-validated ROC AUC, then the best
pipeline, refit on the training split, is scored once on a held-out test split.

Every trial is logged to MLflow (when installed): a local SQLite store
``mlflow.db`` in the working directory unless ``MLFLOW_TRACKING_URI`` says
otherwise. Browse it with ``mlflow ui --backend-store-uri sqlite:///mlflow.db``.

Run: ``python examples/model_selection.py [--n-iter 60] [--spark] [--no-mlflow]``.
``--spark`` runs the cross-validation fits on a local Spark session (needs
``pip install "skopt_hp[spark]"`` and Java). ``SKOPT_HP_EXAMPLE_SMALL=1`` shrinks
the run for CI.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import logging
import os
import time

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skopt_hp import HyperoptSearchCV, hp

SMALL = os.environ.get("SKOPT_HP_EXAMPLE_SMALL") == "1"


def model_families() -> list[dict]:
    """One dict of pipeline parameters per model family, each with its own sub-space."""
    families = [
        {
            "clf": LogisticRegression(max_iter=5_000),
            "clf__C": hp.loguniform("logreg_C", np.log(1e-3), np.log(1e3)),
        },
        {
            "clf": SVC(),
            "clf__C": hp.loguniform("svc_C", np.log(1e-2), np.log(1e3)),
            "clf__gamma": hp.loguniform("svc_gamma", np.log(1e-4), np.log(1e0)),
        },
        {
            "clf": RandomForestClassifier(random_state=0),
            "clf__n_estimators": hp.quniform("rf_n_estimators", 50, 300, 50),
            "clf__max_depth": hp.quniform("rf_max_depth", 2, 16, 1),
            "clf__max_features": hp.uniform("rf_max_features", 0.1, 1.0),
        },
    ]
    if importlib.util.find_spec("xgboost") is not None:
        from xgboost import XGBClassifier

        families.append(
            {
                # One thread per fit: the search already runs fits in parallel.
                "clf": XGBClassifier(n_jobs=1, random_state=0, verbosity=0),
                "clf__n_estimators": hp.quniform("xgb_n_estimators", 50, 400, 50),
                "clf__learning_rate": hp.loguniform("xgb_learning_rate", np.log(0.01), 0),
                "clf__max_depth": hp.quniform("xgb_max_depth", 2, 8, 1),
                "clf__subsample": hp.uniform("xgb_subsample", 0.5, 1.0),
            }
        )
    return families


def ranked_table(search: HyperoptSearchCV, top: int) -> str:
    """The ``top`` candidates of ``cv_results_`` by rank, one line each."""
    results = search.cv_results_
    order = np.argsort(results["rank_test_score"], kind="stable")[:top]
    lines = [f"{'rank':>4}  {'ROC AUC':>16}  {'model':<24}  parameters"]
    for i in order:
        params = results["params"][i]
        model = type(params["clf"]).__name__
        settings = ", ".join(
            f"{name.removeprefix('clf__')}={_short(value)}"
            for name, value in params.items()
            if name != "clf"
        )
        score = f"{results['mean_test_score'][i]:.4f} ± {results['std_test_score'][i]:.4f}"
        lines.append(f"{results['rank_test_score'][i]:>4}  {score:>16}  {model:<24}  {settings}")
    return "\n".join(lines)


def _short(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def quiet_mlflow() -> None:
    """Keep MLflow's INFO lines out of the output between the first line and the table.

    Importing mlflow sets its loggers to INFO, and a new SQLite store then logs
    "Creating initial MLflow database tables...". The search imports mlflow only when
    it starts logging, so it is imported here first and its loggers (and alembic's,
    which runs the store's migrations) are set to WARNING, unless MLFLOW_LOGGING_LEVEL
    says otherwise.
    """
    import mlflow  # noqa: F401 - configures the loggers adjusted below

    if "MLFLOW_LOGGING_LEVEL" not in os.environ:
        for name in ("mlflow", "alembic"):
            logging.getLogger(name).setLevel(logging.WARNING)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-iter", type=int, default=8 if SMALL else 60)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--spark", action="store_true", help="run the fits on local Spark")
    parser.add_argument("--no-mlflow", action="store_true", help="do not log to MLflow")
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args()

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=args.random_state
    )
    pipeline = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    space = hp.choice("model", model_families())

    log_to_mlflow = not args.no_mlflow and importlib.util.find_spec("mlflow") is not None
    search = HyperoptSearchCV(
        pipeline,
        space,
        n_iter=args.n_iter,
        scoring="roc_auc",
        cv=StratifiedKFold(3 if SMALL else 5, shuffle=True, random_state=args.random_state),
        n_jobs=args.n_jobs,
        random_state=args.random_state,
        **({"mlflow_logging": True} if log_to_mlflow else {}),
    )

    backend = contextlib.nullcontext()
    if args.spark:
        from skopt_hp.integrations.spark import spark_backend

        backend = spark_backend(n_jobs=args.n_jobs)

    families = ", ".join(type(f["clf"]).__name__ for f in model_families())
    print(
        f"Tuning {families} on breast_cancer ({len(X_train)} training rows), "
        f"{args.n_iter} candidates, n_jobs={args.n_jobs}{', on Spark' if args.spark else ''}"
    )
    if log_to_mlflow:
        quiet_mlflow()
    start = time.perf_counter()
    with backend:
        search.fit(X_train, y_train)
    elapsed = time.perf_counter() - start

    print(f"\nTop candidates by cross-validated ROC AUC ({elapsed:.1f} s):\n")
    print(ranked_table(search, top=10))
    best = search.best_params_
    print(f"\nBest model: {type(best['clf']).__name__}, CV ROC AUC {search.best_score_:.4f}")
    print(f"Held-out ROC AUC of the refit best pipeline: {search.score(X_test, y_test):.4f}")
    if log_to_mlflow:
        import mlflow

        print(f"MLflow runs logged to {mlflow.get_tracking_uri()}")


if __name__ == "__main__":
    main()
