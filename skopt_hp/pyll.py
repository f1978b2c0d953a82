"""hyperopt's ``pyll.scope`` for code that writes ``scope.int(hp.quniform(...))``.

Replace ``from hyperopt.pyll import scope`` with ``from skopt_hp.pyll import scope``.
"""

from .space._apply import scope

__all__ = ["scope"]
