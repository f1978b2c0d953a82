"""Property tests over random nested search spaces (hypothesis)."""

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skopt_hp import hp, space_eval
from skopt_hp.space import Choice, Expr, Normal, Param, RandInt, SearchSpace, Uniform

MAX_DEPTH = 3
N_ROWS = 40
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same examples on every run: no flaky CI, no example database
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class Opaque:
    """An arbitrary object used as a constant in spaces."""

    def __repr__(self):
        return "Opaque()"


OPAQUE = Opaque()

# -- strategies --------------------------------------------------------------------------
small_q = st.sampled_from([0.01, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0])
linear_low = st.floats(-100, 100)
width = st.floats(0.01, 100)
log_low = st.floats(-8, 4)
log_width = st.floats(0.01, 6)
mu = st.floats(-50, 50)
sigma = st.floats(0.01, 20)
log_mu = st.floats(-4, 4)
log_sigma = st.floats(0.01, 2)
constants = st.one_of(
    st.integers(-5, 5),
    st.text(max_size=3),
    st.none(),
    st.booleans(),
    st.just(OPAQUE),
    st.floats(allow_nan=False),
)


@st.composite
def numeric_param(draw, label):
    kind = draw(
        st.sampled_from(
            [
                "uniform",
                "quniform",
                "loguniform",
                "qloguniform",
                "normal",
                "qnormal",
                "lognormal",
                "qlognormal",
                "randint",
                "uniformint",
            ]
        )
    )
    if kind in ("uniform", "quniform"):
        low = draw(linear_low)
        args = (low, low + draw(width))
    elif kind in ("loguniform", "qloguniform"):
        low = draw(log_low)
        args = (low, low + draw(log_width))
    elif kind in ("normal", "qnormal"):
        args = (draw(mu), draw(sigma))
    elif kind in ("lognormal", "qlognormal"):
        args = (draw(log_mu), draw(log_sigma))
    elif kind == "randint":
        low = draw(st.integers(-50, 50))
        high = low + draw(st.integers(1, 30))
        args = (high,) if draw(st.booleans()) and high > 0 else (low, high)
    else:  # uniformint
        low = draw(st.integers(-50, 50))
        args = (low, low + draw(st.integers(1, 30)))
    if kind.startswith("q"):
        args = (*args, draw(small_q))
    return getattr(hp, kind)(label, *args)


@st.composite
def search_spaces(draw):
    """A random nested space of dicts, lists, tuples, constants and hp expressions."""
    counter = iter(range(10**6))
    made: list[Param] = []  # built parameters, available for reuse elsewhere

    def label():
        return f"p{next(counter)}"

    def node(depth):
        options = ["const", "param", "dict", "list", "tuple"]
        if depth < MAX_DEPTH:
            options += ["choice", "choice"]  # weighted up, for deeper conditional spaces
        if made:
            options.append("reuse")
        kind = draw(st.sampled_from(options))
        if kind == "const":
            return draw(constants)
        if kind == "reuse":
            return draw(st.sampled_from(made))
        if kind == "param":
            param = draw(numeric_param(label()))
        elif kind == "choice":
            n = draw(st.integers(1, 4))
            branches = [node(depth + 1) for _ in range(n)]
            lab = label()
            if draw(st.booleans()):
                param = hp.choice(lab, branches)
            else:
                weights = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
                if sum(weights) == 0:
                    weights[0] = 1
                total = sum(weights)
                param = hp.pchoice(
                    lab, [(w / total, b) for w, b in zip(weights, branches, strict=True)]
                )
        else:
            children = [node(depth + 1) for _ in range(draw(st.integers(0, 3)))]
            if kind == "dict":
                return {f"k{i}": child for i, child in enumerate(children)}
            return children if kind == "list" else tuple(children)
        made.append(param)
        return param

    top = draw(st.sampled_from(["dict", "node"]))
    if top == "dict":
        return {f"top{i}": node(0) for i in range(draw(st.integers(1, 5)))}
    return node(0)


seeds = st.integers(0, 2**32 - 1)


# -- independent reference implementation ------------------------------------------------
def reached_labels(node, point, out=None):
    """The labels space_eval reads for ``point``: walk only the chosen branches."""
    out = set() if out is None else out
    if isinstance(node, Choice):
        out.add(node.label)
        reached_labels(node.options[point[node.label]], point, out)
    elif isinstance(node, Param):
        out.add(node.label)
    elif isinstance(node, dict):
        for value in node.values():
            reached_labels(value, point, out)
    elif isinstance(node, (list, tuple)):
        for value in node:
            reached_labels(value, point, out)
    return out


