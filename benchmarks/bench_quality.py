"""Best value reached after a budget of evaluations, skopt_hp versus hyperopt and Optuna.

One run of ``--budget`` evaluations per (method, problem, seed); the best value
so far is read off at every checkpoint (50, 100, 200 by default). Methods:

* skopt_hp TPE and random: a direct ask / evaluate / tell loop on
  ``Sampler.ask(space, Observations(Z[:i], losses[:i]), 1, rng)`` with
  ``rng = np.random.default_rng(seed)``; the matrix of finished trials is
  preallocated and filled row by row.
* hyperopt TPE: ``hyperopt.fmin(..., algo=tpe.suggest, rstate=np.random.default_rng(seed))``.
* Optuna TPE: ``study.optimize`` with ``TPESampler(seed=seed)`` (Optuna 5.0's
  default, multivariate) and ``TPESampler(multivariate=True, group=True,
  constant_liar=True, seed=seed)``; define-by-run, conditional suggest calls.

Runs are spread over ``--jobs`` worker processes (one BLAS thread each).
Run ``python benchmarks/bench_quality.py --help`` for the options.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

import numpy as np
from _common import (
    ALL_METHODS,
    HYPEROPT_TPE,
    OPTUNA_TPE,
    OPTUNA_TPE_GROUP,
    OURS_RANDOM,
    OURS_TPE,
    available_methods,
    environment,
    environment_markdown,
    fmt,
    log,
    markdown_table,
    optuna_sampler,
    ours_sampler,
    quiet_peers,
    write_results,
)
from problems import (
    PROBLEMS,
    Problem,
    flatten,
    from_external,
    get_problems,
    hp_space,
    optuna_suggest,
)
from scipy.stats import rankdata

DEFAULT_CHECKPOINTS = (50, 100, 200)


# ---------------------------------------------------------------------------
# One run per method: each returns the losses in evaluation order
# ---------------------------------------------------------------------------
def run_ours(method: str, problem: Problem, budget: int, seed: int) -> np.ndarray:
    """Ask / evaluate / tell with a skopt_hp sampler, one point at a time."""
    from skopt_hp import hp
    from skopt_hp.samplers import Observations
    from skopt_hp.space import SearchSpace

    sampler = ours_sampler(method)
    space = SearchSpace(hp_space(problem, hp))
    rng = np.random.default_rng(seed)
    Z = np.full((budget, space.n_params), np.nan)
    losses = np.full(budget, np.nan)
    for i in range(budget):
        z = sampler.ask(space, Observations(Z[:i], losses[:i]), 1, rng)
        (point,) = space.decode(z)
        Z[i] = z[0]
        losses[i] = problem(from_external(problem, point))
    return losses


def run_hyperopt(method: str, problem: Problem, budget: int, seed: int) -> np.ndarray:
    """``hyperopt.fmin`` with ``tpe.suggest`` and default settings."""
    from hyperopt import Trials, fmin, tpe
    from hyperopt import hp as hyperopt_hp

    trials = Trials()
    fmin(
        lambda evaluated: problem(flatten(evaluated)),
        hp_space(problem, hyperopt_hp),
        algo=tpe.suggest,
        max_evals=budget,
        trials=trials,
        rstate=np.random.default_rng(seed),
        show_progressbar=False,
    )
    return np.asarray(trials.losses(), dtype=float)


def run_optuna(method: str, problem: Problem, budget: int, seed: int) -> np.ndarray:
    """``study.optimize`` with one of Optuna's TPE configurations."""
    import optuna

    study = optuna.create_study(sampler=optuna_sampler(method, seed))
    study.optimize(lambda trial: problem(optuna_suggest(trial, problem)), n_trials=budget)
    return np.array([t.value for t in study.trials], dtype=float)


RUNNERS = {
    OURS_TPE: run_ours,
    OURS_RANDOM: run_ours,
    HYPEROPT_TPE: run_hyperopt,
    OPTUNA_TPE: run_optuna,
    OPTUNA_TPE_GROUP: run_optuna,
}


