"""Time to draw many points from a 20-parameter space: skopt_hp against hyperopt and Optuna.

A script, not a test. The space has every kind of parameter and a conditional
part: 3 uniform, 2 quantised uniform, 3 log-uniform, 1 quantised log-uniform,
2 normal, 1 log-normal, 2 integer (``randint``, ``uniformint``), 2 categorical,
and a 3rd choice between two branches of 1 and 2 parameters (20 in all).

Timed, for ``--points`` points (default 100,000):

- skopt_hp, internal matrix: ``SearchSpace.sample(rng, n)``, the vectorised
  draw the samplers use (one numpy call per parameter for all points);
- skopt_hp, points: the same plus ``SearchSpace.decode`` to one
  ``{label: value}`` dict per point (what ``fmin`` records);
- hyperopt 0.3.0: ``hyperopt.pyll.stochastic.sample(space, rng)``, which draws
  one point per call; timed on ``--peer-points`` points and reported per
  point and scaled to ``--points``;
- Optuna 5.0: ``RandomSampler.sample_independent`` for every parameter of a
  trial (its define-by-run ``trial.suggest_*``), likewise timed on
  ``--peer-points`` trials of an in-memory study.

Examples
--------
    .venv/bin/python benchmarks/bench_space_sampling.py
    .venv/bin/python benchmarks/bench_space_sampling.py --points 10000 --peer-points 500
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import environment, environment_markdown, fmt, log, markdown_table, write_results  # noqa: E402


def space_20(hp: Any) -> dict[str, Any]:
    """The benchmark space, written with ``hp`` (skopt_hp's or hyperopt's: same language)."""
    log_lo, log_hi = np.log(1e-4), np.log(1e2)
    return {
        **{f"u{i}": hp.uniform(f"u{i}", -5.0, 5.0) for i in range(3)},
        "qu0": hp.quniform("qu0", 0, 100, 5),
        "qu1": hp.quniform("qu1", 1, 20, 1),
        **{f"lu{i}": hp.loguniform(f"lu{i}", log_lo, log_hi) for i in range(3)},
        "qlu": hp.qloguniform("qlu", np.log(1), np.log(1000), 1),
        "n0": hp.normal("n0", 0.0, 1.0),
        "n1": hp.normal("n1", 10.0, 3.0),
        "ln": hp.lognormal("ln", 0.0, 1.0),
        "ri": hp.randint("ri", 0, 50),
        "ui": hp.uniformint("ui", 1, 10),
        "c0": hp.choice("c0", ["a", "b", "c"]),
        "c1": hp.choice("c1", [True, False]),
        "branch": hp.choice(
            "branch",
            [
                {"kind": "x", "bx": hp.uniform("bx", 0.0, 1.0)},
                {
                    "kind": "y",
                    "by0": hp.loguniform("by0", log_lo, log_hi),
                    "by1": hp.randint("by1", 0, 8),
                },
            ],
        ),
    }


def _optuna_trial_sampler(n_trials: int, seed: int) -> float:
    """Seconds for ``n_trials`` trials of random sampling of the same 20 parameters."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    log_lo, log_hi = 1e-4, 1e2

    def suggest(trial: Any) -> dict[str, Any]:
        p: dict[str, Any] = {}
        for i in range(3):
            p[f"u{i}"] = trial.suggest_float(f"u{i}", -5.0, 5.0)
        p["qu0"] = trial.suggest_float("qu0", 0, 100, step=5)
        p["qu1"] = trial.suggest_int("qu1", 1, 20)
        for i in range(3):
            p[f"lu{i}"] = trial.suggest_float(f"lu{i}", log_lo, log_hi, log=True)
        p["qlu"] = trial.suggest_int("qlu", 1, 1000, log=True)
        # Optuna has no normal prior; a uniform over +-4 sigma stands in (same cost).
        p["n0"] = trial.suggest_float("n0", -4.0, 4.0)
        p["n1"] = trial.suggest_float("n1", -2.0, 22.0)
        p["ln"] = trial.suggest_float("ln", np.exp(-4.0), np.exp(4.0), log=True)
        p["ri"] = trial.suggest_int("ri", 0, 49)
        p["ui"] = trial.suggest_int("ui", 1, 10)
        p["c0"] = trial.suggest_categorical("c0", ["a", "b", "c"])
        p["c1"] = trial.suggest_categorical("c1", [True, False])
        kind = trial.suggest_categorical("branch", ["x", "y"])
        if kind == "x":
            p["bx"] = trial.suggest_float("bx", 0.0, 1.0)
        else:
            p["by0"] = trial.suggest_float("by0", log_lo, log_hi, log=True)
            p["by1"] = trial.suggest_int("by1", 0, 7)
        return p

    start = time.perf_counter()
    for _ in range(n_trials):
        trial = study.ask()
        suggest(trial)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--peer-points", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--output", default="space_sampling")
    args = parser.parse_args(argv)

    import hyperopt
    import hyperopt.pyll.stochastic

    from skopt_hp import hp
    from skopt_hp.space import SearchSpace

    env = environment()
    space = SearchSpace(space_20(hp))
    assert space.n_params == 20, space.n_params
    n = args.points

    def timed(fn: Any) -> list[float]:
        fn()  # warm-up
        out = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
        return out

    rng = np.random.default_rng(0)
    t_matrix = timed(lambda: space.sample(rng, n))
    log(f"skopt_hp sample: {np.median(t_matrix):.4f}s for {n} points")
    t_points = timed(lambda: space.decode(space.sample(rng, n)))
    log(f"skopt_hp sample + decode: {np.median(t_points):.4f}s for {n} points")

    m = args.peer_points
    h_space = space_20(hyperopt.hp)
    h_rng = np.random.default_rng(0)

    def hyperopt_draws() -> None:
        for _ in range(m):
            hyperopt.pyll.stochastic.sample(h_space, rng=h_rng)

    t_hyperopt = timed(hyperopt_draws) if args.repeats else []
    log(f"hyperopt: {np.median(t_hyperopt):.4f}s for {m} points")
    t_optuna = [_optuna_trial_sampler(m, seed) for seed in range(max(1, args.repeats // 2))]
    log(f"optuna: {np.median(t_optuna):.4f}s for {m} trials")

    rows = []
    ours = float(np.median(t_matrix))
    for name, times, count in (
        ("skopt_hp `SearchSpace.sample` (internal matrix)", t_matrix, n),
        ("skopt_hp `sample` + `decode` (one dict per point)", t_points, n),
        ("hyperopt `pyll.stochastic.sample` (one call per point)", t_hyperopt, m),
        ("Optuna `RandomSampler`, `study.ask` + 20 `suggest_*`", t_optuna, m),
    ):
        med = float(np.median(times))
        per_point = med / count
        scaled = per_point * n
        rows.append(
            [
                name,
                f"{count:,}",
                fmt(med, 4),
                fmt(per_point * 1e6, 4),
                fmt(scaled, 4),
                fmt(scaled / ours, 4),
            ]
        )
    table = markdown_table(
        [
            "method",
            "points timed",
            "median s",
            "µs per point",
            f"s per {n:,} points",
            "ratio to skopt_hp sample",
        ],
        rows,
    )
    text = (
        "# Sampling a 20-parameter space\n\n"
        + environment_markdown(env)
        + f"\n\n20 parameters (every `hp` kind, one conditional choice of 1 or 2 parameters); "
        f"median of {args.repeats} repeats after a warm-up. Peers draw one point per call: they "
        f"were timed on {m:,} points and scaled linearly to {n:,}.\n\n" + table + "\n"
    )
    data = {
        "points": n,
        "peer_points": m,
        "seconds": {
            "skopt_hp_sample": t_matrix,
            "skopt_hp_sample_decode": t_points,
            "hyperopt": t_hyperopt,
            "optuna": t_optuna,
        },
        "environment": env,
    }
    md, js = write_results(args.output, text, data)
    print(text)
    log(f"wrote {md} and {js}")


if __name__ == "__main__":
    main()
