"""A joblib Spark backend: joblibspark's, with its defects fixed, and data sent once.

Every workaround for joblibspark 0.6.0 (on joblib >= 1.4) lives in this module.
:class:`SparkBackend` subclasses joblibspark's ``SparkDistributedBackend`` and
replaces how a batch of joblib calls runs on Spark, on a classic session or a
Spark Connect one (the jobs themselves: :mod:`._spark_jobs`):

1. **Errors.** joblibspark wraps each batch in joblib's traceback-capturing
   wrapper but returns the wrapper as a *result*: a task that raises reaches
   the driver as ``TypeError: '_ExceptionWithTraceback' object is not
   iterable`` (on Spark Connect, as a ``PythonException`` holding the text
   only). Here the executor catches the batch's exception itself and sends it
   back the way joblib's own workers do, and :meth:`retrieve_result` unwraps
   it, so the driver re-raises the *original* exception (type and message),
   with the remote traceback as its ``__cause__``.
2. **Aborting.** joblibspark's ``abort_everything`` reads
   ``Parallel._backend_args``, which joblib 1.4 renamed ``_backend_kwargs``;
   with scikit-learn's ``error_score="raise"`` the estimator's error was
   replaced by an ``AttributeError``.
3. **Warnings.** Each batch warned ``apply_async is deprecated`` (joblibspark
   implements the old ``apply_async``; we implement ``submit``) and ``Spark
   session is not provided`` (we pass the session to
   ``inheritable_thread_target``); the backend's constructor warned that local
   mode has no stage-level scheduling, which is expected.
4. **Data sent once.** joblibspark pickles each batch, data included, into
   the closure of its Spark job: a search of ``n`` fits on a 50 MB ``X`` ships
   ``X`` ``n`` times. Here each batch is pickled with a pickler that replaces
   every large array (numpy, pandas, scipy.sparse; ``broadcast_threshold``
   bytes or more: ``X``, ``y``, the folds' index arrays) by a reference to an
   object sent once (a Spark broadcast; a file artifact on Spark Connect),
   created once per object for the backend's lifetime (one ``Parallel``
   call, or one ``BaseSearchCV.fit``, which keeps its ``Parallel`` open
   across rounds); broadcasts are destroyed when joblib terminates the
   backend. Executors load each object once per Python worker.
5. **The session.** joblibspark's constructor looks the session up through
   process-wide state (``SparkSession.getActiveSession``, pyspark's
   Spark Connect mode flag) and may start a new classic session; this
   backend is given its session and asks it what it is.

The subclass sets and uses joblibspark 0.6.0's private attributes
(``_spark``, ``_job_group``, ``_resource_profile``, ``_is_running``,
``_pool``, ``_n_jobs``, ``_get_pool``, ``_is_support_stage_scheduling``) and
joblib's traceback-capturing helpers (``joblib._utils``, joblib >= 1.4); the
``spark`` extra pins joblibspark, and ``tests/spark/test_spark_backend.py``
shows each upstream defect on the plain backend, so an upstream fix is
noticed. :func:`replacing_joblibspark` puts this backend in place of
joblibspark's own ``"spark"`` backend (``joblibspark.register_spark()``) for
the length of a ``HyperoptSearchCV.fit``.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import pickle
import sys
import threading
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

from joblib._parallel_backends import ParallelBackendBase
from joblib._utils import _retrieve_traceback_capturing_wrapped_call, _TracebackCapturingWrapper
from joblibspark.backend import SparkDistributedBackend
from joblibspark.utils import create_resource_profile
from pyspark import cloudpickle

from ._spark_jobs import jobs_for
from ._spark_session import DEFAULT_BROADCAST_THRESHOLD, get_spark_session
from ._spark_tasks import run_joblib_batch

__all__ = ["DEFAULT_BROADCAST_THRESHOLD", "SparkBackend", "data_nbytes", "replacing_joblibspark"]

logger = logging.getLogger(__name__)

_BROADCAST_TAG = "skopt_hp-broadcast"

# Warnings that joblibspark raises on every backend or batch, and that say nothing to users.
_NOISE = (
    r"Spark local mode doesn't support stage-level scheduling",
    r"Spark version does not support stage-level scheduling",
    r"Spark session is not provided",
    r"`apply_async` is deprecated",
)


def filter_noise() -> None:
    """Ignore joblibspark's per-batch warnings (call inside ``warnings.catch_warnings``)."""
    for message in _NOISE:
        warnings.filterwarnings("ignore", message=message)


