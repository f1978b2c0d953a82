"""Trial records and the hyperopt-compatible ``Trials`` store.

A trial is a typed record (:class:`Trial`) with a :class:`TrialState`; the
Mongo-shaped dictionaries hyperopt users know (``trials.trials[i]['misc']
['vals']``...) are built on demand as views.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import enum
import math
import numbers
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._observed import ObservationLog
from .exceptions import AllTrialsFailed
from .samplers import Observations
from .space import SearchSpace

__all__ = [
    "STATUS_FAIL",
    "STATUS_NEW",
    "STATUS_OK",
    "STATUS_RUNNING",
    "STATUS_STRINGS",
    "STATUS_SUSPENDED",
    "AllTrialsFailed",
    "Trial",
    "TrialState",
    "Trials",
    "provide",
]

# Trials.fmin runs the search loop, and Trials.save/load/to_dataframe use the trials file
# format: both live in modules above the store that import it (skopt_hp._fmin and
# skopt_hp._persist). They hand those functions down when they are imported, which
# `import skopt_hp` always does, so the store never imports a module above it.
_SERVICES = ("fmin", "save_trials", "load_trials", "trials_to_dataframe")
_provided: dict[str, Callable[..., Any]] = {}


def provide(**functions: Callable[..., Any]) -> None:
    """Hand the store a function of a module above it (called by that module on import).

    Parameters
    ----------
    **functions : callable
        By name: ``fmin`` (for :meth:`Trials.fmin`), ``save_trials``,
        ``load_trials`` and ``trials_to_dataframe`` (for :meth:`Trials.save`,
        :meth:`Trials.load` and :meth:`Trials.to_dataframe`).
    """
    unknown = sorted(set(functions) - set(_SERVICES))
    if unknown:
        raise ValueError(f"provide: unknown service(s) {unknown}; known: {list(_SERVICES)}.")
    _provided.update(functions)


def _service(name: str) -> Callable[..., Any]:
    try:
        return _provided[name]
    except KeyError:
        raise RuntimeError(
            f"Trials needs {name!r}, which skopt_hp provides when the package is imported; "
            "import skopt_hp (not only skopt_hp._trials)."
        ) from None


STATUS_NEW = "new"
STATUS_RUNNING = "running"
STATUS_SUSPENDED = "suspended"
STATUS_OK = "ok"
STATUS_FAIL = "fail"
STATUS_STRINGS = (STATUS_NEW, STATUS_RUNNING, STATUS_SUSPENDED, STATUS_OK, STATUS_FAIL)


class TrialState(enum.IntEnum):
    """Life cycle of a trial; the values are hyperopt's ``JOB_STATE_*``."""

    NEW = 0
    RUNNING = 1
    DONE = 2
    ERROR = 3
    CANCEL = 4


#: The states of the trials hyperopt's views show (``JOB_VALID_STATES``): a trial whose
#: objective raised (``ERROR``) or that was cancelled (``CANCEL``) is only in the records.
VISIBLE_STATES = frozenset({TrialState.NEW, TrialState.RUNNING, TrialState.DONE})


def _now() -> _dt.datetime:
    # hyperopt stores naive UTC datetimes truncated to milliseconds.
    now = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@dataclass(eq=False)
