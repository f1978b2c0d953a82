"""Parameter values and search spaces as short readable text, for a tracker."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..space import SearchSpace
from ..space._nodes import Choice

__all__ = ["MAX_VALUE_LENGTH", "describe_space", "readable_params", "value_text"]

#: Parameter values are cut to this many characters (MLflow accepts 6000; long reprs are noise).
MAX_VALUE_LENGTH = 500


def value_text(value: Any) -> str:
    """A short readable text for a parameter value.

    Estimators (objects with ``get_params``) are named by their class, so a
    model-choice search logs ``"SVC"`` rather than a long repr; other
    objects use their repr, cut to ``MAX_VALUE_LENGTH`` characters.

    Parameters
    ----------
    value : object

    Returns
    -------
    str
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        text = value
    elif value is None or isinstance(value, (bool, numbers.Number)):
        text = repr(value)
    elif hasattr(value, "get_params") and not isinstance(value, type):
        text = type(value).__name__
    elif isinstance(value, type) or callable(value):
        name = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
        text = name if isinstance(name, str) else repr(value)
    else:
        text = repr(value)
    if len(text) > MAX_VALUE_LENGTH:
        text = text[: MAX_VALUE_LENGTH - 3] + "..."
    return text


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, bool, numbers.Number, np.generic))


def readable_params(space: SearchSpace, params: Mapping[str, Any]) -> dict[str, str]:
    """A trial's active labels with readable values (``fmin``'s child runs).

    A choice gives its chosen option when the option is a scalar (``"rbf"``,
    ``0.1``, ``None``), else its index; other parameters give their value.

    Parameters
    ----------
    space : SearchSpace
        The space the trial was drawn from.
    params : mapping
        The trial's active labels and values (choice indices for choices).

    Returns
    -------
    dict
        Label to text.
    """
    out = {}
    for label, value in params.items():
        param = space.params[space.index[label]] if label in space.index else None
        if isinstance(param, Choice):
            option = param.options[int(value)]
            value = option if _is_scalar(option) else int(value)
        out[label] = value_text(value)
    return out


def _option_text(option: Any) -> str:
    if isinstance(option, Mapping):
        keys = ", ".join(str(k) for k in option)
        return "{" + keys + "}"
    return value_text(option)


def describe_space(space: SearchSpace) -> str:
    """The search space as text: one line per parameter, with when it is active.

    Choices list their options (dicts by their keys); a conditional
    parameter names the choice options it depends on.

    Parameters
    ----------
    space : SearchSpace

    Returns
    -------
    str
        One line per parameter, newline-terminated.
    """
    lines = []
    for param, condition in zip(space.params, space.conditions, strict=True):
        text = f"{param.label}: {param!r}"
        if isinstance(param, Choice):
            options = ", ".join(f"{i}={_option_text(o)}" for i, o in enumerate(param.options))
            text += f"  options: {options}"
        if condition != ((),):
            alternatives = [
                " and ".join(f"{space.labels[column]} == {option}" for column, option in conj)
                for conj in condition
            ]
            text += "  active when " + " or ".join(alternatives)
        lines.append(text)
    return "\n".join(lines) + "\n"
