"""A progress bar for searches: tqdm when installed, nothing otherwise."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["progress_bar"]


class _Bar:
    def __init__(self, bar: Any) -> None:
        self._bar = bar

    def update(self, n: int = 1, best_loss: float | None = None) -> None:
        if self._bar is None:
            return
        if best_loss is not None:
            self._bar.set_postfix_str(f"best loss: {best_loss:.6g}", refresh=False)
        self._bar.update(n)


@contextlib.contextmanager
def progress_bar(
    show: bool | Callable[..., Any], *, total: int | None, initial: int = 0
) -> Iterator[_Bar]:
    """Yield an object with ``update(n, best_loss)``.

    ``show=True`` draws a tqdm bar on an interactive terminal only (tqdm's
    ``disable=None``), so CI logs stay clean; ``show`` may also be a
    callable returning a context manager that yields a tqdm-like bar, as
    hyperopt's ``show_progressbar`` accepts.
    """
    if callable(show):
        with show(initial=initial, total=total) as bar:
            yield _Bar(bar)
        return
    if not show:
        yield _Bar(None)
        return
    try:
        from tqdm.auto import tqdm
    except ImportError:
        yield _Bar(None)
        return
    bar = tqdm(total=total, initial=initial, disable=None, dynamic_ncols=True, unit="trial")
    try:
        yield _Bar(bar)
    finally:
        bar.close()