class Trial:
    """One evaluation of the objective.

    Attributes
    ----------
    tid : int
        Trial id, unique within its ``Trials``.
    params : dict
        Label to external value for the active parameters (choice indices).
    state : TrialState
    result : dict
        What the objective returned, normalised to hold ``status`` (and
        ``loss`` when ``status == "ok"``).
    book_time, refresh_time : datetime or None
        When the trial started and when it last changed (naive UTC).
    z : ndarray or None
        The internal row of ``params``, cached for samplers.
    """

    tid: int
    params: dict[str, Any]
    state: TrialState = TrialState.NEW
    result: dict[str, Any] = field(default_factory=lambda: {"status": STATUS_NEW})
    book_time: _dt.datetime | None = None
    refresh_time: _dt.datetime | None = None
    z: np.ndarray | None = field(default=None, repr=False)

    @property
    def status(self) -> str:
        return self.result.get("status", STATUS_NEW)

    @property
    def loss(self) -> float | None:
        """The loss of a successful trial with a finite loss, else ``None``."""
        if self.state != TrialState.DONE or self.status != STATUS_OK:
            return None
        loss = self.result.get("loss")
        if loss is None:
            return None
        loss = float(loss)
        return loss if math.isfinite(loss) else None

    @property
    def is_finished(self) -> bool:
        return self.state in (TrialState.DONE, TrialState.ERROR, TrialState.CANCEL)

    def document(self, labels: tuple[str, ...]) -> dict[str, Any]:
        """This trial as the dict hyperopt keeps in ``Trials.trials``."""
        vals = {label: ([self.params[label]] if label in self.params else []) for label in labels}
        idxs = {label: ([self.tid] if label in self.params else []) for label in labels}
        misc: dict[str, Any] = {
            "tid": self.tid,
            "cmd": ("domain_attachment", "FMinIter_Domain"),
            "workdir": None,
            "idxs": idxs,
            "vals": vals,
        }
        failure = self.result.get("failure")
        if self.state == TrialState.ERROR and isinstance(failure, Mapping):
            # hyperopt keeps (exception type, message) of a trial that raised here.
            misc["error"] = (str(failure.get("type")), str(failure.get("message")))
        return {
            "state": int(self.state),
            "tid": self.tid,
            "spec": None,
            "result": self.result,
            "misc": misc,
            "exp_key": None,
            "owner": None,
            "version": 0,
            "book_time": self.book_time,
            "refresh_time": self.refresh_time,
        }


