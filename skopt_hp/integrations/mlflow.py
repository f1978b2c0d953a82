"""MLflow tracking of searches: a parent run per search, a nested run per trial.

Install with ``pip install "skopt_hp[mlflow]"``. Switch logging on for every
search with :func:`autolog` (``skopt_hp.autolog()``), or per call with
``fmin(..., mlflow_logging=True)`` / ``HyperoptSearchCV(..., mlflow_logging=True)``.

* The parent run holds the search's settings (parameters), the space
  (artifact ``search_space.txt``), the best parameters (``best_<name>``),
  the best loss or score and the number of trials. When a run is active
  (``with mlflow.start_run(): ...``), the search logs into it; a second
  search in the same run gets a nested run of its own.
* One nested run per trial: its active parameters, ``loss`` and the other
  metrics (for ``HyperoptSearchCV``, every ``mean_*``/``std_*`` column of
  ``cv_results_``), its status, and the error of a failed trial.
* ``HyperoptSearchCV``'s refit ``best_estimator_`` is logged as an MLflow
  model (scikit-learn flavour, cloudpickle) named ``"model"``, with a
  signature and an input example from the first rows of ``X``.

Runs are created from the driver process only, in batches, from a background
thread (``MlflowClient.create_run`` + ``log_batch`` + ``set_terminated``).
Importing this module does not import MLflow; see ``docs/mlflow.md``.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import logging
import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .. import _tracking

__all__ = ["MlflowTracker", "autolog"]

logger = logging.getLogger(__name__)

INSTALL_HINT = 'pip install "skopt_hp[mlflow]"'

#: Name of the logged model of a search's best estimator.
MODEL_NAME = "model"
#: Rows of ``X`` kept as the model's input example.
N_EXAMPLE_ROWS = 5
#: Tag marking a run that holds a search (a second search in that run gets a nested run).
SEARCH_TAG = "skopt_hp.search"
#: MLflow's limits: keys, tag values, entries per ``log_batch`` call.
MAX_KEY_LENGTH = 250
MAX_TAG_LENGTH = 7900
MAX_PARAMS_PER_BATCH = 100
MAX_METRICS_PER_BATCH = 900

_INVALID_KEY_CHARACTER = re.compile(r"[^\w./\- ]")


def _require_mlflow() -> Any:
    """Import mlflow, or raise an ImportError naming the extra to install."""
    try:
        import mlflow
    except ImportError as exc:
        raise ImportError(
            "skopt_hp's MLflow logging needs the 'mlflow' package, which cannot be imported "
            f"({exc}): {INSTALL_HINT}"
        ) from exc
    return mlflow


def autolog(
    disable: bool = False,
    *,
    log_models: bool = True,
    log_input_examples: bool = True,
    log_model_signatures: bool = True,
    pip_requirements: Sequence[str] | None = None,
) -> None:
    """Log every search of this process to MLflow (or stop doing so).

    Applies to :func:`skopt_hp.fmin` and :class:`~skopt_hp.HyperoptSearchCV`
    calls whose ``mlflow_logging`` is None (the default); ``True`` or
    ``False`` there overrides it. Each search gets a parent run, and each
    trial a nested run; see :mod:`skopt_hp.integrations.mlflow` and
    ``docs/mlflow.md``.

    Runs go to MLflow's tracking URI (``MLFLOW_TRACKING_URI`` or
    ``mlflow.set_tracking_uri``); when none is set, to the SQLite store
    ``sqlite:///<working directory>/mlflow.db``, which becomes the process's
    tracking URI.

    Parameters
    ----------
    disable : bool, default=False
        Stop logging searches whose ``mlflow_logging`` is None. Once
        disabled, a ``HyperoptSearchCV`` no longer follows MLflow's own
        ``mlflow.sklearn.autolog()`` either.
    log_models : bool, default=True
        Log ``HyperoptSearchCV``'s refit ``best_estimator_`` as an MLflow
        model named ``"model"`` in the search's run.
    log_input_examples : bool, default=True
        Store the first rows of ``X`` with the model.
    log_model_signatures : bool, default=True
        Store the model's signature, inferred from the first rows of ``X`` and
        the model's predictions on them.
    pip_requirements : list of str, optional
        The model's requirements. By default, pinned versions of
        scikit-learn, cloudpickle, numpy and of the packages the estimator's
        classes come from (e.g. xgboost), which spares MLflow's slow
        inference of requirements.

    Raises
    ------
    ImportError
        When logging is switched on and MLflow is not installed.

    Examples
    --------
    >>> import skopt_hp
    >>> skopt_hp.autolog()  # doctest: +SKIP
    >>> search.fit(X, y)  # a parent run, one nested run per candidate, the model  # doctest: +SKIP
    """
    if not disable:
        _require_mlflow()
    options = {
        "log_models": bool(log_models),
        "log_input_examples": bool(log_input_examples),
        "log_model_signatures": bool(log_model_signatures),
        "pip_requirements": None if pip_requirements is None else list(pip_requirements),
    }
    _tracking.set_default(not disable, options)


# ---------------------------------------------------------------------------
# Hooks called by skopt_hp._tracking._switch (handed down at the end of this module)
# ---------------------------------------------------------------------------
def make_tracker(**options: Any) -> MlflowTracker:
    """A tracker with ``options`` (those of :func:`autolog`); MLflow must be importable."""
    _require_mlflow()
    return MlflowTracker(**options)


def in_active_run() -> bool:
    """Whether an MLflow run is active in this thread (``mlflow.start_run()``)."""
    import mlflow

    return mlflow.active_run() is not None


def framework_autolog_options() -> dict[str, Any] | None:
    """Tracker options when MLflow's ``mlflow.sklearn.autolog()`` is on, else None."""
    from mlflow.utils.autologging_utils import autologging_is_disabled, get_autologging_config

    if autologging_is_disabled("sklearn"):
        return None
    return {
        "log_models": bool(get_autologging_config("sklearn", "log_models", True)),
        "log_input_examples": bool(get_autologging_config("sklearn", "log_input_examples", False)),
        "log_model_signatures": bool(
            get_autologging_config("sklearn", "log_model_signatures", True)
        ),
    }


