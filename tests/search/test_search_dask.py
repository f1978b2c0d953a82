"""HyperoptSearchCV on a Dask cluster: joblib's "dask" backend gives loky's results.

The search hands its fits to joblib, so any joblib backend runs them; with an
int ``random_state`` the candidates and scores do not depend on where the
fits ran. Needs ``dask[distributed]`` (the dev extra); skipped without it.
"""

from __future__ import annotations

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skopt_hp import HyperoptSearchCV, hp

distributed = pytest.importorskip("distributed")

# Wall-clock columns differ from run to run; everything else must not.
TIMING = ("mean_fit_time", "std_fit_time", "mean_score_time", "std_score_time")


def _search() -> HyperoptSearchCV:
    space = hp.choice(
        "model",
        [
            {"svc": SVC(), "svc__C": hp.loguniform("C", -3, 3)},
            {"svc": LogisticRegression(max_iter=2_000), "svc__C": hp.loguniform("lr_C", -3, 3)},
        ],
    )
    return HyperoptSearchCV(
        make_pipeline(StandardScaler(), SVC()),
        space,
        n_iter=8,
        n_points=4,
        cv=3,
        n_jobs=2,
        random_state=0,
        return_train_score=True,
    )


def _comparable(values):
    """Estimators compare by identity: compare their reprs (and the masks)."""
    if isinstance(values, list):  # "params"
        return [{k: repr(v) for k, v in p.items()} for p in values]
    mask = np.ma.getmaskarray(values).tolist()
    if values.dtype == object:
        return [repr(v) for v in np.ma.getdata(values)], mask
    return np.ma.getdata(values).tolist(), mask


def _assert_same_results(ours: dict, reference: dict) -> None:
    assert ours.keys() == reference.keys()
    for key in reference.keys() - set(TIMING):
        assert _comparable(ours[key]) == _comparable(reference[key]), key


@pytest.fixture(scope="module")
def data():
    X, y = load_breast_cancer(return_X_y=True)
    return X[:200], y[:200]


@pytest.fixture(scope="module")
def loky_results(data):
    with joblib.parallel_backend("loky", n_jobs=2):
        return _search().fit(*data).cv_results_


@pytest.mark.parametrize(
    "processes",
    [False, pytest.param(True, marks=pytest.mark.slow)],
    ids=["threads", "processes"],
)
def test_dask_backend_gives_lokys_cv_results(data, loky_results, processes):
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=processes, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        # With worker processes, the data goes to the workers once (joblib's scatter=...).
        scatter = {"scatter": list(data)} if processes else {}
        with (
            distributed.get_task_stream(client) as tasks,
            joblib.parallel_backend("dask", **scatter),
        ):
            search = _search().fit(*data)
        workers = set(client.scheduler_info()["workers"])
    # The fits ran as tasks on the cluster's workers.
    assert tasks.data and {task["worker"] for task in tasks.data} <= workers
    _assert_same_results(search.cv_results_, loky_results)
    assert len(search.trials_) == 8 and search.best_score_ == max(
        loky_results["mean_test_score"]
    )
