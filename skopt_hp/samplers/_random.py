"""Random search: independent draws from the prior."""

from __future__ import annotations

import numpy as np

from ..space import SearchSpace
from ._base import Observations, Sampler

__all__ = ["RandomSampler"]


class RandomSampler(Sampler):
    """Draws every point independently from the space's prior distributions."""

    def ask(
        self,
        space: SearchSpace,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
    ) -> np.ndarray:
        return space.sample(rng, n)
