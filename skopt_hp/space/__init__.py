"""Search-space expressions, their compiled flat form, and ``space_eval``."""

from ._convert import from_param_distributions, from_scipy
from ._nodes import Choice, Distribution, Expr, Grid, Normal, Param, RandInt, Uniform
from ._space import SearchSpace, as_search_space, normalize_point, space_eval

__all__ = [
    "Choice",
    "Distribution",
    "Expr",
    "Grid",
    "Normal",
    "Param",
    "RandInt",
    "SearchSpace",
    "Uniform",
    "as_search_space",
    "from_param_distributions",
    "from_scipy",
    "normalize_point",
    "space_eval",
]
