"""A joblib Spark backend: joblibspark's, with its defects fixed, and data sent once.

Every workaround for joblibspark 0.6.0 (on joblib >= 1.4) lives in this module.
:class:`SparkBackend` subclasses joblibspark's ``SparkDistributedBackend`` and
replaces how a batch of joblib calls runs on Spark (classic, non-Connect
mode):

1. **Errors.** joblibspark wraps each batch in joblib's traceback-capturing
   wrapper but returns the wrapper as a *result*: a task that raises reaches
   the driver as ``TypeError: '_ExceptionWithTraceback' object is not
   iterable``. Here the executor catches the batch's exception itself and
   sends it back the way joblib's own workers do, and :meth:`retrieve_result`
   unwraps it, so the driver re-raises the *original* exception (type and
   message), with the remote traceback as its ``__cause__``.
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
   bytes or more: ``X``, ``y``, the folds' index arrays) by a reference to a
   Spark broadcast, created once per
   object for the backend's lifetime (one ``Parallel`` call, or one
   ``BaseSearchCV.fit``, which keeps its ``Parallel`` open across rounds) and
   destroyed when joblib terminates the backend. Executors load it once per
   Python worker.

Spark Connect sessions keep joblibspark's own code path (errors are
unwrapped, nothing is broadcast).

The subclass uses joblibspark 0.6.0's private attributes (``_spark_context``,
``_job_group``, ``_resource_profile``, ``_is_running``, ``_get_pool``,
``_cancel_all_jobs``) and joblib's traceback-capturing helpers
(``joblib._utils``, joblib >= 1.4); the ``spark`` extra pins joblibspark, and
``tests/spark/test_spark_backend.py`` shows each upstream defect on the plain
backend, so an upstream fix is noticed.
"""

from __future__ import annotations

import io
import pickle
import sys
import threading
import uuid
import warnings
from typing import Any

from joblib._utils import _retrieve_traceback_capturing_wrapped_call, _TracebackCapturingWrapper
from joblibspark.backend import SparkDistributedBackend
from pyspark import cloudpickle

from ._spark_session import DEFAULT_BROADCAST_THRESHOLD, get_spark_session
from ._spark_tasks import run_joblib_batch

__all__ = ["DEFAULT_BROADCAST_THRESHOLD", "SparkBackend", "data_nbytes"]

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
        As in joblibspark (stage-level scheduling; clusters only).
    broadcast_threshold : int or None, default=64 KiB
        Arrays (numpy, pandas, scipy.sparse) of at least this many bytes are
        sent to the executors once, as Spark broadcasts, instead of inside
        every task. ``None`` turns broadcasting off.
    spark_session : SparkSession, optional
        The session to run on; by default the active one, or
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
        # Creates the embedded session (with PYSPARK_PYTHON set) when none exists, so
        # that joblibspark's constructor, which looks up the active session, finds it.
        session = spark_session if spark_session is not None else get_spark_session()
        with warnings.catch_warnings():
            filter_noise()
            super().__init__(num_cpus_per_spark_task, num_gpus_per_spark_task, **backend_kwargs)
        self._spark = session
        self.broadcast_threshold = broadcast_threshold
        self._broadcasts: dict[int, tuple[Any, Any]] = {}
        self._broadcast_lock = threading.Lock()
        #: Objects broadcast, and bytes of pickled batches shipped in Spark jobs, so far.
        self.n_broadcasts = 0
        self.task_bytes = 0
        # A fresh job group per backend, so that cancelling one search spares the others.
        self._job_group = f"skopt_hp-joblib-{uuid.uuid4().hex}"

    # -- broadcasting ----------------------------------------------------------
    def _broadcast_of(self, obj: Any) -> Any:
        """The broadcast holding ``obj``, created on first use.

        Keyed by ``id(obj)``; the entry keeps ``obj`` alive so that the id
        cannot be reused by another object while the backend lives.
        """
        with self._broadcast_lock:
            entry = self._broadcasts.get(id(obj))
            if entry is None:
                entry = (obj, self._spark.sparkContext.broadcast(obj))
                self._broadcasts[id(obj)] = entry
                self.n_broadcasts += 1
            return entry[1]

    def _release_broadcasts(self) -> None:
        with self._broadcast_lock:
            entries, self._broadcasts = list(self._broadcasts.values()), {}
        for _, broadcast in entries:
            try:
                broadcast.destroy(blocking=False)
            except Exception:  # noqa: BLE001 - the session may already be stopped
                pass

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
        if self._is_spark_connect_mode:
            with warnings.catch_warnings():
                filter_noise()
                return self.apply_async(func, callback)
        # Pickled here, in the calling thread: a batch that cannot be pickled fails at once.
        payload, broadcasts = self._serialize(func)
        context = self._spark_context

        def run_job() -> Any:
            if not self._is_running:
                raise RuntimeError("The task is cancelled: the joblib call was aborted.")
            context.setJobGroup(self._job_group, "skopt_hp joblib batch", True)
            rdd = context.parallelize([0], 1)
            if self._resource_profile:
                rdd = rdd.withResources(self._resource_profile)
            # The broadcasts in this closure are registered with the job when Spark
            # pickles it, so executors receive each of them once.
            data = rdd.map(lambda _: run_joblib_batch(payload, broadcasts)).collect()[0]
            return cloudpickle.loads(data)

        from pyspark import inheritable_thread_target

        target = inheritable_thread_target(self._spark)(run_job)
        return self._get_pool().apply_async(
            _TracebackCapturingWrapper(target), callback=callback, error_callback=callback
        )

    def retrieve_result(self, out: Any, timeout: float | None = None) -> Any:
        """The batch's results, or raise the exception a task raised (fix 1)."""
        return _retrieve_traceback_capturing_wrapped_call(out.get())

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
