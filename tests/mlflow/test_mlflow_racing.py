"""HyperoptSearchCV(pruning="folds") with MLflow logging: pruned candidates' runs."""

from __future__ import annotations

import numpy as np
import pytest
from _mlflow_helpers import child_runs, parent_runs, requires_mlflow
from sklearn.datasets import make_regression
from sklearn.linear_model import Ridge

from skopt_hp import HyperoptSearchCV, hp
from skopt_hp._search import DEFAULT_PRUNING_ALPHA

pytestmark = requires_mlflow


def test_pruned_candidates_are_finished_runs_with_their_status_and_folds(experiment):
    X, y = make_regression(n_samples=120, n_features=5, noise=5.0, random_state=0)
    search = HyperoptSearchCV(
        Ridge(),
        {"alpha": hp.loguniform("alpha", -4, 9)},
        n_iter=12,
        cv=5,
        pruning="folds",
        random_state=0,
        mlflow_logging=True,
    ).fit(X, y)
    results = search.cv_results_
    pruned = np.flatnonzero(results["pruned"])
    assert len(pruned) > 0, "the test needs a pruned candidate"

    parent = parent_runs(experiment).iloc[0]
    assert parent["metrics.n_pruned"] == len(pruned)
    assert parent["metrics.n_fits"] == search.n_fits_
    assert parent["params.pruning"] == "folds" and parent["params.pruning_alpha"] == str(
        DEFAULT_PRUNING_ALPHA
    )
    children = child_runs(experiment, parent["run_id"])
    assert len(children) == 12
    for _, row in children.iterrows():
        index = int(row["tags.skopt_hp.trial"])
        trial = search.trials_.records[index]
        assert row["status"] == "FINISHED"
        assert row["metrics.n_folds_fitted"] == results["n_folds_fitted"][index]
        assert row["metrics.loss"] == pytest.approx(trial.loss)
        if index in pruned:
            assert row["tags.status"] == "pruned"
            assert np.isnan(row["metrics.mean_test_score"])  # not logged: never computed
            assert row["metrics.mean_fit_time"] >= 0  # over the fitted folds
        else:
            assert row["tags.status"] == "ok"
            assert row["metrics.mean_test_score"] == pytest.approx(
                results["mean_test_score"][index]
            )
