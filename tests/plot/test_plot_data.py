"""What the plots are fed: the table of finished trials and how each parameter is drawn."""

from __future__ import annotations

import numpy as np
import pytest
from _plot_helpers import CONDITIONAL_LABELS, CONDITIONAL_SPACE, hand_trials
from sklearn.exceptions import NotFittedError
from sklearn.svm import SVC

from skopt_hp import HyperoptSearchCV, Trials, hp
from skopt_hp.plot import (
    param_importances,
    plot_optimization_history,
    plot_parallel_coordinates,
    plot_slice,
)
from skopt_hp.plot._data import trial_table


def test_table_of_fmin_trials(cond_trials):
    table = trial_table(cond_trials)
    assert table.labels == CONDITIONAL_LABELS
    assert table.objective == "loss" and table.minimize
    assert len(table.tids) == len(cond_trials) == 40
    expected_ok = [t.loss is not None for t in cond_trials.records]
    assert table.ok.tolist() == expected_ok
    assert table.n_failed == expected_ok.count(False) > 0
    # Inactive conditional parameters are NaN, exactly where the other family was chosen.
    first = table.params["family"] == 0
    assert np.all(np.isnan(table.params["b"][first]))
    assert not np.any(np.isnan(table.params["a"][first]))
    assert np.all(np.isnan(table.params["a"][~first]))
    assert not np.any(np.isnan(table.params["x"]))


def test_param_info_from_the_space(cond_trials):
    info = trial_table(cond_trials).info
    assert info["family"].kind == "categorical"
    assert info["family"].choices == ("first", "second")  # named by their "name"
    assert info["a"].log and info["a"].kind == "float" and info["a"].conditional
    assert info["a"].low == pytest.approx(1e-4) and info["a"].high == pytest.approx(10.0)
    assert info["c"].kind == "int" and (info["c"].low, info["c"].high) == (0, 4)
    assert not info["x"].log and not info["x"].conditional


def test_search_table_is_scored(search):
    table = trial_table(search)
    assert table.objective == "score" and not table.minimize
    assert table.labels == ("C", "kernel")
    np.testing.assert_allclose(table.objective_values, search.cv_results_["mean_test_score"])
    assert table.info["kernel"].choices == ("linear", "rbf")
    assert table.info["C"].log


def test_without_a_space_kinds_and_log_scale_are_inferred():
    rng = np.random.default_rng(0)
    points = [
        {"lr": float(v), "n": int(k), "u": float(w)}
        for v, k, w in zip(
            np.exp(rng.uniform(np.log(1e-5), np.log(1.0), 30)),
            rng.integers(1, 9, 30),
            rng.uniform(0.0, 1.0, 30),
            strict=True,
        )
    ]
    info = trial_table(hand_trials([1.0] * 30, points)).info
    assert info["lr"].log and info["lr"].kind == "float"
    assert not info["n"].log and info["n"].kind == "int"
    assert not info["u"].log
    assert all(i.low is None and i.choices == () for i in info.values())


def test_an_explicit_space_gives_choice_labels_to_unbound_trials():
    points = [{"kernel": i % 2, "C": 10.0 ** (i - 3)} for i in range(6)]
    trials = hand_trials([float(i) for i in range(6)], points)
    space = {"kernel": hp.choice("kernel", ["linear", "rbf"]), "C": hp.loguniform("C", -9, 9)}
    info = trial_table(trials, space=space).info
    assert info["kernel"].choices == ("linear", "rbf")
    assert info["C"].log
    assert list(info) == ["kernel", "C"]


def test_a_space_without_the_trials_parameters_is_rejected(cond_trials):
    with pytest.raises(ValueError, match=r"space: .*not in the given space: \['family'"):
        trial_table(cond_trials, space={"x": hp.uniform("x", -2, 2)})


@pytest.mark.parametrize("plot", [plot_optimization_history, plot_parallel_coordinates, plot_slice])
def test_empty_trials_are_rejected(plot):
    with pytest.raises(ValueError, match="source holds no trials"):
        plot(Trials())


