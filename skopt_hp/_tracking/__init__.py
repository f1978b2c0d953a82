"""Experiment tracking hooks of the search loops; no tracking library is imported here.

``fmin``'s loop and :class:`~skopt_hp.HyperoptSearchCV` describe a search as
plain records and hand them to a :class:`Tracker` through a
:class:`TrackingSession`, which sends them from one background thread of the
driver process, in batches, and keeps a failing tracking server from
stopping the search. One job per module:

* :mod:`._records` — the records (:class:`SearchInfo`, :class:`TrialRecord`,
  :class:`SearchOutcome`) and the :class:`Tracker` protocol;
* :mod:`._switch` — the process-wide default set by ``skopt_hp.autolog()``
  and the choice of a search's tracker (the MLflow integration hands its
  hooks down there when it is imported);
* :mod:`._session` — the logging session of one search;
* :mod:`._text` — parameter values and spaces as readable text.

The builders that turn a loop's trials and settings into records live beside
the loops whose data they read: ``skopt_hp._fmin_records`` and
``skopt_hp._search_records``.
"""

from ._records import SearchInfo, SearchOutcome, Tracker, TrialRecord, metric_value
from ._session import MAX_TAG_LENGTH, TrackingSession, ending, start_session, tracked
from ._switch import (
    MlflowHooks,
    check_switch,
    get_default,
    provide_mlflow,
    resolve_tracker,
    set_default,
    suppress_framework_autolog,
)
from ._text import MAX_VALUE_LENGTH, describe_space, readable_params, value_text

__all__ = [
    "MAX_TAG_LENGTH",
    "MAX_VALUE_LENGTH",
    "MlflowHooks",
    "SearchInfo",
    "SearchOutcome",
    "Tracker",
    "TrackingSession",
    "TrialRecord",
    "check_switch",
    "describe_space",
    "ending",
    "get_default",
    "metric_value",
    "provide_mlflow",
    "readable_params",
    "resolve_tracker",
    "set_default",
    "start_session",
    "suppress_framework_autolog",
    "tracked",
    "value_text",
]