def data_nbytes(obj: Any) -> int:
    """Bytes held by ``obj`` when it is a numpy array, pandas object or sparse matrix, else 0.

    Only types already imported are checked: nothing is imported here.
    """
    np = sys.modules.get("numpy")
    if np is not None and isinstance(obj, np.ndarray):
        return 0 if obj.dtype.hasobject else int(obj.nbytes)
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(obj, (pd.DataFrame, pd.Series)):
        usage = obj.memory_usage(index=True, deep=False)
        return int(usage.sum() if hasattr(usage, "sum") else usage)
    sparse = sys.modules.get("scipy.sparse")
    if sparse is not None and sparse.issparse(obj):
        parts = ("data", "indices", "indptr", "row", "col", "offsets")
        return sum(int(getattr(obj, name).nbytes) for name in parts if hasattr(obj, name))
    return 0


class _BroadcastingPickler(cloudpickle.Pickler):
    """cloudpickle, with each large array replaced by a reference to its broadcast."""

    def __init__(self, file: Any, backend: SparkBackend) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._backend = backend
        self.used: list[Any] = []
        self._index: dict[int, int] = {}

    def persistent_id(self, obj: Any) -> Any:
        threshold = self._backend.broadcast_threshold
        if threshold is None or data_nbytes(obj) < threshold:
            return None
        broadcast = self._backend._broadcast_of(obj)
        key = id(broadcast)
        if key not in self._index:
            self._index[key] = len(self.used)
            self.used.append(broadcast)
        return (_BROADCAST_TAG, self._index[key])


