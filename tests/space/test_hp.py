"""Unit tests of every ``hp`` expression: ranges, dtypes, priors, validation, repr."""

import math

import numpy as np
import pytest
from scipy import stats

from skopt_hp import hp, space_eval
from skopt_hp.space import Choice, Normal, RandInt, SearchSpace, Uniform

ALPHA = 1e-3  # loose significance level for the goodness-of-fit tests (fixed seeds)


# -- helpers -----------------------------------------------------------------------------
def draw(expr, n, seed):
    """``n`` external values of ``expr``, sampled through a SearchSpace and decoded."""
    space = SearchSpace({"value": expr})
    points = space.decode(space.sample(np.random.default_rng(seed), n))
    return [point[expr.label] for point in points]


def assert_frequencies(values, probs):
    """Chi-square test of discrete ``values`` against ``{value: probability}``.

    Every value must belong to the support; bins expected to hold fewer than
    five draws are pooled.
    """
    values = np.asarray(values, dtype=float)
    keys = np.array(sorted(probs), dtype=float)
    p = np.array([probs[k] for k in sorted(probs)])
    assert p.sum() == pytest.approx(1.0, abs=1e-9)
    outside = set(values[~np.isin(values, keys)].tolist())
    assert not outside, f"values outside the support: {sorted(outside)[:10]}"
    counts = np.array([np.count_nonzero(values == k) for k in keys])
    expected = p * len(values)
    big = expected >= 5
    obs = np.append(counts[big], counts[~big].sum())
    exp = np.append(expected[big], expected[~big].sum())
    if exp[-1] == 0:
        obs, exp = obs[:-1], exp[:-1]
    exp = exp * obs.sum() / exp.sum()
    assert stats.chisquare(obs, exp).pvalue > ALPHA, (obs, exp)


def rounded_bin_probs(cdf, q, k_range):
    """``P(round(X / q) * q == k * q)`` for ``X`` with the given CDF."""
    return {k * q: cdf((k + 0.5) * q) - cdf((k - 0.5) * q) for k in k_range}


# Every expression kind: a factory taking the ``hp`` module (ours or hyperopt's)
# and the Python type of its external value.
KINDS = {
    "choice": (lambda h: h.choice("c", [0, 1, 2]), int),
    "pchoice": (lambda h: h.pchoice("c", [(0.2, 0), (0.5, 1), (0.3, 2)]), int),
    "randint_1": (lambda h: h.randint("r", 5), int),
    "randint_2": (lambda h: h.randint("r", -3, 4), int),
    "uniform": (lambda h: h.uniform("x", -2.0, 3.0), float),
    "quniform": (lambda h: h.quniform("x", 0, 10, 2.5), float),
    "loguniform": (lambda h: h.loguniform("x", -3.0, 2.0), float),
    "qloguniform": (lambda h: h.qloguniform("x", 0.0, math.log(100), 5), float),
    "normal": (lambda h: h.normal("x", 2.0, 3.0), float),
    "qnormal": (lambda h: h.qnormal("x", 0.0, 5.0, 2), float),
    "lognormal": (lambda h: h.lognormal("x", 0.5, 0.8), float),
    "qlognormal": (lambda h: h.qlognormal("x", 2.0, 0.5, 1), float),
    "uniformint": (lambda h: h.uniformint("x", 0, 3), int),
}


# -- dtypes, decode and space_eval agree -------------------------------------------------
@pytest.mark.parametrize("kind", list(KINDS))
def test_decoded_values_have_the_documented_type_and_match_space_eval(kind):
    factory, dtype = KINDS[kind]
    expr = factory(hp)
    space = {"value": expr, "const": "kept"}
    compiled = SearchSpace(space)
    points = compiled.decode(compiled.sample(np.random.default_rng(1), 300))
    for point in points:
        assert set(point) == {expr.label}
        value = point[expr.label]
        assert type(value) is dtype
        evaluated = space_eval(space, point)
        assert evaluated["const"] == "kept"
        if isinstance(expr, Choice):
            assert evaluated["value"] == expr.options[value]
        else:
            assert type(evaluated["value"]) is dtype
            assert evaluated["value"] == value


# -- choice / pchoice --------------------------------------------------------------------
def test_choice_draws_every_option_index_uniformly():
    expr = hp.choice("c", ["a", {"b": 1}, None, 3.5])
    values = draw(expr, 8000, seed=0)
    assert_frequencies(values, {i: 0.25 for i in range(4)})
    assert space_eval(expr, {"c": 1}) == {"b": 1}
    assert space_eval(expr, {"c": 2}) is None


