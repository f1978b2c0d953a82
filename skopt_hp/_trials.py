"""Trial records and the hyperopt-compatible ``Trials`` store.

A trial is a typed record (:class:`Trial`) with a :class:`TrialState`; the
Mongo-shaped dictionaries hyperopt users know (``trials.trials[i]['misc']
['vals']``...) are built on demand as views.
"""

from __future__ import annotations

import datetime as _dt
import enum
import math
import numbers
import os
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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
]

STATUS_NEW = "new"
STATUS_RUNNING = "running"
STATUS_SUSPENDED = "suspended"
STATUS_OK = "ok"
STATUS_FAIL = "fail"
STATUS_STRINGS = (STATUS_NEW, STATUS_RUNNING, STATUS_SUSPENDED, STATUS_OK, STATUS_FAIL)


class AllTrialsFailed(ValueError):
    """Raised when a best trial is asked for but no trial succeeded."""


class TrialState(enum.IntEnum):
    """Life cycle of a trial; the values are hyperopt's ``JOB_STATE_*``."""

    NEW = 0
    RUNNING = 1
    DONE = 2
    ERROR = 3
    CANCEL = 4


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

    Examples
    --------
    >>> from skopt_hp import Trials, fmin, hp, tpe
    >>> trials = Trials()
    >>> best = fmin(lambda x: (x - 1) ** 2, hp.uniform("x", -5, 5), algo=tpe.suggest,
    ...             max_evals=20, trials=trials, rstate=0, show_progressbar=False)
    >>> len(trials)
    20
    """

    #: hyperopt's flag for trials evaluated by other processes; ``fmin`` runs these itself.
    asynchronous = False

    def __init__(self) -> None:
        self._records: list[Trial] = []
        self.labels: tuple[str, ...] = ()
        self._space: SearchSpace | None = None
        self.attachments: dict[str, Any] = {}

    # -- binding to a space --------------------------------------------------
    def bind(self, space: SearchSpace) -> None:
        """Attach the space whose points these trials hold.

        Raises ``ValueError`` when the trials already hold points of a space
        with other labels (continuing a search with a different space).
        """
        if self._records and self.labels and set(self.labels) != set(space.labels):
            raise ValueError(
                "These trials were recorded on a different search space: labels "
                f"{sorted(self.labels)} != {sorted(space.labels)}."
            )
        if self._space is not space:
            for trial in self._records:
                trial.z = None
        self._space = space
        self.labels = space.labels

    # -- mutation ------------------------------------------------------------
    def new_trial(self, params: Mapping[str, Any], *, z: np.ndarray | None = None) -> Trial:
        """Record a new trial in state ``NEW`` and return it."""
        tid = self._records[-1].tid + 1 if self._records else 0
        trial = Trial(tid=tid, params=dict(params), z=z)
        self._records.append(trial)
        return trial

    def start(self, trial: Trial) -> None:
        trial.state = TrialState.RUNNING
        trial.result = {"status": STATUS_RUNNING}
        trial.book_time = trial.refresh_time = _now()

    def complete(self, trial: Trial, result: Mapping[str, Any]) -> None:
        """Store a finished evaluation (``result`` holds ``status`` and ``loss``)."""
        trial.result = dict(result)
        trial.state = TrialState.DONE
        trial.refresh_time = _now()
        if trial.book_time is None:
            trial.book_time = trial.refresh_time

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
        self.complete(trial, {"status": STATUS_FAIL, "failure": failure})
        trial.state = TrialState.ERROR

    def cancel(self, trial: Trial, reason: str = "cancelled") -> None:
        self.complete(
            trial, {"status": STATUS_FAIL, "failure": {"type": "Cancelled", "message": reason}}
        )
        trial.state = TrialState.CANCEL

    def delete_all(self) -> None:
        """Forget every trial and attachment (hyperopt's ``Trials.delete_all``)."""
        self._records.clear()
        self.attachments.clear()

    def refresh(self) -> None:
        """Do nothing: the views are built from the records on every access.

        hyperopt needs ``refresh()`` after inserting trial documents; it is
        kept so that code calling it runs unchanged.
        """

    def remove_unfinished(self) -> list[Trial]:
        """Drop trials that never finished (e.g. after an interrupt) and return them."""
        dropped = [t for t in self._records if not t.is_finished]
        self._records = [t for t in self._records if t.is_finished]
        return dropped

    # -- typed access ----------------------------------------------------------
    @property
    def records(self) -> list[Trial]:
        """The :class:`Trial` records, in insertion order."""
        return self._records

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.trials)

    def __repr__(self) -> str:
        n_ok = sum(t.loss is not None for t in self._records)
        best = ""
        if n_ok:
            best = f", best_loss={self.best_trial['result']['loss']:.6g}"
        return f"Trials(n_trials={len(self)}, n_ok={n_ok}{best})"

    def observations(self, space: SearchSpace) -> Observations:
        """Finished successful trials and pending ones, encoded for samplers."""
        if space is not self._space:
            self.bind(space)
        done_rows, losses, pending_rows = [], [], []
        n_failed = 0
        for trial in self._records:
            loss = trial.loss
            if trial.is_finished and loss is None:
                n_failed += 1
                continue
            if trial.z is None:
                trial.z = space.encode([trial.params])[0]
            if loss is not None:
                done_rows.append(trial.z)
                losses.append(loss)
            else:
                pending_rows.append(trial.z)
        n = space.n_params
        Z = np.vstack(done_rows) if done_rows else np.empty((0, n))
        pending = np.vstack(pending_rows) if pending_rows else np.empty((0, n))
        return Observations(Z, np.asarray(losses, dtype=float), pending, n_failed)

    # -- hyperopt's views -------------------------------------------------------
    @property
    def trials(self) -> list[dict[str, Any]]:
        """Trial documents shaped as hyperopt's (``tid``, ``result``, ``misc`` ...)."""
        labels = self.labels or tuple(
            dict.fromkeys(label for t in self._records for label in t.params)
        )
        return [t.document(labels) for t in self._records]

    @property
    def tids(self) -> list[int]:
        return [t.tid for t in self._records]

    @property
    def results(self) -> list[dict[str, Any]]:
        return [t.result for t in self._records]

    @property
    def miscs(self) -> list[dict[str, Any]]:
        return [doc["misc"] for doc in self.trials]

    @property
    def specs(self) -> list[None]:
        return [None for _ in self._records]

    def losses(self, bandit: Any = None) -> list[float | None]:
        """Each trial's ``loss`` (``None`` where there is none), as hyperopt."""
        return [t.result.get("loss") for t in self._records]

    def statuses(self, bandit: Any = None) -> list[str]:
        return [t.status for t in self._records]

    def count_by_state_synced(self, arg: int | Iterable[int], trials: Any = None) -> int:
        """How many trials are in state ``arg`` (a ``TrialState``/``JOB_STATE_*`` or several).

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
        if isinstance(arg, numbers.Integral) and not isinstance(arg, bool):
            states = {int(arg)}
        elif isinstance(arg, Iterable) and not isinstance(arg, (str, bytes)):
            states = {int(a) for a in arg}
        else:
            raise TypeError(f"arg must be a trial state or an iterable of states, got {arg!r}.")
        valid = {int(state) for state in TrialState}
        if not states <= valid:
            raise ValueError(f"Unknown trial state(s) {sorted(states - valid)}; states: {valid}.")
        if trials is None:
            return sum(int(t.state) in states for t in self._records)
        return sum(doc["state"] in states for doc in trials)

    def count_by_state_unsynced(self, arg: int | Iterable[int]) -> int:
        """Same as :meth:`count_by_state_synced` (these trials are always in sync)."""
        return self.count_by_state_synced(arg)

    @property
    def idxs_vals(self) -> tuple[dict[str, list[int]], dict[str, list[Any]]]:
        """``(idxs, vals)``, as hyperopt's ``Trials.idxs_vals``."""
        return self.idxs, self.vals

    @property
    def vals(self) -> dict[str, list[Any]]:
        """Per label, the values of the trials where it was active."""
        out: dict[str, list[Any]] = {label: [] for label in self.labels}
        for t in self._records:
            for label, value in t.params.items():
                out.setdefault(label, []).append(value)
        return out

    @property
    def idxs(self) -> dict[str, list[int]]:
        """Per label, the tids of the trials where it was active."""
        out: dict[str, list[int]] = {label: [] for label in self.labels}
        for t in self._records:
            for label in t.params:
                out.setdefault(label, []).append(t.tid)
        return out

    def best_record(self) -> Trial:
        """The successful trial with the lowest loss (the earliest on ties)."""
        best = None
        for t in self._records:
            loss = t.loss
            if loss is not None and (best is None or loss < best.loss):
                best = t
        if best is None:
            raise AllTrialsFailed("No trial has finished with status 'ok' and a finite loss.")
        return best

    @property
    def best_trial(self) -> dict[str, Any]:
        """The document of the best trial (hyperopt's ``Trials.best_trial``)."""
        return self.best_record().document(self.labels or tuple(self.best_record().params))

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
        (``points_to_evaluate`` may be given by keyword).
        """
        from ._fmin import fmin

        kwargs.pop("allow_trials_fmin", None)
        kwargs.pop("trials", None)
        return fmin(
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
            allow_trials_fmin=False,
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
        from ._persist import save_trials

        save_trials(self, path)

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
        from ._persist import load_trials

        return load_trials(path, space, trials=cls())

    def to_dataframe(self) -> Any:
        """One row per trial as a ``pandas.DataFrame`` (see :func:`trials_to_dataframe`).

        Returns
        -------
        pandas.DataFrame
        """
        from ._persist import trials_to_dataframe

        return trials_to_dataframe(self)

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
