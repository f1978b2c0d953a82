"""The Spark extra is optional: importing skopt_hp never imports it, and using it without
it installed says how to install it. These tests need neither pyspark nor Java."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )


def test_importing_skopt_hp_does_not_import_pyspark():
    proc = _python(
        """
        import sys
        import skopt_hp
        from skopt_hp import SparkTrials
        from skopt_hp.integrations import spark
        extra = ("pyspark", "joblibspark", "py4j")
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in extra)
        assert not loaded, loaded
        assert "skopt_hp.integrations._spark_backend" not in sys.modules
        print("ok")
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_a_search_never_imports_joblibspark_or_pyspark():
    # HyperoptSearchCV.fit looks for joblibspark's backend only once the user imported it.
    proc = _python(
        """
        import sys
        from sklearn.datasets import load_iris
        from sklearn.linear_model import LogisticRegression
        from skopt_hp import HyperoptSearchCV
        X, y = load_iris(return_X_y=True)
        HyperoptSearchCV(LogisticRegression(max_iter=300), {"C": [0.5, 1.0]}, n_iter=2,
                         cv=2).fit(X, y)
        extra = ("pyspark", "joblibspark", "py4j", "mlflow")
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in extra)
        assert not loaded, loaded
        print("ok")
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


@pytest.mark.parametrize(
    "call",
    [
        "SparkTrials(parallelism=2)",
        "spark.get_spark_session()",
        "spark.register_spark()",
        "spark.spark_backend(n_jobs=2).__enter__()",
    ],
)
def test_missing_extra_raises_an_import_error_with_the_install_command(call):
    proc = _python(
        f"""
        import sys
        sys.modules["pyspark"] = None  # as if pyspark were not installed
        sys.modules["joblibspark"] = None
        from skopt_hp import SparkTrials
        from skopt_hp.integrations import spark
        try:
            {call}
        except ImportError as exc:
            print(exc)
        else:
            raise SystemExit("no ImportError")
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert 'pip install "skopt_hp[spark]"' in proc.stdout