def run_task(
    method: str, problem_name: str, seed: int, budget: int, checkpoints: Sequence[int]
) -> dict[str, Any]:
    """One run: the best value after each checkpoint's evaluations, and its wall-clock time."""
    quiet_peers()
    problem = PROBLEMS[problem_name]
    start = time.perf_counter()
    losses = RUNNERS[method](method, problem, budget, seed)
    seconds = time.perf_counter() - start
    if len(losses) != budget or not np.all(np.isfinite(losses)):
        raise RuntimeError(f"{method} on {problem_name} (seed {seed}): bad losses {losses!r}")
    return {
        "method": method,
        "problem": problem_name,
        "seed": seed,
        "seconds": seconds,
        "best": {c: float(losses[:c].min()) for c in checkpoints},
    }


# ---------------------------------------------------------------------------
# Running everything
# ---------------------------------------------------------------------------
def _init_worker() -> None:
    """One BLAS/OpenMP thread per worker: the workers already use every core."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    quiet_peers()


def run_all(
    methods: Sequence[str],
    problems: Sequence[Problem],
    seeds: Sequence[int],
    budget: int,
    checkpoints: Sequence[int],
    jobs: int,
) -> list[dict[str, Any]]:
    """Every (method, problem, seed) run, in ``jobs`` forked worker processes."""
    tasks = [(m, p.name, s, budget, checkpoints) for p in problems for m in methods for s in seeds]
    # Slow peers first, so that the pool does not end waiting on one long run.
    slow = {OPTUNA_TPE_GROUP: 0, OPTUNA_TPE: 1, HYPEROPT_TPE: 2, OURS_TPE: 3, OURS_RANDOM: 4}
    tasks.sort(key=lambda t: slow[t[0]])
    records = []
    context = multiprocessing.get_context("fork")
    start = time.perf_counter()
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker) as pool:
        futures = [pool.submit(run_task, *task) for task in tasks]
        for done, future in enumerate(as_completed(futures), 1):
            record = future.result()
            records.append(record)
            log(
                f"[{done:4d}/{len(tasks)} {time.perf_counter() - start:7.1f}s] "
                f"{record['method']:48s} {record['problem']:17s} seed {record['seed']:3d} "
                f"{record['seconds']:6.2f}s best {record['best'][budget]:.4g}"
            )
    return records


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------
def best_at(records: list[dict[str, Any]], checkpoint: int) -> dict[tuple[str, str], dict]:
    """``{(method, problem): {seed: best value in the first checkpoint evaluations}}``."""
    out: dict[tuple[str, str], dict] = {}
    for r in records:
        out.setdefault((r["method"], r["problem"]), {})[r["seed"]] = r["best"][checkpoint]
    return out


def mean_sem(values: Sequence[float]) -> tuple[float, float]:
    """Mean and standard error of the mean (``nan`` SEM for a single value)."""
    v = np.asarray(values, dtype=float)
    sem = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else float("nan")
    return float(v.mean()), sem


def rank_of_means(best: dict, methods: list[str], problems: list[Problem]) -> dict[str, float]:
    """Mean over problems of each method's rank by mean best value (1 = best, ties averaged)."""
    ranks = []
    for p in problems:
        means = [np.mean(list(best[(m, p.name)].values())) for m in methods]
        ranks.append(rankdata(means))
    return dict(zip(methods, np.mean(ranks, axis=0), strict=True))


