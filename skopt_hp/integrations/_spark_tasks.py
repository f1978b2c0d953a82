"""Code that runs inside Spark tasks, on the executors.

Kept apart from the driver-side modules so that an executor only imports
this module (and what the objective needs): no joblibspark, no logging, no
driver state. Everything here must be picklable by reference, i.e. defined at
module level.

What a search sends once (the objective, large arrays) reaches a task as a
reference with a ``value``: a Spark broadcast on a classic session, an
:class:`ArtifactRef` (a file added to the Spark Connect session) on Spark
Connect, where broadcasts do not exist.
"""

from __future__ import annotations

import collections
import pickle
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .._evaluate import evaluate

__all__ = [
    "ArtifactRef",
    "CloudPickled",
    "acknowledge_promptly",
    "keep_collections_short",
    "arrow_task",
    "load_persistent",
    "rdd_task",
    "run_joblib_batch",
    "run_trial",
]


class CloudPickled:
    """Makes plain ``pickle`` serialise ``obj`` with cloudpickle.

    Spark pickles broadcast values with the standard pickler, which refuses
    lambdas and closures. Pickling this wrapper stores a call to
    ``pickle.loads`` on cloudpickle's bytes, so unpickling it (once per Python
    worker, where Spark caches the broadcast value) gives back ``obj`` itself.
    """

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        from pyspark import cloudpickle

        return pickle.loads, (cloudpickle.dumps(self.obj, protocol=pickle.HIGHEST_PROTOCOL),)


# ---------------------------------------------------------------------------
# Spark Connect: what replaces broadcasts
# ---------------------------------------------------------------------------
#: Bytes of loaded artifacts a Python worker keeps (the newest one is always kept).
MAX_CACHED_BYTES = 1 << 30

_cache: collections.OrderedDict[str, tuple[Any, int]] = collections.OrderedDict()
_cache_lock = threading.Lock()


class ArtifactRef:
    """A pickled object added to a Spark Connect session as a file artifact.

    The driver uploads the object once (``SparkSession.addArtifacts(...,
    file=True)``); a task reads ``value``, which loads the file through
    ``SparkFiles`` the first time a Python worker needs it and keeps it
    (least recently used objects go first once :data:`MAX_CACHED_BYTES` is
    reached), as Spark keeps a broadcast value per worker.

    Parameters
    ----------
    name : str
        The artifact's file name, unique to its content.
    nbytes : int
        Size of the pickled object.
    """

    __slots__ = ("name", "nbytes")

    def __init__(self, name: str, nbytes: int) -> None:
        self.name = name
        self.nbytes = nbytes

    def __reduce__(self) -> tuple[Any, tuple[str, int]]:
        return ArtifactRef, (self.name, self.nbytes)

    def __repr__(self) -> str:
        return f"ArtifactRef({self.name!r}, nbytes={self.nbytes})"

    @property
    def value(self) -> Any:
        with _cache_lock:
            entry = _cache.get(self.name)
            if entry is not None:
                _cache.move_to_end(self.name)
                return entry[0]
        from pyspark import SparkFiles

        with open(SparkFiles.get(self.name), "rb") as file:
            obj = pickle.load(file)
        with _cache_lock:
            _cache[self.name] = (obj, self.nbytes)
            total = sum(size for _, size in _cache.values())
            while len(_cache) > 1 and total > MAX_CACHED_BYTES:
                _, (_, size) = _cache.popitem(last=False)
                total -= size
        return obj


def rdd_task(task: Callable[[], bytes], _: Any) -> bytes:
    """The body of a one-element RDD ``map`` (classic sessions): run ``task``."""
    return task()