@pytest.mark.parametrize(
    "plot", [plot_optimization_history, plot_parallel_coordinates, plot_slice, param_importances]
)
def test_all_failed_trials_are_rejected(plot):
    with pytest.raises(ValueError, match="no completed trial .* all 3 of its finished trials"):
        plot(hand_trials([None, None, None]))


def test_unfinished_trials_are_not_plotted():
    trials = Trials()
    trials.start(trials.new_trial({"x": 1.0}))
    with pytest.raises(ValueError, match="no finished trial yet"):
        trial_table(trials)
    done = trials.new_trial({"x": 2.0})
    trials.complete(done, {"status": "ok", "loss": 0.5})
    table = trial_table(trials)
    assert table.tids.tolist() == [1]


@pytest.mark.parametrize("plot", [plot_optimization_history, plot_parallel_coordinates, plot_slice])
def test_unfitted_search_is_rejected(plot):
    search = HyperoptSearchCV(SVC(), {"C": hp.loguniform("C", -3, 3)}, n_iter=2)
    with pytest.raises(NotFittedError, match="source: this HyperoptSearchCV is not fitted"):
        plot(search)
    assert issubclass(NotFittedError, ValueError)


def test_other_sources_are_rejected():
    with pytest.raises(TypeError, match="source must be a Trials or a fitted HyperoptSearchCV"):
        trial_table([{"loss": 1.0}])


def test_non_numeric_values_are_reported():
    trials = hand_trials([1.0], [{"kernel": "rbf"}])
    with pytest.raises(TypeError, match="non-numeric value 'rbf' for parameter 'kernel'"):
        trial_table(trials)


def test_unknown_params_are_named(cond_trials):
    with pytest.raises(ValueError, match=r"params: unknown parameter\(s\) \['nope'\]"):
        plot_parallel_coordinates(cond_trials, params=["x", "nope"])
    with pytest.raises(ValueError, match="params must name at least one parameter"):
        plot_slice(cond_trials, params=[])


def test_conditional_space_labels_come_from_the_space(cond_trials):
    # The table follows the space's order (parents before the parameters they gate).
    assert trial_table(cond_trials, space=CONDITIONAL_SPACE).labels == CONDITIONAL_LABELS


def test_option_labels():
    from sklearn.linear_model import LogisticRegression

    from skopt_hp.plot._data import _option_labels

    assert _option_labels(("rbf", 3, None, LogisticRegression(), SVC, len)) == (
        "rbf",
        "3",
        "None",
        "LogisticRegression",
        "SVC",
        "len",
    )
    # Sub-spaces are named by a string or an estimator they hold, else numbered.
    assert _option_labels(
        ({"clf": SVC(), "C": hp.uniform("C", 0, 1)}, {"k": 0.5, "name": "lin"}, {"k": 1.0})
    ) == ("SVC", "lin", "option 2")
    assert _option_labels(({"name": "a", "x": 1}, {"name": "a", "x": 2})) == ("0: a", "1: a")
    assert _option_labels(("a" * 40,)) == ("a" * 17 + "…",)


def test_trials_loaded_without_their_space(cond_trials, tmp_path):
    path = tmp_path / "trials.json"
    cond_trials.save(path)
    loaded = Trials.load(path)
    guessed = trial_table(loaded).info
    assert guessed["family"].kind == "int" and guessed["family"].choices == ()
    assert guessed["a"].log and not guessed["x"].log
    given = trial_table(loaded, space=CONDITIONAL_SPACE).info
    assert given == trial_table(cond_trials).info


def test_multimetric_search_names_the_optimised_metric():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    search = HyperoptSearchCV(
        SVC(),
        {"C": hp.loguniform("C", -3, 3)},
        n_iter=4,
        cv=3,
        scoring=["accuracy", "f1_macro"],
        refit="f1_macro",
        random_state=0,
    ).fit(X, y)
    table = trial_table(search)
    assert table.objective == "score (f1_macro)"
    np.testing.assert_allclose(table.objective_values, search.cv_results_["mean_test_f1_macro"])
    assert plot_optimization_history(search).get_ylabel() == "score (f1_macro)"
