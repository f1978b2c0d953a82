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


# -- hyperopt's other names ------------------------------------------------------------------
class BadSearchSpace(ValueError):
    """The description of a search space is invalid (hyperopt's ``BadSearchSpace``).

    A ``ValueError``, which is what skopt_hp raised for bad spaces before it
    had hyperopt's exception names, so ``except ValueError`` still catches it.
    """


class DuplicateLabel(BadSearchSpace):
    """One label names two different parameters of a space (hyperopt's ``DuplicateLabel``).

    Parameters
    ----------
    label : str
        The label used twice; kept as the ``label`` attribute.
    message : str, optional
        The error message; by default it names the label.
    """

    def __init__(self, label: str, message: str | None = None) -> None:
        super().__init__(message or f"Label {label!r} is used for two different parameters.")
        self.label = label

    def __reduce__(self) -> tuple:
        # The default reduction would pass the message as the label.
        return (type(self), (self.label, str(self)))


class InvalidTrial(ValueError):
    """A point or trial document cannot be a trial of the search (hyperopt's ``InvalidTrial``).

    Parameters
    ----------
    msg : str
        What is wrong, naming the offending key or value.
    obj : object
        The offending point or document; kept as the ``obj`` attribute.
    """

    def __init__(self, msg: str, obj: object) -> None:
        super().__init__(msg)
        self.obj = obj

    def __reduce__(self) -> tuple:
        return (type(self), (str(self), self.obj))


__all__ += ["BadSearchSpace", "DuplicateLabel", "InvalidTrial"]
