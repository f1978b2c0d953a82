"""Typed expression nodes of a search space.

Every ``hp.*`` call builds one of these value objects. They validate their
arguments when built, so a bad space fails where it is written, naming the
label, the rule and the value.

Each parameter node also knows how to move between two representations:

* the *external* value the user's code sees (``0.01`` for a
  ``loguniform``, the option *index* for a ``choice``, an ``int`` for a
  ``randint``), which is what hyperopt stores in ``misc.vals`` and returns
  from ``fmin``;
* the *internal* float a sampler models: log space for log-scaled
  parameters, the index for a choice, the (quantised) value otherwise.

All conversions are vectorised over numpy arrays.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "Expr",
    "Param",
    "Choice",
    "RandInt",
    "Uniform",
    "Normal",
    "Distribution",
    "Grid",
]

CATEGORICAL = "categorical"
NUMERICAL = "numerical"
OPAQUE = "opaque"


def _fmt(value: Any) -> str:
    return repr(value) if not isinstance(value, float) else f"{value!r}"


def _check_label(func: str, label: Any) -> str:
    if not isinstance(label, str):
        raise TypeError(
            f"hp.{func}: `label` must be a str, but got {label!r} of type {type(label).__name__}."
        )
    if not label:
        raise ValueError(f"hp.{func}: `label` must be a non-empty string.")
    return label


def _check_real(func: str, label: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"hp.{func}({label!r}): `{name}` must be a real number, but got {value!r} "
            f"of type {type(value).__name__}."
        )
    try:
        value = float(value)
    except OverflowError:  # an int beyond the range of floats
        raise ValueError(
            f"hp.{func}({label!r}): `{name}` must be finite, but got an int too large for a float."
        ) from None
    if not math.isfinite(value):
        raise ValueError(f"hp.{func}({label!r}): `{name}` must be finite, but got {name}={value}.")
    return value


#: The smallest normal float: below it, floats lose precision (and exp/log stop round-tripping).
_TINY = float(np.finfo(float).tiny)
#: Internal values are float64, which hold every integer up to this exactly.
_MAX_EXACT_INT = 2**53
#: A normal parameter's values must stay finite this many sigmas from mu (a draw beyond
#: 10 sigma has probability 1.5e-23).
_NORMAL_REACH = 10.0


def _check_finite_values(func: str, label: str, values: np.ndarray, what: str) -> None:
    """Raise when a parameter's reachable values overflow a float (sampling would give inf)."""
    if not np.all(np.isfinite(values)):
        raise ValueError(f"hp.{func}({label!r}): {what} overflow a float; use a smaller range.")


def _check_q(func: str, label: str, q: Any) -> float | None:
    if q is None:
        return None
    q = _check_real(func, label, "q", q)
    if q <= 0:
        raise ValueError(f"hp.{func}({label!r}): `q > 0` must hold, but got q={q}.")
    if q < _TINY:
        raise ValueError(
            f"hp.{func}({label!r}): `q` must be at least {_TINY} (a normal float), but got q={q}."
        )
    return q


def _quantize(values: np.ndarray, q: float | None) -> np.ndarray:
    # np.round rounds half to even, as hyperopt does; the value stays a float.
    if q is None:
        return values
    return np.round(values / q) * q


#: A parameter with more values than this has no :class:`Grid` (samplers treat it as continuous).
MAX_GRID_POINTS = 4096


class Grid(NamedTuple):
    """Every value a bounded quantised or integer parameter can take.

    Attributes
    ----------
    values : ndarray of shape (n,)
        Internal values of the points, increasing.
    prior : ndarray of shape (n,)
        Prior probability of each point (sums to one): what sampling the
        parameter gives, e.g. half weight at the bounds of a ``quniform``.
    """

    values: np.ndarray
    prior: np.ndarray


#: Builds the deferred node of an operator. Set by ``_apply``, which subclasses Expr (so
#: this module cannot import it without a cycle); importing ``skopt_hp.space`` imports both.
_operator_node: Callable[..., Expr] | None = None


