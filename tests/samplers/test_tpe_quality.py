"""TPE finds better points than random search at a fixed budget: tests, not benchmarks."""

from __future__ import annotations

import numpy as np
import pytest
from _sampler_helpers import branin, conditional_quadratic, hartmann6, minimize
from scipy import stats

from skopt_hp.samplers import RandomSampler, TPESampler

SEEDS = range(12)
BUDGET = 80


@pytest.mark.parametrize(
    "problem", [branin, hartmann6, conditional_quadratic], ids=lambda f: f.__name__
)
def test_tpe_beats_random_search(problem) -> None:
    space, objective = problem()
    tpe = np.array([minimize(TPESampler(), space, objective, BUDGET, s).min() for s in SEEDS])
    rand = np.array([minimize(RandomSampler(), space, objective, BUDGET, s).min() for s in SEEDS])
    assert tpe.mean() < rand.mean()
    assert stats.mannwhitneyu(tpe, rand, alternative="less").pvalue < 0.05


def test_batches_with_the_constant_liar_still_beat_random_search() -> None:
    space, objective = branin()
    tpe = np.array(
        [minimize(TPESampler(), space, objective, BUDGET, s, batch=4).min() for s in SEEDS]
    )
    rand = np.array([minimize(RandomSampler(), space, objective, BUDGET, s).min() for s in SEEDS])
    assert stats.mannwhitneyu(tpe, rand, alternative="less").pvalue < 0.05