class SparkBackend(SparkDistributedBackend):
    """joblibspark's backend with the fixes described in this module's docstring.

    Parameters
    ----------
    num_cpus_per_spark_task, num_gpus_per_spark_task : int, optional
        As in joblibspark (stage-level scheduling; clusters only). On Spark
        Connect, a resource profile is requested only when one of them is
        given.
    broadcast_threshold : int or None, default=64 KiB
        Arrays (numpy, pandas, scipy.sparse) of at least this many bytes are
        sent to the executors once (Spark broadcasts; file artifacts on
        Spark Connect) instead of inside every task. ``None`` turns this off.
    spark_session : SparkSession, optional
        The session to run on, classic or Spark Connect; by default
        :func:`skopt_hp.integrations.spark.get_spark_session`'s.
    **backend_kwargs
        Passed to joblib's ``ParallelBackendBase``.
    """

    def __init__(
        self,
        num_cpus_per_spark_task: int | None = None,
        num_gpus_per_spark_task: int | None = None,
        *,
        broadcast_threshold: int | None = DEFAULT_BROADCAST_THRESHOLD,
        spark_session: Any = None,
        **backend_kwargs: Any,
    ) -> None:
        if broadcast_threshold is not None and (
            isinstance(broadcast_threshold, bool)
            or not isinstance(broadcast_threshold, int)
            or broadcast_threshold < 0
        ):
            raise ValueError(
                "broadcast_threshold must be None or an int >= 0 (bytes), but got "
                f"{broadcast_threshold!r}."
            )
        session = spark_session if spark_session is not None else get_spark_session()
        # Not joblibspark's constructor (fix 5): it looks the session up again, through
        # process-wide state. The attributes its other methods read are set here.
        ParallelBackendBase.__init__(self, **backend_kwargs)
        self._spark = session
        self._pool = None
        self._n_jobs: int | None = None
        self._is_running = False
        self._ipython = _ipython()
        self._jobs = jobs = jobs_for(session)
        self._is_spark_connect_mode = jobs.connect
        self._spark_supports_job_cancelling = True
        if jobs.connect:
            wanted = num_cpus_per_spark_task is not None or num_gpus_per_spark_task is not None
            self._support_stage_scheduling = wanted
        else:
            self._spark_context = session.sparkContext
            with warnings.catch_warnings():
                filter_noise()
                self._support_stage_scheduling = self._is_support_stage_scheduling()
        self._resource_profile = None
        if self._support_stage_scheduling:
            self.using_stage_scheduling = True
            conf = session.conf
            cpus = num_cpus_per_spark_task or (
                1 if jobs.connect else int(conf.get("spark.task.cpus", "1"))
            )
            gpus = num_gpus_per_spark_task or (
                0 if jobs.connect else int(conf.get("spark.task.resource.gpu.amount", "0"))
            )
            self._resource_profile = create_resource_profile(cpus, gpus)
        jobs.resource_profile = self._resource_profile
        self.broadcast_threshold = broadcast_threshold
        self._broadcasts: dict[int, tuple[Any, Any]] = {}
        self._broadcast_lock = threading.Lock()
        self._default_parallelism: int | None = None
        #: Objects sent once (broadcasts or artifacts), and bytes of pickled batches
        #: shipped in Spark jobs, so far.
        self.n_broadcasts = 0
        self.task_bytes = 0
        # A fresh job group per backend, so that cancelling one search spares the others.
        self._job_group = f"skopt_hp-joblib-{uuid.uuid4().hex}"

    @property
    def spark_session(self) -> Any:
        """The session the batches run on."""
        return self._spark

    def effective_n_jobs(self, n_jobs: int | None) -> int:
        """Tasks at once: ``n_jobs``, with negative values counted from the task slots."""
        if not self._is_spark_connect_mode:
            with warnings.catch_warnings():
                filter_noise()
                return super().effective_n_jobs(n_jobs)
        if n_jobs is None:
            return 1
        if n_jobs < 0:
            # joblib's convention: -1 is every slot, -2 all but one...
            if self._default_parallelism is None:
                self._default_parallelism = self._jobs.default_parallelism
            return max(self._default_parallelism + 1 + n_jobs, 1)
        return n_jobs

    # -- sending objects once --------------------------------------------------
    def _broadcast_of(self, obj: Any) -> Any:
        """The reference to ``obj`` sent once (a broadcast or an artifact), made on first use.

        Keyed by ``id(obj)``; the entry keeps ``obj`` alive so that the id
        cannot be reused by another object while the backend lives.
        """
        with self._broadcast_lock:
            entry = self._broadcasts.get(id(obj))
            if entry is None:
                entry = (obj, self._jobs.share(obj))
                self._broadcasts[id(obj)] = entry
                self.n_broadcasts += 1
            return entry[1]

    def _release_broadcasts(self) -> None:
        with self._broadcast_lock:
            entries, self._broadcasts = list(self._broadcasts.values()), {}
        for _, ref in entries:
            self._jobs.release(ref)

    def _serialize(self, func: Any) -> tuple[bytes, list[Any]]:
        buffer = io.BytesIO()
        pickler = _BroadcastingPickler(buffer, self)
        pickler.dump(func)
        payload = buffer.getvalue()
        self.task_bytes += len(payload)
        return payload, pickler.used

    # -- running batches -------------------------------------------------------
    def submit(self, func: Any, callback: Any = None) -> Any:
        """Run the batch ``func`` as one Spark job (one task) from a pool thread.

        Returns the pool's ``AsyncResult``, read by :meth:`retrieve_result`.
        """
        # Pickled here, in the calling thread: a batch that cannot be pickled fails at once.
        payload, refs = self._serialize(func)
        task = functools.partial(run_joblib_batch, payload, refs)
        jobs, group = self._jobs, self._job_group

        def run_job() -> Any:
            if not self._is_running:
                raise RuntimeError("The task is cancelled: the joblib call was aborted.")
            return cloudpickle.loads(jobs.run(task, group, "skopt_hp joblib batch"))

        return self._get_pool().apply_async(
            _TracebackCapturingWrapper(jobs.thread_target(run_job)),
            callback=callback,
            error_callback=callback,
        )

    def retrieve_result(self, out: Any, timeout: float | None = None) -> Any:
        """The batch's results, or raise the exception a task raised (fix 1)."""
        return _retrieve_traceback_capturing_wrapped_call(out.get())

    def _cancel_all_jobs(self) -> None:
        self._is_running = False
        try:
            self._jobs.cancel(self._job_group)
        except Exception as exc:  # noqa: BLE001 - the session may already be stopped
            logger.debug("Could not cancel the Spark jobs of %s: %s", self._job_group, exc)

    def abort_everything(self, ensure_ready: bool = True) -> None:
        """Cancel the running Spark jobs (fix 2: joblib >= 1.4 names ``_backend_kwargs``)."""
        self._cancel_all_jobs()
        if ensure_ready:
            parallel = self.parallel
            kwargs = getattr(parallel, "_backend_kwargs", None)
            if kwargs is None:  # joblib < 1.4
                kwargs = getattr(parallel, "_backend_args", {})
            self.configure(n_jobs=parallel.n_jobs, parallel=parallel, **kwargs)

    def terminate(self) -> None:
        """End of the ``Parallel`` call: cancel leftover jobs, drop the broadcasts."""
        super().terminate()
        self._release_broadcasts()


