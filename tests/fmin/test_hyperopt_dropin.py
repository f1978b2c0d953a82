"""hyperopt programs run unchanged after switching their import line to skopt_hp."""

import numpy as np
import pytest
from sklearn.datasets import load_iris, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skopt_hp import STATUS_OK, Trials, fmin, hp, space_eval, tpe


def test_dict_space_with_logistic_regression_objective():
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)

    def objective(params):
        clf = LogisticRegression(C=params["C"], max_iter=params["max_iter"])
        accuracy = cross_val_score(clf, X, y, cv=3).mean()
        return {"loss": -accuracy, "status": STATUS_OK}

    space = {"C": hp.uniform("C", 0.01, 1), "max_iter": hp.randint("max_iter", 50, 200)}
    trials = Trials()
    best = fmin(
        objective, space, algo=tpe.suggest, max_evals=12, trials=trials,
        rstate=np.random.default_rng(0), show_progressbar=False,
    )
    assert set(best) == {"C", "max_iter"}
    assert isinstance(best["max_iter"], int) and 50 <= best["max_iter"] < 200
    assert 0.01 <= best["C"] <= 1
    assert len(trials) == 12
    assert min(trials.losses()) == trials.best_trial["result"]["loss"] < -0.9
    assert trials.best_trial["misc"]["vals"]["C"] == [best["C"]]


def test_single_lognormal_expression_passed_straight_to_svc():
    X, y = load_iris(return_X_y=True)
    seen = []

    def objective(C):
        seen.append(C)
        return -cross_val_score(SVC(C=C), X, y, cv=3).mean()

    best = fmin(objective, hp.lognormal("C", 0, 1), algo=tpe.suggest, max_evals=10,
                rstate=np.random.default_rng(1), show_progressbar=False)
    assert all(isinstance(c, float) and c > 0 for c in seen)
    assert set(best) == {"C"} and best["C"] in seen


def test_nested_model_family_choice_then_space_eval():
    space = hp.choice("classifier_type", [
        {"type": "naive_bayes"},
        {
            "type": "svm",
            "C": hp.lognormal("svm_C", 0, 1),
            "kernel": hp.choice("svm_kernel", [
                {"ktype": "linear"},
                {"ktype": "RBF", "width": hp.lognormal("svm_rbf_width", 0, 1)},
            ]),
        },
        {
            "type": "dtree",
            "criterion": hp.choice("dtree_criterion", ["gini", "entropy"]),
            "max_depth": hp.choice("dtree_max_depth",
                                   [None, hp.qlognormal("dtree_max_depth_int", 3, 1, 1)]),
        },
    ])
    seen_types = []

    def objective(cfg):
        seen_types.append(cfg["type"])
        if cfg["type"] == "svm":
            return abs(np.log(cfg["C"])) + (0.5 if cfg["kernel"]["ktype"] == "RBF" else 0.0)
        return 3.0 if cfg["type"] == "naive_bayes" else 2.0

    trials = Trials()
    best = fmin(objective, space, algo=tpe.suggest, max_evals=40, trials=trials,
                rstate=np.random.default_rng(2), show_progressbar=False)
    assert best["classifier_type"] == 1
    assert "dtree_criterion" not in best
    cfg = space_eval(space, best)
    assert cfg["type"] == "svm" and cfg["kernel"] == {"ktype": "linear"}
    assert set(seen_types) == {"naive_bayes", "svm", "dtree"}
    # Inactive labels appear with empty value lists, as hyperopt stores them.
    doc = trials.trials[0]
    assert set(doc["misc"]["vals"]) == {
        "classifier_type", "svm_C", "svm_kernel", "svm_rbf_width", "dtree_criterion",
        "dtree_max_depth", "dtree_max_depth_int",
    }
    assert sum(len(v) for v in doc["misc"]["vals"].values()) < 7


def test_trials_documents_have_hyperopt_shape():
    hyperopt = pytest.importorskip("hyperopt")

    def run(lib, trials):
        space = {"x": lib.hp.uniform("x", -2, 2), "k": lib.hp.choice("k", ["a", "b"])}
        best = lib.fmin(
            lambda p: {"loss": p["x"] ** 2, "status": lib.STATUS_OK, "extra": 1},
            space, algo=lib.rand.suggest, max_evals=5, trials=trials,
            rstate=np.random.default_rng(0), show_progressbar=False,
        )
        return best, trials

    import skopt_hp

    ours_best, ours = run(skopt_hp, skopt_hp.Trials())
    theirs_best, theirs = run(hyperopt, hyperopt.Trials())
    assert set(ours_best) == set(theirs_best)
    assert type(ours_best["k"]) is type(int(theirs_best["k"]))
    ours_doc, theirs_doc = ours.trials[0], theirs.trials[0]
    assert set(ours_doc) == set(theirs_doc)
    assert set(ours_doc["misc"]) >= {"tid", "idxs", "vals"}
    assert set(ours_doc["misc"]["vals"]) == set(theirs_doc["misc"]["vals"])
    assert set(ours_doc["result"]) == set(theirs_doc["result"]) == {"loss", "status", "extra"}
    assert ours.statuses() == theirs.statuses() == ["ok"] * 5
    assert set(ours.vals) == set(theirs.vals) and set(ours.idxs) == set(theirs.idxs)
    assert ours_doc["state"] == theirs_doc["state"] == 2
