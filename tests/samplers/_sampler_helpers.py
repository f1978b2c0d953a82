"""Shared test problems and a minimal ask/evaluate/tell loop for sampler tests."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from skopt_hp import hp
from skopt_hp.samplers import Observations, Sampler
from skopt_hp.space import SearchSpace

Objective = Callable[[Mapping[str, Any]], float]


def minimize(
    sampler: Sampler,
    space: SearchSpace,
    objective: Objective,
    budget: int,
    seed: int,
    batch: int = 1,
) -> np.ndarray:
    """Run ``budget`` evaluations proposing ``batch`` points per ask; return the losses in order."""
    rng = np.random.default_rng(seed)
    Z = np.empty((0, space.n_params))
    losses: list[float] = []
    while len(losses) < budget:
        n = min(batch, budget - len(losses))
        new = sampler.ask(space, Observations(Z, np.asarray(losses)), n, rng)
        for point in space.decode(new):
            losses.append(float(objective(space.evaluate(point))))
        Z = np.vstack([Z, new])
    return np.asarray(losses)


# -- problems: (space, objective) --------------------------------------------


def branin() -> tuple[SearchSpace, Objective]:
    """Branin-Hoo on [-5, 10] x [0, 15]; minimum 0.397887."""

    def f(p: Mapping[str, Any]) -> float:
        x1, x2 = p["x1"], p["x2"]
        b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
        return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10

    return SearchSpace({"x1": hp.uniform("x1", -5, 10), "x2": hp.uniform("x2", 0, 15)}), f


_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)


def hartmann6() -> tuple[SearchSpace, Objective]:
    """Hartmann 6-d on [0, 1]^6; minimum -3.32237."""

    def f(p: Mapping[str, Any]) -> float:
        x = np.array(p["x"])
        return float(-_H6_ALPHA @ np.exp(-np.sum(_H6_A * (x - _H6_P) ** 2, axis=1)))

    return SearchSpace({"x": [hp.uniform(f"x{i}", 0, 1) for i in range(6)]}), f


def conditional_quadratic() -> tuple[SearchSpace, Objective]:
    """A choice between two sub-spaces; branch ``b`` holds the optimum 0, ``a`` bottoms at 1."""
    space = SearchSpace(
        hp.choice(
            "model",
            [
                {"model": "a", "x": hp.uniform("a_x", -5, 5), "y": hp.uniform("a_y", -5, 5)},
                {
                    "model": "b",
                    "scale": hp.loguniform("b_scale", math.log(1e-3), math.log(1e3)),
                    "x": hp.uniform("b_x", 0, 10),
                    "n": hp.randint("b_n", 10),
                },
            ],
        )
    )

    def f(p: Mapping[str, Any]) -> float:
        if p["model"] == "a":
            return (p["x"] - 1) ** 2 + (p["y"] + 2) ** 2 + 1.0
        return (math.log10(p["scale"]) - 1) ** 2 + (p["x"] - 7) ** 2 / 4 + 0.1 * (p["n"] - 3) ** 2

    return space, f


def mixed_space() -> SearchSpace:
    """Every parameter kind: uniform, log, quantised, integer, normal, choice, conditional."""
    return SearchSpace(
        {
            "u": hp.uniform("u", -2, 3),
            "lu": hp.loguniform("lu", math.log(1e-4), math.log(1.0)),
            "qu": hp.quniform("qu", 0, 10, 0.5),
            "qlu": hp.qloguniform("qlu", math.log(1), math.log(100), 1),
            "ri": hp.randint("ri", 3, 9),
            "ui": hp.uniformint("ui", 1, 5),
            "n": hp.normal("n", 1.0, 2.0),
            "qn": hp.qnormal("qn", 0.0, 3.0, 1.0),
            "ln": hp.lognormal("ln", 0.0, 1.0),
            "c": hp.choice("c", ["p", "q", "r"]),
            "pc": hp.pchoice("pc", [(0.2, "s"), (0.8, "t")]),
            "branch": hp.choice(
                "branch",
                [
                    {"k": "a", "a1": hp.uniform("a1", 0, 1), "a2": hp.randint("a2", 4)},
                    {
                        "k": "b",
                        "b1": hp.loguniform("b1", -3, 3),
                        "inner": hp.choice("inner", [{"i": hp.uniform("i1", 0, 1)}, "none"]),
                    },
                ],
            ),
        }
    )
