"""Early-stopping rules for ``fmin(early_stop_fn=...)``, as ``hyperopt.early_stop``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

__all__ = ["no_progress_loss"]

logger = logging.getLogger(__name__)


def no_progress_loss(
    iteration_stop_count: int = 20, percent_increase: float = 0.0
) -> Callable[..., tuple[bool, list[Any]]]:
    """Stop when the best loss has not improved for ``iteration_stop_count`` trials.

    Parameters
    ----------
    iteration_stop_count : int, default=20
        Number of consecutive trials without progress that stops the search.
    percent_increase : float, default=0.0
        A new loss counts as progress only when it is below the best loss by
        more than this percentage of the best loss's magnitude.

    Returns
    -------
    callable
        ``stop_fn(trials, best_loss=None, iteration_no_progress=0) ->
        (stop, [best_loss, iteration_no_progress])``, the protocol of
        ``fmin(early_stop_fn=...)``.

    Notes
    -----
    The count follows hyperopt's: the trial that sets the first best loss
    counts as one, so a search that never improves on its first loss stops
    after ``iteration_stop_count`` trials (two at least), as with
    ``hyperopt.early_stop.no_progress_loss``. Unlike hyperopt, which raises
    on a failed trial's result or resets the best loss to ``None``, failed
    trials (no ``loss``, status not ``"ok"``) simply count as no progress.

    Examples
    --------
    >>> from skopt_hp import early_stop, fmin, hp, Trials
    >>> trials = Trials()
    >>> _ = fmin(lambda x: 1.0, hp.uniform("x", 0, 1), algo="rand", max_evals=100,
    ...          trials=trials, rstate=0, show_progressbar=False,
    ...          early_stop_fn=early_stop.no_progress_loss(5))
    >>> len(trials)
    5
    """
    if isinstance(iteration_stop_count, bool) or not isinstance(iteration_stop_count, int):
        raise TypeError(f"iteration_stop_count must be an int, but got {iteration_stop_count!r}.")
    if iteration_stop_count < 1:
        raise ValueError(f"iteration_stop_count must be >= 1, but got {iteration_stop_count}.")
    if not percent_increase >= 0:
        raise ValueError(f"percent_increase must be >= 0, but got {percent_increase!r}.")

    def stop_fn(trials, best_loss=None, iteration_no_progress=0):
        result = trials.trials[-1]["result"] if len(trials) else {}
        new_loss = result.get("loss") if result.get("status") == "ok" else None
        if best_loss is None:
            # As hyperopt: the first trial already counts towards the stop count.
            return False, [new_loss, iteration_no_progress + 1]
        threshold = best_loss - abs(best_loss * percent_increase / 100.0)
        if new_loss is not None and new_loss < threshold:
            best_loss, iteration_no_progress = new_loss, 0
        else:
            iteration_no_progress += 1
            logger.debug(
                "No progress for %d of %d trials (best loss %.6g).",
                iteration_no_progress,
                iteration_stop_count,
                best_loss,
            )
        return iteration_no_progress >= iteration_stop_count, [best_loss, iteration_no_progress]

    return stop_fn
