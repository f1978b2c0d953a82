"""One local Spark session (``local[2]``) for the whole test run, stopped at the end."""

from __future__ import annotations

import pytest
from _spark_helpers import SKIP_REASON


@pytest.fixture(scope="session")
def spark():
    if SKIP_REASON is not None:
        pytest.skip(SKIP_REASON)
    from skopt_hp.integrations.spark import get_spark_session

    session = get_spark_session(
        "local[2]",
        app_name="skopt_hp-tests",
        config={"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "2"},
    )
    # The first job starts the Python workers (~2 s): pay it once, not in a timed test.
    session.sparkContext.parallelize(range(2), 2).map(lambda x: x).collect()
    yield session
    session.stop()
