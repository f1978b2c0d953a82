"""The Spark session of the Spark extra, and what the extra needs installed.

Shared by the ``fmin`` side (:mod:`skopt_hp.integrations.spark`) and the
joblib backend (:mod:`skopt_hp.integrations._spark_backend`), which both
need a session; neither imports the other at import time. pyspark is
imported when a session is asked for, not with this module.

A session is either *classic* (a ``SparkContext`` in this process, reached
through py4j) or a *Spark Connect* client (``SparkSession.builder.remote``,
Databricks serverless and shared-access clusters): :func:`is_connect` tells
them apart by the session's class, never by process-wide state, since one
process may hold both.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import warnings
from collections.abc import Mapping
from typing import Any

__all__ = [
    "DEFAULT_BROADCAST_THRESHOLD",
    "INSTALL_HINT",
    "default_parallelism",
    "get_spark_session",
    "is_connect",
    "require",
]

logger = logging.getLogger(__name__)

INSTALL_HINT = 'pip install "skopt_hp[spark]"'

#: Default ``broadcast_threshold`` of ``spark_backend`` and ``SparkBackend``: arrays of at
#: least 64 KiB are broadcast. Creating a broadcast costs a few milliseconds once; a Spark job
#: costs ~50-100 ms and ships everything else with every task.
DEFAULT_BROADCAST_THRESHOLD = 64 * 1024


def require(module: str) -> Any:
    """Import ``module`` of the Spark extra, or raise an ImportError with the install hint."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"skopt_hp's Spark integration needs {module.split('.')[0]!r}, which is not "
            f"installed: {INSTALL_HINT}"
        ) from exc


# ---------------------------------------------------------------------------
# Session
# ---------------------------------------------------------------------------
def is_connect(session: Any) -> bool:
    """Whether ``session`` is a Spark Connect session (``pyspark.sql.connect``).

    Read from the session's class (Databricks Connect's session subclasses
    pyspark's), so that nothing is imported: Spark Connect's client needs the
    ``pyspark[connect]`` dependencies (grpcio, pyarrow).
    """
    return any(cls.__module__.startswith("pyspark.sql.connect") for cls in type(session).__mro__)


def _connect_session() -> Any:
    """The active or default Spark Connect session, if the user's code created one."""
    # Only when its module is already imported: a Connect session cannot exist otherwise.
    connect = sys.modules.get("pyspark.sql.connect.session")
    if connect is None:
        return None
    try:
        # The thread's active session, else the default one (created in another thread).
        return connect.SparkSession.active()
    except Exception:  # noqa: BLE001 - pyspark raises PySparkRuntimeError when there is none
        return None


def _existing_session() -> Any:
    sql = require("pyspark.sql")
    # In Spark Connect mode (pyspark's SPARK_CONNECT_MODE_ENABLED, as set by
    # SparkSession.builder.remote), this is already the Connect session.
    session = sql.SparkSession.getActiveSession()
    if session is not None:
        return session
    session = _connect_session()
    if session is not None:
        return session
    try:
        # The default session, created in another thread (getActiveSession is per thread).
        return sql.SparkSession.active()
    except Exception:  # noqa: BLE001 - pyspark raises PySparkRuntimeError when there is none
        return None


def _quiet_pandas_warning() -> None:
    # pyspark 4.x imports its testing helpers while starting, which warn that pandas 3
    # is untested: noise about a feature (pandas UDFs) skopt_hp does not use.
    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
    )


def _connect_to(sql: Any, remote: str, config: Mapping[str, str] | None) -> Any:
    """A Spark Connect session to ``remote`` (``SPARK_REMOTE``)."""
    if remote.startswith("local"):
        # A local server runs its executors here, as a classic local master does.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = sql.SparkSession.builder.remote(remote)
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    with warnings.catch_warnings():
        _quiet_pandas_warning()
        session = builder.getOrCreate()
    logger.info("Connected to Spark Connect (SPARK_REMOTE=%s).", remote)
    return session


# The default parallelism last read from each Spark Connect session, by session id.
_connect_parallelism: dict[str, int] = {}