@contextlib.contextmanager
def disabled_framework_autolog() -> Iterator[None]:
    """MLflow's autologging switched off (all flavours) within the block.

    ``mlflow.utils.autologging_utils.disable_autologging`` sets a global flag
    and clears it on exit; inside a block of the user's own, the flag is
    already set and must stay set, so nothing is done.
    """
    from mlflow.utils import autologging_utils

    if getattr(autologging_utils, "_AUTOLOGGING_GLOBALLY_DISABLED", False):
        yield
        return
    with autologging_utils.disable_autologging():
        yield


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def _ensure_tracking_uri(mlflow: Any) -> str:
    """The tracking URI to use; a SQLite store in the working directory when none is set.

    MLflow's own default is the same file unless ``./mlruns`` holds old data,
    in which case it falls back to the file store, which refuses to start
    from MLflow 3.13 on; being explicit avoids that surprise.
    """
    if not mlflow.is_tracking_uri_set():
        uri = "sqlite:///" + os.path.abspath("mlflow.db").replace(os.sep, "/")
        mlflow.set_tracking_uri(uri)
        logger.info("MLflow tracking URI not set: logging to %s.", uri)
    return mlflow.get_tracking_uri()


def _key(name: str) -> str:
    """``name`` as a valid MLflow parameter/metric key (unchanged when it already is)."""
    key = _INVALID_KEY_CHARACTER.sub("_", str(name))[:MAX_KEY_LENGTH]
    if os.path.normpath(key) != key:  # "a//b", "./x": MLflow refuses keys that are not canonical
        key = key.replace("/", "_")
    return key or "_"


def _tail(text: str, limit: int = MAX_TAG_LENGTH) -> str:
    """The end of ``text`` (where a traceback's error is) within MLflow's tag limit."""
    return text if len(text) <= limit else "..." + text[-(limit - 3) :]


def _head(text: str, limit: int = MAX_TAG_LENGTH) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _context_tags() -> dict[str, str]:
    """The user/source tags MLflow's fluent API adds to runs it creates."""
    try:
        from mlflow.tracking.context.registry import resolve_tags

        return {k: str(v) for k, v in resolve_tags({}).items()}
    except Exception:  # noqa: BLE001 - optional decoration; never worth failing a search
        return {}


def _current_experiment_id() -> str | None:
    """The experiment fluent calls would use (``mlflow.set_experiment``, env vars, default)."""
    from mlflow.tracking.fluent import _get_experiment_id

    return _get_experiment_id()


def _components(estimator: Any) -> list[Any]:
    """``estimator`` and every estimator among its (deep) parameters."""
    found = [estimator]
    try:
        params = estimator.get_params(deep=True)
    except Exception:  # noqa: BLE001 - not a scikit-learn estimator
        return found
    found += [v for v in params.values() if hasattr(v, "get_params") and not isinstance(v, type)]
    return found


@functools.lru_cache(maxsize=1)
def _module_distributions() -> Mapping[str, list[str]]:
    return importlib.metadata.packages_distributions()


