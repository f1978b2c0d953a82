"""What one trial costs: on Spark Connect, the calls its job makes to the server and the
Python worker acknowledging its input at once (no 40 ms delayed-ACK wait); on both kinds of
session, the worker's collection after each trial skipping the objects that outlive it."""

from __future__ import annotations

import collections
import gc
import os
import pickle
import socket

import pytest
from _spark_helpers import pickle_by_value, requires_spark

from skopt_hp import fmin, hp, tpe
from skopt_hp.integrations import _spark_tasks
from skopt_hp.integrations._spark_tasks import acknowledge_promptly, keep_collections_short

pytestmark = requires_spark
pickle_by_value(__name__)

linux_only = pytest.mark.skipif(
    not hasattr(socket, "TCP_QUICKACK") or not os.path.isdir("/proc/self/fd"),
    reason="TCP_QUICKACK and /proc are Linux's",
)


class _CountingStub:
    """Counts, by method, the calls a Spark Connect client makes to its server."""

    def __init__(self, stub):
        self.stub = stub
        self.calls = collections.Counter()

    def __getattr__(self, name):
        method = getattr(self.stub, name)

        def call(*args, **kwargs):
            self.calls[name] += 1
            return method(*args, **kwargs)

        return call


def test_a_trial_on_spark_connect_is_one_call_to_the_server(spark_connect, monkeypatch):
    """Each trial's job is one ExecutePlan: no schema resolution, DDL parsing or setting
    read per trial (each was a round trip to the server before the job)."""
    pytest.importorskip("pyspark", minversion="4.0")  # toArrow, and schemas kept locally
    from skopt_hp.integrations.spark import SparkTrials

    trials = SparkTrials(parallelism=2, spark_session=spark_connect)
    client = spark_connect.client
    counting = _CountingStub(client._stub)
    monkeypatch.setattr(client, "_stub", counting)  # the client's setter for tests
    max_evals = 10
    fmin(
        lambda p: (p["x"] - 0.5) ** 2,
        {"x": hp.uniform("x", -1, 1)},
        algo=tpe.suggest,
        max_evals=max_evals,
        trials=trials,
        rstate=0,
        show_progressbar=False,
    )
    assert trials.count_successful_trials() == max_evals
    calls = counting.calls
    assert calls["ExecutePlan"] == max_evals, calls
    # The one-row input's schema, resolved once per search; nothing else before a job.
    assert calls["AnalyzePlan"] == 1, calls
    assert calls["Config"] == 0, calls


def _acknowledged_sockets():
    return acknowledge_promptly()


@linux_only
def test_a_spark_connect_task_acknowledges_its_executor_promptly(spark_connect):
    """The Python worker running a trial finds its loopback TCP socket to the executor."""
    from skopt_hp.integrations._spark_jobs import jobs_for

    jobs = jobs_for(spark_connect)
    applied = jobs.run(lambda: pickle.dumps(_acknowledged_sockets()), "skopt_hp-test", "test")
    assert pickle.loads(applied) >= 1


@linux_only
def test_acknowledge_promptly_leaves_sockets_usable():
    server = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(server.getsockname()[:2])
    peer, _ = server.accept()
    left, right = socket.socketpair()  # Unix sockets: left alone
    try:
        # The two ends of the loopback connection at least (a listening socket has no peer).
        assert acknowledge_promptly() >= 2
        for sock in (client, peer, left):
            assert sock.getblocking() and sock.gettimeout() is None
        client.sendall(b"ping")
        assert peer.recv(4) == b"ping"
        left.sendall(b"pong")
        assert right.recv(4) == b"pong"
        # A default timeout would make the sockets it wraps non-blocking: it does nothing then.
        socket.setdefaulttimeout(5.0)
        try:
            assert acknowledge_promptly() == 0
        finally:
            socket.setdefaulttimeout(None)
        assert all(sock.getblocking() for sock in (client, peer, left))
    finally:
        for sock in (client, peer, server, left, right):
            sock.close()


def _collected(obj):
    """Whether collections visit ``obj`` (frozen objects are in no generation)."""
    return any(o is obj for o in gc.get_objects())


def test_long_lived_objects_are_frozen_from_a_searchs_second_trial():
    saved = dict(_spark_tasks._collections)
    try:
        _spark_tasks._collections.update(search=None, frozen=False)
        before_first = []
        keep_collections_short("search-a")
        assert _collected(before_first)  # the collection after a first trial sees everything
        keep_collections_short("search-a")
        assert not _collected(before_first) and gc.get_freeze_count() > 0
        after_freeze = []
        keep_collections_short("search-a")
        assert _collected(after_freeze)  # frozen once per search, not at every trial
        # Another search: what the first one froze is collectable again.
        keep_collections_short("search-b")
        assert _collected(before_first) and gc.get_freeze_count() == 0
        keep_collections_short("search-b")
        assert not _collected(before_first) and not _collected(after_freeze)
    finally:
        gc.unfreeze()
        _spark_tasks._collections.update(saved)


def _freeze_count(p):
    return {
        "loss": p["x"] ** 2,
        "status": "ok",
        "pid": os.getpid(),
        "frozen": gc.get_freeze_count(),
    }


def test_each_worker_freezes_a_searchs_objects_after_its_first_trial(spark):
    from skopt_hp.integrations.spark import SparkTrials

    trials = SparkTrials(parallelism=1, spark_session=spark)
    fmin(
        _freeze_count,
        {"x": hp.uniform("x", -1, 1)},
        algo=tpe.suggest,
        max_evals=6,
        trials=trials,
        rstate=0,
        show_progressbar=False,
    )
    assert trials.count_successful_trials() == 6
    by_worker = collections.defaultdict(list)
    for trial in sorted(trials.records, key=lambda t: t.tid):  # one at a time: in run order
        by_worker[trial.result["pid"]].append(trial.result["frozen"])
    assert any(len(counts) > 1 for counts in by_worker.values()), by_worker
    for counts in by_worker.values():
        assert counts[0] == 0 and all(count > 0 for count in counts[1:]), by_worker
