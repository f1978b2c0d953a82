"""Whether a search logs, and to which tracker.

The process-wide default that ``skopt_hp.autolog()`` sets is kept here, so
that the loops can read it without importing an integration. The tracker
itself comes from :mod:`skopt_hp.integrations.mlflow`, which sits above the
loops and hands its hooks down here when it is imported (:func:`provide_mlflow`;
``import skopt_hp`` imports it, and it imports MLflow only on use, so
``import skopt_hp`` never imports MLflow).
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._records import Tracker

__all__ = [
    "MlflowHooks",
    "check_switch",
    "get_default",
    "provide_mlflow",
    "resolve_tracker",
    "set_default",
    "suppress_framework_autolog",
]


@dataclass(frozen=True)
class MlflowHooks:
    """What a search needs from the MLflow integration.

    Attributes
    ----------
    make_tracker : callable
        ``make_tracker(**options)``: a tracker (raises ``ImportError`` naming
        the extra when MLflow is missing).
    in_active_run : callable
        Whether an MLflow run is active in this thread.
    framework_autolog_options : callable
        Tracker options when ``mlflow.sklearn.autolog()`` is on, else None.
    disabled_framework_autolog : callable
        A context in which MLflow's own autologging is off.
    """

    make_tracker: Callable[..., Tracker]
    in_active_run: Callable[[], bool]
    framework_autolog_options: Callable[[], dict[str, Any] | None]
    disabled_framework_autolog: Callable[[], contextlib.AbstractContextManager[Any]]


_mlflow: list[MlflowHooks] = []


def provide_mlflow(hooks: MlflowHooks) -> None:
    """Hand down the MLflow integration's hooks (called by it when it is imported)."""
    _mlflow[:] = [hooks]


def _mlflow_hooks() -> MlflowHooks:
    if not _mlflow:
        raise RuntimeError(
            "MLflow logging needs skopt_hp.integrations.mlflow, which `import skopt_hp` imports."
        )
    return _mlflow[0]


_lock = threading.Lock()
# enabled: None until autolog() is called (then True or False); options: the tracker's settings.
_default: dict[str, Any] = {"enabled": None, "options": {}}


def set_default(enabled: bool, options: Mapping[str, Any] | None = None) -> None:
    """Record what ``skopt_hp.autolog()`` asked for (called by the integration).

    Parameters
    ----------
    enabled : bool
        Whether searches whose switch is None log.
    options : mapping, optional
        The tracker's settings (keyword arguments of its ``make_tracker``).
    """
    with _lock:
        _default["enabled"] = bool(enabled)
        _default["options"] = dict(options or {})


def get_default() -> tuple[bool | None, dict[str, Any]]:
    """``(enabled, options)``; ``enabled`` is None when ``autolog()`` was never called."""
    with _lock:
        return _default["enabled"], dict(_default["options"])


def _imported(module: str) -> bool:
    # A None entry is how a module is blocked (or was found missing): not imported.
    return sys.modules.get(module) is not None


def check_switch(value: Any, name: str = "mlflow_logging") -> None:
    """Raise ``TypeError`` unless ``value`` is None, True or False.

    Parameters
    ----------
    value : object
        The switch a search was given.
    name : str, default="mlflow_logging"
        The parameter's name, for the error message.
    """
    if value is not None and not isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"{name} must be None (follow skopt_hp.autolog()), True or False, but got "
            f"{value!r} of type {type(value).__name__}."
        )


def resolve_tracker(switch: bool | None, *, estimator_search: bool = False) -> Tracker | None:
    """The tracker a search should log to, or None.

    Parameters
    ----------
    switch : bool or None
        The per-call switch (``mlflow_logging``): False never logs, True
        always logs, None follows ``skopt_hp.autolog()``; when that was
        never called, None logs inside an active MLflow run (``with
        mlflow.start_run(): ...``, in a process that imported mlflow), with
        the default options.
    estimator_search : bool, default=False
        True for :class:`~skopt_hp.HyperoptSearchCV`: when ``skopt_hp.autolog()``
        was never called, the search then also follows MLflow's own
        ``mlflow.sklearn.autolog()`` (and its ``log_models``), as
        ``GridSearchCV`` does.

    Returns
    -------
    Tracker or None

    Raises
    ------
    ImportError
        When logging is asked for and the integration's library is missing.
    """
    check_switch(switch)
    if switch is not None and not switch:
        return None
    enabled, options = get_default()
    if switch is None and not enabled:
        # Neither an active MLflow run nor MLflow's autolog can exist unless the user
        # imported mlflow: no import is needed to know.
        if enabled is False or not _imported("mlflow"):
            return None
        hooks = _mlflow_hooks()
        framework_options = hooks.framework_autolog_options() if estimator_search else None
        if framework_options is not None:
            options = framework_options
        elif not hooks.in_active_run():
            return None
    return _mlflow_hooks().make_tracker(**options)


def suppress_framework_autolog() -> contextlib.AbstractContextManager[Any]:
    """A context in which MLflow's own autologging (if it was switched on) is off.

    ``mlflow.sklearn.autolog()`` patches scikit-learn estimators, not
    ``HyperoptSearchCV``; without this, every cross-validation fit and the
    refit run in this process would open a run of its own.

    Returns
    -------
    contextlib.AbstractContextManager
    """
    if not _imported("mlflow"):
        return contextlib.nullcontext()
    return _mlflow_hooks().disabled_framework_autolog()
