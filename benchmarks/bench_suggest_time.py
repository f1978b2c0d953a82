"""Time per suggestion with N finished trials, skopt_hp versus hyperopt and Optuna.

Every method sees the same N finished trials: random points of the problem's
space (10-d mixed by default) with their objective values. Then it proposes
one new point, ``--repeats`` times after one untimed warm-up call, and the
median is reported. What is timed:

* skopt_hp (TPE, random): ``Observations(Z, losses)`` + ``sampler.ask(space, obs, 1, rng)``
  + ``space.decode`` — the matrix of finished trials is kept by the caller.
* hyperopt TPE: ``tpe.suggest(new_ids, domain, trials, seed)`` as ``fmin`` calls
  it, on a ``Trials`` holding the N finished trials (already refreshed; the
  returned docs are not inserted, so N stays fixed).
* Optuna TPE: ``study.ask()`` plus the define-by-run ``suggest_*`` calls for every
  parameter, on an in-memory study pre-filled with ``study.add_trials``. The
  asked trial is then told as failed (not timed), which TPE ignores.

Run ``python benchmarks/bench_suggest_time.py --help`` for the options.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from _common import (
    ALL_METHODS,
    HYPEROPT_TPE,
    OPTUNA_GP,
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
    Problem,
    from_external,
    get_problems,
    hp_space,
    optuna_distributions,
    optuna_suggest,
)

# Targets at the largest N: ours at most 1/10 of hyperopt's time and 1/5 of Optuna's.
TARGET_RATIOS = {HYPEROPT_TPE: 10.0, OPTUNA_TPE: 5.0, OPTUNA_TPE_GROUP: 5.0}

Suggest = Callable[[], Any]
Finish = Callable[[], None]


# ---------------------------------------------------------------------------
# Shared history
# ---------------------------------------------------------------------------
def make_history(problem: Problem, n: int, seed: int) -> dict[str, Any]:
    """N random finished trials of ``problem`` in every form the methods need."""
    from skopt_hp import hp
    from skopt_hp.space import SearchSpace

    space = SearchSpace(hp_space(problem, hp))
    Z = space.sample(np.random.default_rng(seed), n)
    external = space.decode(Z)
    neutral = [from_external(problem, p) for p in external]
    losses = np.array([problem(p) for p in neutral])
    return {"space": space, "Z": Z, "losses": losses, "external": external, "neutral": neutral}


# ---------------------------------------------------------------------------
# Per-method setup: each returns (suggest, finish): make one suggestion, then
# clean up after it outside the timing (``finish`` may be None)
# ---------------------------------------------------------------------------
def setup_ours(
    method: str, problem: Problem, history: dict, seed: int
) -> tuple[Suggest, Finish | None]:
    """One skopt_hp suggestion: observations, ask, decode."""
    from skopt_hp.samplers import Observations

    sampler = ours_sampler(method)
    space, Z, losses = history["space"], history["Z"], history["losses"]
    rng = np.random.default_rng(seed)

    def suggest() -> Any:
        return space.decode(sampler.ask(space, Observations(Z, losses), 1, rng))

    return suggest, None


def _hyperopt_doc(tid: int, labels: Any, point: dict, loss: float, cmd: Any) -> dict:
    """A finished hyperopt trial document for ``point`` (choice indices, as in misc.vals)."""
    from hyperopt import STATUS_OK
    from hyperopt.base import JOB_STATE_DONE
    from hyperopt.fmin import generate_trial

    doc = generate_trial(tid, {label: point[label] for label in labels if label in point})
    doc["misc"]["idxs"] = {label: [tid] if label in point else [] for label in labels}
    doc["misc"]["vals"] = {label: [point[label]] if label in point else [] for label in labels}
    doc["misc"]["cmd"] = cmd
    doc["state"] = JOB_STATE_DONE
    doc["result"] = {"loss": float(loss), "status": STATUS_OK}
    return doc


def setup_hyperopt(
    method: str, problem: Problem, history: dict, seed: int
) -> tuple[Suggest, Finish | None]:
    """One ``hyperopt.tpe.suggest`` call, as ``fmin`` makes it."""
    from hyperopt import Trials, tpe
    from hyperopt import hp as hyperopt_hp
    from hyperopt.base import Domain

    domain = Domain(lambda _: 0.0, hp_space(problem, hyperopt_hp))
    labels = list(domain.params)
    trials = Trials()
    docs = [
        _hyperopt_doc(tid, labels, point, loss, domain.cmd)
        for tid, (point, loss) in enumerate(
            zip(history["external"], history["losses"], strict=True)
        )
    ]
    trials.insert_trial_docs(docs)
    trials.refresh()
    assert len(trials.losses()) == len(docs)
    seeds = np.random.default_rng(seed)

    def suggest() -> Any:
        new_ids = trials.new_trial_ids(1)
        return tpe.suggest(new_ids, domain, trials, int(seeds.integers(2**31 - 1)))

    return suggest, None


def setup_optuna(
    method: str, problem: Problem, history: dict, seed: int
) -> tuple[Suggest, Finish | None]:
    """One ``study.ask()`` plus the define-by-run suggest calls; the trial is then failed."""
    import optuna
    from optuna.trial import TrialState, create_trial

    study = optuna.create_study(sampler=optuna_sampler(method, seed))
    study.add_trials(
        [
            create_trial(
                params=point,
                distributions=optuna_distributions(problem, point),
                value=float(loss),
            )
            for point, loss in zip(history["neutral"], history["losses"], strict=True)
        ]
    )
    pending: list[Any] = []

    def suggest() -> Any:
        trial = study.ask()
        pending.append(trial)
        return optuna_suggest(trial, problem)

    def finish() -> None:
        study.tell(pending.pop(), state=TrialState.FAIL)

    return suggest, finish


SETUPS = {
    OURS_TPE: setup_ours,
    OURS_RANDOM: setup_ours,
    HYPEROPT_TPE: setup_hyperopt,
    OPTUNA_TPE: setup_optuna,
    OPTUNA_TPE_GROUP: setup_optuna,
}


# ---------------------------------------------------------------------------
# Measurement
# ---------------------------------------------------------------------------
def time_suggestions(suggest: Suggest, finish: Finish | None, repeats: int) -> list[float]:
    """Seconds of ``repeats`` calls of ``suggest`` after one untimed warm-up call.

    ``finish`` (if any) runs after each call, outside the timing.
    """
    times = []
    for i in range(repeats + 1):
        start = time.perf_counter()
        suggest()
        elapsed = time.perf_counter() - start
        if finish is not None:
            finish()
        if i:
            times.append(elapsed)
    return times


def measure(
    methods: list[str], problem: Problem, n_trials: list[int], repeats: int, seed: int
) -> dict[str, dict[int, list[float]]]:
    """``{method: {N: [seconds, ...]}}`` for every method and history size."""
    results: dict[str, dict[int, list[float]]] = {m: {} for m in methods}
    for n in n_trials:
        history = make_history(problem, n, seed)
        for method in methods:
            suggest, finish = SETUPS[method](method, problem, history, seed)
            times = time_suggestions(suggest, finish, repeats)
            results[method][n] = times
            log(f"N={n:5d}  {method:50s} median {1e3 * statistics.median(times):9.2f} ms")
    return results


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
def median_ms(times: list[float] | None) -> float | None:
    """Median in milliseconds."""
    return None if not times else 1e3 * statistics.median(times)


def cell(times: list[float]) -> str:
    """``median (p25–p75)`` in milliseconds."""
    q1, _, q3 = np.percentile(np.asarray(times) * 1e3, [25, 50, 75])
    return f"{fmt(median_ms(times), 3)} ({fmt(q1, 3)}–{fmt(q3, 3)})"


def report(
    results: dict[str, dict[int, list[float]]],
    missing: list[str],
    problem: Problem,
    n_trials: list[int],
    repeats: int,
    env: dict[str, Any],
) -> str:
    """The Markdown report: environment, medians, ratios to skopt_hp TPE, targets."""
    cols = [f"N = {n:,}" for n in n_trials]
    rows = []
    for method in ALL_METHODS:
        if method in results:
            rows.append([method, *(cell(results[method][n]) for n in n_trials)])
        elif method in missing:
            rows.append([method + " (not available yet)", *(["—"] * len(n_trials))])
    parts = [
        "## Sampler: time per suggestion",
        "",
        environment_markdown(env),
        "",
        f"Problem: `{problem.name}` ({problem.description}). Median over {repeats} "
        "suggestions (after one warm-up) of the time to propose one point with N finished "
        "trials, in milliseconds; interquartile range in parentheses.",
        "",
        markdown_table(["method", *cols], rows),
        "",
        "### Ratios: peer time / skopt_hp TPE time",
        "",
        ratio_section(results, n_trials),
    ]
    return "\n".join(parts)


def ratio_section(results: dict[str, dict[int, list[float]]], n_trials: list[int]) -> str:
    """Ratio table and the targets at the largest N, or why it cannot be computed yet."""
    if OURS_TPE not in results:
        return (
            "Not computed: `skopt_hp.samplers.TPESampler` was not available when this was run. "
            "Rerun the command above once it exists."
        )
    ours = {n: median_ms(results[OURS_TPE][n]) for n in n_trials}
    rows, verdicts = [], []
    n_max = max(n_trials)
    for method, target in TARGET_RATIOS.items():
        if method not in results:
            continue
        ratios = {n: median_ms(results[method][n]) / ours[n] for n in n_trials}
        cells = [f"{ratios[n]:.1f}x" for n in n_trials]
        rows.append([f"{method} / ours", *cells, f"≥ {target:g}x"])
        met = "met" if ratios[n_max] >= target else "NOT met"
        verdicts.append(
            f"- {method}: {ratios[n_max]:.1f}x at N = {n_max:,} (target ≥ {target:g}x): {met}."
        )
    cols = [f"N = {n:,}" for n in n_trials]
    table = markdown_table(["ratio", *cols, f"target at N = {n_max:,}"], rows)
    return table + "\n\n" + "\n".join(verdicts)


def to_json(
    results: dict[str, dict[int, list[float]]], missing: list[str], args: Any, env: dict
) -> dict[str, Any]:
    """Raw timings (seconds) with the settings and environment."""
    return {
        "benchmark": "suggest_time",
        "environment": env,
        "settings": vars(args),
        "missing_methods": missing,
        "seconds": {m: {str(n): t for n, t in by_n.items()} for m, by_n in results.items()},
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--n-trials",
        type=int,
        nargs="+",
        default=[100, 300, 1000],
        help="numbers of finished trials (default: 100 300 1000)",
    )
    parser.add_argument(
        "--repeats", type=int, default=20, help="timed suggestions per cell (default 20)"
    )
    parser.add_argument("--problem", default="mixed10", help="problem name (default: mixed10)")
    parser.add_argument(
        "--methods",
        nargs="+",
        default=None,
        help="method keys: ours_tpe ours_random hyperopt_tpe optuna_tpe optuna_tpe_group",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--output", default="suggest_time", help="results/<output>.md and .json stem"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    quiet_peers()
    (problem,) = get_problems([args.problem])
    # Optuna's GP is not a TPE peer and takes seconds per suggestion: only on request.
    methods, missing = available_methods(args.methods or [m for m in ALL_METHODS if m != OPTUNA_GP])
    if missing:
        log(f"Skipping {missing}: not available yet.")
    env = environment()
    results = measure(methods, problem, sorted(args.n_trials), args.repeats, args.seed)
    markdown = report(results, missing, problem, sorted(args.n_trials), args.repeats, env)
    print(markdown)
    paths = write_results(args.output, markdown, to_json(results, missing, args, env))
    log(f"Wrote {paths[0]} and {paths[1]}")


if __name__ == "__main__":
    main()
