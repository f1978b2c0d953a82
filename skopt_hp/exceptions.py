"""Exceptions raised by skopt_hp, named as hyperopt names them."""

from ._trials import AllTrialsFailed

__all__ = ["AllTrialsFailed", "InvalidAnnotatedParameter", "InvalidLoss", "InvalidResultStatus"]


class InvalidResultStatus(ValueError):
    """The objective returned a dict whose ``status`` is not one of ``STATUS_STRINGS``."""


class InvalidLoss(ValueError):
    """The objective reported ``status='ok'`` without a numeric ``loss``."""


class InvalidAnnotatedParameter(ValueError):
    """``fmin(space="annotated")``: an argument of the objective lacks an ``hp`` annotation."""
