"""Random search, as hyperopt's ``rand`` module: pass ``rand.suggest`` as ``algo``."""

from ._ask import make_suggest
from .samplers import RandomSampler

__all__ = ["suggest"]

suggest = make_suggest(RandomSampler, "rand")