@functools.lru_cache(maxsize=64)
def _requirement(module: str) -> str | None:
    """``"<distribution>==<version>"`` of the installed package providing ``module``."""
    # Most distributions are named as their module; asking for them directly is much
    # faster than mapping every installed package (packages_distributions: ~0.5 s).
    candidates = [{"sklearn": "scikit-learn"}.get(module, module)]
    for name in candidates + list(_module_distributions().get(module, [])):
        try:
            return f"{name}=={importlib.metadata.version(name)}"
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def model_requirements(estimator: Any) -> list[str]:
    """Pinned pip requirements of a pickled scikit-learn ``estimator``.

    scikit-learn, cloudpickle and numpy, plus the distribution of every
    top-level module the estimator's classes (and its inner estimators')
    come from, e.g. ``xgboost`` for an ``XGBRegressor`` inside a pipeline.
    Classes defined in ``__main__`` or in modules that no installed
    distribution provides are skipped: they must be importable where the
    model is loaded.
    """
    modules = {"sklearn", "cloudpickle", "numpy"}
    for component in _components(estimator):
        modules.add(type(component).__module__.split(".")[0])
    requirements = []
    for module in sorted(modules - {"__main__", "builtins"}):
        requirement = _requirement(module)
        if requirement is not None and requirement not in requirements:
            requirements.append(requirement)
    return requirements


def _head_rows(X: Any, n: int) -> Any:
    """The first ``n`` rows of ``X`` (DataFrame, array, list), or None (sparse, unknown)."""
    if X is None or hasattr(X, "tocsr"):  # MLflow cannot take a sparse input example
        return None
    try:
        if hasattr(X, "iloc"):
            return X.iloc[:n]
        if hasattr(X, "shape") and hasattr(X, "__getitem__"):
            return X[:n]
        if isinstance(X, Sequence) and not isinstance(X, (str, bytes)):
            return list(X[:n])
    except Exception:  # noqa: BLE001 - an input example is optional
        return None
    return None