def acknowledge_promptly() -> int:
    """Have this Python worker's kernel acknowledge what its executor sent, now.

    A ``mapInArrow`` task's input reaches its Python worker through a
    loopback TCP socket (unless the server sets
    ``spark.python.unix.domain.socket.enabled``). The executor writes it in
    several small pieces with Nagle's algorithm on: it holds the last piece
    until the worker acknowledges the previous one, and Linux delays that
    acknowledgement by up to 40 ms, expecting a reply to carry it. So a
    one-row job waited ~40 ms for its input row, a third of its time on a
    local server. ``TCP_QUICKACK`` sends the pending acknowledgement at once
    (and only changes when acknowledgements are sent).

    Applied to the worker's TCP sockets to a loopback address (its executor
    is on the same host); a no-op where ``TCP_QUICKACK`` or ``/proc`` does
    not exist (not Linux). Returns the number of sockets it applied to.
    """
    import ipaddress
    import os
    import socket

    quickack = getattr(socket, "TCP_QUICKACK", None)
    # A socket object made from a descriptor takes the default timeout, which would set
    # O_NONBLOCK on the shared open file, under the worker's own reads: then do nothing.
    if quickack is None or socket.getdefaulttimeout() is not None:
        return 0
    try:
        descriptors = os.listdir("/proc/self/fd")
    except OSError:
        return 0
    seen: set[str] = set()
    applied = 0
    for name in descriptors:
        try:
            target = os.readlink(f"/proc/self/fd/{name}")  # "socket:[inode]" for a socket
            # The worker reads and writes through duplicates of one socket: set it once.
            if not target.startswith("socket:") or target in seen:
                continue
            seen.add(target)
            sock = socket.socket(fileno=os.dup(int(name)))
        except (OSError, ValueError):  # closed meanwhile, or not a socket Python knows
            continue
        with sock:  # closes the duplicate only
            try:
                if sock.type != socket.SOCK_STREAM or sock.family not in (
                    socket.AF_INET,
                    socket.AF_INET6,
                ):
                    continue
                peer = ipaddress.ip_address(sock.getpeername()[0])
                peer = getattr(peer, "ipv4_mapped", None) or peer
                if not peer.is_loopback:
                    continue
                sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)
                applied += 1
            except (OSError, ValueError):  # not connected, or not TCP after all
                continue
    return applied


def arrow_task(task: Callable[[], bytes], batches: Iterable[Any]) -> Iterator[Any]:
    """The body of a one-row ``mapInArrow`` job: run ``task``, return its bytes as a row.

    Spark Connect runs Python on executors through DataFrame operations only;
    a one-partition ``range(1)`` mapped with this function is a one-task job
    whose single ``result`` (binary) value is what ``task`` returned.
    """
    import pyarrow as pa

    acknowledge_promptly()  # before waiting for the input row (see there)
    for _ in batches:  # the input row carries nothing
        pass
    result = task()
    yield pa.RecordBatch.from_arrays([pa.array([result], type=pa.binary())], names=["result"])


# ---------------------------------------------------------------------------
# Short collections in a reused Python worker
# ---------------------------------------------------------------------------
#: The search this worker ran a trial of last, and whether its objects are frozen.
_collections = {"search": None, "frozen": False}


def keep_collections_short(search: Any) -> None:
    """Spare the objects that outlive each trial the worker's collection after it.

    PySpark's daemon runs a full ``gc.collect()`` after every task of a
    reused Python worker, and a full collection visits every container object
    alive: with skopt_hp and what it imports (scikit-learn, SciPy, pandas:
    ~1,600 modules, ~125,000 objects) that took 35-60 ms of CPU per trial on
    a 2-core machine, for a trial whose own work takes under a millisecond.
    ``gc.freeze`` moves the objects alive now to a generation that
    collections skip.

    Per search (``search`` names it) and worker: the first trial leaves the
    collector as it is, so that the collection after it frees what earlier
    searches left (their frozen objects are unfrozen here); the second trial
    freezes what is alive then (modules, the loaded objective, what the
    first trial imported), and the collections after later trials visit only
    what those trials created. An object frozen and then dropped is freed as
    usual unless it is in a reference cycle: then it is freed after the
    worker's first trial of another search.
    """
    import gc

    if _collections["search"] != search:
        if _collections["frozen"]:
            gc.unfreeze()
        _collections.update(search=search, frozen=False)
    elif not _collections["frozen"]:
        gc.freeze()
        _collections["frozen"] = True


def _failure(kind: str, message: str, traceback: str | None = None) -> dict[str, Any]:
    return {"type": kind, "message": message, "traceback": traceback}


