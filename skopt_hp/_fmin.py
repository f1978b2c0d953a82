"""``fmin``: hyperopt's minimisation loop, on skopt_hp's samplers.

The loop is ask → evaluate → tell: the sampler proposes ``max_queue_len``
points from what ``Trials`` holds (finished and pending trials), each is
evaluated, and its result is recorded before the next ask.
"""

from __future__ import annotations

import logging
import numbers
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ._ask import ask, resolve_algo
from ._evaluate import evaluate
from ._progress import progress_bar
from ._trials import AllTrialsFailed, Trial, Trials
from .space import SearchSpace, space_eval

__all__ = ["fmin"]

logger = logging.getLogger(__name__)


def _check_rstate(rstate: Any) -> np.random.Generator:
    if rstate is None:
        seed = os.environ.get("HYPEROPT_FMIN_SEED", "")
        return np.random.default_rng(int(seed) if seed else None)
    if isinstance(rstate, np.random.Generator):
        return rstate
    if isinstance(rstate, numbers.Integral) and not isinstance(rstate, bool):
        return np.random.default_rng(int(rstate))
    raise TypeError(
        "rstate must be a numpy.random.Generator, an int seed or None, but got "
        f"{rstate!r} of type {type(rstate).__name__}."
    )


def _check_args(
    fn: Any,
    max_evals: Any,
    timeout: Any,
    loss_threshold: Any,
    max_queue_len: Any,
    early_stop_fn: Any,
    trials: Any,
) -> int:
    if not callable(fn):
        raise TypeError(f"fn must be callable, but got {fn!r}.")
    if max_evals is None:
        max_evals = np.iinfo(np.int64).max
    if isinstance(max_evals, bool) or not isinstance(max_evals, numbers.Integral):
        raise TypeError(f"max_evals must be an int, but got {max_evals!r}.")
    if max_evals < 0:
        raise ValueError(f"max_evals must be >= 0, but got {max_evals}.")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not timeout > 0
    ):
        raise ValueError(f"timeout must be None or a number of seconds > 0, but got {timeout!r}.")
    if loss_threshold is not None and (
        isinstance(loss_threshold, bool) or not isinstance(loss_threshold, numbers.Real)
    ):
        raise TypeError(f"loss_threshold must be None or a number, but got {loss_threshold!r}.")
    if (
        isinstance(max_queue_len, bool)
        or not isinstance(max_queue_len, numbers.Integral)
        or max_queue_len < 1
    ):
        raise ValueError(f"max_queue_len must be an int >= 1, but got {max_queue_len!r}.")
    if early_stop_fn is not None and not callable(early_stop_fn):
        raise TypeError(f"early_stop_fn must be None or callable, but got {early_stop_fn!r}.")
    if trials is not None and not isinstance(trials, Trials):
        raise TypeError(f"trials must be None or a skopt_hp Trials, but got {trials!r}.")
    return int(max_evals)


def _best_loss(trials: Trials) -> float | None:
    losses = [t.loss for t in trials.records if t.loss is not None]
    return min(losses) if losses else None


class _Stop(Exception):
    """Internal signal: a stopping rule fired."""


