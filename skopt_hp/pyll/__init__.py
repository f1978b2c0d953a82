"""hyperopt's ``pyll`` module paths, for code that writes ``scope.int(hp.quniform(...))``.

Replace ``from hyperopt.pyll import scope`` with ``from skopt_hp.pyll import scope``,
and ``hyperopt.pyll.stochastic.sample(space)`` with
``skopt_hp.pyll.stochastic.sample(space)``. There is no graph engine behind
them: expressions are skopt_hp's typed nodes, evaluated by ``space_eval``.
"""

from ..space._apply import Apply, scope
from . import stochastic

__all__ = ["Apply", "scope", "stochastic"]
