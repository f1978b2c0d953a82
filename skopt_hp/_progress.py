"""What a user sees of a running search: a tqdm bar, or one line per step in logs.

Both loops (``fmin``'s and ``HyperoptSearchCV``'s) report progress through
:func:`progress_bar` only; nothing else in the library writes to the
terminal.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["progress_bar"]

#: ``line(done, total, best_loss)``: the text of one step when no bar is drawn.
LineText = Callable[[int, "int | None", "float | None"], str]


def _loss_text(best_loss: float) -> str:
    return f"best loss: {best_loss:.6g}"


class _Bar:
    def __init__(
        self,
        bar: Any,
        best_text: Callable[[float], str] = _loss_text,
        *,
        line: LineText | None = None,
        total: int | None = None,
        initial: int = 0,
    ) -> None:
        self._bar = bar
        self._best_text = best_text
        self._line = line
        self._total = total
        self.done = initial

    @property
    def drawn(self) -> bool:
        """Whether a bar is on screen (tqdm disables itself off a terminal)."""
        return self._bar is not None and not getattr(self._bar, "disable", False)

    def update(self, n: int = 1, best_loss: float | None = None) -> None:
        self.done += n
        bar = self._bar
        if self._line is not None and not self.drawn:
            # Logs and CI, where a bar would be noise: one line per step instead.
            stream = sys.stdout
            stream.write(self._line(self.done, self._total, best_loss) + "\n")
            stream.flush()
        if bar is None:
            return
        if best_loss is not None:
            text = self._best_text(best_loss)
            if hasattr(bar, "set_postfix_str"):  # tqdm
                bar.set_postfix_str(text, refresh=False)
            else:
                # hyperopt's protocol: the bar needs only ``update(n)``; hyperopt sets
                # ``postfix`` as an attribute, which an object may refuse (``__slots__``).
                try:
                    bar.postfix = text
                except AttributeError:
                    pass
        bar.update(n)


@contextlib.contextmanager
def progress_bar(
    show: bool | Callable[..., Any],
    *,
    total: int | None,
    initial: int = 0,
    best_text: Callable[[float], str] = _loss_text,
    unit: str = "trial",
    line: LineText | None = None,
) -> Iterator[_Bar]:
    """Yield an object with ``update(n, best_loss)``.

    Parameters
    ----------
    show : bool or callable
        ``True`` draws a tqdm bar on an interactive terminal only (tqdm's
        ``disable=None``), so CI logs stay clean, and nothing when tqdm is
        not installed. A callable is hyperopt's progress protocol:
        ``show(initial=..., total=...)`` returns a context manager yielding
        an object with ``update(n)``; its ``postfix`` is set to ``"best loss:
        ..."`` (with ``set_postfix_str`` when it has it, as tqdm does).
    total : int or None
        The number of trials the search may reach (``None``: unknown).
    initial : int
        Trials already done.
    best_text : callable
        Formats the best loss for the bar's postfix (a search shows a score).
    unit : str
        What one step of the bar counts.
    line : callable, optional
        With ``show`` true, when no bar is drawn (off a terminal, or without
        tqdm), each update writes ``line(done, total, best_loss)`` and a
        newline to standard output instead (``best_loss`` may be None).

    Yields
    ------
    object
        With ``update(n, best_loss)``.
    """
    if callable(show):
        with show(initial=initial, total=total) as bar:
            yield _Bar(bar, best_text)
        return
    if not show:
        yield _Bar(None)
        return
    try:
        from tqdm.auto import tqdm
    except ImportError:
        yield _Bar(None, line=line, total=total, initial=initial)
        return
    bar = tqdm(total=total, initial=initial, disable=None, dynamic_ncols=True, unit=unit)
    try:
        yield _Bar(bar, best_text, line=line, total=total, initial=initial)
    finally:
        bar.close()