def test_pchoice_frequencies_follow_the_probabilities():
    expr = hp.pchoice("p", [(0.1, "a"), (0.2, "b"), (0.7, "c")])
    values = draw(expr, 20000, seed=3)
    assert_frequencies(values, {0: 0.1, 1: 0.2, 2: 0.7})
    assert space_eval(expr, {"p": 2}) == "c"


def test_pchoice_never_draws_an_option_of_probability_zero():
    values = draw(hp.pchoice("p", [(0.0, "never"), (0.4, "a"), (0.6, "b")]), 5000, seed=4)
    assert set(values) == {1, 2}


def test_choice_of_one_option_always_draws_it():
    assert set(draw(hp.choice("c", ["only"]), 100, seed=0)) == {0}


# -- randint / uniformint ----------------------------------------------------------------
def test_randint_one_argument_excludes_the_upper_bound():
    values = draw(hp.randint("r", 3), 20000, seed=5)
    assert set(values) == {0, 1, 2}
    assert_frequencies(values, {0: 1 / 3, 1: 1 / 3, 2: 1 / 3})


def test_randint_two_arguments_draw_from_low_inclusive_to_high_exclusive():
    values = draw(hp.randint("r", 50, 55), 20000, seed=6)
    assert set(values) == {50, 51, 52, 53, 54}
    assert_frequencies(values, {v: 0.2 for v in range(50, 55)})


def test_randint_accepts_integral_floats_and_numpy_integers():
    assert set(draw(hp.randint("r", 3.0), 2000, seed=0)) == {0, 1, 2}
    assert set(draw(hp.randint("r", np.int64(-2), np.int32(1)), 2000, seed=0)) == {-2, -1, 0}


def test_uniformint_includes_both_ends():
    values = draw(hp.uniformint("u", 0, 3), 20000, seed=7)
    assert set(values) == {0, 1, 2, 3}
    # round(uniform(0, 3)): the two ends get half the mass of the inner values.
    assert_frequencies(values, {0: 1 / 6, 1: 1 / 3, 2: 1 / 3, 3: 1 / 6})
    assert space_eval(hp.uniformint("u", 0, 3), {"u": 2.0}) == 2
    assert type(space_eval(hp.uniformint("u", 0, 3), {"u": 2.0})) is int


# -- uniform / quniform ------------------------------------------------------------------
def test_uniform_is_uniform_between_low_and_high():
    values = np.array(draw(hp.uniform("x", -2.0, 3.0), 5000, seed=8))
    assert values.min() >= -2.0 and values.max() <= 3.0
    assert stats.kstest(values, stats.uniform(-2.0, 5.0).cdf).pvalue > ALPHA


def test_quniform_rounds_to_multiples_of_q_including_both_ends():
    values = np.array(draw(hp.quniform("x", 0, 10, 2.5), 20000, seed=9))
    assert set(values.tolist()) == {0.0, 2.5, 5.0, 7.5, 10.0}
    np.testing.assert_array_equal(values, np.round(values / 2.5) * 2.5)
    assert_frequencies(values, {0.0: 1 / 8, 2.5: 1 / 4, 5.0: 1 / 4, 7.5: 1 / 4, 10.0: 1 / 8})


def test_quniform_can_round_beyond_the_bounds_as_in_hyperopt():
    # round(uniform(1, 11) / 4) * 4: 1/4 rounds to 0, 11/4 rounds to 3.
    values = draw(hp.quniform("x", 1, 11, 4), 5000, seed=10)
    assert set(values) == {0.0, 4.0, 8.0, 12.0}


# -- loguniform / qloguniform ------------------------------------------------------------
def test_loguniform_is_uniform_in_log_space():
    values = np.array(draw(hp.loguniform("x", -3.0, 2.0), 5000, seed=11))
    logs = np.log(values)
    assert logs.min() >= -3.0 - 1e-12 and logs.max() <= 2.0 + 1e-12
    assert stats.kstest(logs, stats.uniform(-3.0, 5.0).cdf).pvalue > ALPHA


