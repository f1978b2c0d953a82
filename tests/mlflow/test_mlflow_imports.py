"""MLflow stays optional: never imported unless logging is asked for; a clear error without it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import skopt_hp
from skopt_hp import HyperoptSearchCV, fmin, hp

# No store and no mlflow needed: these run even where the extra is not installed.
pytestmark = pytest.mark.xdist_group("mlflow")

HINT = r'pip install "skopt_hp\[mlflow\]"'


def test_searches_without_logging_never_import_mlflow():
    script = textwrap.dedent(
        """
        import sys
        import skopt_hp
        assert "mlflow" not in sys.modules, "import skopt_hp imported mlflow"
        from sklearn.datasets import load_iris
        from sklearn.linear_model import LogisticRegression
        X, y = load_iris(return_X_y=True)
        skopt_hp.fmin(lambda x: x ** 2, skopt_hp.hp.uniform("x", -1, 1), max_evals=3,
                      rstate=0, show_progressbar=False)
        skopt_hp.HyperoptSearchCV(LogisticRegression(max_iter=300), {"C": [0.5, 1.0]},
                                  n_iter=2, cv=2).fit(X, y)
        skopt_hp.autolog(disable=True)
        assert "mlflow" not in sys.modules, sorted(m for m in sys.modules if "mlflow" in m)
        print("ok")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


@pytest.fixture
def without_mlflow(monkeypatch):
    """``import mlflow`` raises ImportError, as when it is not installed."""
    for name in [m for m in sys.modules if m == "mlflow" or m.startswith("mlflow.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "mlflow", None)
    from skopt_hp._tracking import _switch

    saved = dict(_switch._default)
    yield
    _switch._default.clear()
    _switch._default.update(saved)


def test_asking_for_logging_without_mlflow_names_the_extra(without_mlflow):
    with pytest.raises(ImportError, match=HINT):
        skopt_hp.autolog()
    with pytest.raises(ImportError, match=HINT):
        fmin(
            lambda x: x**2,
            hp.uniform("x", -1, 1),
            max_evals=2,
            mlflow_logging=True,
            show_progressbar=False,
        )
    X, y = load_iris(return_X_y=True)
    search = HyperoptSearchCV(
        LogisticRegression(max_iter=300), {"C": [1.0]}, n_iter=1, cv=2, mlflow_logging=True
    )
    with pytest.raises(ImportError, match=HINT):
        search.fit(X, y)
    assert not hasattr(search, "cv_results_")  # raised before any fit


def test_searches_run_without_mlflow_when_logging_is_not_asked_for(without_mlflow):
    skopt_hp.autolog(disable=True)  # switching off needs no mlflow
    best = fmin(
        lambda x: (x - 0.5) ** 2,
        hp.uniform("x", -1, 1),
        max_evals=5,
        rstate=0,
        show_progressbar=False,
    )
    assert -1 <= best["x"] <= 1
    X, y = load_iris(return_X_y=True)
    search = HyperoptSearchCV(LogisticRegression(max_iter=300), {"C": [1.0]}, n_iter=1, cv=2)
    assert search.fit(X, y).best_params_ == {"C": 1.0}
    assert sys.modules["mlflow"] is None
