"""Tune an XGBoost regressor with early stopping, logging every trial to MLflow.

Each trial fits ``XGBRegressor`` with a large ``n_estimators`` and early stopping on a
validation split, and returns the validation RMSE as the loss together with the boosting
round where it was reached. With ``mlflow_logging=True``, the search is logged inside the
run opened here: the search's settings and best parameters on that run, one nested run per
trial (its parameters, ``loss``, ``rmse``, ``best_iteration``, ``trial_time``). The best
trial is then found back with ``mlflow.search_runs``.

No tracking URI is set, so runs go to ``mlflow.db`` (SQLite) and artifacts to ``mlruns/``
in the working directory; ``mlflow ui --backend-store-uri sqlite:///mlflow.db`` shows them.

Run: ``python examples/xgboost_mlflow.py`` (needs ``pip install "skopt_hp[mlflow,xgboost]"``).
``SKOPT_HP_EXAMPLE_SMALL=1`` shrinks the run.
"""

from __future__ import annotations

import os

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.metrics import root_mean_squared_error
from sklearn.model_selection import train_test_split

from skopt_hp import STATUS_OK, Trials, fmin, hp, space_eval, tpe

SMALL = os.environ.get("SKOPT_HP_EXAMPLE_SMALL") == "1"
MAX_EVALS = 6 if SMALL else 50
N_ESTIMATORS = 200 if SMALL else 2000
EARLY_STOPPING_ROUNDS = 10 if SMALL else 50

X, y = load_diabetes(return_X_y=True)
X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
X_train, X_valid, y_train, y_valid = train_test_split(
    X_rest, y_rest, test_size=0.25, random_state=0
)

space = {
    "max_depth": hp.quniform("max_depth", 2, 8, 1),
    "min_child_weight": hp.quniform("min_child_weight", 1, 20, 1),
    "learning_rate": hp.loguniform("learning_rate", np.log(0.005), np.log(0.3)),
    "subsample": hp.uniform("subsample", 0.5, 1.0),
    "colsample_bytree": hp.uniform("colsample_bytree", 0.5, 1.0),
    "reg_lambda": hp.loguniform("reg_lambda", np.log(1e-3), np.log(10.0)),
}


def make_model(params: dict):
    from xgboost import XGBRegressor

    return XGBRegressor(
        n_estimators=N_ESTIMATORS,
        early_stopping_rounds=EARLY_STOPPING_ROUNDS,
        eval_metric="rmse",
        # quniform gives floats (3.0), as in hyperopt; XGBoost wants ints for these.
        max_depth=int(params["max_depth"]),
        min_child_weight=int(params["min_child_weight"]),
        learning_rate=params["learning_rate"],
        subsample=params["subsample"],
        colsample_bytree=params["colsample_bytree"],
        reg_lambda=params["reg_lambda"],
        random_state=0,
        n_jobs=2,
    )


def objective(params: dict) -> dict:
    model = make_model(params)
    model.fit(X_train, y_train, eval_set=[(X_valid, y_valid)], verbose=False)
    rmse = float(model.best_score)  # the validation RMSE at the best round
    return {
        "loss": rmse,
        "status": STATUS_OK,
        "rmse": rmse,
        "best_iteration": int(model.best_iteration),
    }


def main() -> None:
    try:
        import mlflow
        import xgboost  # noqa: F401
    except ImportError as exc:
        print(f"This example needs mlflow and xgboost, nothing to run: {exc}")
        return

    trials = Trials()
    with mlflow.start_run(run_name="xgboost-diabetes") as run:
        best = fmin(
            objective,
            space,
            algo=tpe.suggest,
            max_evals=MAX_EVALS,
            trials=trials,
            rstate=np.random.default_rng(0),
            show_progressbar=False,
            mlflow_logging=True,
        )
    print(f"{len(trials)} trials logged to {mlflow.get_tracking_uri()}")

    # The search logged into our run: its trials are the runs nested under it.
    best_runs = mlflow.search_runs(
        experiment_ids=[run.info.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{run.info.run_id}' "
        "and attributes.status = 'FINISHED'",
        order_by=["metrics.loss ASC"],
        max_results=1,
    )
    best_run = best_runs.iloc[0]
    print(f"best run: {best_run['tags.mlflow.runName']} ({best_run['run_id']})")
    print(
        f"  validation RMSE {best_run['metrics.rmse']:.2f} "
        f"at boosting round {int(best_run['metrics.best_iteration'])}"
    )
    for name in space:
        print(f"  {name} = {best_run[f'params.{name}']}")

    best_params = space_eval(space, best)
    model = make_model(best_params)
    model.fit(X_train, y_train, eval_set=[(X_valid, y_valid)], verbose=False)
    test_rmse = root_mean_squared_error(y_test, model.predict(X_test))
    print(f"test RMSE of the best configuration: {test_rmse:.2f}")


if __name__ == "__main__":
    main()