def default_parallelism(session: Any, *, fresh: bool = True) -> int:
    """The number of tasks Spark runs at once by default on ``session`` (at least 1).

    ``sparkContext.defaultParallelism`` for a classic session (``N`` for
    ``local[N]``, the executors' cores on a cluster). A Spark Connect
    session has no ``sparkContext``: the same number is read from the
    partitions Spark gives a ``range`` by default (its leaf-node default
    parallelism, which is ``defaultParallelism`` unless
    ``spark.sql.leafNodeDefaultParallelism`` says otherwise), at the cost of
    one small job that runs no Python. With ``fresh=False``, a Spark Connect
    session's number read earlier is reused (no job): for advice that may
    be out of date, not to size anything.
    """
    if not is_connect(session):
        return max(int(session.sparkContext.defaultParallelism), 1)
    key = str(getattr(session, "session_id", id(session)))
    if not fresh and key in _connect_parallelism:
        return _connect_parallelism[key]
    # One row per partition at least, up to 4096 partitions; max(partition id) + 1 counts them.
    row = (
        session.range(0, 4096)
        .selectExpr("spark_partition_id() AS partition")
        .agg({"partition": "max"})
        .first()
    )
    _connect_parallelism[key] = value = max(int(row[0]) + 1, 1)
    return value


def get_spark_session(
    master: str | None = None,
    *,
    app_name: str = "skopt_hp",
    config: Mapping[str, str] | None = None,
    log_level: str = "ERROR",
) -> Any:
    """The active SparkSession, or a new embedded local one.

    When a session exists (Databricks, a notebook, one you built), it is
    returned unchanged and the other arguments are ignored; a Spark Connect
    session (``SparkSession.builder.remote(...)``, Databricks serverless) is
    returned as it is too. When ``SPARK_REMOTE`` is set (Spark Connect's
    variable: ``sc://host:port``, or ``local[N]`` for a local Spark Connect
    server), a Spark Connect session to it is created and returned (with
    ``config`` as its runtime settings). Otherwise a classic session is
    started, on the master that ``spark-submit`` configured when it launched
    this script, else on ``master`` (by default the embedded ``local[N]``),
    with:

    * for a local master, ``PYSPARK_PYTHON`` and ``PYSPARK_DRIVER_PYTHON``
      set to this Python (``sys.executable``) unless already set, so that
      executors import the same packages as the driver (otherwise they run
      ``python3`` from ``PATH`` and every task may fail with
      ``ModuleNotFoundError``), and ``SPARK_LOCAL_IP=127.0.0.1`` unless set
      (silences the loopback-hostname warning). On a cluster, executors'
      Python is the cluster's business: set ``PYSPARK_PYTHON`` there;
    * ``spark.ui.showConsoleProgress=false`` (progress bars garble output)
      and the log level ``log_level``.

    Parameters
    ----------
    master : str, optional
        Spark master URL for a new session. By default the one given to
        ``spark-submit``, or ``local[N]`` with ``N = os.cpu_count()`` when
        the script was not launched by ``spark-submit``.
    app_name : str, default="skopt_hp"
        Application name of a new session.
    config : mapping of str to str, optional
        Extra Spark configuration for a new session (e.g.
        ``{"spark.ui.enabled": "false"}``); it overrides the settings above.
    log_level : str, default="ERROR"
        Log level of a new session's SparkContext (``"WARN"``, ``"INFO"``...).

    Returns
    -------
    pyspark.sql.SparkSession or pyspark.sql.connect.session.SparkSession

    Raises
    ------
    ImportError
        When pyspark is not installed.
    RuntimeError
        When no Java runtime is found (neither ``JAVA_HOME`` nor ``java`` on
        ``PATH``) and a session would have to be started.
    """
    session = _existing_session()
    if session is not None:
        return session
    sql = require("pyspark.sql")
    remote = os.environ.get("SPARK_REMOTE")
    if remote:
        return _connect_to(sql, remote, config)
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise RuntimeError(
            "Spark needs a Java runtime (Java 17 or 21), but neither JAVA_HOME is set nor "
            "`java` is on PATH. Install one (e.g. `apt-get install default-jre-headless`)."
        )
    # spark-submit (and the pyspark shell) start the JVM first and pass its port: the master
    # is then in that JVM's configuration, and must not be replaced by a local default.
    launched_by_spark_submit = "PYSPARK_GATEWAY_PORT" in os.environ
    if master is None and not launched_by_spark_submit:
        master = f"local[{os.cpu_count() or 1}]"
    if master is not None and master.startswith("local"):
        # Read by SparkContext when it starts: later changes have no effect on this session.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = sql.SparkSession.builder.appName(app_name).config(
        "spark.ui.showConsoleProgress", "false"
    )
    if master is not None:
        builder = builder.master(master)
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    with warnings.catch_warnings():
        _quiet_pandas_warning()
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel(log_level)
    logger.info(
        "Started a Spark session (master=%s, default parallelism %d).",
        session.sparkContext.master,
        session.sparkContext.defaultParallelism,
    )
    return session
