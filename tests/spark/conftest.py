"""Spark sessions for the whole test run: a classic ``local[2]`` one, and a Spark Connect
client of a local Spark Connect server (``local[2]``) running in a child process.

Tests that must behave the same on both take ``spark`` (parametrised over both kinds);
tests of what only a classic session has take ``spark_classic``. Each session is started
once, when a test first needs it, and stopped at the end.
"""

from __future__ import annotations

import pytest
from _spark_helpers import CONNECT_SKIP_REASON, SESSION_KINDS, SKIP_REASON, classic_session


@pytest.fixture(scope="session")
def spark_classic():
    if SKIP_REASON is not None:
        pytest.skip(SKIP_REASON)
    session = classic_session()
    # The first job starts the Python workers (~2 s): pay it once, not in a timed test.
    session.sparkContext.parallelize(range(2), 2).map(lambda x: x).collect()
    yield session
    session.stop()


@pytest.fixture(scope="session")
def connect_server():
    if CONNECT_SKIP_REASON is not None:
        pytest.skip(CONNECT_SKIP_REASON)
    import _connect_server

    server = _connect_server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def spark_connect(connect_server):
    import _connect_server
    import pyarrow as pa

    session = _connect_server.connect(connect_server)

    def touch(batches):
        for batch in batches:
            yield pa.RecordBatch.from_pydict({"n": [batch.num_rows]})

    # As for the classic session: start the server's Python workers once.
    session.range(0, 2, 1, numPartitions=2).mapInArrow(touch, "n long").collect()
    yield session
    session.stop()


@pytest.fixture(params=SESSION_KINDS)
def spark(request):
    """A classic session, then a Spark Connect one: the test runs on each."""
    return request.getfixturevalue(f"spark_{request.param}")


@pytest.fixture(params=SESSION_KINDS)
def active_spark(request, monkeypatch):
    """As ``spark``, and the session pyspark reports as active (what ``SparkTrials()`` uses).

    For Spark Connect, pyspark's Spark Connect mode is switched on for the test, as
    ``SparkSession.builder.remote(...)`` (or Databricks) switches it on for a process.
    """
    session = request.getfixturevalue(f"spark_{request.param}")
    if request.param == "connect":
        monkeypatch.setenv("SPARK_CONNECT_MODE_ENABLED", "1")
    return session