def _ipython() -> Any:
    """The running IPython shell, if any (joblibspark cancels jobs when a cell fails)."""
    module = sys.modules.get("IPython")
    if module is None:
        return None
    try:
        return module.get_ipython()
    except Exception:  # noqa: BLE001 - an IPython without a shell
        return None


def _requested_profile(backend: SparkDistributedBackend) -> Any:
    """joblibspark's resource profile, unless it is its default of one CPU per task.

    On Spark Connect, joblibspark always builds a profile (one CPU, no GPU,
    when none was asked for), which a local server, and any cluster manager
    without stage-level scheduling, refuses; that default is what Spark does
    without a profile anyway.
    """
    profile = backend._resource_profile
    if profile is None or not backend._is_spark_connect_mode:
        return profile
    resources = {name: request.amount for name, request in profile.taskResources.items()}
    return None if resources in ({"cpus": 1}, {"cpus": 1.0}, {}) else profile


@contextlib.contextmanager
def replacing_joblibspark() -> Iterator[SparkBackend | None]:
    """Within the block, this backend replaces joblibspark's active one, if any.

    When the active joblib backend is joblibspark's own (``register_spark()``
    then ``joblib.parallel_backend("spark")``, as joblibspark's README and
    Databricks' guides show), a :class:`SparkBackend` on the same session,
    with the same resource profile and ``n_jobs``, is made the active
    backend instead; other settings of the user's ``parallel_config`` are
    kept. Otherwise nothing changes. Yields the replacement, or None.
    """
    import joblib
    from joblib.parallel import get_active_backend

    active, n_jobs = get_active_backend()
    if not isinstance(active, SparkDistributedBackend) or isinstance(active, SparkBackend):
        yield None
        return
    replacement = SparkBackend(spark_session=active._spark)
    profile = _requested_profile(active)
    if profile is not None:
        replacement._resource_profile = replacement._jobs.resource_profile = profile
    logger.info(
        "joblibspark's Spark backend is active: running on skopt_hp's fixed Spark backend "
        "instead (same session, n_jobs=%s).",
        n_jobs,
    )
    with warnings.catch_warnings():
        filter_noise()
        with joblib.parallel_config(backend=replacement, n_jobs=n_jobs):
            yield replacement
