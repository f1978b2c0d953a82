"""The Parzen mixtures behind TPE: normalisation, agreement with scipy, sampling."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from scipy.integrate import trapezoid

from skopt_hp import hp
from skopt_hp.samplers._tpe._estimator import fit_parzen, option_fades
from skopt_hp.samplers._tpe._parzen import (
    CategoricalKernels,
    NumericalKernels,
    ParzenMixture,
    log_normal_mass,
)
from skopt_hp.samplers._tpe._settings import KernelSettings

SETTINGS = KernelSettings(
    prior_weight=1.0, consider_magic_clip=True, consider_endpoints=False, bandwidth="neighbor"
)


def numerical_mixture(mu, sigma, low, high, step, weights) -> ParzenMixture:
    mu = np.asarray(mu, dtype=float).reshape(len(weights), -1)
    d = mu.shape[1]
    kernels = NumericalKernels(
        mu=mu,
        sigma=np.asarray(sigma, dtype=float).reshape(mu.shape),
        low=np.broadcast_to(np.asarray(low, dtype=float), (d,)).copy(),
        high=np.broadcast_to(np.asarray(high, dtype=float), (d,)).copy(),
        step=np.broadcast_to(np.asarray(step, dtype=float), (d,)).copy(),
    )
    w = np.asarray(weights, dtype=float)
    return ParzenMixture(w / w.sum(), kernels, None, np.arange(d), np.arange(0))


def _log_diff(log_big: float, log_small: float) -> float:
    return log_big + math.log(-math.expm1(log_small - log_big))


def test_log_normal_mass_matches_scipy_and_stays_accurate_in_the_tails() -> None:
    norm = stats.norm
    cases = [
        (-1.0, 1.0, math.log(norm.cdf(1.0) - norm.cdf(-1.0))),
        (-3.0, -2.0, math.log(norm.cdf(-2.0) - norm.cdf(-3.0))),
        (0.5, 4.0, math.log(norm.sf(0.5) - norm.sf(4.0))),
        # Far tails, where a plain difference of CDFs is 0 - 0.
        (-40.0, -39.0, _log_diff(norm.logcdf(-39.0), norm.logcdf(-40.0))),
        (30.0, 31.0, _log_diff(norm.logsf(30.0), norm.logsf(31.0))),
        (-np.inf, 0.0, math.log(0.5)),
        (2.0, np.inf, norm.logsf(2.0)),
        # A very narrow cell near the centre.
        (-1e-7, 1e-7, math.log(2e-7 * norm.pdf(0.0))),
    ]
    a, b, expected = (np.array(v) for v in zip(*cases, strict=True))
    got = log_normal_mass(a, b)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, rtol=1e-8)


def test_single_kernel_matches_scipy_truncnorm() -> None:
    mu, sigma, low, high = 0.3, 0.7, -0.5, 2.0
    mix = numerical_mixture([mu], [sigma], low, high, 0.0, [1.0])
    x = np.linspace(low, high, 37)
    expected = stats.truncnorm.logpdf(x, (low - mu) / sigma, (high - mu) / sigma, mu, sigma)
    np.testing.assert_allclose(mix.log_pdf(x[:, None]), expected, rtol=1e-10, atol=1e-12)


def test_truncated_normal_mixture_integrates_to_one() -> None:
    mix = numerical_mixture(
        [0.1, 1.0, 1.9, 1.2], [0.05, 0.4, 0.3, 2.0], 0.0, 2.0, 0.0, [1.0, 2.0, 0.5, 1.0]
    )
    x = np.linspace(0.0, 2.0, 200_001)
    assert trapezoid(np.exp(mix.log_pdf(x[:, None])), x) == pytest.approx(1.0, abs=1e-6)


def test_product_kernels_integrate_to_one_in_two_dimensions() -> None:
    mix = numerical_mixture(
        [[0.2, -1.0], [0.8, 0.5], [0.5, 0.0]],
        [[0.1, 0.5], [0.3, 0.2], [1.0, 2.0]],
        [0.0, -2.0],
        [1.0, 1.0],
        0.0,
        [1.0, 1.0, 0.5],
    )
    gx, gy = np.linspace(0, 1, 801), np.linspace(-2, 1, 801)
    X, Y = np.meshgrid(gx, gy, indexing="ij")
    density = np.exp(mix.log_pdf(np.column_stack([X.ravel(), Y.ravel()]))).reshape(X.shape)
    assert trapezoid(trapezoid(density, gy, axis=1), gx) == pytest.approx(1.0, abs=1e-4)


def test_unbounded_kernels_are_plain_normals() -> None:
    mix = numerical_mixture([1.0, -2.0], [0.5, 3.0], -np.inf, np.inf, 0.0, [1.0, 3.0])
    x = np.linspace(-5, 5, 11)
    expected = np.log(0.25 * stats.norm.pdf(x, 1.0, 0.5) + 0.75 * stats.norm.pdf(x, -2.0, 3.0))
    np.testing.assert_allclose(mix.log_pdf(x[:, None]), expected, rtol=1e-10)


@pytest.mark.parametrize(
    ("low", "high", "step"),
    [(0.0, 10.0, 0.5), (3.0, 8.0, 1.0), (-np.inf, np.inf, 2.0)],
    ids=["quniform", "randint", "qnormal"],
)
def test_discretised_kernel_masses_sum_to_one_over_the_grid(low, high, step) -> None:
    centres = [4.0, 5.0, 6.5, 3.0]
    mix = numerical_mixture(centres, [0.3, 2.0, 0.8, 10.0], low, high, step, [1, 1, 2, 1])
    lo, hi = (low, high) if np.isfinite(low) else (-200.0, 200.0)
    grid = np.arange(lo, hi + step / 2, step)
    masses = np.exp(mix.log_pdf(grid[:, None]))
    assert masses.sum() == pytest.approx(1.0, abs=1e-12)
    # Each grid point gets its cell's mass: check one against the normal CDF.
    if np.isfinite(low):
        x = grid[3]
        z = stats.norm.cdf(high + step / 2, 4.0, 0.3) - stats.norm.cdf(low - step / 2, 4.0, 0.3)
        cell = stats.norm.cdf(x + step / 2, 4.0, 0.3) - stats.norm.cdf(x - step / 2, 4.0, 0.3)
        single = numerical_mixture([4.0], [0.3], low, high, step, [1.0])
        assert np.exp(single.log_pdf([[x]]))[0] == pytest.approx(cell / z, rel=1e-10)


def test_narrow_kernels_far_from_the_centre_keep_exact_densities() -> None:
    # Bandwidths this small (no magic clip) defeat the expanded quadratic form;
    # the direct computation must take over.
    tiny = 2.0**-30  # powers of two keep 1000 + 2 * tiny exact
    mu = np.array([[1000.0], [-1000.0], [0.0]])
    sigma = np.array([[tiny], [tiny], [1.0]])
    mix = numerical_mixture(mu, sigma, -np.inf, np.inf, 0.0, [1.0, 1.0, 1.0])
    x = np.array([[1000.0 + 2 * tiny]])
    expected = np.log(stats.norm.pdf(2.0) / tiny / 3)
    np.testing.assert_allclose(mix.log_pdf(x), [expected], rtol=1e-6)


def test_categorical_kernels_follow_the_pseudo_count_rule() -> None:
    param = hp.pchoice("c", [(0.5, "a"), (0.3, "b"), (0.2, "c")])
    X = np.array([[0.0], [2.0], [2.0]])
    mix = fit_parzen([param], X, np.ones(3), SETTINGS)
    prior = np.array([0.5, 0.3, 0.2])
    # Each observation: its option plus prior_weight / (m + 1) * n_options * prior, normalised.
    smoothing = 1.0 / 4 * 3 * prior
    rows = [np.eye(3)[i] + smoothing for i in (0, 2, 2)]
    rows = [r / r.sum() for r in rows] + [prior]
    expected = np.mean(rows, axis=0)  # equal weights, prior kernel included
    got = np.exp(mix.log_pdf(np.array([[0.0], [1.0], [2.0]])))
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert got.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("exploration", [0.0, 0.5, 1.0])
def test_rarely_tried_options_keep_a_share_of_the_prior(exploration: float) -> None:
    param = hp.choice("c", ["a", "b", "c"])
    X = np.array([[0.0], [0.0], [0.0], [1.0]])
    tried = np.array([40, 6, 1])  # finished trials that chose each option
    fades = option_fades(4, tried, exploration)
    # An option's pseudo-count fades with (m + 1) ** (1 - e) * (min(tried, m) + 1) ** e.
    np.testing.assert_allclose(
        fades, 5.0 ** (1 - exploration) * np.array([5.0, 5.0, 2.0]) ** exploration
    )
    mix = fit_parzen([param], X, np.ones(4), SETTINGS, fades=[fades])
    prior = np.full(3, 1 / 3)
    smoothing = 3 * prior / fades
    rows = [np.eye(3)[i] + smoothing for i in (0, 0, 0, 1)]
    expected = np.mean([r / r.sum() for r in rows] + [prior], axis=0)
    got = np.exp(mix.log_pdf(np.array([[0.0], [1.0], [2.0]])))
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    usual = np.exp(fit_parzen([param], X, np.ones(4), SETTINGS).log_pdf(np.array([[2.0]])))[0]
    if exploration == 0:
        assert got[2] == pytest.approx(usual, rel=1e-12)
    else:
        # The option one trial tried keeps more of l(x) than the usual rule leaves it.
        assert got[2] > 1.2 * usual


def test_continuous_samples_follow_log_pdf() -> None:
    rng = np.random.default_rng(0)
    mix = numerical_mixture([0.2, 1.5, 1.95], [0.1, 0.5, 0.3], 0.0, 2.0, 0.0, [1.0, 2.0, 1.0])
    draws = mix.sample(rng, 4000)[:, 0]
    assert draws.min() >= 0.0 and draws.max() <= 2.0
    grid = np.linspace(0.0, 2.0, 20_001)
    pdf = np.exp(mix.log_pdf(grid[:, None]))
    cdf = np.concatenate([[0.0], np.cumsum((pdf[1:] + pdf[:-1]) / 2 * np.diff(grid))])

    result = stats.kstest(draws, lambda v: np.interp(v, grid, cdf))
    assert result.pvalue > 0.01


def test_discrete_and_categorical_samples_follow_log_pdf() -> None:
    rng = np.random.default_rng(1)
    kernels = NumericalKernels(
        mu=np.array([[2.0], [7.0], [4.5]]),
        sigma=np.array([[1.0], [0.6], [5.0]]),
        low=np.array([0.0]),
        high=np.array([9.0]),
        step=np.array([1.0]),
    )
    cats = CategoricalKernels([np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [1 / 3, 1 / 3, 1 / 3]])])
    mix = ParzenMixture(np.array([0.3, 0.5, 0.2]), kernels, cats, np.array([0]), np.array([1]))
    draws = mix.sample(rng, 6000)
    grid = np.arange(10.0)
    assert set(np.unique(draws[:, 0])) <= set(grid)

    # Joint chi-square over (grid value, option): draws must follow the product kernels.
    cells = np.array([[g, c] for g in grid for c in range(3)])
    expected = np.exp(mix.log_pdf(cells)) * len(draws)
    assert expected.sum() == pytest.approx(len(draws))
    observed = np.array(
        [np.sum((draws[:, 0] == g) & (draws[:, 1] == c)) for g, c in cells], dtype=float
    )
    keep = expected > 5  # the chi-square approximation needs populated cells
    observed, expected = observed[keep], expected[keep]
    expected *= observed.sum() / expected.sum()
    assert stats.chisquare(observed, expected).pvalue > 0.01


def test_fit_parzen_kernels_respect_the_magic_clip_and_prior() -> None:
    param = hp.uniform("x", 0.0, 10.0)
    X = np.array([[5.0], [5.0], [5.0001], [9.0]])
    mix = fit_parzen([param], X, np.ones(4), SETTINGS)
    sigma = mix.numerical.sigma[:, 0]
    assert sigma[-1] == pytest.approx(10.0)  # the prior kernel spans the range
    assert mix.numerical.mu[-1, 0] == pytest.approx(5.0)
    assert np.all(sigma[:-1] >= 10.0 / min(100, 4 + 2) - 1e-12)
    assert np.all(sigma <= 10.0)


def test_normal_prior_kernel_is_the_prior() -> None:
    param = hp.normal("x", 1.0, 2.0)
    mix = fit_parzen([param], np.empty((0, 1)), np.empty(0), SETTINGS)
    x = np.linspace(-6, 8, 15)
    np.testing.assert_allclose(mix.log_pdf(x[:, None]), stats.norm.logpdf(x, 1.0, 2.0), rtol=1e-10)


def test_log_scaled_parameter_is_modelled_in_log_space() -> None:
    param = hp.loguniform("lr", math.log(1e-4), math.log(1.0))
    X = np.log([[1e-3], [2e-3]])
    mix = fit_parzen([param], X, np.ones(2), SETTINGS)
    assert mix.numerical.low[0] == pytest.approx(math.log(1e-4))
    assert np.all(mix.numerical.mu[:2, 0] == X[:, 0])