def fmin(
    fn: Callable[[Any], Any],
    space: Any,
    algo: Any = None,
    max_evals: int | None = None,
    timeout: float | None = None,
    loss_threshold: float | None = None,
    trials: Trials | None = None,
    rstate: np.random.Generator | int | None = None,
    allow_trials_fmin: bool = True,
    pass_expr_memo_ctrl: Any = None,
    catch_eval_exceptions: bool = False,
    verbose: bool = False,
    return_argmin: bool = True,
    points_to_evaluate: Sequence[Mapping[str, Any]] | None = None,
    max_queue_len: int = 1,
    show_progressbar: bool | Callable[..., Any] = True,
    early_stop_fn: Callable[..., tuple[bool, Any]] | None = None,
    trials_save_file: str = "",
) -> Any:
    """Minimise ``fn`` over ``space``, with hyperopt's semantics.

    Parameters
    ----------
    fn : callable
        The objective. It receives ``space_eval(space, point)`` (a single
        value when ``space`` is a single expression) and returns a loss, or a
        dict with ``"loss"`` and ``"status"`` (``STATUS_OK``, ``STATUS_FAIL``
        ...) plus any other keys, which are kept in the trial's result.
    space : object
        The search space (``hp`` expressions in dicts, lists, tuples).
    algo : callable, str or Sampler, default=None
        ``tpe.suggest`` (the default), ``rand.suggest``, a
        ``functools.partial`` of them, ``"tpe"``/``"rand"`` or a sampler.
    max_evals : int, default=None
        Total number of trials, counting those already in ``trials``, so a
        second call with the same ``trials`` continues the search. ``None``
        means no limit (then give ``timeout``, ``loss_threshold`` or
        ``early_stop_fn``).
    timeout : float, default=None
        Seconds after which no new trial starts.
    loss_threshold : float, default=None
        Stop once the best loss is at or below this value.
    trials : Trials, default=None
        Where trials are recorded; a new ``Trials`` when ``None``.
    rstate : numpy.random.Generator or int, default=None
        Source of randomness; the same seed gives the same trials.
    allow_trials_fmin : bool, default=True
        Let ``trials`` run the search itself when it defines ``fmin``
        (``SparkTrials`` does).
    pass_expr_memo_ctrl : None
        Not supported (hyperopt's pyll internals); must be ``None``/False.
    catch_eval_exceptions : bool, default=False
        Record an exception raised by ``fn`` as a failed trial (with its
        traceback text) and go on. Otherwise the exception propagates after
        the finished trials have been kept (and saved).
    verbose : bool, default=False
        Log progress messages at INFO level.
    return_argmin : bool, default=True
        Return the best point (choice *indices*); ``False`` returns
        ``space_eval(space, best point)``.
    points_to_evaluate : list of dict, default=None
        Points (label → value, choice indices) evaluated first when
        ``trials`` is empty. They are validated before anything runs.
    max_queue_len : int, default=1
        Points proposed jointly per ask (the sampler treats earlier ones of
        the batch as pending).
    show_progressbar : bool or callable, default=True
        A tqdm bar with the best loss, shown on an interactive terminal; a
        callable returning a context manager may supply the bar.
    early_stop_fn : callable, default=None
        ``early_stop_fn(trials, *args) -> (stop, args)``, called after each
        trial (see :func:`skopt_hp.early_stop.no_progress_loss`).
    trials_save_file : str, default=""
        A JSON file written atomically after every trial; when it exists, the
        search resumes from it.

    Returns
    -------
    dict or object
        The best point found (see ``return_argmin``).

    Raises
    ------
    AllTrialsFailed
        When no trial succeeded and the argmin is asked for.

    Notes
    -----
    A ``KeyboardInterrupt`` ends the search: the trial in flight is dropped,
    every finished trial is kept (and saved), and the best point so far is
    returned. If no trial has succeeded, the interrupt is re-raised.

    Examples
    --------
    >>> from skopt_hp import fmin, hp, tpe
    >>> best = fmin(lambda x: (x - 1) ** 2, hp.uniform("x", -5, 5), algo=tpe.suggest,
    ...             max_evals=30, rstate=0, show_progressbar=False)
    >>> round(best["x"])
    1
    """
    max_evals = _check_args(
        fn, max_evals, timeout, loss_threshold, max_queue_len, early_stop_fn, trials
    )
    if pass_expr_memo_ctrl:
        raise ValueError("pass_expr_memo_ctrl is not supported: skopt_hp has no pyll graphs.")
    if allow_trials_fmin and trials is not None and type(trials).fmin is not Trials.fmin:
        return trials.fmin(
            fn,
            space,
            algo=algo,
            max_evals=max_evals,
            timeout=timeout,
            loss_threshold=loss_threshold,
            rstate=rstate,
            catch_eval_exceptions=catch_eval_exceptions,
            verbose=verbose,
            return_argmin=return_argmin,
            points_to_evaluate=points_to_evaluate,
            max_queue_len=max_queue_len,
            show_progressbar=show_progressbar,
            early_stop_fn=early_stop_fn,
            trials_save_file=trials_save_file,
        )
    rng = _check_rstate(rstate)
    sampler = resolve_algo("tpe" if algo is None else algo)
    compiled = SearchSpace(space)
    if trials is None:
        trials = Trials()
    if trials_save_file and not len(trials) and os.path.exists(trials_save_file):
        from ._persist import load_trials

        load_trials(trials_save_file, compiled, trials)
        logger.info("Resumed %d trials from %s.", len(trials), trials_save_file)
    trials.bind(compiled)
    # Trials left unfinished by an earlier interrupted run would count as pending forever.
    trials.remove_unfinished()
    initial = compiled.encode(points_to_evaluate) if points_to_evaluate else None

    run = _Run(
        fn=fn,
        space=space,
        compiled=compiled,
        sampler=sampler,
        trials=trials,
        rng=rng,
        max_evals=max_evals,
        timeout=timeout,
        loss_threshold=loss_threshold,
        catch=catch_eval_exceptions,
        early_stop_fn=early_stop_fn,
        save_file=trials_save_file,
        verbose=verbose,
    )
    run.execute(initial, max_queue_len, show_progressbar)

    try:
        argmin = trials.argmin
    except AllTrialsFailed:
        if return_argmin or len(trials):
            raise
        return None
    return argmin if return_argmin else space_eval(space, argmin)


