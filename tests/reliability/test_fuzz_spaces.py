"""Fuzzing space construction: every hp function with random, extreme and hostile arguments.

tests/space/test_properties.py checks nested spaces built from well-behaved
arguments. Here each argument is drawn from valid values, extreme ones
(1e308, subnormals, 2**63, 10**400, tiny or huge q) and wrong ones (NaN, inf,
bools, strings, None, lists...). A construction either raises ``ValueError``
or ``TypeError`` naming the function and the label (or ``label`` itself), or
gives an expression whose every sampled point is valid: finite, of the right
type, in range, on the q grid, and round-tripping through encode/decode.

The run is counted: at least 10,000 spaces are generated, in two halves that
pytest-xdist can run in parallel (each with a fixed seed, so every CI run
checks the same spaces).
"""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction

import numpy as np
import pytest
from _reliability_helpers import COUNTS
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from skopt_hp import hp, space_eval
from skopt_hp.space import Choice, Normal, RandInt, SearchSpace, Uniform

N_SPACES = 10_000
N_ROWS = 8

# -- argument pools ----------------------------------------------------------------------
FUNCS = ["uniform", "quniform", "loguniform", "qloguniform", "normal", "qnormal", "lognormal",
         "qlognormal", "randint", "uniformint", "choice", "pchoice"]
labels = st.sampled_from(["x", "lr", "depth", "a b", "é", "0"])
bad_labels = st.sampled_from(["", None, 3, b"x", ["x"], 1.5])
# Legal magnitudes, from ordinary to the edges of the float range.
locations = st.one_of(
    st.floats(-1e3, 1e3),
    st.integers(-1000, 1000),
    st.sampled_from([0, 1e16, -1e16, 2.0**53, 1e300, -1e300, 1e308, -1e308, 1e-300, 5e-324]),
    st.floats(-1e308, 1e308),
    st.builds(lambda v, kind: kind(v), st.integers(-100, 100),
              st.sampled_from([np.float64, np.int64, np.float32, np.int8, Fraction])),
)
log_locations = st.one_of(st.floats(-30, 30), st.floats(-800, 800),
                          st.sampled_from([-745.0, -708.0, 700.0, 709.0]))
widths = st.one_of(st.floats(1e-3, 1e3), st.sampled_from([1e-300, 5e-324, 1e300, 1e308, 1]))
scales = st.one_of(st.floats(1e-3, 1e3), st.sampled_from([1e-300, 1e300, 1e307, 70.0, 300.0]))
qs = st.one_of(st.floats(1e-3, 100), st.sampled_from([1, 0.5, 1e-300, 1e-320, 1e300, 5e-324]))
integers = st.one_of(
    st.integers(-50, 50),
    st.sampled_from([2**53, -(2**53), 2**53 + 1, 2**63, 10**20, 3.0, np.int64(7), np.int32(-2)]),
)
constants = st.one_of(st.integers(-3, 3), st.text(max_size=2), st.none(), st.booleans())
# Wrong values: not numbers, not finite, beyond floats, bools...
hostile = st.sampled_from(
    [math.nan, math.inf, -math.inf, 10**400, True, "1", None, [1.0], {"a": 1}, 1j, b"1", 0, -1.5]
)


def _pairs(draw, n):
    weights = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    total = sum(weights) or 1
    return [(w / total, draw(constants)) for w in weights]


@st.composite
def hp_calls(draw):
    """One ``hp.<func>(label, ...)`` call: (func name, args), spoiled in about 1 call of 3."""
    func = draw(st.sampled_from(FUNCS))
    label = draw(labels)
    if func == "choice":
        args = [label, draw(st.lists(constants, min_size=1, max_size=4))]
    elif func == "pchoice":
        args = [label, _pairs(draw, draw(st.integers(1, 4)))]
    elif func == "randint":
        low = draw(integers)
        high = int(low) + abs(int(draw(integers))) + 1
        args = [label, low, high] if draw(st.booleans()) else [label, low]
    elif func == "uniformint":
        low = draw(integers)
        args = [label, low, int(low) + abs(int(draw(integers))) + 1]
    elif func.endswith("normal"):
        mu = draw(log_locations if "log" in func else locations)
        args = [label, mu, draw(scales)]
    else:
        low = draw(log_locations if "log" in func else locations)
        args = [label, low, float(low) + draw(widths)]
    if func.startswith("q"):
        args.append(draw(qs))
    spoil = draw(st.sampled_from(["none", "none", "one"]))
    if spoil == "one":
        i = draw(st.integers(0, len(args) - 1))
        if i == 0:
            args[0] = draw(bad_labels)
        elif func == "choice":
            args[1] = draw(st.sampled_from([[], "abc", {"a": 1}, None, 5]))
        elif func == "pchoice":
            pairs = args[1]
            j = draw(st.integers(0, len(pairs) - 1))
            pairs[j] = draw(st.one_of(st.tuples(hostile, constants),
                                      st.sampled_from([(0.5,), (0.5, 1, 2), 3, None])))
        else:
            args[i] = draw(hostile)
    return func, tuple(args)


