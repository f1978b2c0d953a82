"""hyperopt's ``hyperopt.base`` module path: trial states, statuses and ``Trials``.

``from hyperopt.base import JOB_STATE_DONE, STATUS_OK, Trials`` becomes
``from skopt_hp.base import ...``. The ``JOB_STATE_*`` constants are the
values of :class:`~skopt_hp.TrialState` (an ``IntEnum``), so they compare
equal to ``trial["state"]`` of ``trials.trials`` and to ``Trial.state``.
hyperopt's ``Domain``, ``Ctrl`` and ``SONify`` belong to its pyll graph
machinery and are not provided.
"""

from __future__ import annotations

import datetime as _dt
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._trials import (
    STATUS_FAIL,
    STATUS_NEW,
    STATUS_OK,
    STATUS_RUNNING,
    STATUS_STRINGS,
    STATUS_SUSPENDED,
    Trial,
    Trials,
    TrialState,
)
from .exceptions import InvalidTrial

__all__ = [
    "JOB_STATES",
    "JOB_STATE_CANCEL",
    "JOB_STATE_DONE",
    "JOB_STATE_ERROR",
    "JOB_STATE_NEW",
    "JOB_STATE_RUNNING",
    "JOB_VALID_STATES",
    "STATUS_FAIL",
    "STATUS_NEW",
    "STATUS_OK",
    "STATUS_RUNNING",
    "STATUS_STRINGS",
    "STATUS_SUSPENDED",
    "Trial",
    "TrialState",
    "Trials",
    "miscs_to_idxs_vals",
    "trials_from_docs",
]

JOB_STATE_NEW = TrialState.NEW
JOB_STATE_RUNNING = TrialState.RUNNING
JOB_STATE_DONE = TrialState.DONE
JOB_STATE_ERROR = TrialState.ERROR
JOB_STATE_CANCEL = TrialState.CANCEL
JOB_STATES = [JOB_STATE_NEW, JOB_STATE_RUNNING, JOB_STATE_DONE, JOB_STATE_ERROR, JOB_STATE_CANCEL]
#: The states hyperopt counts as a live trial (``ERROR`` and ``CANCEL`` are not).
JOB_VALID_STATES = {JOB_STATE_NEW, JOB_STATE_RUNNING, JOB_STATE_DONE}

_DOC_KEYS = ("tid", "state", "result", "misc")


def miscs_to_idxs_vals(
    miscs: Sequence[Mapping[str, Any]], keys: Iterable[str] | None = None
) -> tuple[dict[str, list[int]], dict[str, list[Any]]]:
    """Per label, the tids and values of the trials where it was active.

    Parameters
    ----------
    miscs : sequence of dict
        The ``misc`` entries of trial documents (``trials.miscs``), each with
        ``idxs`` and ``vals`` mapping labels to one-element (or empty) lists.
    keys : iterable of str, optional
        The labels to collect; by default those of the first ``misc``.

    Returns
    -------
    idxs, vals : dict
        Label to the list of tids, and label to the list of values.

    Raises
    ------
    ValueError
        When ``keys`` is not given and ``miscs`` is empty.
    """
    if keys is None:
        if not miscs:
            raise ValueError("miscs_to_idxs_vals: give `keys` when `miscs` is empty.")
        keys = list(miscs[0]["idxs"])
    keys = list(keys)
    idxs: dict[str, list[int]] = {k: [] for k in keys}
    vals: dict[str, list[Any]] = {k: [] for k in keys}
    for misc in miscs:
        for key in keys:
            idxs[key].extend(misc["idxs"].get(key, []))
            vals[key].extend(misc["vals"].get(key, []))
    return idxs, vals


def _check_doc(i: int, doc: Any, previous_tid: int | None) -> int:
    if not isinstance(doc, Mapping):
        raise InvalidTrial(f"trials_from_docs: docs[{i}] must be a dict, got {doc!r}.", doc)
    missing = [key for key in _DOC_KEYS if key not in doc]
    if missing:
        raise InvalidTrial(f"trials_from_docs: docs[{i}] lacks the keys {missing}.", doc)
    tid = doc["tid"]
    if isinstance(tid, bool) or not isinstance(tid, numbers.Integral):
        raise InvalidTrial(f"trials_from_docs: docs[{i}]['tid'] must be an int, got {tid!r}.", doc)
    if previous_tid is not None and tid <= previous_tid:
        raise InvalidTrial(
            f"trials_from_docs: tids must increase, but docs[{i}]['tid']={tid} follows "
            f"{previous_tid}.",
            doc,
        )
    if doc["state"] not in {int(s) for s in TrialState}:
        raise InvalidTrial(
            f"trials_from_docs: docs[{i}]['state'] must be one of JOB_STATES (0-4), got "
            f"{doc['state']!r}.",
            doc,
        )
    result = doc["result"]
    if not isinstance(result, Mapping) or result.get("status") not in STATUS_STRINGS:
        raise InvalidTrial(
            f"trials_from_docs: docs[{i}]['result'] must be a dict whose 'status' is one of "
            f"{STATUS_STRINGS}, got {result!r}.",
            doc,
        )
    misc = doc["misc"]
    if not isinstance(misc, Mapping) or not isinstance(misc.get("vals"), Mapping):
        raise InvalidTrial(f"trials_from_docs: docs[{i}]['misc'] must hold 'vals'.", doc)
    return int(tid)


def trials_from_docs(docs: Iterable[Mapping[str, Any]], validate: bool = True) -> Trials:
    """A :class:`~skopt_hp.Trials` built from hyperopt-shaped trial documents.

    The documents are those of ``trials.trials`` (or what hyperopt's
    ``tpe.suggest``/``rand.suggest`` and skopt_hp's return as points):
    ``tid``, ``state``, ``result`` and ``misc`` with ``vals`` (label to a
    one-element list, empty where inactive) are read; ``book_time`` and
    ``refresh_time`` when present.

    Parameters
    ----------
    docs : iterable of dict
        The documents, in increasing ``tid`` order.
    validate : bool, default=True
        Accepted for hyperopt's signature; the documents are always checked,
        since the records are typed.

    Returns
    -------
    Trials

    Raises
    ------
    InvalidTrial
        Naming the document and the key that is missing or malformed.
    """
    records = []
    previous: int | None = None
    for i, doc in enumerate(docs):
        previous = _check_doc(i, doc, previous)
        params = {
            label: value[0] if isinstance(value, (list, tuple)) else value
            for label, value in doc["misc"]["vals"].items()
            if not (isinstance(value, (list, tuple)) and len(value) == 0)
        }
        times = {
            key: doc.get(key)
            for key in ("book_time", "refresh_time")
            if isinstance(doc.get(key), _dt.datetime)
        }
        records.append(
            Trial(
                tid=previous,
                params=params,
                state=TrialState(doc["state"]),
                result=dict(doc["result"]),
                **times,
            )
        )
    trials = Trials()
    trials.extend(records)
    return trials
