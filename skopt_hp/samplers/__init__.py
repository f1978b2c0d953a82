"""Samplers: they propose points of a search space from past observations."""

from ._anneal import AnnealingSampler
from ._base import Observations, Sampler
from ._random import RandomSampler
from ._tpe import TPESampler

__all__ = ["AnnealingSampler", "Observations", "RandomSampler", "Sampler", "TPESampler"]
