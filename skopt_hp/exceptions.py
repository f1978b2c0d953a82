"""Exceptions raised by skopt_hp, named as hyperopt names them.

Nothing of skopt_hp is imported here, so that every layer, the trial store
included, can raise them.
"""

__all__ = ["AllTrialsFailed", "InvalidAnnotatedParameter", "InvalidLoss", "InvalidResultStatus"]


class AllTrialsFailed(ValueError):
    """Raised when a best trial is asked for but no trial succeeded."""


class InvalidResultStatus(ValueError):
    """The objective returned a dict whose ``status`` is not one of ``STATUS_STRINGS``."""


class InvalidLoss(ValueError):
    """The objective reported ``status='ok'`` without a numeric ``loss``."""


class InvalidAnnotatedParameter(ValueError):
    """``fmin(space="annotated")``: an argument of the objective lacks an ``hp`` annotation."""
