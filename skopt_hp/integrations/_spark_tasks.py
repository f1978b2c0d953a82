"""Code that runs inside Spark tasks, on the executors.

Kept apart from the driver-side modules so that an executor only imports
this module (and what the objective needs): no joblibspark, no logging, no
driver state. Everything here must be picklable by reference, i.e. defined at
module level.
"""

from __future__ import annotations

import pickle
from typing import Any

from .._evaluate import evaluate

__all__ = ["CloudPickled", "load_persistent", "run_trial"]


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


def _failure(kind: str, message: str, traceback: str | None = None) -> dict[str, Any]:
    return {"type": kind, "message": message, "traceback": traceback}


def run_trial(objective: Any, params: dict[str, Any]) -> bytes:
    """Evaluate one trial on an executor; return the pickled outcome record.

    Parameters
    ----------
    objective : pyspark.Broadcast
        Broadcast of ``(fn, space)``, sent once per ``fmin`` call rather than
        with every task.
    params : dict
        The trial's point (label to value, choice indices).

    Returns
    -------
    bytes
        A pickled ``{"result": dict or None, "failure": dict or None}``.
        Pickled here (not by Spark) so that a result that cannot be sent back
        becomes a failed trial with a clear message instead of a task error.
    """
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
    """Resolves the persistent ids written by the driver's broadcasting pickler."""

    def __init__(self, file: Any, broadcasts: list[Any]) -> None:
        super().__init__(file)
        self._broadcasts = broadcasts

    def persistent_load(self, pid: Any) -> Any:
        tag, index = pid
        if tag != "skopt_hp-broadcast":
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        return self._broadcasts[index].value


def load_persistent(payload: bytes, broadcasts: list[Any]) -> Any:
    """Unpickle ``payload``, replacing broadcast references by their values."""
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