def contains_expr(value):
    if isinstance(value, Expr):
        return True
    if isinstance(value, dict):
        return any(contains_expr(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_expr(v) for v in value)
    return False


def is_multiple(value, q):
    return value == np.round(value / q) * q


def check_value(param, value, sampled=True):
    """Assert that ``value`` is a value ``param`` can take, with the right type."""
    if isinstance(param, Choice):
        assert type(value) is int and 0 <= value < param.n_options
        if sampled and param.p is not None:
            assert param.p[value] > 0
    elif isinstance(param, RandInt):
        assert type(value) is int and param.low <= value < param.high
    elif isinstance(param, Uniform):
        raw = np.exp([param.low, param.high]) if param.log else np.array([param.low, param.high])
        if param.q is not None:
            lo, hi = np.round(raw / param.q) * param.q
            assert is_multiple(value, param.q)
        else:
            lo, hi = (raw[0] * (1 - 1e-12), raw[1] * (1 + 1e-12)) if param.log else raw
        assert lo <= value <= hi, (param, value)
        assert type(value) is (int if param.integer else float)
    elif isinstance(param, Normal):
        assert type(value) is float and math.isfinite(value)
        if param.log:
            assert value >= 0 if param.q is not None else value > 0
        if param.q is not None:
            assert is_multiple(value, param.q)
    else:  # pragma: no cover - the strategy builds no other kinds
        raise AssertionError(param)


def assert_round_trip(space, Z):
    back = space.encode(space.decode(Z))
    assert np.array_equal(np.isnan(back), np.isnan(Z))
    for j, param in enumerate(space.params):
        if getattr(param, "log", False) and param.q is None:
            np.testing.assert_allclose(back[:, j], Z[:, j], rtol=1e-12, atol=1e-12)
        else:
            np.testing.assert_array_equal(back[:, j], Z[:, j], err_msg=repr(param))


# -- properties --------------------------------------------------------------------------
@SETTINGS
@given(space=search_spaces(), seed=seeds)
def test_sampled_points_are_valid(space, seed):
    compiled = SearchSpace(space)
    Z = compiled.sample(np.random.default_rng(seed), N_ROWS)
    assert Z.shape == (N_ROWS, len(compiled.labels))
    np.testing.assert_array_equal(compiled.active_mask(Z), ~np.isnan(Z))
    params = dict(zip(compiled.labels, compiled.params, strict=True))
    for point in compiled.decode(Z):
        assert set(point) == reached_labels(space, point)
        for label, value in point.items():
            check_value(params[label], value)
        result = space_eval(space, point)
        assert not contains_expr(result)


@SETTINGS
@given(space=search_spaces(), seed=seeds)
def test_encode_inverts_decode(space, seed):
    compiled = SearchSpace(space)
    Z = compiled.sample(np.random.default_rng(seed), N_ROWS)
    assert_round_trip(compiled, Z)
    # hyperopt's misc.vals form encodes to the same rows.
    vals = [
        {label: [point[label]] if label in point else [] for label in compiled.labels}
        for point in compiled.decode(Z)
    ]
    np.testing.assert_array_equal(compiled.encode(vals), compiled.encode(compiled.decode(Z)))


@SETTINGS
@given(space=search_spaces(), seed=seeds)
def test_snap_keeps_sampled_points_and_repairs_arbitrary_ones(space, seed):
    compiled = SearchSpace(space)
    rng = np.random.default_rng(seed)
    Z = compiled.sample(rng, N_ROWS)
    np.testing.assert_array_equal(compiled.snap(Z), Z)
    # Arbitrary finite proposals around the sampled ones, some far below every range
    # (far above is avoided: exp of huge values leaves the range where floats are integers).
    noise = rng.normal(0, 3, Z.shape) - 30.0 * (rng.random(Z.shape) < 0.2)
    noisy = np.where(np.isnan(Z), 0.0, Z) + noise
    S = compiled.snap(noisy)
    np.testing.assert_array_equal(compiled.active_mask(S), ~np.isnan(S))
    np.testing.assert_array_equal(compiled.snap(S), S)
    assert_round_trip(compiled, S)
    params = dict(zip(compiled.labels, compiled.params, strict=True))
    for point in compiled.decode(S):
        assert set(point) == reached_labels(space, point)
        for label, value in point.items():
            check_value(params[label], value, sampled=False)
        space_eval(space, point)


@SETTINGS
@given(space=search_spaces(), seed=seeds)
def test_same_seed_same_samples(space, seed):
    compiled = SearchSpace(space)
    a = compiled.sample(np.random.default_rng(seed), 5)
    b = SearchSpace(space).sample(np.random.default_rng(seed), 5)
    np.testing.assert_array_equal(a, b)