def test_qloguniform_rounds_exp_of_a_log_uniform():
    low, high, q = 0.0, math.log(100), 5.0
    values = np.array(draw(hp.qloguniform("x", low, high, q), 20000, seed=12))
    np.testing.assert_array_equal(values, np.round(values / q) * q)

    # P(value == k q) = P((k - 1/2) q <= exp(U) < (k + 1/2) q), U ~ uniform(low, high).
    def cdf(v):
        return np.clip((np.log(np.clip(v, 1e-300, None)) - low) / (high - low), 0, 1)

    assert_frequencies(values, rounded_bin_probs(cdf, q, range(0, 22)))
    assert 0.0 in values and 100.0 in values


def test_quantised_log_zero_has_an_internal_code_below_log_half_q():
    expr = hp.qloguniform("x", -5.0, 2.0, 1.0)
    space = SearchSpace({"x": expr})
    Z = space.sample(np.random.default_rng(13), 2000)
    points = space.decode(Z)
    zeros = np.array([p["x"] == 0.0 for p in points])
    assert zeros.any() and not zeros.all()
    assert np.all(Z[zeros, 0] < math.log(0.5))
    assert np.all(Z[~zeros, 0] >= math.log(0.5))
    np.testing.assert_array_equal(space.encode(points), Z)


def test_log_parameters_are_encoded_in_log_space():
    space = SearchSpace({"a": hp.loguniform("a", -3, 2), "b": hp.lognormal("b", 0, 1)})
    Z = space.encode([{"a": 0.5, "b": 2.0}])
    np.testing.assert_allclose(Z, [[math.log(0.5), math.log(2.0)]])


# -- normal family -----------------------------------------------------------------------
def test_normal_matches_its_distribution():
    values = np.array(draw(hp.normal("x", 2.0, 3.0), 5000, seed=14))
    assert stats.kstest(values, stats.norm(2.0, 3.0).cdf).pvalue > ALPHA
    assert values.mean() == pytest.approx(2.0, abs=0.2)
    assert values.std() == pytest.approx(3.0, rel=0.05)


def test_qnormal_rounds_a_normal_to_multiples_of_q():
    values = np.array(draw(hp.qnormal("x", 1.0, 5.0, 2.0), 20000, seed=15))
    np.testing.assert_array_equal(values, np.round(values / 2.0) * 2.0)
    cdf = stats.norm(1.0, 5.0).cdf
    assert_frequencies(values, rounded_bin_probs(cdf, 2.0, range(-25, 26)))


def test_lognormal_is_exp_of_a_normal():
    values = np.array(draw(hp.lognormal("x", 0.5, 0.8), 5000, seed=16))
    assert values.min() > 0
    assert stats.kstest(np.log(values), stats.norm(0.5, 0.8).cdf).pvalue > ALPHA
    assert stats.kstest(values, stats.lognorm(s=0.8, scale=math.exp(0.5)).cdf).pvalue > ALPHA


def test_qlognormal_rounds_a_lognormal_to_multiples_of_q():
    values = np.array(draw(hp.qlognormal("x", 2.0, 0.5, 1.0), 20000, seed=17))
    assert values.min() >= 0
    np.testing.assert_array_equal(values, np.round(values))
    lognorm = stats.lognorm(s=0.5, scale=math.exp(2.0))
    assert_frequencies(values, rounded_bin_probs(lognorm.cdf, 1.0, range(0, 400)))


# -- agreement with hyperopt's own sampler -----------------------------------------------
@pytest.mark.parametrize("kind", list(KINDS))
def test_prior_matches_hyperopt(kind):
    hyperopt = pytest.importorskip("hyperopt")
    from hyperopt.pyll import stochastic

    factory, _ = KINDS[kind]
    n = 3000
    rng = np.random.default_rng(18)
    theirs_expr = factory(hyperopt.hp)
    theirs = np.array([stochastic.sample(theirs_expr, rng=rng) for _ in range(n)], dtype=float)
    ours = np.array(draw(factory(hp), n, seed=19), dtype=float)
    if kind in ("choice", "pchoice", "randint_1", "randint_2", "uniformint", "quniform"):
        assert set(ours.tolist()) == set(theirs.tolist())
    assert stats.ks_2samp(ours, theirs).pvalue > ALPHA


