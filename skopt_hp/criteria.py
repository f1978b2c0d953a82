"""Acquisition criteria for a Gaussian prediction, as hyperopt's ``hyperopt.criteria``.

A model predicts the value at a point as ``N(mean, var)``; these functions
score how much that point is expected to improve *above* a threshold
(larger is better, hyperopt's convention: negate losses to use them for
minimisation). skopt_hp's samplers do not use them (TPE ranks candidates by
the ratio of two densities); they are here so that code written against
``hyperopt.criteria`` runs unchanged.

Every function accepts scalars or arrays (broadcast together).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

__all__ = ["EI_empirical", "EI_gaussian", "EI_gaussian_empirical", "UCB", "logEI_gaussian"]

# Above this many standard deviations below the threshold, log EI uses the asymptotic
# series: 1 - t R(t) (R: Mills ratio) loses digits to cancellation, about t**2 * eps.
_ASYMPTOTIC_T = 40.0


def _sigma(var: Any) -> np.ndarray:
    var = np.asarray(var, dtype=float)
    if np.any(var < 0):
        raise ValueError(f"var must be >= 0, but got {var!r}.")
    return np.sqrt(var)


def EI_empirical(samples: Any, thresh: Any) -> float:
    """Expected improvement over ``thresh``, estimated as a mean over ``samples``.

    Parameters
    ----------
    samples : array-like
        Draws of the predicted value.
    thresh : float
        The value to improve on.

    Returns
    -------
    float
        ``mean(max(samples - thresh, 0))``.
    """
    return float(np.mean(np.maximum(np.asarray(samples, dtype=float) - thresh, 0.0)))


def EI_gaussian_empirical(
    mean: float, var: float, thresh: float, rng: np.random.Generator, N: int
) -> float:
    """Expected improvement of ``N(mean, var)`` over ``thresh`` from ``N`` draws of ``rng``.

    Parameters
    ----------
    mean, var : float
        The Gaussian prediction.
    thresh : float
        The value to improve on.
    rng : numpy.random.Generator
        Source of the draws.
    N : int
        Number of draws.

    Returns
    -------
    float
    """
    samples = rng.standard_normal(N) * float(_sigma(var)) + mean
    return EI_empirical(samples, thresh)


def EI_gaussian(mean: Any, var: Any, thresh: Any) -> Any:
    """Expected improvement of ``N(mean, var)`` over ``thresh``, in closed form.

    ``sigma * (z * Phi(z) + phi(z))`` with ``z = (mean - thresh) / sigma``.

    Parameters
    ----------
    mean, var : float or array-like
        The Gaussian prediction.
    thresh : float or array-like
        The value to improve on.

    Returns
    -------
    float or ndarray
    """
    sigma = _sigma(var)
    mean, thresh = np.asarray(mean, dtype=float), np.asarray(thresh, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (mean - thresh) / sigma
        ei = sigma * (z * special.ndtr(z) + np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi))
    # A point prediction improves by exactly mean - thresh, or not at all.
    ei = np.where(sigma == 0, np.maximum(mean - thresh, 0.0), ei)
    return ei[()]


def logEI_gaussian(mean: Any, var: Any, thresh: Any) -> Any:
    """``log(EI_gaussian(mean, var, thresh))``, finite far below the threshold too.

    Where ``EI_gaussian`` underflows to 0 (``thresh`` more than about 37
    standard deviations above ``mean``), this stays finite: below the
    threshold, ``EI = sigma * phi(z) * (1 - t R(t))`` with ``t = -z`` and
    ``R`` the Mills ratio, computed with ``scipy.special.erfcx``, and by its
    asymptotic series ``1/t**2 - 3/t**4 + 15/t**6 - ...`` for large ``t``.

    Parameters
    ----------
    mean, var : float or array-like
        The Gaussian prediction.
    thresh : float or array-like
        The value to improve on.

    Returns
    -------
    float or ndarray
        ``-inf`` where the improvement is certainly 0 (``var == 0`` and
        ``mean <= thresh``).
    """
    sigma = _sigma(var)
    mean, thresh = np.asarray(mean, dtype=float), np.asarray(thresh, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = (mean - thresh) / sigma
        log_sigma = np.log(sigma)
        log_phi = -0.5 * z**2 - 0.5 * np.log(2 * np.pi)
        above = log_sigma + np.log(z * special.ndtr(z) + np.exp(log_phi))
        t = np.maximum(-z, 0.0)
        mills = np.sqrt(np.pi / 2) * special.erfcx(t / np.sqrt(2))
        direct = np.log1p(-t * mills)
        inv2 = 1.0 / t**2
        series = np.log(inv2) + np.log1p(inv2 * (-3 + inv2 * (15 + inv2 * (-105 + inv2 * 945))))
        below = log_sigma + log_phi + np.where(t > _ASYMPTOTIC_T, series, direct)
        out = np.where(z >= 0, above, below)
        point = np.log(np.maximum(mean - thresh, 0.0))
    out = np.where(sigma == 0, point, out)
    return out[()]


def UCB(mean: Any, var: Any, zscore: float) -> Any:
    """Upper confidence bound ``mean + zscore * sqrt(var)``.

    Parameters
    ----------
    mean, var : float or array-like
        The Gaussian prediction.
    zscore : float
        How many standard deviations above the mean.

    Returns
    -------
    float or ndarray
    """
    return (np.asarray(mean, dtype=float) + zscore * _sigma(var))[()]
