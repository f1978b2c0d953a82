"""The deferred matplotlib import shared by the plotting functions."""

from __future__ import annotations

from types import ModuleType

INSTALL_HINT = 'pip install "skopt_hp[plot]"'


def import_pyplot() -> ModuleType:
    """Import and return ``matplotlib.pyplot``, or raise an ``ImportError`` with the install hint.

    matplotlib is an optional dependency: it is imported here, when a plot
    is drawn, never when :mod:`skopt_hp` or :mod:`skopt_hp.plot` is imported.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"skopt_hp.plot needs matplotlib, which is not installed: {INSTALL_HINT}"
        ) from exc
    return plt
