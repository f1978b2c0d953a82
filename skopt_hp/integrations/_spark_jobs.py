"""One-task Spark jobs, on a classic session or a Spark Connect one.

``SparkTrials`` runs each trial, and the Spark joblib backend each batch of
fits, as a Spark job of one task. What differs between the two kinds of
session is kept here, behind one small interface (:class:`SparkJobs`):

============================  ==============================  ===================================
                              classic session                 Spark Connect session
============================  ==============================  ===================================
a one-task job                ``parallelize([0], 1).map``     ``range(1).mapInArrow``
send an object once           a broadcast                     a file artifact (``addArtifacts``)
group a thread's jobs         job group (``setJobGroup``)     job tag (``addTag``, per thread)
cancel them                   ``cancelJobGroup``              ``interruptTag``
default parallelism           ``sc.defaultParallelism``       a ``range``'s default partitions
============================  ==============================  ===================================

Spark Connect has no broadcasts and keeps no objects between jobs, so an
object sent once (the objective of a search, a large ``X``) is pickled into
a file, added to the session as an artifact (uploaded once; named by a hash
of its content, so the same object is never uploaded twice to a session)
and read by each executor's Python worker the first time a task needs it.
Artifacts cannot be removed from a session: they last until it ends.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
import threading
from collections.abc import Callable
from typing import Any

from ._spark_session import default_parallelism, is_connect
from ._spark_tasks import ArtifactRef, CloudPickled, arrow_task, rdd_task

__all__ = ["ClassicJobs", "ConnectJobs", "SparkJobs", "jobs_for"]


class SparkJobs:
    """Runs one-task jobs on a session and sends objects to its executors once.

    Parameters
    ----------
    session : SparkSession
        The session the jobs run on.
    resource_profile : pyspark.resource.ResourceProfile, optional
        Stage-level scheduling profile of the jobs (clusters only).
    """

    #: Whether the jobs run on a Spark Connect session.
    connect = False

    def __init__(self, session: Any, resource_profile: Any = None) -> None:
        self.session = session
        self.resource_profile = resource_profile

    @property
    def default_parallelism(self) -> int:
        """Tasks the session runs at once by default."""
        return default_parallelism(self.session)

    def share(self, obj: Any) -> Any:
        """A picklable reference whose ``value``, on an executor, is ``obj``."""
        raise NotImplementedError

    def release(self, ref: Any) -> None:
        """Free what :meth:`share` created, when the session can."""

    def run(self, task: Callable[[], bytes], group: str, description: str) -> bytes:
        """Run ``task`` (picklable, no arguments) as a one-task job; return its bytes.

        Called from the thread that waits for the job; the job belongs to
        ``group``, which :meth:`cancel` cancels.
        """
        raise NotImplementedError

    def cancel(self, group: str) -> None:
        """Cancel the running jobs of ``group`` (from any thread)."""
        raise NotImplementedError

    def thread_target(self, target: Callable[[], Any]) -> Callable[[], Any]:
        """``target`` prepared to run in a new thread that starts jobs."""
        return target


class ClassicJobs(SparkJobs):
    """Jobs on a classic session: RDDs, broadcasts and job groups."""

    def __init__(self, session: Any, resource_profile: Any = None) -> None:
        super().__init__(session, resource_profile)
        self._context = session.sparkContext

    def share(self, obj: Any) -> Any:
        # Spark pickles broadcast values with the standard pickler; CloudPickled takes
        # closures and lambdas, and unpickles to obj itself.
        return self._context.broadcast(CloudPickled(obj))

    def release(self, ref: Any) -> None:
        try:
            ref.destroy(blocking=False)
        except Exception:  # noqa: BLE001 - the session may already be stopped
            pass

    def run(self, task: Callable[[], bytes], group: str, description: str) -> bytes:
        context = self._context
        # Per thread (pinned-thread mode); cancelling the group interrupts the task,
        # which kills its Python worker.
        context.setJobGroup(group, description, True)
        rdd = context.parallelize([0], 1)
        if self.resource_profile is not None:
            rdd = rdd.withResources(self.resource_profile)
        # Broadcasts pickled inside the task are registered with the job by Spark.
        return rdd.map(functools.partial(rdd_task, task)).collect()[0]

    def cancel(self, group: str) -> None:
        self._context.cancelJobGroup(group)

    def thread_target(self, target: Callable[[], Any]) -> Callable[[], Any]:
        from pyspark import inheritable_thread_target

        # Gives the thread the session's local properties and a pinned JVM thread.
        return inheritable_thread_target(self.session)(target)


# Artifacts uploaded to each Spark Connect session, by session id: an artifact cannot be
# added twice, and the same content needs no second upload.
_uploaded: dict[str, set[str]] = {}
_uploaded_lock = threading.Lock()


class ConnectJobs(SparkJobs):
    """Jobs on a Spark Connect session: ``mapInArrow``, file artifacts and job tags.

    A job costs one ``ExecutePlan`` call to the server and nothing else: the
    one-row input DataFrame is built once (its schema is resolved by the
    server once, on the first job), the result's schema is given as a
    ``StructType`` (a DDL string is parsed by the server, for each job) and
    the result is read with ``toArrow`` (``collect`` asks the server for a
    setting first, for each job). Before, each job made three calls to the
    server before its ``ExecutePlan``.
    """

    connect = True

    def __init__(self, session: Any, resource_profile: Any = None) -> None:
        super().__init__(session, resource_profile)
        self._source: Any = None
        self._schema: Any = None
        self._source_lock = threading.Lock()

    def _input(self) -> Any:
        """The one-row, one-partition DataFrame every job maps, its schema resolved."""
        with self._source_lock:
            if self._source is None:
                from pyspark.sql.types import BinaryType, StructField, StructType

                self._schema = StructType([StructField("result", BinaryType())])
                source = self.session.range(0, 1, 1, numPartitions=1)
                # Resolved here, once, rather than by each thread's first job.
                source.columns  # noqa: B018 - the call to the server is the point
                self._source = source
            return self._source

    def share(self, obj: Any) -> ArtifactRef:
        from pyspark import cloudpickle

        data = cloudpickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        name = f"skopt_hp-{hashlib.blake2b(data, digest_size=16).hexdigest()}.pkl"
        session_id = str(self.session.session_id)
        # Held while uploading: two searches sending the same object upload it once.
        with _uploaded_lock:
            uploaded = _uploaded.setdefault(session_id, set())
            if name not in uploaded:
                with tempfile.TemporaryDirectory(prefix="skopt_hp-") as directory:
                    path = os.path.join(directory, name)
                    with open(path, "wb") as file:
                        file.write(data)
                    self.session.addArtifacts(path, file=True)
                uploaded.add(name)
        return ArtifactRef(name, len(data))

    def run(self, task: Callable[[], bytes], group: str, description: str) -> bytes:
        session = self.session
        # Tags are per thread in Spark Connect's client: this thread's jobs carry it.
        session.addTag(group)
        try:
            source = self._input()
            mapper = functools.partial(arrow_task, task)
            if self.resource_profile is not None:
                frame = source.mapInArrow(mapper, self._schema, profile=self.resource_profile)
            else:
                frame = source.mapInArrow(mapper, self._schema)
            if hasattr(frame, "toArrow"):
                # pyspark >= 4: the Arrow table as the server sent it, its schema known here.
                result = frame.toArrow().column(0)[0].as_py()
            else:
                result = frame.collect()[0][0]
        finally:
            session.removeTag(group)
        return bytes(result)

    def cancel(self, group: str) -> None:
        self.session.interruptTag(group)

    def thread_target(self, target: Callable[[], Any]) -> Callable[[], Any]:
        session = self.session
        # What pyspark's inheritable_thread_target does for Spark Connect, which it only
        # does in pyspark's process-wide Spark Connect mode: the caller's tags (so that the
        # user's interruptTag reaches these jobs too) and the session as the thread's
        # active one (resource profiles are registered through the active session).
        tags = set(session.getTags())
        cls = type(session)

        def run() -> Any:
            activate = getattr(cls, "_set_default_and_active_session", None)
            if activate is not None and cls.getActiveSession() is None:
                activate(session)
            for tag in tags:
                session.addTag(tag)
            try:
                return target()
            finally:
                for tag in tags:
                    session.removeTag(tag)

        return run


def jobs_for(session: Any, resource_profile: Any = None) -> SparkJobs:
    """The :class:`SparkJobs` of ``session``, classic or Spark Connect."""
    cls = ConnectJobs if is_connect(session) else ClassicJobs
    return cls(session, resource_profile)