class _Run:
    """One call of ``fmin``: the loop and its stopping rules."""

    def __init__(self, **settings: Any) -> None:
        self.__dict__.update(settings)
        self.start = time.monotonic()
        self.early_stop_args: list[Any] = []

    def _out_of_time(self) -> bool:
        return self.timeout is not None and time.monotonic() - self.start >= self.timeout

    def execute(
        self, initial: np.ndarray | None, batch: int, show: bool | Callable[..., Any]
    ) -> None:
        trials = self.trials
        total = None if self.max_evals == np.iinfo(np.int64).max else self.max_evals
        with progress_bar(show, total=total, initial=min(len(trials), total or len(trials))) as bar:
            try:
                if initial is not None and not len(trials):
                    pending = [
                        trials.new_trial(p, z=z)
                        for p, z in zip(self.compiled.decode(initial), initial, strict=True)
                    ]
                    self._evaluate_all(pending[: self.max_evals], bar)
                    trials.remove_unfinished()
                while len(trials) < self.max_evals:
                    if self._out_of_time():
                        logger.info("fmin: timeout of %s s reached.", self.timeout)
                        break
                    n = min(batch, self.max_evals - len(trials))
                    seed = int(self.rng.integers(2**31 - 1))
                    new = ask(self.sampler, self.compiled, trials, n, np.random.default_rng(seed))
                    self._evaluate_all(new, bar)
            except _Stop:
                pass
            except KeyboardInterrupt:
                trials.remove_unfinished()
                self._save()
                if _best_loss(trials) is None:
                    raise
                logger.warning(
                    "fmin interrupted: keeping the %d finished trials (best loss %.6g).",
                    len(trials),
                    _best_loss(trials),
                )
            finally:
                trials.remove_unfinished()

    def _evaluate_all(self, new: list[Trial], bar: Any) -> None:
        for trial in new:
            if self._out_of_time():
                raise _Stop
            self._evaluate_one(trial)
            best = _best_loss(self.trials)
            bar.update(1, best)
            if self.verbose:
                logger.info("trial %d: %s (best loss %s)", trial.tid, trial.result, best)
            self._check_stop(best)

    def _evaluate_one(self, trial: Trial) -> None:
        trials = self.trials
        trials.start(trial)
        outcome = evaluate(self.fn, self.space, trial.params)
        if outcome.error is None:
            trials.complete(trial, outcome.result)
        elif self.catch:
            logger.error("Trial %d raised %r; recorded as failed.", trial.tid, outcome.error)
            trials.fail(
                trial,
                outcome.failure["message"],
                traceback=outcome.traceback,
                exc_type=outcome.failure["type"],
            )
        else:
            trials.remove_unfinished()
            self._save()
            raise outcome.error
        self._save()

    def _check_stop(self, best: float | None) -> None:
        if self.loss_threshold is not None and best is not None and best <= self.loss_threshold:
            logger.info("fmin: loss threshold %s reached.", self.loss_threshold)
            raise _Stop
        if self.early_stop_fn is not None:
            stop, args = self.early_stop_fn(self.trials, *self.early_stop_args)
            self.early_stop_args = list(args) if args is not None else []
            if stop:
                logger.info("fmin: early_stop_fn asked to stop.")
                raise _Stop

    def _save(self) -> None:
        if self.save_file:
            from ._persist import save_trials

            save_trials(self.trials, self.save_file, self.compiled)