def run_trial(objective: Any, params: dict[str, Any]) -> bytes:
    """Evaluate one trial on an executor; return the pickled outcome record.

    Parameters
    ----------
    objective : pyspark.Broadcast or ArtifactRef
        ``(fn, space)``, sent once per ``fmin`` call rather than with every
        task.
    params : dict
        The trial's point (label to value, choice indices).

    Returns
    -------
    bytes
        A pickled ``{"result": dict or None, "failure": dict or None}``.
        Pickled here (not by Spark) so that a result that cannot be sent back
        becomes a failed trial with a clear message instead of a task error.
    """
    # An artifact reference is unpickled anew for each task; a broadcast is kept by the worker.
    keep_collections_short(objective.name if isinstance(objective, ArtifactRef) else id(objective))
    try:
        fn, space = objective.value
    except Exception as exc:  # noqa: BLE001 - reported as the trial's failure
        import traceback

        return pickle.dumps(
            {
                "result": None,
                "failure": _failure(
                    type(exc).__name__,
                    f"{exc} (while loading the objective on an executor: the executors' "
                    "Python must be able to import the objective's module and the modules it "
                    "uses; see docs/spark.md)",
                    traceback.format_exc(),
                ),
            }
        )
    outcome = evaluate(fn, space, params)
    record = {"result": outcome.result, "failure": None}
    if outcome.error is not None:
        record = {"result": None, "failure": outcome.failure}
    try:
        from pyspark import cloudpickle

        return cloudpickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - any pickling error becomes a failed trial
        failure = _failure(
            "UnpicklableResult",
            f"the objective's result could not be sent to the driver: {type(exc).__name__}: {exc}",
        )
        return pickle.dumps({"result": None, "failure": failure})


class _BroadcastUnpickler(pickle.Unpickler):
    """Resolves the persistent ids written by the driver's sharing pickler."""

    def __init__(self, file: Any, broadcasts: list[Any]) -> None:
        super().__init__(file)
        self._broadcasts = broadcasts

    def persistent_load(self, pid: Any) -> Any:
        tag, index = pid
        if tag != "skopt_hp-broadcast":
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        return self._broadcasts[index].value


def load_persistent(payload: bytes, broadcasts: list[Any]) -> Any:
    """Unpickle ``payload``, replacing references to shared objects by their values.

    ``broadcasts`` holds the references (Spark broadcasts or
    :class:`ArtifactRef`), in the order the payload's persistent ids number
    them.
    """
    import io

    return _BroadcastUnpickler(io.BytesIO(payload), broadcasts).load()


def run_joblib_batch(payload: bytes, broadcasts: list[Any]) -> bytes:
    """Run a joblib batch on an executor; return its pickled result or error.

    An exception is returned wrapped as joblib's own workers return it
    (``_ExceptionWithTraceback``), so that the driver re-raises the original
    exception, with the remote traceback as its cause.
    """
    from pyspark import cloudpickle

    try:
        batch = load_persistent(payload, broadcasts)
        result = batch()
    except BaseException as exc:  # noqa: BLE001 - sent back and re-raised on the driver
        return _dump_exception(exc)
    try:
        return cloudpickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - reported on the driver
        return _dump_exception(
            RuntimeError(
                "A Spark task's result cannot be pickled back to the driver: "
                f"{type(exc).__name__}: {exc}"
            )
        )


def _dump_exception(exc: BaseException) -> bytes:
    from joblib._utils import _ExceptionWithTraceback
    from pyspark import cloudpickle

    wrapped = _ExceptionWithTraceback(exc)
    try:
        data = cloudpickle.dumps(wrapped, protocol=pickle.HIGHEST_PROTOCOL)
        # Some exceptions pickle but fail to unpickle (an __init__ with other arguments):
        # find out here rather than with a confusing error on the driver.
        pickle.loads(data)
        return data
    except Exception as err:  # noqa: BLE001 - replaced by a picklable error with the same text
        substitute = RuntimeError(
            f"A Spark task raised {type(exc).__name__}: {exc} (the exception cannot be sent "
            f"to the driver: {type(err).__name__}: {err}). Remote traceback:\n{wrapped.tb}"
        )
        return cloudpickle.dumps(_ExceptionWithTraceback(substitute))