def rank_per_pair(
    best: dict, methods: list[str], problems: list[Problem], seeds: Sequence[int]
) -> dict[str, float]:
    """Mean over (problem, seed) pairs of each method's rank on that pair."""
    ranks = [rankdata([best[(m, p.name)][s] for m in methods]) for p in problems for s in seeds]
    return dict(zip(methods, np.mean(ranks, axis=0), strict=True))


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
def budget_section(
    records: list[dict],
    checkpoint: int,
    methods: list[str],
    problems: list[Problem],
    seeds: Sequence[int],
) -> str:
    """Mean ± SEM of the best value per problem and method, and the mean ranks."""
    best = best_at(records, checkpoint)
    headers = ["problem", "optimum", *methods]
    rows = []
    for p in problems:
        cells = []
        for m in methods:
            mean, sem = mean_sem(list(best[(m, p.name)].values()))
            cells.append(f"{fmt(mean)} ± {fmt(sem, 2)}")
        rows.append([p.name, fmt(p.optimum), *cells])
    by_means = rank_of_means(best, methods, problems)
    by_pairs = rank_per_pair(best, methods, problems, seeds)
    rows.append(
        ["**mean rank** (by mean best, per problem)", "", *(f"{by_means[m]:.2f}" for m in methods)]
    )
    rows.append(
        ["**mean rank** (per problem × seed)", "", *(f"{by_pairs[m]:.2f}" for m in methods)]
    )
    return "\n".join(
        [
            f"### Best value after {checkpoint} evaluations",
            "",
            f"Mean ± SEM over {len(seeds)} seeds (lower is better); ranks: 1 = best of "
            f"{len(methods)}, ties averaged.",
            "",
            markdown_table(headers, rows),
        ]
    )


def timing_section(
    records: list[dict], methods: list[str], problems: list[Problem], budget: int
) -> str:
    """Mean wall-clock seconds of a whole run, per problem and method (objective included)."""
    rows = []
    for p in problems:
        cells = []
        for m in methods:
            seconds = [r["seconds"] for r in records if r["method"] == m and r["problem"] == p.name]
            cells.append(f"{np.mean(seconds):.2f}")
        rows.append([p.name, *cells])
    return "\n".join(
        [
            f"### Wall-clock seconds per {budget}-evaluation run",
            "",
            "Mean over seeds, objective included, with the runs sharing the machine's cores.",
            "",
            markdown_table(["problem", *methods], rows),
        ]
    )


def report(
    records: list[dict],
    methods: list[str],
    missing: list[str],
    problems: list[Problem],
    seeds: Sequence[int],
    checkpoints: Sequence[int],
    env: dict[str, Any],
) -> str:
    """The whole Markdown report."""
    parts = [
        "## Sampler: quality on synthetic problems",
        "",
        environment_markdown(env),
        "",
        "Problems: " + "; ".join(f"`{p.name}` ({p.description})" for p in problems) + ".",
    ]
    if missing:
        parts += [
            "",
            f"**Not run (not available yet): {', '.join(missing)}.** Rerun the command above "
            "once it exists.",
        ]
    for checkpoint in checkpoints:
        parts += ["", budget_section(records, checkpoint, methods, problems, seeds)]
    parts += ["", timing_section(records, methods, problems, max(checkpoints))]
    return "\n".join(parts)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seeds", type=int, default=40, help="number of seeds 0..N-1 (default 40; use at least 10)"
    )
    parser.add_argument("--budget", type=int, default=200, help="evaluations per run (default 200)")
    parser.add_argument(
        "--checkpoints",
        type=int,
        nargs="+",
        default=list(DEFAULT_CHECKPOINTS),
        help="budgets to report, those above --budget dropped; --budget is always reported",
    )
    parser.add_argument(
        "--problems", nargs="+", default=None, help=f"subset of {', '.join(PROBLEMS)}"
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        default=None,
        help="method keys: ours_tpe ours_random hyperopt_tpe optuna_tpe optuna_tpe_group",
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="worker processes")
    parser.add_argument("--output", default="quality", help="results/<output>.md and .json stem")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    quiet_peers()
    problems = get_problems(args.problems)
    methods, missing = available_methods(args.methods)
    if missing:
        log(f"Skipping {missing}: not available yet.")
    seeds = list(range(args.seeds))
    checkpoints = sorted({c for c in args.checkpoints if c < args.budget} | {args.budget})
    env = environment()
    records = run_all(methods, problems, seeds, args.budget, checkpoints, args.jobs)
    order = [m for m in ALL_METHODS if m in methods]
    markdown = report(records, order, missing, problems, seeds, checkpoints, env)
    print(markdown)
    data = {
        "benchmark": "quality",
        "environment": env,
        "settings": {**vars(args), "checkpoints": checkpoints},
        "missing_methods": missing,
        "runs": records,
    }
    paths = write_results(args.output, markdown, data)
    log(f"Wrote {paths[0]} and {paths[1]}")


if __name__ == "__main__":
    main()
