"""Shared by the Spark tests: when to skip, and small waits on Spark's state."""

from __future__ import annotations

import importlib.util
import os
import shutil
import time
import warnings

import pytest


def _missing() -> str | None:
    for module in ("pyspark", "joblibspark"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install 'skopt_hp[spark]')"
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        return "no Java runtime (JAVA_HOME unset and no `java` on PATH)"
    return None


def _missing_connect() -> str | None:
    # What pyspark's Spark Connect client imports (pip install "pyspark[connect]").
    for module in ("grpc", "grpc_status", "pyarrow", "pandas", "google.rpc", "zstandard"):
        if importlib.util.find_spec(module.split(".")[0]) is None or (
            "." in module and importlib.util.find_spec(module) is None
        ):
            return f"{module} is not installed (pip install 'skopt_hp[spark]')"
    return None


SKIP_REASON = _missing()
CONNECT_SKIP_REASON = SKIP_REASON or _missing_connect()
if CONNECT_SKIP_REASON is not None and os.environ.get("SKOPT_HP_REQUIRE_SPARK") == "1":
    # CI sets this: there, a missing Java or extra is a broken set-up, not a reason to skip.
    raise RuntimeError(
        f"SKOPT_HP_REQUIRE_SPARK=1 but the Spark tests cannot run: {CONNECT_SKIP_REASON}"
    )

#: The kinds of session the ``spark`` fixture gives, in order.
SESSION_KINDS = ("classic", "connect")

#: Applied to every Spark test module: skip without the extra or Java; with
#: ``pytest -n N --dist loadgroup`` all Spark tests share one worker, so one session of
#: each kind.
requires_spark = [
    pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or ""),
    pytest.mark.xdist_group("spark"),
    # pyspark 4.3 warns at import that it is not tested with pandas 3.
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]


def classic_session():
    """The test run's classic ``local[2]`` session (started on first call, then shared).

    Built with ``SparkSession.builder`` as ``get_spark_session`` builds a local
    one, but not through it: ``get_spark_session`` hands back a Spark Connect
    session when a test made one first, and this session must be classic.
    """
    import sys

    from pyspark.sql import SparkSession

    # Read by the SparkContext when it starts (see get_spark_session).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.master("local[2]")
        .appName("skopt_hp-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
    )
    with warnings.catch_warnings():
        # pyspark 4.3 warns while starting that it is not tested with pandas 3.
        warnings.filterwarnings(
            "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
        )
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


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


def is_connect(spark) -> bool:
    from skopt_hp.integrations._spark_session import is_connect as check

    return check(spark)


def active_jobs(spark, settle: float = 2.0) -> list[int]:
    """Spark jobs still active after waiting up to ``settle`` seconds for them to end.

    Classic sessions only: a Spark Connect client cannot see the server's jobs.
    """
    tracker = spark.sparkContext.statusTracker()
    deadline = time.monotonic() + settle
    jobs = list(tracker.getActiveJobsIds())
    while jobs and time.monotonic() < deadline:
        time.sleep(0.1)
        jobs = list(tracker.getActiveJobsIds())
    return jobs


def seconds_to_get_every_slot(spark) -> float:
    """Wall time of a job that needs both task slots of ``local[2]``.

    A cancelled trial whose task still ran would hold a slot until its
    objective returned: the job would wait for it.
    """
    start = time.monotonic()
    if is_connect(spark):
        spark.range(0, 2, 1, numPartitions=2).selectExpr("id * 2 AS twice").collect()
    else:
        spark.sparkContext.parallelize([0, 1], 2).map(lambda i: 2 * i).collect()
    return time.monotonic() - start
