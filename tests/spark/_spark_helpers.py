"""Shared by the Spark tests: when to skip, and small waits on Spark's state."""

from __future__ import annotations

import importlib.util
import os
import shutil
import time

import pytest


def _missing() -> str | None:
    for module in ("pyspark", "joblibspark"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install 'skopt_hp[spark]')"
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        return "no Java runtime (JAVA_HOME unset and no `java` on PATH)"
    return None


SKIP_REASON = _missing()
if SKIP_REASON is not None and os.environ.get("SKOPT_HP_REQUIRE_SPARK") == "1":
    # CI sets this: there, a missing Java or extra is a broken set-up, not a reason to skip.
    raise RuntimeError(f"SKOPT_HP_REQUIRE_SPARK=1 but the Spark tests cannot run: {SKIP_REASON}")

#: Applied to every Spark test module: skip without the extra or Java; with
#: ``pytest -n N --dist loadgroup`` all Spark tests share one worker, so one session.
requires_spark = [
    pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or ""),
    pytest.mark.xdist_group("spark"),
    # pyspark 4.3 warns at import that it is not tested with pandas 3.
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]


def pickle_by_value(module_name: str) -> None:
    """Ship a test module's functions to executors by value.

    cloudpickle pickles functions of importable modules by reference, and the
    executors' Python cannot import a test module (pytest put its directory on
    the driver's sys.path only). Scripts need nothing: ``__main__`` is pickled
    by value. See docs/spark.md.
    """
    if SKIP_REASON is None:
        import sys

        from pyspark import cloudpickle

        cloudpickle.register_pickle_by_value(sys.modules[module_name])


def active_jobs(spark, settle: float = 2.0) -> list[int]:
    """Spark jobs still active after waiting up to ``settle`` seconds for them to end."""
    tracker = spark.sparkContext.statusTracker()
    deadline = time.monotonic() + settle
    jobs = list(tracker.getActiveJobsIds())
    while jobs and time.monotonic() < deadline:
        time.sleep(0.1)
        jobs = list(tracker.getActiveJobsIds())
    return jobs
