"""scikit-learn's own successive-halving tests, run against HyperoptHalvingSearchCV.

The test functions of the installed ``sklearn/model_selection/tests/
test_successive_halving.py`` are called as they are, with their own
parametrisations (read from their pytest marks), our class in place of
``HalvingRandomSearchCV`` (the module's global too, so that its ``Est is
HalvingRandomSearchCV`` branches run), once synchronously and once
asynchronously (ASHA with one worker, which is deterministic).

What does not apply, and why:

* ``test_subsample_splitter_shapes``, ``test_subsample_splitter_determinism``
  and ``test_top_k`` test scikit-learn's private helpers; ours have their own
  tests (``test_halving_parts.py``).
* ``test_random_search_discrete_distributions`` with ``randint(1, 3)``:
  scikit-learn draws 10 candidates with repeats from 2 values; we never
  evaluate a candidate twice, so a 2-point space gives 2 candidates (the
  all-lists case of the same test applies and runs).
* ``test_input_errors`` with ``cv=KFold(shuffle=True)`` or ``ShuffleSplit()``:
  scikit-learn refuses splitters whose folds change between calls; we compute
  the folds once per ``fit``, so they are accepted (see
  ``test_halving_behaviour.py``).
* ``HalvingGridSearchCV``'s cases: there is no grid variant.
* For the asynchronous mode, ``test_aggressive_elimination`` and
  ``test_cv_results`` check the candidate counts and the tournament of
  synchronous halving; ASHA promotes on partial results by design (its own
  invariants are tested in ``test_halving_asha.py``).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.model_selection import KFold, ShuffleSplit
from sklearn.model_selection.tests import test_successive_halving as sk_tests

from skopt_hp import HyperoptHalvingSearchCV

#: Arguments through which scikit-learn's tests receive the search class.
_CLASS_ARGS = ("Est", "HalvingSearch", "SearchCV")

_NOT_APPLICABLE = {
    "test_subsample_splitter_shapes": "scikit-learn's private _SubsampleMetaSplitter",
    "test_subsample_splitter_determinism": "scikit-learn's private _SubsampleMetaSplitter",
    "test_top_k": "scikit-learn's private _top_k",
}
_SYNCHRONOUS_ONLY = {
    "test_aggressive_elimination": "candidate counts of synchronous halving",
    "test_cv_results": "the tournament of synchronous halving",
}


class HalvingUnderSklearnNames(HyperoptHalvingSearchCV):
    """Our class, spelled like HalvingRandomSearchCV (``param_distributions``)."""

    _parameter_constraints = {
        **HyperoptHalvingSearchCV._parameter_constraints,
        "param_distributions": [dict, list],
    }

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_candidates="exhaust",
        factor=3,
        resource="n_samples",
        max_resources="auto",
        min_resources="smallest",
        aggressive_elimination=False,
        cv=5,
        scoring=None,
        refit=True,
        error_score=np.nan,
        return_train_score=True,
        random_state=None,
        n_jobs=None,
        verbose=0,
    ):
        super().__init__(
            estimator,
            param_distributions,
            n_candidates=n_candidates,
            factor=factor,
            resource=resource,
            max_resources=max_resources,
            min_resources=min_resources,
            aggressive_elimination=aggressive_elimination,
            cv=cv,
            scoring=scoring,
            refit=refit,
            error_score=error_score,
            return_train_score=return_train_score,
            random_state=random_state,
            n_jobs=n_jobs,
            verbose=verbose,
            asynchronous=self._asynchronous,
        )
        self.param_distributions = param_distributions

    _asynchronous = False


class AsynchronousUnderSklearnNames(HalvingUnderSklearnNames):
    """The same, in ASHA mode (one worker: deterministic)."""

    _asynchronous = True


def _parameter_sets(mark) -> tuple[list[str], list[tuple]]:
    names = mark.args[0]
    names = [n.strip() for n in names.split(",") if n.strip()] if isinstance(names, str) else names
    rows = []
    for value in mark.args[1]:
        value = getattr(value, "values", value)  # a pytest.param
        rows.append(tuple(value) if len(names) > 1 else (value,))
    return list(names), rows


def _skip(name: str, kwargs: dict, asynchronous: bool) -> str | None:
    """Why a case does not apply to our class (None: it does)."""
    if name == "test_random_search_discrete_distributions" and not all(
        isinstance(v, list) for v in kwargs["param_distributions"].values()
    ):
        return "a candidate is never evaluated twice (scikit-learn repeats them)"
    if name == "test_input_errors" and isinstance(
        kwargs["params"].get("cv"), (KFold, ShuffleSplit)
    ):
        return "folds are computed once per fit, so changing splitters are accepted"
    if asynchronous and name in _SYNCHRONOUS_ONLY:
        return f"ASHA promotes on partial results: {_SYNCHRONOUS_ONLY[name]}"
    return None


def _cases():
    for name in sorted(n for n in dir(sk_tests) if n.startswith("test_")):
        if name in _NOT_APPLICABLE:
            continue
        func = getattr(sk_tests, name)
        marks = getattr(func, "pytestmark", [])
        grids = []
        class_arg = None
        for mark in marks:
            if mark.name != "parametrize":
                continue
            names, rows = _parameter_sets(mark)
            if names[0] in _CLASS_ARGS:
                class_arg = names[0]
                continue
            grids.append((names, rows))
        warning_marks = [
            pytest.mark.filterwarnings(*m.args) for m in marks if m.name == "filterwarnings"
        ]
        combos = itertools.product(*[rows for _, rows in grids]) if grids else [()]
        for combo in combos:
            kwargs = {}
            for (names, _), values in zip(grids, combo, strict=True):
                kwargs.update(zip(names, values, strict=True))
            for asynchronous in (False, True):
                reason = _skip(name, kwargs, asynchronous)
                marks_here = list(warning_marks)
                if reason is not None:
                    marks_here.append(pytest.mark.skip(reason=reason))
                mode = "asha" if asynchronous else "sync"
                case_id = "-".join([name, mode, *(repr(v)[:30] for v in kwargs.values())])
                yield pytest.param(
                    name, class_arg, kwargs, asynchronous, id=case_id, marks=marks_here
                )


@pytest.mark.parametrize(("name", "class_arg", "kwargs", "asynchronous"), list(_cases()))
def test_sklearn_halving_suite(monkeypatch, name, class_arg, kwargs, asynchronous):
    ours = AsynchronousUnderSklearnNames if asynchronous else HalvingUnderSklearnNames
    # The test bodies compare the class they get with the module's globals.
    monkeypatch.setattr(sk_tests, "HalvingRandomSearchCV", ours)
    monkeypatch.setattr(sk_tests, "HalvingGridSearchCV", ours)
    arguments = dict(kwargs)
    if class_arg is not None:
        arguments[class_arg] = ours
    getattr(sk_tests, name)(**arguments)


def test_every_sklearn_test_is_run_or_listed():
    """A test scikit-learn adds is run here, or has to be listed as not applying."""
    names = {n for n in dir(sk_tests) if n.startswith("test_")}
    run = {case.values[0] for case in _cases()}
    assert names == run | set(_NOT_APPLICABLE)
    assert len(run) >= 14
