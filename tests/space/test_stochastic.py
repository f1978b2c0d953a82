"""skopt_hp.pyll.stochastic.sample: one point of a space, as values (hyperopt's sample)."""

import numpy as np
import pytest
from scipy import stats

import skopt_hp.pyll
import skopt_hp.pyll.stochastic
from skopt_hp import hp, space_eval
from skopt_hp.exceptions import DuplicateLabel
from skopt_hp.pyll import scope
from skopt_hp.pyll.stochastic import sample
from skopt_hp.space import SearchSpace


def test_module_paths():
    assert skopt_hp.pyll.stochastic.sample is sample
    assert skopt_hp.pyll.scope is scope
    assert set(skopt_hp.pyll.__all__) >= {"scope", "stochastic"}


def test_sample_is_space_eval_of_a_random_point():
    space = {
        "model": hp.choice("model", [
            {"name": "svm", "C": hp.loguniform("C", -3, 3)},
            {"name": "tree", "depth": scope.int(hp.quniform("depth", 1, 10, 1))},
        ]),
        "scale": 1 + hp.normal("s", 0, 1) * 2,
        "const": 7,
    }
    compiled = SearchSpace(space)
    for seed in range(20):
        drawn = sample(space, rng=np.random.default_rng(seed))
        point = compiled.decode(compiled.sample(np.random.default_rng(seed), 1))[0]
        assert drawn == space_eval(space, point)
        assert drawn["const"] == 7
        model = drawn["model"]
        if model["name"] == "svm":
            assert set(model) == {"name", "C"} and np.exp(-3) <= model["C"] <= np.exp(3)
        else:
            assert set(model) == {"name", "depth"} and isinstance(model["depth"], int)


def test_a_shared_generator_advances_and_a_seed_reproduces():
    space = hp.uniform("x", 0, 1)
    rng = np.random.default_rng(5)
    draws = [sample(space, rng=rng) for _ in range(5)]
    assert len(set(draws)) == 5
    again = np.random.default_rng(5)
    assert [sample(space, rng=again) for _ in range(5)] == draws
    assert sample(space, rng=3) == sample(space, rng=3)
    assert sample(space, rng=np.random.PCG64(3)) == sample(space, rng=3)
    assert 0 <= sample(space) <= 1  # fresh entropy


def test_legacy_random_state_is_accepted():
    a = sample(hp.uniform("x", 0, 1), rng=np.random.RandomState(0))
    b = sample(hp.uniform("x", 0, 1), rng=np.random.RandomState(0))
    assert a == b


@pytest.mark.parametrize("rng", ["seed", 1.5, True, -1, [1, 2]])
def test_a_bad_rng_names_the_argument(rng):
    with pytest.raises(TypeError, match="`rng` must be a numpy.random.Generator"):
        sample(hp.uniform("x", 0, 1), rng=rng)


def test_randint_frequencies_as_in_hyperopts_test_randint():
    space = hp.randint("a", 5, 15)
    counts = np.zeros(15)
    rng = np.random.default_rng(123)
    for _ in range(1000):
        counts[sample(space, rng=rng)] += 1
    assert counts[:5].sum() == 0
    # 1000 draws over 10 values: each count is Binomial(1000, 0.1), sd 9.5.
    assert np.all((counts[5:] > 60) & (counts[5:] < 140))
    assert stats.chisquare(counts[5:]).pvalue > 1e-4


def test_pchoice_frequencies_as_in_hyperopts_test_pchoice():
    space = hp.pchoice("t", [(0.14, "gaussian"), (0.02, "multinomial"), (0.84, "bernoulli")])
    rng = np.random.default_rng(123)
    draws = [sample(space, rng=rng) for _ in range(1000)]
    counts = [draws.count(v) for v in ("gaussian", "multinomial", "bernoulli")]
    assert sum(counts) == 1000
    assert 110 < counts[0] < 170 and 5 < counts[1] < 40 and 790 < counts[2] < 890


def test_values_have_the_types_the_objective_receives():
    space = [hp.randint("r", 3), hp.uniformint("i", 0, 4), hp.uniform("f", 0, 1),
             hp.choice("c", ["a", "b"]), hp.quniform("q", 0, 10, 2)]
    r, i, f, c, q = sample(space, rng=0)
    assert type(r) is int and type(i) is int and type(f) is float
    assert c in ("a", "b") and type(q) is float and q % 2 == 0


def test_objects_outside_hp_are_constants():
    # As in space_eval: only hp expressions are drawn (HyperoptSearchCV converts scipy
    # distributions, sample does not).
    dist = stats.expon()
    value = sample({"w": hp.normal("w", 0, 1), "d": dist}, rng=0)
    assert value["d"] is dist and isinstance(value["w"], float)


def test_two_parameters_with_one_label_are_an_error():
    with pytest.raises(DuplicateLabel, match="'x'"):
        sample([hp.uniform("x", 0, 1), hp.uniform("x", 0, 1)], rng=0)
    x = hp.uniform("x", 0, 1)
    first, second = sample([x, x], rng=0)
    assert first == second