def _deferred(name: str, *args: Any) -> Expr:
    return _operator_node(name, *args)  # type: ignore[misc]


def _binary(name: str) -> tuple[Callable[..., Expr], Callable[..., Expr]]:
    """The method ``a <op> b`` and its reflection ``b <op> a`` (operand ``a`` a number)."""

    def forward(self: Expr, other: Any) -> Expr:
        return _deferred(name, self, other)

    def reflected(self: Expr, other: Any) -> Expr:
        return _deferred(name, other, self)

    forward.__name__, reflected.__name__ = f"__{name}__", f"__r{name}__"
    return forward, reflected


def _compare(name: str) -> Callable[..., Expr]:
    def method(self: Expr, other: Any) -> Expr:
        return _deferred(name, self, other)

    method.__name__ = f"__{name}__"
    return method


class Expr:
    """Base class of every search-space expression.

    Arithmetic (``+ - * / // % **``, unary ``-``, ``+``, ``abs``) and the
    comparisons ``< <= > >=`` on an expression, with numbers or other
    expressions on either side, build a deferred application (as hyperopt's
    pyll does): ``space_eval`` computes it from the parameters' values, and
    samplers only ever see the parameters inside it. ``==`` and ``!=`` keep
    their identity meaning, so expressions stay usable as dict keys and in
    sets (hyperopt does not overload them either); ``scope.eq`` builds the
    deferred comparison.
    """

    # numpy scalars and arrays defer to the reflected operators below instead of
    # broadcasting over the expression (np.float64(2) * expr is then an expression).
    __array_ufunc__ = None

    __add__, __radd__ = _binary("add")
    __sub__, __rsub__ = _binary("sub")
    __mul__, __rmul__ = _binary("mul")
    __truediv__, __rtruediv__ = _binary("truediv")
    __floordiv__, __rfloordiv__ = _binary("floordiv")
    __mod__, __rmod__ = _binary("mod")
    __pow__, __rpow__ = _binary("pow")
    # Python reflects a < b into b > a, so these four need no reflected forms.
    __lt__ = _compare("lt")
    __le__ = _compare("le")
    __gt__ = _compare("gt")
    __ge__ = _compare("ge")
    # Defining comparisons must not cost expressions their identity hash.
    __hash__ = object.__hash__

    def __neg__(self) -> Expr:
        return _deferred("neg", self)

    def __pos__(self) -> Expr:
        return _deferred("pos", self)

    def __abs__(self) -> Expr:
        return _deferred("abs", self)