class _DropPickleWarning(logging.Filter):
    """Drops mlflow.sklearn's warning about pickle formats (cloudpickle is chosen on purpose)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Saving scikit-learn models in the pickle")


@contextlib.contextmanager
def _quiet_pickle_warning() -> Iterator[None]:
    # The warning is repeated at every search; docs/mlflow.md explains the choice once.
    sklearn_logger = logging.getLogger("mlflow.sklearn")
    dropper = _DropPickleWarning()
    sklearn_logger.addFilter(dropper)
    try:
        yield
    finally:
        sklearn_logger.removeFilter(dropper)


# ---------------------------------------------------------------------------
# The tracker
# ---------------------------------------------------------------------------
class MlflowTracker:
    """Logs one search to MLflow (a :class:`skopt_hp._tracking.Tracker`).

    Parameters
    ----------
    log_models, log_input_examples, log_model_signatures, pip_requirements
        As in :func:`autolog`.

    Attributes
    ----------
    run_id : str or None
        The search's run, once started.
    model_uri : str or None
        The URI of the logged best model, once logged.
    """

    def __init__(
        self,
        *,
        log_models: bool = True,
        log_input_examples: bool = True,
        log_model_signatures: bool = True,
        pip_requirements: Sequence[str] | None = None,
    ) -> None:
        self.log_models = log_models
        self.log_input_examples = log_input_examples
        self.log_model_signatures = log_model_signatures
        self.pip_requirements = None if pip_requirements is None else list(pip_requirements)
        self.run_id: str | None = None
        self.model_uri: str | None = None
        self._client: Any = None
        self._experiment_id: str | None = None
        self._owns_run = False
        self._context: dict[str, str] = {}

    # -- the parent run ------------------------------------------------------
    def start(self, info: _tracking.SearchInfo) -> None:
        mlflow = _require_mlflow()
        from mlflow import MlflowClient

        _ensure_tracking_uri(mlflow)
        self._client = client = MlflowClient()
        self._context = _context_tags()
        tags = {SEARCH_TAG: info.kind, **info.tags}
        active = mlflow.active_run()
        if active is not None and SEARCH_TAG not in client.get_run(active.info.run_id).data.tags:
            # The user's run is the search's run, as MLflow's GridSearchCV autologging does.
            try:
                self._log_batch(active.info.run_id, params=info.settings, tags=tags)
            except mlflow.exceptions.MlflowException as exc:
                # Typically a parameter of the same name already logged with another value.
                logger.warning(
                    "Cannot log the search's settings into the active run %s (%s); logging the "
                    "search in a nested run instead.",
                    active.info.run_id,
                    exc,
                )
            else:
                self.run_id = active.info.run_id
                self._experiment_id = active.info.experiment_id
                self._owns_run = False
        if self.run_id is None:
            if active is not None:
                tags["mlflow.parentRunId"] = active.info.run_id
                self._experiment_id = active.info.experiment_id
            else:
                self._experiment_id = _current_experiment_id()
            run = client.create_run(
                self._experiment_id, tags={**self._context, **tags}, run_name=info.run_name
            )
            self.run_id = run.info.run_id
            self._owns_run = True
            self._log_batch(self.run_id, params=info.settings)
        for file_name, text in info.artifacts.items():
            client.log_text(self.run_id, text, file_name)

    def _log_batch(
        self,
        run_id: str,
        *,
        params: Mapping[str, str] | None = None,
        metrics: Mapping[str, float] | None = None,
        tags: Mapping[str, str] | None = None,
        timestamp: int | None = None,
    ) -> None:
        from mlflow.entities import Metric, Param, RunTag

        stamp = timestamp if timestamp is not None else int(time.time() * 1000)
        param_list = [Param(_key(k), str(v)) for k, v in (params or {}).items()]
        tag_list = [RunTag(k, str(v)) for k, v in (tags or {}).items()]
        metric_list = [Metric(_key(k), float(v), stamp, 0) for k, v in (metrics or {}).items()]
        # One call for the usual small batch; MLflow caps each kind per call.
        while param_list or tag_list or metric_list:
            self._client.log_batch(
                run_id,
                params=param_list[:MAX_PARAMS_PER_BATCH],
                tags=tag_list[:MAX_PARAMS_PER_BATCH],
                metrics=metric_list[:MAX_METRICS_PER_BATCH],
            )
            param_list = param_list[MAX_PARAMS_PER_BATCH:]
            tag_list = tag_list[MAX_PARAMS_PER_BATCH:]
            metric_list = metric_list[MAX_METRICS_PER_BATCH:]

    # -- the trials ---------------------------------------------------------
    def log_trials(self, records: Sequence[_tracking.TrialRecord]) -> None:
        client = self._client
        for record in records:
            tags = {
                **self._context,
                "mlflow.parentRunId": self.run_id,
                "skopt_hp.trial": str(record.number),
                "status": record.status,
            }
            if record.error:
                tags["error"] = _head(record.error)
            if record.traceback:
                tags["traceback"] = _tail(record.traceback)
            run = client.create_run(
                self._experiment_id,
                start_time=record.start_ms,
                tags=tags,
                run_name=f"trial-{record.number}",
            )
            self._log_batch(
                run.info.run_id,
                params=record.params,
                metrics=record.metrics,
                timestamp=record.end_ms,
            )
            client.set_terminated(run.info.run_id, status=record.state, end_time=record.end_ms)

    # -- the end -------------------------------------------------------------
    def finish(self, outcome: _tracking.SearchOutcome) -> None:
        try:
            self._log_batch(
                self.run_id, params=outcome.params, metrics=outcome.metrics, tags=outcome.tags
            )
            if self.log_models and outcome.model is not None:
                try:
                    self._log_model(outcome.model, outcome.X_sample)
                except Exception as exc:  # noqa: BLE001 - the runs are worth keeping without it
                    logger.warning(
                        "Could not log the best estimator as an MLflow model in run %s: %s: %s",
                        self.run_id,
                        type(exc).__name__,
                        exc,
                    )
        finally:
            if self._owns_run:
                self._client.set_terminated(self.run_id, status=outcome.status)

    def _log_model(self, model: Any, X: Any) -> None:
        import mlflow.sklearn
        from mlflow.models import infer_signature

        sample = _head_rows(X, N_EXAMPLE_ROWS)
        signature = None
        if self.log_model_signatures and sample is not None:
            try:
                output = model.predict(sample) if hasattr(model, "predict") else None
            except Exception:  # noqa: BLE001 - a signature of the input alone still helps
                output = None
            signature = infer_signature(sample, output)
        with _quiet_pickle_warning():
            info = mlflow.sklearn.log_model(
                model,
                name=MODEL_NAME,
                run_id=self.run_id,
                signature=signature,
                input_example=sample if self.log_input_examples else None,
                # skops refuses XGBoost inside a Pipeline; cloudpickle takes any estimator.
                serialization_format="cloudpickle",
                # Explicit: MLflow's inference of requirements takes 6-9 s.
                pip_requirements=self.pip_requirements or model_requirements(model),
            )
        self.model_uri = info.model_uri
        self._client.set_tag(self.run_id, "skopt_hp.model_uri", info.model_uri)


# The loops sit below this module and cannot import it: it hands its hooks down.
_tracking.provide_mlflow(
    _tracking.MlflowHooks(
        make_tracker=make_tracker,
        in_active_run=in_active_run,
        framework_autolog_options=framework_autolog_options,
        disabled_framework_autolog=disabled_framework_autolog,
    )
)