# -- validation --------------------------------------------------------------------------
ALL_FACTORIES = {
    "choice": lambda label: hp.choice(label, [1, 2]),
    "pchoice": lambda label: hp.pchoice(label, [(0.5, 1), (0.5, 2)]),
    "randint": lambda label: hp.randint(label, 3),
    "uniform": lambda label: hp.uniform(label, 0, 1),
    "quniform": lambda label: hp.quniform(label, 0, 1, 0.1),
    "loguniform": lambda label: hp.loguniform(label, 0, 1),
    "qloguniform": lambda label: hp.qloguniform(label, 0, 1, 0.1),
    "normal": lambda label: hp.normal(label, 0, 1),
    "qnormal": lambda label: hp.qnormal(label, 0, 1, 0.1),
    "lognormal": lambda label: hp.lognormal(label, 0, 1),
    "qlognormal": lambda label: hp.qlognormal(label, 0, 1, 0.1),
    "uniformint": lambda label: hp.uniformint(label, 0, 3),
}


@pytest.mark.parametrize("kind", list(ALL_FACTORIES))
@pytest.mark.parametrize("label", [3, None, b"x", ("x",)])
def test_non_str_label_is_rejected(kind, label):
    with pytest.raises(TypeError, match=rf"hp\.{kind}: `label` must be a str, but got"):
        ALL_FACTORIES[kind](label)


@pytest.mark.parametrize("kind", list(ALL_FACTORIES))
def test_empty_label_is_rejected(kind):
    with pytest.raises(ValueError, match=rf"hp\.{kind}: `label` must be a non-empty string"):
        ALL_FACTORIES[kind]("")


@pytest.mark.parametrize(
    "build, func",
    [
        (lambda: hp.uniform("lbl", 1, 1), "uniform"),
        (lambda: hp.uniform("lbl", 2, 1), "uniform"),
        (lambda: hp.quniform("lbl", 1, 1, 0.5), "quniform"),
        (lambda: hp.loguniform("lbl", 1, -1), "loguniform"),
        (lambda: hp.qloguniform("lbl", 1, 1, 1), "qloguniform"),
        (lambda: hp.uniformint("lbl", 5, 1), "uniformint"),
    ],
)
def test_low_must_be_below_high(build, func):
    with pytest.raises(ValueError, match=rf"hp\.{func}\('lbl'\): `low < high` must hold.*low="):
        build()


@pytest.mark.parametrize("args", [(0,), (-2,), (3, 3), (4, 2)])
def test_randint_needs_a_non_empty_range(args):
    with pytest.raises(ValueError, match=r"hp\.randint\('lbl'\): `low < high` must hold"):
        hp.randint("lbl", *args)


@pytest.mark.parametrize("args", [(), (1, 2, 3)])
def test_randint_needs_one_or_two_bounds(args):
    with pytest.raises(TypeError, match=rf"hp\.randint\('lbl'\).*got {len(args)} bounds"):
        hp.randint("lbl", *args)


@pytest.mark.parametrize("func", ["normal", "qnormal", "lognormal", "qlognormal"])
@pytest.mark.parametrize("sigma", [0, -1.5])
def test_sigma_must_be_positive(func, sigma):
    args = (0.0, sigma) + ((1.0,) if func.startswith("q") else ())
    with pytest.raises(ValueError, match=rf"hp\.{func}\('lbl'\): `sigma > 0` must hold.*sigma="):
        getattr(hp, func)("lbl", *args)


@pytest.mark.parametrize(
    "func, args",
    [
        ("quniform", (0, 1)),
        ("qloguniform", (0, 1)),
        ("qnormal", (0, 1)),
        ("qlognormal", (0, 1)),
    ],
)
@pytest.mark.parametrize("q", [0, -0.5])
def test_q_must_be_positive(func, args, q):
    with pytest.raises(ValueError, match=rf"hp\.{func}\('lbl'\): `q > 0` must hold, but got q="):
        getattr(hp, func)("lbl", *args, q)


