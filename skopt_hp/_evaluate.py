"""Evaluating one trial: call the objective on a point and normalise what it returns.

Kept apart from the ``fmin`` loop so that any executor (the driver, a joblib
worker, a Spark task) evaluates trials the same way.
"""

from __future__ import annotations

import math
import numbers
import traceback as _traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ._trials import STATUS_FAIL, STATUS_OK, STATUS_STRINGS
from .exceptions import InvalidLoss, InvalidResultStatus
from .space import space_eval

__all__ = ["Outcome", "RemoteOutcome", "evaluate", "normalize_result"]


def normalize_result(value: Any) -> dict[str, Any]:
    """Turn an objective's return value into a result dict, as hyperopt does.

    A number becomes ``{"loss": float(value), "status": "ok"}``; a mapping must
    hold a ``status`` from ``STATUS_STRINGS`` and, when ``status == "ok"``, a
    numeric ``loss``. Other keys are kept.

    Raises
    ------
    InvalidResultStatus, InvalidLoss
        When the value breaks those rules.
    """
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return {"loss": float(value), "status": STATUS_OK}
    if not isinstance(value, Mapping):
        raise InvalidResultStatus(
            "The objective must return a number or a dict with 'loss' and 'status', but "
            f"returned {value!r} of type {type(value).__name__}."
        )
    result = dict(value)
    status = result.get("status")
    if status not in STATUS_STRINGS:
        raise InvalidResultStatus(
            f"The objective's result has status {status!r}; expected one of {STATUS_STRINGS}."
        )
    if status == STATUS_OK:
        loss = result.get("loss")
        if isinstance(loss, bool) or not isinstance(loss, numbers.Real):
            raise InvalidLoss(
                f"The objective returned status 'ok' with loss={loss!r}; a number is required."
            )
        result["loss"] = float(loss)
    return result


@dataclass(frozen=True)
class Outcome:
    """What evaluating one trial produced: a result dict, or the error it raised."""

    result: dict[str, Any] | None
    error: BaseException | None = None
    traceback: str | None = None

    @property
    def failure(self) -> dict[str, Any]:
        """The failure record stored for a trial that raised."""
        return {
            "type": type(self.error).__name__,
            "message": str(self.error),
            "traceback": self.traceback,
        }


@dataclass(frozen=True)
class RemoteOutcome:
    """A trial's outcome sent back from another process (a joblib worker, a Spark executor).

    ``failure_record`` is the ``{"type", "message", "traceback"}`` record of a
    failed trial. ``exception`` is the objective's exception when it survived
    a pickle round trip, so that ``fmin`` can re-raise it when it does not
    catch failures; otherwise ``error`` is only a marker for the loop, which
    records ``failure``. ``always_catch`` marks failures of the machinery
    rather than of the objective (a time limit, a dead worker, an unpicklable
    result): they are recorded as failed trials whatever
    ``catch_eval_exceptions`` says.
    """

    result: dict[str, Any] | None
    failure_record: dict[str, Any] | None = None
    exception: BaseException | None = None
    always_catch: bool = False

    @property
    def error(self) -> BaseException | None:
        if self.failure_record is None:
            return None
        if self.exception is not None:
            return self.exception
        return RuntimeError(f"{self.failure_record['type']}: {self.failure_record['message']}")

    @property
    def failure(self) -> dict[str, Any]:
        return {k: v for k, v in (self.failure_record or {}).items() if k != "traceback"}

    @property
    def traceback(self) -> str | None:
        return (self.failure_record or {}).get("traceback")


def evaluate(fn: Callable[[Any], Any], space: Any, params: Mapping[str, Any]) -> Outcome:
    """Call ``fn`` on ``space_eval(space, params)`` and normalise its result.

    Exceptions raised by ``fn`` (or an invalid result) are captured in the
    outcome with their traceback text; ``KeyboardInterrupt`` and
    ``SystemExit`` propagate.
    """
    try:
        result = normalize_result(fn(space_eval(space, params)))
    except Exception as exc:  # noqa: BLE001 - the caller decides whether to re-raise
        return Outcome(None, exc, _traceback.format_exc())
    if result["status"] == STATUS_OK and not math.isfinite(result["loss"]):
        # A NaN/inf loss cannot be ranked; keep the trial, marked as failed, with the reason.
        result = {
            **result,
            "status": STATUS_FAIL,
            "failure": {"type": "InvalidLoss", "message": f"non-finite loss {result['loss']!r}"},
        }
    return Outcome(result)