def _named(message: str, func: str, label) -> bool:
    """Whether an error message names the function and the label (or `label` itself)."""
    if f"hp.{func}" not in message:
        return False
    return (repr(label) in message) or ("`label`" in message)


# -- checking sampled values ---------------------------------------------------------------
def _check_values(param, values) -> None:
    """Every sampled external value of ``param`` is one it can take."""
    for value in values:
        if isinstance(param, Choice):
            assert type(value) is int and 0 <= value < param.n_options
            assert param.weights[value] > 0
            continue
        if param.integer:
            assert type(value) is int, (param, value)
        else:
            assert type(value) is float, (param, value)
        assert math.isfinite(value), (param, value)
        if isinstance(param, RandInt):
            assert param.low <= value < param.high
        elif isinstance(param, Uniform):
            low, high = param.low, param.high
            if param.log:
                low, high = math.exp(low), math.exp(high)
            if param.q is not None:
                low, high = (round(b / param.q) * param.q for b in (low, high))
                assert value == round(value / param.q) * param.q, (param, value)
            slack = 1e-12 * max(abs(low), abs(high)) if param.log else 0.0
            assert low - slack <= value <= high + slack, (param, value)
        elif isinstance(param, Normal):
            if param.log:
                assert value >= 0
            if param.q is not None:
                assert value == round(value / param.q) * param.q, (param, value)


def _check_space(space, rng) -> None:
    compiled = SearchSpace(space)
    Z = compiled.sample(rng, N_ROWS)
    assert Z.shape == (N_ROWS, compiled.n_params)
    assert np.isfinite(Z[~np.isnan(Z)]).all()
    points = compiled.decode(Z)
    by_label = dict(zip(compiled.labels, compiled.params, strict=True))
    for label, param in by_label.items():
        _check_values(param, [p[label] for p in points if label in p])
    back = compiled.encode(points)
    np.testing.assert_array_equal(np.isnan(back), np.isnan(Z))
    # log(exp(z)) is exact to a few ulps of exp(z), which near z = 0 is ~1e-16 absolute.
    np.testing.assert_allclose(back[~np.isnan(Z)], Z[~np.isnan(Z)], rtol=1e-12, atol=1e-15)
    for point in points:
        space_eval(space, point)


N_PARTS = 2
SETTINGS = settings(
    max_examples=N_SPACES // N_PARTS + 100,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("part", range(N_PARTS))
def test_ten_thousand_fuzzed_spaces_are_rejected_clearly_or_sample_valid_points(part):
    seen: Counter[str] = Counter()

    @seed(20_240 + part)  # the same spaces on every run, different in each part
    @SETTINGS
    @given(data=st.data(), n_params=st.integers(1, 3), nest=st.booleans(), seed=st.integers(0, 99))
    def check(data, n_params, nest, seed):
        built = []
        for i in range(n_params):
            func, args = data.draw(hp_calls())
            label = args[0]
            if isinstance(label, str) and label:
                label = f"{label}{i}"  # unique labels: duplicates are another test's business
                args = (label, *args[1:])
            try:
                built.append(getattr(hp, func)(*args))
            except (ValueError, TypeError) as exc:
                assert _named(str(exc), func, label), (func, args, str(exc))
                seen["invalid"] += 1
                return
        seen["valid"] += 1
        space = {f"k{i}": expr for i, expr in enumerate(built)}
        if nest:  # the parameters become conditional on a choice
            space = {"branch": hp.choice("branch", [space, {"none": None}, built[0]])}
        _check_space(space, np.random.default_rng(seed))

    check()
    total = seen["valid"] + seen["invalid"]
    COUNTS["spaces fuzzed: valid (sampled and checked)"] += seen["valid"]
    COUNTS["spaces fuzzed: invalid (rejected with a named error)"] += seen["invalid"]
    assert total >= N_SPACES // N_PARTS, seen
    assert min(seen["valid"], seen["invalid"]) >= N_SPACES // N_PARTS // 5, seen