NON_FINITE = [math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("bad", NON_FINITE, ids=["inf", "-inf", "nan"])
@pytest.mark.parametrize(
    "func, build, name",
    [
        ("uniform", lambda b: hp.uniform("lbl", b, 1), "low"),
        ("uniform", lambda b: hp.uniform("lbl", 0, b), "high"),
        ("quniform", lambda b: hp.quniform("lbl", b, 1, 0.1), "low"),
        ("quniform", lambda b: hp.quniform("lbl", 0, 1, b), "q"),
        ("loguniform", lambda b: hp.loguniform("lbl", 0, b), "high"),
        ("qloguniform", lambda b: hp.qloguniform("lbl", b, 1, 1), "low"),
        ("qloguniform", lambda b: hp.qloguniform("lbl", 0, 1, b), "q"),
        ("normal", lambda b: hp.normal("lbl", b, 1), "mu"),
        ("normal", lambda b: hp.normal("lbl", 0, b), "sigma"),
        ("qnormal", lambda b: hp.qnormal("lbl", 0, 1, b), "q"),
        ("lognormal", lambda b: hp.lognormal("lbl", b, 1), "mu"),
        ("qlognormal", lambda b: hp.qlognormal("lbl", 0, b, 1), "sigma"),
        ("uniformint", lambda b: hp.uniformint("lbl", 0, b), "high"),
        ("randint", lambda b: hp.randint("lbl", b), "high"),
        ("randint", lambda b: hp.randint("lbl", b, 5), "low"),
    ],
)
def test_non_finite_arguments_are_rejected(func, build, name, bad):
    with pytest.raises(ValueError, match=rf"hp\.{func}\('lbl'\): `{name}` must be finite"):
        build(bad)


@pytest.mark.parametrize(
    "func, build",
    [
        ("uniform", lambda: hp.uniform("lbl", False, True)),
        ("uniform", lambda: hp.uniform("lbl", "0", 1)),
        ("quniform", lambda: hp.quniform("lbl", 0, 1, True)),
        ("loguniform", lambda: hp.loguniform("lbl", 0, None)),
        ("normal", lambda: hp.normal("lbl", True, 1)),
        ("qlognormal", lambda: hp.qlognormal("lbl", 0, 1, "1")),
        ("uniformint", lambda: hp.uniformint("lbl", False, 3)),
        ("uniform", lambda: hp.uniform("lbl", 1j, 2)),
    ],
)
def test_bounds_must_be_real_numbers_not_bools(func, build):
    with pytest.raises(TypeError, match=rf"hp\.{func}\('lbl'\): `\w+` must be a real number"):
        build()


@pytest.mark.parametrize("args", [(True,), (0, True), (2.5,), (0, 2.5), ("3",), (0, None)])
def test_randint_bounds_must_be_integers(args):
    with pytest.raises(TypeError, match=r"hp\.randint\('lbl'\): `(low|high)` must be an integer"):
        hp.randint("lbl", *args)


def test_empty_choice_is_rejected():
    with pytest.raises(ValueError, match=r"hp\.choice\('lbl'\): `options` must not be empty"):
        hp.choice("lbl", [])
    with pytest.raises(ValueError, match=r"hp\.pchoice\('lbl'\): `p_options` must not be empty"):
        hp.pchoice("lbl", [])


@pytest.mark.parametrize("options", ["abc", {"a": 1}, 3, None])
def test_choice_options_must_be_a_sequence(options):
    with pytest.raises(TypeError, match=r"hp\.choice\('lbl'\): `options` must be a list or tuple"):
        hp.choice("lbl", options)


@pytest.mark.parametrize(
    "p_options, match",
    [
        ([(0.5, "a"), (0.4, "b")], r"must sum to 1, but they sum to 0\.9"),
        ([(0.6, "a"), (0.6, "b")], r"must sum to 1, but they sum to 1\.2"),
        ([(-0.5, "a"), (1.5, "b")], r"must be finite and >= 0.*-0\.5"),
        ([(math.nan, "a"), (1.0, "b")], r"must be finite and >= 0"),
    ],
)
def test_pchoice_probabilities_must_be_a_distribution(p_options, match):
    with pytest.raises(ValueError, match=r"hp\.pchoice\('lbl'\): probabilities " + match):
        hp.pchoice("lbl", p_options)


@pytest.mark.parametrize(
    "p_options, match",
    [
        ([(0.5,), (0.5, "b")], r"must be a list of \(probability, option\) pairs"),
        ([(0.5, "a", "x")], r"must be a list of \(probability, option\) pairs"),
        ([1, 2], r"must be a list of \(probability, option\) pairs"),
        ([("half", "a"), ("half", "b")], r"probabilities must be numbers"),
    ],
)
def test_pchoice_needs_pairs_of_numbers_and_options(p_options, match):
    with pytest.raises(TypeError, match=r"hp\.pchoice\('lbl'\): .*" + match):
        hp.pchoice("lbl", p_options)


def test_pchoice_tolerates_rounding_in_the_probabilities():
    expr = hp.pchoice("p", [(1 / 3, "a"), (1 / 3, "b"), (1 / 3 + 1e-9, "c")])
    assert sum(expr.p) == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize(
    "build, func",
    [
        (lambda: hp.loguniform("lbl", 1e-5, 1e4), "loguniform"),
        (lambda: hp.loguniform("lbl", -800, 0), "loguniform"),
        (lambda: hp.qloguniform("lbl", 1, 1000, 1), "qloguniform"),
    ],
)
def test_loguniform_bounds_given_in_linear_space_are_caught(build, func):
    with pytest.raises(ValueError, match=rf"hp\.{func}\('lbl'\): bounds are in log space.*np\.log"):
        build()


def test_loguniform_bounds_at_the_float_limits_are_accepted():
    expr = hp.loguniform("x", -700, 700)
    values = np.array(draw(expr, 200, seed=0))
    assert np.all(np.isfinite(values)) and np.all(values > 0)


@pytest.mark.parametrize("q", [2, 0.5, 1.5])
def test_uniformint_only_supports_q_equal_to_one(q):
    with pytest.raises(ValueError, match=rf"hp\.uniformint\('lbl'\): only q=1 is supported.*q={q}"):
        hp.uniformint("lbl", 0, 10, q)
    assert hp.uniformint("lbl", 0, 10, 1.0).q == 1.0


# -- repr and immutability ---------------------------------------------------------------
@pytest.mark.parametrize(
    "expr, text",
    [
        (hp.uniform("x", 0, 1), "hp.uniform('x', 0.0, 1.0)"),
        (hp.quniform("x", 0, 10, 2.5), "hp.quniform('x', 0.0, 10.0, 2.5)"),
        (hp.loguniform("x", -3, 2), "hp.loguniform('x', -3.0, 2.0)"),
        (hp.qloguniform("x", 0, 3, 1), "hp.qloguniform('x', 0.0, 3.0, 1.0)"),
        (hp.normal("x", 0, 1), "hp.normal('x', 0.0, 1.0)"),
        (hp.qnormal("x", 0, 1, 0.5), "hp.qnormal('x', 0.0, 1.0, 0.5)"),
        (hp.lognormal("x", 0, 1), "hp.lognormal('x', 0.0, 1.0)"),
        (hp.qlognormal("x", 3, 1, 1), "hp.qlognormal('x', 3.0, 1.0, 1.0)"),
        (hp.randint("x", 5), "hp.randint('x', 5)"),
        (hp.randint("x", 2, 5), "hp.randint('x', 2, 5)"),
        (hp.uniformint("x", 0, 10), "hp.uniformint('x', 0.0, 10.0)"),
        (hp.choice("x", ["a", "b", "c"]), "hp.choice('x', <3 options>)"),
        (hp.pchoice("x", [(0.25, "a"), (0.75, "b")]), "hp.pchoice('x', p=[0.25, 0.75])"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_repr_is_readable(expr, text):
    assert repr(expr) == text


@pytest.mark.parametrize(
    "expr",
    [
        hp.uniform("x", 0, 1),
        hp.qloguniform("x", 0, 3, 1),
        hp.qnormal("x", 0, 1, 0.5),
        hp.lognormal("x", 0, 1),
        hp.randint("x", 2, 5),
        hp.uniformint("x", 0, 10),
    ],
    ids=repr,
)
def test_numeric_repr_rebuilds_the_same_definition(expr):
    rebuilt = eval(repr(expr), {"hp": hp})
    assert rebuilt is not expr
    assert rebuilt.same_definition(expr)


def test_nodes_are_immutable():
    expr = hp.uniform("x", 0, 1)
    with pytest.raises(AttributeError, match="immutable"):
        expr.low = -1.0
    with pytest.raises(AttributeError, match="immutable"):
        hp.choice("c", [1, 2]).options = (3,)
    assert expr.low == 0.0


def test_node_classes_and_attributes():
    assert isinstance(hp.quniform("x", 0, 1, 0.5), Uniform)
    assert isinstance(hp.qlognormal("x", 0, 1, 1), Normal)
    assert isinstance(hp.randint("x", 3), RandInt)
    assert isinstance(hp.pchoice("x", [(1.0, 0)]), Choice)
    expr = hp.qloguniform("x", -1, 2, 0.5)
    assert (expr.low, expr.high, expr.q, expr.log, expr.integer) == (-1.0, 2.0, 0.5, True, False)
    assert hp.uniformint("x", 0, 3).integer is True
    assert hp.randint("x", 2, 5).bounds == (2.0, 4.0)