class Param(Expr):
    """A labelled hyperparameter: one dimension of the search space.

    Attributes used by samplers
    ---------------------------
    kind : {"categorical", "numerical", "opaque"}
    label : str
    """

    kind: str = NUMERICAL
    _func: str = ""

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, "_frozen"):
            raise AttributeError(f"{type(self).__name__} is immutable")
        object.__setattr__(self, name, value)

    def _freeze(self) -> None:
        object.__setattr__(self, "_frozen", True)

    # -- representation -------------------------------------------------
    def _args(self) -> tuple:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(_fmt(a) for a in self._args())
        return f"hp.{self._func}({self.label!r}, {args})"

    def same_definition(self, other: Param) -> bool:
        """Whether ``other`` defines the same parameter (same kind and arguments)."""
        if other is self:
            return True
        return (
            type(other) is type(self)
            and other._func == self._func
            and other.label == self.label
            and other._args() == self._args()
        )

    # -- vectorised sampling and encoding (internal floats) --------------
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` internal values from the prior."""
        raise NotImplementedError

    def to_internal(self, values: Any) -> np.ndarray:
        """Encode external values as internal floats."""
        raise NotImplementedError

    def to_external(self, z: np.ndarray) -> np.ndarray:
        """Decode internal floats (assumed active) into external values."""
        raise NotImplementedError

    def snap(self, z: np.ndarray) -> np.ndarray:
        """Map arbitrary internal floats onto values this parameter can take."""
        raise NotImplementedError

    def external_scalar(self, z: float) -> Any:
        """Decode one internal float into a plain Python value."""
        return self.to_external(np.asarray([z], dtype=float))[0].item()

    def check_external(self, value: Any) -> None:
        """Raise ``ValueError`` when ``value`` cannot be a value of this parameter."""
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(
                f"{self!r}: expected a number, got {value!r} of type {type(value).__name__}."
            )
        if not math.isfinite(float(value)):
            raise ValueError(f"{self!r}: expected a finite value, got {value!r}.")


class Choice(Param):
    """``hp.choice`` / ``hp.pchoice``: one of ``options``; internally its index.

    Options may be constants, any Python object, or sub-spaces holding
    further parameters, which are then active only when their option is
    chosen.
    """

    kind = CATEGORICAL

    def __init__(self, label: str, options: Any, p: Any = None, *, func: str = "choice"):
        label = _check_label(func, label)
        if isinstance(options, (str, bytes, dict)) or not hasattr(options, "__iter__"):
            raise TypeError(
                f"hp.{func}({label!r}): `options` must be a list or tuple, but got "
                f"{type(options).__name__}."
            )
        options = tuple(options)
        if not options:
            raise ValueError(f"hp.{func}({label!r}): `options` must not be empty.")
        if p is not None:
            try:
                p = np.asarray(p, dtype=float)
            except (TypeError, ValueError):
                raise TypeError(
                    f"hp.{func}({label!r}): probabilities must be numbers, but got {p!r}."
                ) from None
            except OverflowError:  # an int beyond the range of floats
                raise ValueError(
                    f"hp.{func}({label!r}): probabilities must be finite and >= 0, but one is "
                    "an int too large for a float."
                ) from None
            if p.shape != (len(options),):
                raise ValueError(
                    f"hp.{func}({label!r}): got {p.size} probabilities for {len(options)} options."
                )
            if not np.all(np.isfinite(p)) or np.any(p < 0):
                raise ValueError(
                    f"hp.{func}({label!r}): probabilities must be finite and >= 0, but got "
                    f"{p.tolist()}."
                )
            if abs(p.sum() - 1.0) > 1e-6:
                raise ValueError(
                    f"hp.{func}({label!r}): probabilities must sum to 1, but they sum to "
                    f"{p.sum():.6g} ({p.tolist()})."
                )
            p = p / p.sum()
            p = tuple(float(x) for x in p)
        self.label = label
        self.options = options
        self.p = p
        self._func = func
        weights = np.full(len(options), 1.0 / len(options)) if p is None else np.asarray(p)
        cum = np.cumsum(weights)
        cum[-1] = 1.0
        self._cum = cum
        # TPE reads the prior on every suggestion: computed once, read-only.
        prior = np.diff(cum, prepend=0.0)
        prior.flags.writeable = False
        self._weights = prior
        self._freeze()

    _func = "choice"

    @property
    def n_options(self) -> int:
        return len(self.options)

    @property
    def weights(self) -> np.ndarray:
        """Prior probability of each option (a read-only array)."""
        return self._weights

    def _args(self) -> tuple:
        if self.p is None:
            return (list(self.options),)
        return (list(zip(self.p, self.options, strict=True)),)

    def __repr__(self) -> str:
        if self.p is None:
            return f"hp.choice({self.label!r}, <{self.n_options} options>)"
        return f"hp.pchoice({self.label!r}, p={list(self.p)})"

    def same_definition(self, other: Param) -> bool:
        if other is self:
            return True
        return (
            type(other) is Choice
            and other.label == self.label
            and other.p == self.p
            and len(other.options) == len(self.options)
            and all(a is b for a, b in zip(other.options, self.options, strict=True))
        )

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        idx = np.searchsorted(self._cum, rng.random(n), side="right")
        return np.minimum(idx, self.n_options - 1).astype(float)

    def to_internal(self, values: Any) -> np.ndarray:
        return np.asarray(values, dtype=float)

    def to_external(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(z).astype(np.int64)

    def snap(self, z: np.ndarray) -> np.ndarray:
        return np.minimum(np.maximum(np.round(z), 0), self.n_options - 1)

    def check_external(self, value: Any) -> None:
        super().check_external(value)
        if value != int(value) or not 0 <= int(value) < self.n_options:
            raise ValueError(
                f"{self!r}: expected an option index in [0, {self.n_options}), got {value!r}."
            )


class _Numeric(Param):
    """Shared machinery of the numerical parameters.

    Subclasses set ``bounds`` (internal, inclusive, maybe infinite),
    ``prior`` ("uniform" over the bounds, or "normal" with ``prior_mu`` and
    ``prior_sigma``), ``step`` (the internal grid, or ``None``), ``log`` and
    ``integer``.
    """

    kind = NUMERICAL

    def _encode_values(self, v: np.ndarray) -> np.ndarray:
        if not self.log:
            return v
        with np.errstate(divide="ignore"):
            z = np.log(v)
        if self.q is not None:
            # A quantised log parameter can round down to 0; any internal value
            # below log(q/2) decodes to 0, so 0 is stored as such a value.
            z = np.where(v <= 0, self._zero_code(), z)
        return z

    def _zero_code(self) -> float:
        return math.log(self.q / 4)

    def _decode_values(self, z: np.ndarray) -> np.ndarray:
        v = np.exp(z) if self.log else np.asarray(z, dtype=float)
        return _quantize(v, self.q)

    def to_internal(self, values: Any) -> np.ndarray:
        return self._encode_values(np.asarray(values, dtype=float))

    def to_external(self, z: np.ndarray) -> np.ndarray:
        v = self._decode_values(np.asarray(z, dtype=float))
        if self.integer:
            return np.round(v).astype(np.int64)
        return v

    def snap(self, z: np.ndarray) -> np.ndarray:
        # Clip first, then quantise: quantising a value outside the bounds can give
        # a value (0 for a quantised log parameter) whose encoding is not canonical.
        lo, hi = self.bounds
        z = np.minimum(np.maximum(np.asarray(z, dtype=float), lo), hi)
        if self.q is not None or self.integer:
            z = self._encode_values(self._decode_values(z))
        return z

    @property
    def grid(self) -> Grid | None:
        """The finite set of values, or ``None`` (continuous, unbounded, or over
        ``MAX_GRID_POINTS`` values).

        Computed on each access, not cached: parameters are values that
        scikit-learn hashes to check that ``fit`` leaves them unchanged.
        """
        return None


class Uniform(_Numeric):
    """``hp.uniform``, ``quniform``, ``loguniform``, ``qloguniform``, ``uniformint``.

    The value is ``uniform(low, high)``, exponentiated when ``log`` (the
    bounds are then in log space, as in hyperopt), then rounded to a
    multiple of ``q`` when given. ``integer`` returns ints (``uniformint``).
    """

    def __init__(
        self,
        label: str,
        low: float,
        high: float,
        q: float | None = None,
        *,
        log: bool = False,
        integer: bool = False,
    ):
        func = ("q" if q is not None and not integer else "") + ("log" if log else "") + "uniform"
        if integer:
            func = "uniformint"
        label = _check_label(func, label)
        low = _check_real(func, label, "low", low)
        high = _check_real(func, label, "high", high)
        if not low < high:
            raise ValueError(
                f"hp.{func}({label!r}): `low < high` must hold, but got low={low}, high={high}."
            )
        q = _check_q(func, label, q)
        # exp(low) below ~1e-308 is a subnormal float, too imprecise to round-trip through log.
        if log and (high > 700 or low < -708):
            raise ValueError(
                f"hp.{func}({label!r}): bounds are in log space (value = exp(uniform(low, high))); "
                f"low={low}, high={high} overflow a float. "
                f"Did you mean np.log({low}), np.log({high})?"
            )
        self.label = label
        self.low, self.high, self.q = low, high, q
        self.log, self.integer = log, integer
        self._func = func
        self.prior = "uniform"
        self.prior_mu = self.prior_sigma = None
        self.step = q if (q is not None and not log) else None
        if not math.isfinite(high - low):
            raise ValueError(
                f"hp.{func}({label!r}): `high - low` overflows a float (low={low}, high={high})."
            )
        if integer and max(abs(low), abs(high)) > _MAX_EXACT_INT:
            raise ValueError(
                f"hp.{func}({label!r}): bounds must be within +-2**53 (values are encoded as "
                f"floats), but got low={low:.6g}, high={high:.6g}."
            )
        with np.errstate(over="ignore", invalid="ignore"):
            ext = self._decode_values(np.array([low, high]))
        _check_finite_values(func, label, ext, f"the bounds quantised by q={q}")
        lo, hi = self._encode_values(ext)
        self.bounds = (float(lo), float(hi))
        self._freeze()

    def _zero_code(self) -> float:
        return max(self.low, math.log(self.q / 4))

    @property
    def grid(self) -> Grid | None:
        if self.q is None:
            return None
        q = self.q
        ends = self._decode_values(np.array(self.bounds))
        k_low, k_high = round(ends[0] / q), round(ends[1] / q)
        if k_high - k_low + 1 > MAX_GRID_POINTS:
            return None
        external = np.arange(k_low, k_high + 1) * q
        # A point collects the draws that round to it: the part of [low, high]
        # (in the sampled, maybe logarithmic, scale) within half a step of it.
        lower, upper = external - 0.5 * q, external + 0.5 * q
        if self.log:
            with np.errstate(divide="ignore"):
                lower, upper = np.log(np.maximum(lower, 0.0)), np.log(upper)
        mass = np.clip(np.minimum(upper, self.high) - np.maximum(lower, self.low), 0.0, None)
        keep = mass > 0
        values = self._encode_values(external[keep])
        return Grid(values, mass[keep] / mass[keep].sum())

    def _args(self) -> tuple:
        if self.integer:
            return (self.low, self.high) if self.q == 1.0 else (self.low, self.high, self.q)
        return (self.low, self.high) if self.q is None else (self.low, self.high, self.q)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        x = rng.uniform(self.low, self.high, n)
        if self.q is None:
            return x
        return self._encode_values(self._decode_values(x))


class Normal(_Numeric):
    """``hp.normal``, ``qnormal``, ``lognormal``, ``qlognormal``.

    The value is ``normal(mu, sigma)``, exponentiated when ``log``, then
    rounded to a multiple of ``q`` when given. Unbounded.
    """

    def __init__(
        self, label: str, mu: float, sigma: float, q: float | None = None, *, log: bool = False
    ):
        func = ("q" if q is not None else "") + ("log" if log else "") + "normal"
        label = _check_label(func, label)
        mu = _check_real(func, label, "mu", mu)
        sigma = _check_real(func, label, "sigma", sigma)
        if not sigma > 0:
            raise ValueError(f"hp.{func}({label!r}): `sigma > 0` must hold, but got sigma={sigma}.")
        q = _check_q(func, label, q)
        self.label = label
        self.mu, self.sigma, self.q = mu, sigma, q
        self.log, self.integer = log, False
        self._func = func
        self.prior = "normal"
        self.prior_mu, self.prior_sigma = mu, sigma
        self.step = q if (q is not None and not log) else None
        self.bounds = (-math.inf, math.inf)
        with np.errstate(over="ignore", invalid="ignore"):
            reach = self._decode_values(
                np.array([mu - _NORMAL_REACH * sigma, mu + _NORMAL_REACH * sigma])
            )
        settings = f"mu={mu}, sigma={sigma}" + ("" if q is None else f", q={q}")
        what = f"values {_NORMAL_REACH:g} sigma away ({settings})"
        _check_finite_values(func, label, reach, what)
        if log and q is None and not reach[0] >= _TINY:
            raise ValueError(
                f"hp.{func}({label!r}): {what} underflow below {_TINY} (subnormal floats, too "
                "imprecise); use a larger mu."
            )
        self._freeze()

    def _args(self) -> tuple:
        return (self.mu, self.sigma) if self.q is None else (self.mu, self.sigma, self.q)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        x = rng.normal(self.mu, self.sigma, n)
        if self.q is None:
            return x
        return self._encode_values(self._decode_values(x))


class RandInt(_Numeric):
    """``hp.randint``: an integer in ``[low, high)``, modelled as an ordered integer."""

    def __init__(self, label: str, low: int, high: int):
        func = "randint"
        label = _check_label(func, label)
        bounds = []
        for name, v in (("low", low), ("high", high)):
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(
                    f"hp.randint({label!r}): `{name}` must be an integer, but got {v!r}."
                )
            if not isinstance(v, numbers.Integral):
                x = float(v)
                if not math.isfinite(x):
                    raise ValueError(
                        f"hp.randint({label!r}): `{name}` must be finite, but got {name}={v}."
                    )
                if not x.is_integer():
                    raise TypeError(
                        f"hp.randint({label!r}): `{name}` must be an integer, but got {v!r}."
                    )
            v = int(v)
            if abs(v) > _MAX_EXACT_INT:
                raise ValueError(
                    f"hp.randint({label!r}): `{name}` must be within +-2**53 (values are "
                    f"encoded as floats), but got an integer of {len(str(abs(v)))} digits."
                )
            bounds.append(v)
        low, high = bounds
        if not low < high:
            raise ValueError(
                f"hp.randint({label!r}): `low < high` must hold (values are drawn from "
                f"[low, high)), but got low={low}, high={high}."
            )
        self.label = label
        self.low, self.high, self.q = low, high, None
        self.log, self.integer = False, True
        self._func = func
        self.prior = "uniform"
        self.prior_mu = self.prior_sigma = None
        self.step = 1.0
        self.bounds = (float(low), float(high - 1))
        self._freeze()

    def _args(self) -> tuple:
        return (self.high,) if self.low == 0 else (self.low, self.high)

    def _decode_values(self, z: np.ndarray) -> np.ndarray:
        return np.round(z)

    @property
    def grid(self) -> Grid | None:
        n = self.high - self.low
        if n > MAX_GRID_POINTS:
            return None
        return Grid(np.arange(self.low, self.high, dtype=float), np.full(n, 1.0 / n))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.integers(self.low, self.high, n).astype(float)

    def check_external(self, value: Any) -> None:
        super().check_external(value)
        if value != int(value) or not self.low <= value < self.high:
            raise ValueError(
                f"{self!r}: expected an integer in [{self.low}, {self.high}), got {value!r}."
            )


class Distribution(Param):
    """A parameter drawn from an arbitrary distribution object with ``rvs``.

    Used for scipy.stats frozen distributions that have no ``hp``
    equivalent. Samplers cannot model it and draw it from its prior.
    """

    kind = OPAQUE
    _func = "distribution"

    def __init__(self, label: str, dist: Any):
        label = _check_label("distribution", label)
        if not callable(getattr(dist, "rvs", None)):
            raise TypeError(
                f"distribution {label!r}: expected an object with an `rvs` method (such as a "
                f"scipy.stats frozen distribution), but got {dist!r}."
            )
        import scipy.stats

        self.label = label
        self.dist = dist
        self.integer = isinstance(getattr(dist, "dist", None), scipy.stats.rv_discrete)
        self._freeze()

    def _args(self) -> tuple:
        return (self.dist,)

    def same_definition(self, other: Param) -> bool:
        return other is self or (
            type(other) is Distribution and other.dist is self.dist and other.label == self.label
        )

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        try:
            values = np.asarray(self.dist.rvs(size=n, random_state=rng), dtype=float)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"distribution {self.label!r}: rvs() must return numbers ({exc})."
            ) from exc
        return values.reshape(n)

    def to_internal(self, values: Any) -> np.ndarray:
        return np.asarray(values, dtype=float)

    def to_external(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        return np.round(z).astype(np.int64) if self.integer else z

    def snap(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(z, dtype=float)