class Trials:
    """The record of a search, with hyperopt's accessors.

    Passing the same ``Trials`` to ``fmin`` again continues the search.

    As in hyperopt, trials whose objective raised (state ``ERROR``, with
    ``catch_eval_exceptions=True``) and cancelled trials (state ``CANCEL``:
    a ``SparkTrials`` or ``fmin`` timeout) are left out of hyperopt's views:
    ``len(trials)``, iteration, :attr:`trials`, :attr:`results`,
    :meth:`losses`, :meth:`statuses`, :attr:`tids`, :attr:`miscs`,
    :attr:`vals`, :attr:`idxs` and :meth:`count_by_state_synced`. They stay
    in :attr:`records` (typed), in :attr:`all_trials` (hyperopt's documents,
    also reachable under hyperopt's private name ``_dynamic_trials``) and in
    :meth:`count_by_state_unsynced`. A trial whose objective returned
    ``status="fail"`` finished (state ``DONE``) and is shown.

    Everything a search reads after each trial (the encoded observations
    handed to the sampler, the best trial, the counts per state, the
    hyperopt documents of :attr:`trials`) is kept up to date as trials
    change, so the cost of a trial does not grow with the number of trials.
    Change trials through the methods of this class (:meth:`new_trial`,
    :meth:`start`, :meth:`complete`, :meth:`fail`, :meth:`cancel`,
    :meth:`extend`); :attr:`records` is a read-only view.

    Examples
    --------
    >>> from skopt_hp import Trials, fmin, hp, tpe
    >>> trials = Trials()
    >>> best = fmin(lambda x: (x - 1) ** 2, hp.uniform("x", -5, 5), algo=tpe.suggest,
    ...             max_evals=20, trials=trials, rstate=0, show_progressbar=False)
    >>> len(trials)
    20
    >>> def sometimes(x):
    ...     if x > 0:
    ...         raise ValueError("x > 0")
    ...     return x ** 2
    >>> trials = Trials()
    >>> _ = fmin(sometimes, hp.uniform("x", -1, 1), algo=tpe.suggest, max_evals=10,
    ...          trials=trials, rstate=0, catch_eval_exceptions=True, show_progressbar=False)
    >>> len(trials) + trials.count_by_state_unsynced(TrialState.ERROR) == len(trials.records) == 10
    True
    """

    #: hyperopt's flag for trials evaluated by other processes; ``fmin`` runs these itself.
    asynchronous = False

    def __init__(self) -> None:
        self.labels: tuple[str, ...] = ()
        self.attachments: dict[str, Any] = {}
        self._space: SearchSpace | None = None
        self._reset()

    def _reset(self) -> None:
        self._records: list[Trial] = []
        self._next_tid = 0
        self._counts = [0] * len(TrialState)
        self._best: Trial | None = None
        self._log: ObservationLog | None = (
            ObservationLog(self._space.n_params) if self._space is not None else None
        )
        # What each trial contributes to the log: None (nothing), "pending", "done", "failed".
        self._kind: dict[int, str | None] = {}
        self._position: dict[int, int] = {}
        # The hyperopt documents of the records, in order, and the positions to (re)build;
        # a document is filled in place, so the visible list below holds the same dicts.
        self._docs: list[dict[str, Any]] = []
        self._unbuilt: set[int] = set()
        # Positions of the trials in VISIBLE_STATES, ascending, and their documents.
        self._visible: list[int] = []
        self._visible_docs: list[dict[str, Any]] = []
        self._seen_labels: dict[str, None] = {}

    def __getstate__(self) -> dict[str, Any]:
        # The caches are rebuilt on unpickling: older pickles and copies stay consistent.
        state = self.__dict__.copy()
        for key in (
            "_counts",
            "_best",
            "_log",
            "_kind",
            "_position",
            "_docs",
            "_unbuilt",
            "_visible",
            "_visible_docs",
            "_seen_labels",
        ):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        records = state.pop("_records", [])
        self.__dict__.update(state)
        self._reset()
        self.extend(records)

    # -- binding to a space --------------------------------------------------
    @property
    def space(self) -> SearchSpace | None:
        """The search space these trials are bound to (``None`` before a search)."""
        return self._space

    def bind(self, space: SearchSpace) -> None:
        """Attach the space whose points these trials hold.

        Encodes every trial for the samplers (one pass). Raises
        ``ValueError`` when the trials already hold points of a space with
        other labels (continuing a search with a different space).
        """
        if self._records and self.labels and set(self.labels) != set(space.labels):
            raise ValueError(
                "These trials were recorded on a different search space: labels "
                f"{sorted(self.labels)} != {sorted(space.labels)}."
            )
        if self._space is space:
            return
        records = self._records
        if records:
            Z = space.encode([t.params for t in records])
            for trial, z in zip(records, Z, strict=True):
                trial.z = z
        self._space = space
        self.labels = space.labels
        self._log = ObservationLog(space.n_params)
        self._kind = {}
        for trial in records:
            self._classify(trial)
        self._unbuilt.update(range(len(records)))

    # -- incremental bookkeeping ---------------------------------------------------
    def _classify(self, trial: Trial) -> None:
        """Put ``trial`` where it belongs in the observation log (after a change)."""
        log = self._log
        old = self._kind.get(trial.tid)
        if trial.is_finished:
            new = "done" if trial.loss is not None else "failed"
        else:
            new = "pending"
        if log is None:
            self._kind[trial.tid] = None
            return
        if trial.z is None:
            trial.z = self._space.encode([trial.params])[0]
        if old == new and new != "done":
            return
        if old == "pending":
            log.remove_pending(trial.tid)
        elif old == "done":
            log.remove_done(trial.tid)
        elif old == "failed":
            log.n_failed -= 1
        if new == "pending":
            log.add_pending(trial.tid, trial.z)
        elif new == "done":
            log.add_done(trial.tid, trial.z, trial.loss)
        else:
            log.n_failed += 1
        self._kind[trial.tid] = new

    def _update_best(self, trial: Trial, was_best: bool) -> None:
        loss, best = trial.loss, self._best
        if was_best and (loss is None or loss > best.loss):
            # The best trial got worse (recorded again): the only case that needs a scan.
            self._best = None
            for t in self._records:
                if t.loss is not None and (self._best is None or t.loss < self._best.loss):
                    self._best = t
            return
        if loss is not None and (
            best is None or loss < best.loss or (loss == best.loss and trial.tid < best.tid)
        ):
            self._best = trial

    def _set(self, trial: Trial, state: TrialState, result: dict[str, Any]) -> None:
        """Change a trial's state and result, keeping every cache in step."""
        was_best = trial is self._best
        was_visible = trial.state in VISIBLE_STATES
        self._counts[trial.state] -= 1
        trial.state = state
        trial.result = result
        self._counts[state] += 1
        self._classify(trial)
        self._update_best(trial, was_best)
        position = self._position[trial.tid]
        self._unbuilt.add(position)
        if was_visible != (state in VISIBLE_STATES):
            self._toggle_visible(position)

    def _toggle_visible(self, position: int) -> None:
        """Show or hide the trial at ``position`` in hyperopt's views.

        A trial that just failed is usually among the last ones shown, so
        the deletion moves few list entries.
        """
        index = bisect.bisect_left(self._visible, position)
        if index < len(self._visible) and self._visible[index] == position:
            del self._visible[index]
            del self._visible_docs[index]
        else:
            self._visible.insert(index, position)
            self._visible_docs.insert(index, self._docs[position])

    def _append(self, trial: Trial) -> None:
        position = len(self._records)
        self._position[trial.tid] = position
        self._unbuilt.add(position)
        self._records.append(trial)
        self._docs.append({})
        if trial.state in VISIBLE_STATES:
            self._visible.append(position)
            self._visible_docs.append(self._docs[position])
        self._counts[trial.state] += 1
        self._next_tid = max(self._next_tid, trial.tid + 1)
        if not self.labels:
            self._seen_labels.update(dict.fromkeys(trial.params))
        self._classify(trial)
        self._update_best(trial, False)

    # -- mutation ------------------------------------------------------------
    def new_trial(self, params: Mapping[str, Any], *, z: np.ndarray | None = None) -> Trial:
        """Record a new trial in state ``NEW`` and return it."""
        trial = Trial(tid=self._next_tid, params=dict(params), z=z)
        self._append(trial)
        return trial

    def extend(self, records: Iterable[Trial]) -> None:
        """Append existing :class:`Trial` records (loading a file, merging searches).

        Parameters
        ----------
        records : iterable of Trial
            Records whose ``tid`` is not already used here.
        """
        for trial in records:
            if trial.tid in self._position:
                raise ValueError(f"Trial id {trial.tid} is already in these trials.")
            self._append(trial)

    def start(self, trial: Trial) -> None:
        trial.book_time = trial.refresh_time = _now()
        self._set(trial, TrialState.RUNNING, {"status": STATUS_RUNNING})

    def complete(self, trial: Trial, result: Mapping[str, Any]) -> None:
        """Store a finished evaluation (``result`` holds ``status`` and ``loss``)."""
        self._finish(trial, TrialState.DONE, dict(result))

    def _finish(self, trial: Trial, state: TrialState, result: dict[str, Any]) -> None:
        trial.refresh_time = _now()
        if trial.book_time is None:
            trial.book_time = trial.refresh_time
        self._set(trial, state, result)

    def fail(
        self,
        trial: Trial,
        message: str,
        *,
        traceback: str | None = None,
        exc_type: str | None = None,
    ) -> None:
        """Record that evaluating the trial raised."""
        failure = {"type": exc_type, "message": message}
        if traceback is not None:
            failure["traceback"] = traceback
        self._finish(trial, TrialState.ERROR, {"status": STATUS_FAIL, "failure": failure})

    def cancel(self, trial: Trial, reason: str = "cancelled") -> None:
        result = {"status": STATUS_FAIL, "failure": {"type": "Cancelled", "message": reason}}
        self._finish(trial, TrialState.CANCEL, result)

    def delete_all(self) -> None:
        """Forget every trial and attachment (hyperopt's ``Trials.delete_all``)."""
        self._reset()
        self.attachments.clear()

    def refresh(self) -> None:
        """Do nothing: the views follow the records as they change.

        hyperopt needs ``refresh()`` after inserting trial documents; it is
        kept so that code calling it runs unchanged.
        """

    def remove_unfinished(self) -> list[Trial]:
        """Drop trials that never finished (e.g. after an interrupt) and return them."""
        if not self.n_unfinished:
            return []
        dropped = [t for t in self._records if not t.is_finished]
        kept = [t for t in self._records if t.is_finished]
        self._reset()
        self.extend(kept)
        return dropped

    # -- typed access ----------------------------------------------------------
    @property
    def records(self) -> Sequence[Trial]:
        """The :class:`Trial` records, in insertion order (a read-only view)."""
        return _RecordsView(self._records)

    @property
    def n_unfinished(self) -> int:
        """Trials in state ``NEW`` or ``RUNNING``."""
        return self._counts[TrialState.NEW] + self._counts[TrialState.RUNNING]

    def count(self, *states: TrialState) -> int:
        """How many trials are in any of ``states`` (O(1))."""
        return sum(self._counts[state] for state in states)

    @property
    def best_loss(self) -> float | None:
        """The lowest finite loss of a successful trial, or ``None``."""
        return None if self._best is None else self._best.loss

    def __len__(self) -> int:
        """The number of trials hyperopt counts (not failed or cancelled ones)."""
        return len(self._visible)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.trials)

    def __repr__(self) -> str:
        n_ok = 0 if self._log is None else self._log.n_done
        if self._log is None:
            n_ok = sum(t.loss is not None for t in self._records)
        n_hidden = self.count(TrialState.ERROR, TrialState.CANCEL)
        hidden = f", n_failed_or_cancelled={n_hidden}" if n_hidden else ""
        best = "" if self._best is None else f", best_loss={self._best.loss:.6g}"
        return f"Trials(n_trials={len(self)}, n_ok={n_ok}{hidden}{best})"

    def observations(self, space: SearchSpace) -> Observations:
        """Finished successful trials and pending ones, encoded for samplers."""
        if space is not self._space:
            self.bind(space)
        return self._log.observations()

    # -- hyperopt's views -------------------------------------------------------
    def _labels(self) -> tuple[str, ...]:
        return self.labels or tuple(self._seen_labels)

    def _build_documents(self) -> None:
        if self._unbuilt:
            docs, records, labels = self._docs, self._records, self._labels()
            for i in self._unbuilt:
                doc = docs[i]
                doc.clear()
                doc.update(records[i].document(labels))
            self._unbuilt.clear()

    def _shown(self) -> list[Trial]:
        records = self._records
        return [records[i] for i in self._visible]

    @property
    def trials(self) -> list[dict[str, Any]]:
        """Trial documents shaped as hyperopt's (``tid``, ``result``, ``misc`` ...).

        Failed (``ERROR``) and cancelled trials are left out, as in hyperopt
        (see :attr:`all_trials`). The list and its documents are kept up to
        date, not rebuilt: treat them as read-only.
        """
        self._build_documents()
        return self._visible_docs

    @property
    def all_trials(self) -> list[dict[str, Any]]:
        """The documents of every trial, failed and cancelled ones included.

        hyperopt keeps these in ``Trials._dynamic_trials``; that name works
        here too. Kept up to date: treat the list as read-only.
        """
        self._build_documents()
        return self._docs

    @property
    def _dynamic_trials(self) -> list[dict[str, Any]]:
        # hyperopt's private name for all_trials, read by code looking for failed trials.
        return self.all_trials

    @property
    def tids(self) -> list[int]:
        return [t.tid for t in self._shown()]

    @property
    def results(self) -> list[dict[str, Any]]:
        return [t.result for t in self._shown()]

    @property
    def miscs(self) -> list[dict[str, Any]]:
        return [doc["misc"] for doc in self.trials]

    @property
    def specs(self) -> list[None]:
        return [None for _ in self._visible]

    def losses(self, bandit: Any = None) -> list[float | None]:
        """Each shown trial's ``loss`` (``None`` where there is none), as hyperopt."""
        return [t.result.get("loss") for t in self._shown()]

    def statuses(self, bandit: Any = None) -> list[str]:
        """Each shown trial's ``status``, as hyperopt."""
        return [t.status for t in self._shown()]

    def count_by_state_synced(self, arg: int | Iterable[int], trials: Any = None) -> int:
        """How many of the shown trials are in state ``arg`` (one ``JOB_STATE_*`` or several).

        As in hyperopt, this counts what :attr:`trials` shows, so failed and
        cancelled trials count 0 here; :meth:`count_by_state_unsynced` counts
        every trial.

        Parameters
        ----------
        arg : int or iterable of int
            One state or a collection of states.
        trials : list of dict, optional
            Trial documents to count instead of these trials' (as hyperopt).

        Returns
        -------
        int
        """
        states = self._states(arg)
        if trials is None:
            return sum(self._counts[state] for state in states if state in VISIBLE_STATES)
        return sum(doc["state"] in states for doc in trials)

    def _states(self, arg: int | Iterable[int]) -> set[int]:
        if isinstance(arg, numbers.Integral) and not isinstance(arg, bool):
            states = {int(arg)}
        elif isinstance(arg, Iterable) and not isinstance(arg, (str, bytes)):
            states = {int(a) for a in arg}
        else:
            raise TypeError(f"arg must be a trial state or an iterable of states, got {arg!r}.")
        valid = {int(state) for state in TrialState}
        if not states <= valid:
            raise ValueError(f"Unknown trial state(s) {sorted(states - valid)}; states: {valid}.")
        return states

    def count_by_state_unsynced(self, arg: int | Iterable[int]) -> int:
        """How many trials, failed and cancelled ones included, are in state ``arg``.

        Parameters
        ----------
        arg : int or iterable of int
            One state (``JOB_STATE_*``, a :class:`TrialState`) or several.

        Returns
        -------
        int
        """
        return sum(self._counts[state] for state in self._states(arg))

    @property
    def idxs_vals(self) -> tuple[dict[str, list[int]], dict[str, list[Any]]]:
        """``(idxs, vals)``, as hyperopt's ``Trials.idxs_vals``."""
        return self.idxs, self.vals

    @property
    def vals(self) -> dict[str, list[Any]]:
        """Per label, the values of the shown trials where it was active."""
        out: dict[str, list[Any]] = {label: [] for label in self.labels}
        for t in self._shown():
            for label, value in t.params.items():
                out.setdefault(label, []).append(value)
        return out

    @property
    def idxs(self) -> dict[str, list[int]]:
        """Per label, the tids of the shown trials where it was active."""
        out: dict[str, list[int]] = {label: [] for label in self.labels}
        for t in self._shown():
            for label in t.params:
                out.setdefault(label, []).append(t.tid)
        return out

    def best_record(self) -> Trial:
        """The successful trial with the lowest loss (the earliest on ties)."""
        if self._best is None:
            raise AllTrialsFailed("No trial has finished with status 'ok' and a finite loss.")
        return self._best

    @property
    def best_trial(self) -> dict[str, Any]:
        """The document of the best trial (hyperopt's ``Trials.best_trial``)."""
        best = self.best_record()
        return best.document(self.labels or tuple(best.params))

    @property
    def argmin(self) -> dict[str, Any]:
        """The best trial's parameters (choice indices), as ``fmin`` returns them."""
        return dict(self.best_record().params)

    def average_best_error(self, bandit: Any = None) -> float:
        """The loss of the best trial (hyperopt's name for it)."""
        return float(self.best_record().loss)

    def aname(self, trial: Mapping[str, Any], name: str) -> str:
        """The key of attachment ``name`` of ``trial`` in :attr:`attachments` (as hyperopt)."""
        return f"ATTACH::{trial['tid']}::{name}"

    def trial_attachments(self, trial: Mapping[str, Any]) -> MutableMapping[str, Any]:
        """A mapping view of ``trial``'s attachments, stored in :attr:`attachments`.

        Attachments live in memory only: :meth:`save` does not write them.
        """
        return _Attachments(self, trial)

    def executor_for(self, settings: Any) -> tuple[Any, Any]:
        """Where ``fmin`` runs these trials: ``(settings, executor)``.

        ``fmin`` calls this with its validated settings (a
        ``skopt_hp._fmin.FminSettings``) before the search starts. ``None``
        as the executor means fmin's own (in this thread, or in a worker
        process with ``trial_timeout``). Subclasses that evaluate trials
        elsewhere (:class:`~skopt_hp.integrations.spark.SparkTrials`) return
        an object with the ``TrialExecutor`` protocol, and may return changed
        settings (``settings.replace(timeout=...)``).
        """
        return settings, None

    def fmin(
        self,
        fn: Any,
        space: Any,
        algo: Any = None,
        max_evals: int | None = None,
        timeout: float | None = None,
        loss_threshold: float | None = None,
        max_queue_len: int = 1,
        rstate: Any = None,
        verbose: bool = False,
        pass_expr_memo_ctrl: Any = None,
        catch_eval_exceptions: bool = False,
        return_argmin: bool = True,
        show_progressbar: Any = True,
        early_stop_fn: Any = None,
        trials_save_file: str = "",
        **kwargs: Any,
    ) -> Any:
        """Run :func:`skopt_hp.fmin` recording into these trials (as hyperopt's ``Trials.fmin``).

        The arguments, in hyperopt's order, are those of :func:`skopt_hp.fmin`
        (``points_to_evaluate`` and the other keyword-only ones may be given
        by keyword).
        """
        kwargs.pop("trials", None)
        return _service("fmin")(
            fn,
            space,
            algo=algo,
            max_evals=max_evals,
            timeout=timeout,
            loss_threshold=loss_threshold,
            max_queue_len=max_queue_len,
            rstate=rstate,
            verbose=verbose,
            pass_expr_memo_ctrl=pass_expr_memo_ctrl,
            catch_eval_exceptions=catch_eval_exceptions,
            return_argmin=return_argmin,
            show_progressbar=show_progressbar,
            early_stop_fn=early_stop_fn,
            trials_save_file=trials_save_file,
            trials=self,
            **kwargs,
        )

    # -- persistence and tabular view ---------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Save the finished trials to ``path`` as a JSON-lines journal (see :func:`save_trials`).

        The file is the one ``fmin(trials_save_file=path)`` writes and resumes
        from: a header, then one line per finished trial.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write, atomically; its directory must exist. A file
            a running search holds is not replaced (``JournalLockedError``).
        """
        _service("save_trials")(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike, space: Any = None) -> Trials:
        """Read trials saved by :meth:`save` (see :func:`load_trials`).

        Parameters
        ----------
        path : str or os.PathLike
            A journal, or a JSON file of the first (whole-file) format.
        space : SearchSpace or object, optional
            When given, the file must have been recorded with this space and
            every point must lie in it; the trials are then bound to it.

        Returns
        -------
        Trials
        """
        return _service("load_trials")(path, space, trials=cls())

    def to_dataframe(self) -> Any:
        """One row per trial as a ``pandas.DataFrame`` (see :func:`trials_to_dataframe`).

        Returns
        -------
        pandas.DataFrame
        """
        return _service("trials_to_dataframe")(self)

    def trials_dataframe(self) -> Any:
        """The same as :meth:`to_dataframe` (the name Optuna users look for)."""
        return self.to_dataframe()


class _Attachments(MutableMapping):
    """``Trials.trial_attachments(trial)``: one trial's slice of ``Trials.attachments``."""

    def __init__(self, trials: Trials, trial: Mapping[str, Any]) -> None:
        self._trials, self._prefix = trials, trials.aname(trial, "")

    def __getitem__(self, name: str) -> Any:
        return self._trials.attachments[self._prefix + name]

    def __setitem__(self, name: str, value: Any) -> None:
        self._trials.attachments[self._prefix + name] = value

    def __delitem__(self, name: str) -> None:
        del self._trials.attachments[self._prefix + name]

    def __iter__(self) -> Iterator[str]:
        n = len(self._prefix)
        return (key[n:] for key in list(self._trials.attachments) if key.startswith(self._prefix))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _RecordsView(Sequence):
    """``Trials.records``: the records in order, read-only (changes go through ``Trials``)."""

    __slots__ = ("_records",)

    def __init__(self, records: list[Trial]) -> None:
        self._records = records

    def __getitem__(self, index: Any) -> Any:
        return self._records[index]

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[Trial]:
        return iter(self._records)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _RecordsView):
            other = other._records
        return isinstance(other, (list, tuple)) and list(self._records) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._records)
