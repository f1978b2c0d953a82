"""End-to-end cost per trial of fmin and HyperoptSearchCV as N grows, against hyperopt and Optuna.

A script, not a test. One run measures, on the same machine, one after the other:

``fmin``
    Wall time of a whole search (``Trials()``/``create_study`` included) of a
    trivial objective over a 3-parameter space (uniform, log-uniform, choice),
    for random search at N = 100, 1,000, 10,000 and TPE at N = 100, 1,000,
    3,000, with and without a save file:

    * skopt_hp: ``fmin(fn, space, algo=rand.suggest | tpe.suggest, max_evals=N,
      trials=Trials(), show_progressbar=False[, trials_save_file=path])``;
    * hyperopt 0.3: the same call with ``hyperopt``'s ``fmin`` (its
      ``trials_save_file`` pickles the whole ``Trials`` after every trial);
    * Optuna: ``create_study(sampler=RandomSampler(seed) | TPESampler(seed))`` then
      ``study.optimize(objective, n_trials=N)``, in memory or on
      ``JournalStorage(JournalFileBackend(path))`` for the file case.

    The objective records ``time.perf_counter()`` when it is called, so the
    cost per trial is read both as wall / N and as the marginal cost of the
    last 10% of the trials (time between the calls of trial 0.9 N and of the
    last trial, divided by their number); the JSON file keeps the cost of every
    tenth of the run. A cell whose first run took under ``--repeat-below``
    seconds is repeated ``--repeats`` times (median); longer ones run once.
    Before each cell, its time is predicted from the same case at the previous
    N (per-trial cost fitted as ``a + b * i`` over that run's tenths); a cell
    predicted to exceed ``--max-case-seconds`` (skopt_hp) or
    ``--max-peer-case-seconds`` (hyperopt, Optuna) is skipped and the reason
    printed, which keeps a full run within about 15 minutes.

``suggest``
    TPE per suggestion at N = 1,000 on the 10-d mixed space (``mixed10`` of
    ``problems.py``): skopt_hp's and hyperopt's ``fmin`` run to 1,000 +
    ``--suggest-repeats`` trials, and the median time between consecutive
    objective calls after the 1,000th is the cost of one suggestion *through
    fmin* (bookkeeping included); next to it, the sampler's own ``ask`` at
    N = 1,000 exactly as ``bench_suggest_time.py`` measures it (its code,
    imported).

``search``
    ``HyperoptSearchCV(n_iter=1000, n_points=1, n_jobs=1, cv=2, refit=False)``
    of ``bench_search.py``'s ``SleepClassifier`` sleeping 1 ms per fit (every
    candidate costs the same, whatever the machine's load), TPE and random,
    against ``RandomizedSearchCV`` at the same ``n_iter``. The own time of a
    search is its wall time less the fit and score times it recorded
    (``bench_search.py``'s helper); per candidate, it is read in windows of
    candidates ending at the 100th, 500th and 1,000th, from the time every
    candidate's first fit started.

Targets are printed as PASS / FAIL lines, never asserted.

Examples
--------
    .venv/bin/python benchmarks/bench_fmin_scale.py --quick        # smoke run, ~1 min
    .venv/bin/python benchmarks/bench_fmin_scale.py                # full run, <= ~15 min
    .venv/bin/python benchmarks/bench_fmin_scale.py --update-docs  # also rewrite the docs section
    .venv/bin/python benchmarks/bench_fmin_scale.py --from-json benchmarks/results/fmin_scale.json \
        --update-docs                                              # docs, plot, report from a run
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    OURS_TPE,
    environment,
    environment_markdown,
    fmt,
    log,
    markdown_table,
    quiet_peers,
    write_results,
)
from problems import (  # noqa: E402
    Problem,
    choice,
    flatten,
    get_problems,
    hp_space,
    loguniform,
    optuna_suggest,
    uniform,
)

ROOT = Path(__file__).resolve().parents[1]
DOCS_PAGE = ROOT / "docs" / "benchmarks.md"
DOCS_PLOT = ROOT / "docs" / "images" / "fmin_scale.png"
SECTION_TITLE = "End-to-end cost per trial (bench_fmin_scale.py)"

LIBRARIES = ("skopt_hp", "hyperopt", "optuna")
LIBRARY_NAMES = {"skopt_hp": "skopt_hp", "hyperopt": "hyperopt 0.3", "optuna": "Optuna"}
STORAGE_NAMES = {
    ("skopt_hp", "memory"): "in memory",
    ("skopt_hp", "file"): "trials_save_file",
    ("hyperopt", "memory"): "in memory",
    ("hyperopt", "file"): "trials_save_file (pickle)",
    ("optuna", "memory"): "in memory",
    ("optuna", "file"): "JournalFileBackend",
}
ALGO_NAMES = {"rand": "random search", "tpe": "TPE"}

# Targets of issue 12.
TARGET_FMIN_OVER_ASK = 1.3
TARGET_HYPEROPT_OVER_OURS = 10.0
TARGET_FILE_OVERHEAD = 0.25
TARGET_FLATNESS = 2.0

_KIND_PENALTY = {"a": 0.0, "b": 0.5, "c": 1.0}


def _scale3_objective(point: dict[str, Any]) -> float:
    # Trivial on purpose: the benchmark measures the library, not the objective.
    return (
        (point["x"] - 1.0) ** 2 + math.log10(point["lr"] / 1e-3) ** 2 + _KIND_PENALTY[point["kind"]]
    )


SCALE3 = Problem(
    "scale3",
    (uniform("x", -5.0, 5.0), loguniform("lr", 1e-5, 1e-1), choice("kind", ["a", "b", "c"])),
    _scale3_objective,
    0.0,
    "3-d: 1 uniform, 1 log-uniform, 1 categorical (3 options)",
)


# ---------------------------------------------------------------------------
# One search per library; each returns its wall time and the objective's call times
# ---------------------------------------------------------------------------
class CaseTimeout(Exception):
    """Raised from the objective once a search has run past its time limit."""


class Recorder:
    """Records when the objective is called; stops the search once ``limit`` seconds have passed.

    The limit is checked in the objective because that is the one place all
    three libraries call back into this script on every trial; the exception
    propagates out of ``fmin`` and ``study.optimize`` alike.
    """

    def __init__(self, limit: float = math.inf) -> None:
        self.limit = limit
        self.start = time.perf_counter()
        self.stamps: list[float] = []

    def begin(self) -> None:
        self.start = time.perf_counter()

    def __call__(self) -> None:
        now = time.perf_counter()
        if now - self.start > self.limit:
            raise CaseTimeout(f"stopped after {now - self.start:.1f} s")
        self.stamps.append(now)


def _stamped(problem: Problem, recorder: Recorder) -> Callable[[dict[str, Any]], float]:
    """The problem's objective for an ``hp`` space, recording when it is called."""

    def objective(params: dict[str, Any]) -> float:
        recorder()
        return problem(flatten(params))

    return objective


def run_ours(problem: Problem, algo: str, n: int, save_path: str, seed: int, rec: Recorder) -> None:
    """skopt_hp's ``fmin`` for ``n`` trials; ``save_path`` '' means no save file."""
    from skopt_hp import Trials, fmin, hp, rand, tpe

    suggest = {"rand": rand.suggest, "tpe": tpe.suggest}[algo]
    rec.begin()
    fmin(
        _stamped(problem, rec),
        hp_space(problem, hp),
        algo=suggest,
        max_evals=n,
        trials=Trials(),
        rstate=seed,
        show_progressbar=False,
        trials_save_file=save_path,
    )


def run_hyperopt(
    problem: Problem, algo: str, n: int, save_path: str, seed: int, rec: Recorder
) -> None:
    """hyperopt's ``fmin`` for ``n`` trials; ``save_path`` '' means no save file."""
    import hyperopt

    suggest = {"rand": hyperopt.rand.suggest, "tpe": hyperopt.tpe.suggest}[algo]
    rec.begin()
    hyperopt.fmin(
        _stamped(problem, rec),
        hp_space(problem, hyperopt.hp),
        algo=suggest,
        max_evals=n,
        trials=hyperopt.Trials(),
        rstate=np.random.default_rng(seed),
        show_progressbar=False,
        verbose=False,
        trials_save_file=save_path,
    )


def run_optuna(
    problem: Problem, algo: str, n: int, save_path: str, seed: int, rec: Recorder
) -> None:
    """``study.optimize`` for ``n`` trials, in memory or on a journal file at ``save_path``."""
    import optuna

    def objective(trial: Any) -> float:
        rec()
        return problem(optuna_suggest(trial, problem))

    rec.begin()
    sampler = {"rand": optuna.samplers.RandomSampler, "tpe": optuna.samplers.TPESampler}[algo]
    storage = (
        optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(save_path))
        if save_path
        else None
    )
    study = optuna.create_study(sampler=sampler(seed=seed), storage=storage)
    study.optimize(objective, n_trials=n)


RUNNERS = {"skopt_hp": run_ours, "hyperopt": run_hyperopt, "optuna": run_optuna}


def run_once(
    library: str,
    problem: Problem,
    algo: str,
    n: int,
    storage: str,
    seed: int,
    tmp_dir: str,
    limit: float = math.inf,
) -> dict[str, Any]:
    """One search in a fresh temporary directory (so no save file is ever resumed).

    A search stopped at ``limit`` seconds comes back with ``aborted`` set and
    the trials it had run.
    """
    rec = Recorder(limit)
    aborted = False
    with tempfile.TemporaryDirectory(dir=tmp_dir) as tmp:
        path = str(Path(tmp) / "trials.log") if storage == "file" else ""
        gc.collect()
        try:
            RUNNERS[library](problem, algo, n, path, seed, rec)
        except CaseTimeout:
            aborted = True
        wall = time.perf_counter() - rec.start
        file_bytes = Path(path).stat().st_size if path and Path(path).exists() else 0
    if not aborted and len(rec.stamps) != n:
        raise RuntimeError(f"{library} {algo} ran {len(rec.stamps)} trials, not n={n}.")
    return {
        "wall": wall,
        "start": rec.start,
        "stamps": rec.stamps,
        "file_bytes": file_bytes,
        "aborted": aborted,
    }


# ---------------------------------------------------------------------------
# Reading a run: cost per trial overall, per tenth, over the last 10%
# ---------------------------------------------------------------------------
def intervals(run: dict[str, Any]) -> np.ndarray:
    """Seconds from the previous objective call (the search's start for the first trial)."""
    return np.diff(np.concatenate([[run["start"]], np.asarray(run["stamps"])]))


def tenths(run: dict[str, Any]) -> list[float]:
    """Mean seconds per trial in each tenth of the run (trials [k N/10, (k+1) N/10))."""
    return [float(chunk.mean()) for chunk in np.array_split(intervals(run), 10)]


def last_tenth(run: dict[str, Any]) -> float:
    """Marginal seconds per trial over the last 10% of the trials."""
    stamps = run["stamps"]
    first = max(1, math.ceil(0.9 * len(stamps))) - 1
    return (stamps[-1] - stamps[first]) / max(1, len(stamps) - 1 - first)


def predict_seconds(run: dict[str, Any], n: int) -> float:
    """Wall time of ``n`` trials predicted from a smaller run of the same case.

    The per-trial cost is fitted as ``a + b * i`` (``i`` trials done) over the
    run's tenths, the first left out (start-up), so a cost growing with N
    (a quadratic run) is extrapolated as such.
    """
    n_prev = len(run["stamps"])
    mids = (np.arange(10) + 0.5) * n_prev / 10
    costs = np.asarray(tenths(run))
    b, a = np.polyfit(mids[1:], costs[1:], 1)
    b = max(float(b), 0.0)
    a = max(float(a), float(costs[1:].min()) / 2)
    return a * n + b * n * n / 2


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the repeats, plus every run's numbers for the JSON file."""
    n = len(runs[0]["stamps"])
    walls = [r["wall"] for r in runs]
    return {
        "n": n,
        "wall": statistics.median(walls),
        "walls": walls,
        "per_trial": statistics.median(walls) / n,
        "last_tenth": statistics.median(last_tenth(r) for r in runs),
        "tenths": [statistics.median(col) for col in zip(*(tenths(r) for r in runs), strict=True)],
        "file_bytes": runs[0]["file_bytes"],
    }


def part_fmin(args: argparse.Namespace) -> dict[str, Any]:
    """Every (algorithm, N, storage, library) cell; skipped cells carry their reason."""
    cells: dict[str, Any] = {}
    for algo, ns in (("rand", args.rand_n), ("tpe", args.tpe_n)):
        for storage in args.storages:
            for library in args.libraries:
                run_once(library, SCALE3, algo, 20, storage, args.seed, args.tmp_dir)  # warm-up
        previous: dict[tuple[str, str], dict[str, Any]] = {}
        for n in sorted(ns):
            for storage in args.storages:
                for library in args.libraries:
                    key = f"{algo}|{storage}|{library}|{n}"
                    prev = previous.get((storage, library))
                    limit, flag = (
                        (args.max_case_seconds, "--max-case-seconds")
                        if library == "skopt_hp"
                        else (args.max_peer_case_seconds, "--max-peer-case-seconds")
                    )
                    if prev is not None:
                        guess = predict_seconds(prev, n)
                        # Predicted over the limit: not started (the limit would stop it anyway).
                        if guess > limit:
                            reason = (
                                f"skipped: predicted {guess:,.1f} s from its run at "
                                f"N={len(prev['stamps']):,} (over {flag} {limit:g})"
                            )
                            cells[key] = {"n": n, "skipped": reason, "predicted": guess}
                            previous.pop((storage, library))
                            log(f"fmin {key}: {reason}")
                            continue
                    elif n != min(ns) and (storage, library) not in previous:
                        continue  # a smaller N of this case was skipped already
                    run = run_once(
                        library, SCALE3, algo, n, storage, args.seed, args.tmp_dir, limit
                    )
                    if run["aborted"]:
                        done = len(run["stamps"])
                        reason = (
                            f"stopped after {run['wall']:,.1f} s at trial {done:,} of {n:,} "
                            f"({flag} {limit:g}); {1e3 * run['wall'] / max(done, 1):.3g} ms per "
                            "trial so far"
                        )
                        cells[key] = {"n": n, "skipped": reason, "aborted_at": done}
                        cells[key]["wall_at_abort"] = run["wall"]
                        cells[key]["tenths_at_abort"] = tenths(run) if done >= 10 else []
                        previous.pop((storage, library), None)
                        log(f"fmin {key}: {reason}")
                        continue
                    runs = [run]
                    while runs[0]["wall"] < args.repeat_below and len(runs) < args.repeats:
                        runs.append(
                            run_once(library, SCALE3, algo, n, storage, args.seed, args.tmp_dir)
                        )
                    previous[(storage, library)] = runs[-1]
                    cells[key] = summarise(runs)
                    c = cells[key]
                    log(
                        f"fmin {key}: {c['wall']:.3f} s, {1e3 * c['per_trial']:.3f} ms/trial, "
                        f"last 10% {1e3 * c['last_tenth']:.3f} ms/trial ({len(runs)} run(s))"
                    )
    # Cells after a skipped one are not measured either: say so.
    for algo, ns in (("rand", args.rand_n), ("tpe", args.tpe_n)):
        for storage in args.storages:
            for library in args.libraries:
                skipped_at = None
                for n in sorted(ns):
                    key = f"{algo}|{storage}|{library}|{n}"
                    if key in cells and "skipped" in cells[key]:
                        skipped_at = skipped_at or n
                    elif key not in cells and skipped_at is not None:
                        cells[key] = {"n": n, "skipped": f"skipped: N={skipped_at:,} was skipped"}
    return cells


# ---------------------------------------------------------------------------
# TPE per suggestion at N = 1,000, 10-d mixed space
# ---------------------------------------------------------------------------
def part_suggest(args: argparse.Namespace) -> dict[str, Any]:
    """Per-suggestion cost through fmin (ours, hyperopt) and of our sampler's own ask."""
    from bench_suggest_time import make_history, setup_ours, time_suggestions

    (problem,) = get_problems(["mixed10"])
    n, repeats = args.suggest_n, args.suggest_repeats
    out: dict[str, Any] = {"n": n, "repeats": repeats, "problem": problem.name}
    for library in ("skopt_hp", "hyperopt"):
        run = run_once(library, problem, "tpe", n + repeats, "memory", args.seed, args.tmp_dir)
        # Interval i runs from the objective call of trial i-1 to that of trial i: it holds
        # recording trial i-1 and proposing trial i with i finished trials.
        times = intervals(run)[n : n + repeats].tolist()
        out[library] = {"wall": run["wall"], "seconds": times, "median": statistics.median(times)}
        log(f"suggest {library} fmin: {1e3 * out[library]['median']:.2f} ms per suggestion")
    history = make_history(problem, n, args.seed)
    suggest, finish = setup_ours(OURS_TPE, problem, history, args.seed)
    times = time_suggestions(suggest, finish, repeats)
    out["ask"] = {"seconds": times, "median": statistics.median(times)}
    log(f"suggest skopt_hp ask: {1e3 * out['ask']['median']:.2f} ms")
    return out


# ---------------------------------------------------------------------------
# HyperoptSearchCV's own time per candidate
# ---------------------------------------------------------------------------
_FIT_LOG: list[tuple[float, float]] = []
FIT_SECONDS = 0.001  # the "1 ms estimator" of issue 12


def _stamped_classifier() -> Any:
    """``bench_search.SleepClassifier`` recording ``(perf_counter(), c)`` whenever ``fit`` starts.

    Its fit sleeps a fixed time and its ``c`` does nothing, so every candidate
    costs the same and the machine's load barely moves the fits' own time.
    """
    from bench_search import SleepClassifier

    class StampedSleepClassifier(SleepClassifier):
        def fit(self, X: Any, y: Any) -> Any:
            _FIT_LOG.append((time.perf_counter(), float(self.c)))
            return super().fit(X, y)

    return StampedSleepClassifier


def _windows(n_iter: int) -> list[tuple[int, int]]:
    """Candidate windows ``[lo, hi)`` ending near the 10th, 50th and 100th percent of ``n_iter``.

    The last window stops one short of the end: its end is the start of a
    candidate, so building ``cv_results_`` at the very end stays out of it.
    """
    width = max(5, n_iter // 20)
    out = []
    for end in (n_iter // 10, n_iter // 2, n_iter - 1):
        out.append((max(0, end - width), end))
    return out


def _search_once(name: str, n_iter: int, seed: int) -> dict[str, Any]:
    import scipy.stats as st
    from bench_search import _fit_seconds
    from sklearn.datasets import make_classification
    from sklearn.model_selection import RandomizedSearchCV

    from skopt_hp import HyperoptSearchCV, hp

    X, y = make_classification(n_samples=50, n_features=5, random_state=seed)
    estimator = _stamped_classifier()(fit_seconds=FIT_SECONDS)
    if name == "RandomizedSearchCV":
        search = RandomizedSearchCV(
            estimator,
            {"c": st.uniform(0.0, 1.0)},
            n_iter=n_iter,
            cv=2,
            n_jobs=1,
            refit=False,
            random_state=seed,
        )
    else:
        algo = "tpe" if "TPE" in name else "rand"
        search = HyperoptSearchCV(
            estimator,
            {"c": hp.uniform("c", 0.0, 1.0)},
            n_iter=n_iter,
            algo=algo,
            cv=2,
            n_points=1,
            n_jobs=1,
            refit=False,
            random_state=seed,
        )
    _FIT_LOG.clear()
    gc.collect()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    wall = time.perf_counter() - start
    results = search.cv_results_
    n_splits = search.n_splits_
    if len(_FIT_LOG) != n_iter * n_splits:
        raise RuntimeError(f"{name}: {len(_FIT_LOG)} fits, expected {n_iter * n_splits}.")
    starts = np.array([t for t, _ in _FIT_LOG[::n_splits]])
    fitted_c = np.array([c for _, c in _FIT_LOG[::n_splits]])
    # The windows read cv_results_ in evaluation order: check that it is.
    if not np.allclose(fitted_c, np.array([p["c"] for p in results["params"]])):
        raise RuntimeError(f"{name}: cv_results_ is not in evaluation order.")
    fit = (np.asarray(results["mean_fit_time"]) + np.asarray(results["mean_score_time"])) * n_splits
    windows = []
    for lo, hi in _windows(n_iter):
        own = (starts[hi] - starts[lo]) - fit[lo:hi].sum()
        windows.append({"lo": lo, "hi": hi, "own_per_candidate": own / (hi - lo)})
    own_total = wall - _fit_seconds(search)
    return {
        "wall": wall,
        "own": own_total,
        "own_per_candidate": own_total / n_iter,
        "fit_per_candidate": float(fit.mean()),
        "n_splits": n_splits,
        "windows": windows,
    }


SEARCHES = ("HyperoptSearchCV TPE", "HyperoptSearchCV random", "RandomizedSearchCV")


def part_search(args: argparse.Namespace) -> dict[str, Any]:
    """Own time per candidate of each search, overall and in windows."""
    out: dict[str, Any] = {"n_iter": args.search_n_iter, "fit_seconds": FIT_SECONDS}
    for name in SEARCHES:
        _search_once(name, 20, args.seed)  # warm-up: imports, first compilations
        out[name] = _search_once(name, args.search_n_iter, args.seed)
        w = out[name]["windows"]
        log(
            f"search {name}: wall {out[name]['wall']:.2f} s, own "
            f"{1e3 * out[name]['own_per_candidate']:.3f} ms/candidate, windows "
            + ", ".join(f"{1e3 * x['own_per_candidate']:.3f}" for x in w)
        )
    return out


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
def _cell(data: dict[str, Any], algo: str, storage: str, library: str, n: int) -> Any:
    return data["fmin"].get(f"{algo}|{storage}|{library}|{n}")


def _measured(cell: Any) -> bool:
    return cell is not None and "skipped" not in cell


def fmin_tables(data: dict[str, Any]) -> str:
    """Per algorithm: wall seconds, then ms per trial (overall and over the last 10%)."""
    s = data["settings"]
    if not data["fmin"]:
        return "fmin: not measured in this run."
    parts = []
    for algo, ns in (("rand", s["rand_n"]), ("tpe", s["tpe_n"])):
        ns = sorted(ns)
        wall_rows, cost_rows, notes = [], [], []
        for storage in s["storages"]:
            for library in s["libraries"]:
                label = f"{LIBRARY_NAMES[library]}, {STORAGE_NAMES[(library, storage)]}"
                walls, costs = [], []
                for n in ns:
                    c = _cell(data, algo, storage, library, n)
                    if _measured(c):
                        walls.append(fmt(c["wall"], 4))
                        costs.append(
                            f"{fmt(1e3 * c['per_trial'], 3)} ({fmt(1e3 * c['last_tenth'], 3)})"
                        )
                    else:
                        word = "stopped" if c is not None and "aborted_at" in c else "skipped"
                        walls.append(word)
                        costs.append(word)
                        if c is not None and ("predicted" in c or "aborted_at" in c):
                            notes.append(f"- {label}, N = {n:,}: {c['skipped']}.")
                wall_rows.append([label, *walls])
                cost_rows.append([label, *costs])
        cols = [f"N = {n:,}" for n in ns]
        parts.append(
            f"### {ALGO_NAMES[algo]}: wall time of the whole search (s)\n\n"
            + markdown_table(["library, storage", *cols], wall_rows)
            + f"\n\n### {ALGO_NAMES[algo]}: ms per trial, wall / N (last 10% of the trials)\n\n"
            + markdown_table(["library, storage", *cols], cost_rows)
            + ("\n\n" + "\n".join(notes) if notes else "")
        )
    return "\n\n".join(parts)


def suggest_table(data: dict[str, Any]) -> str:
    sug = data.get("suggest")
    if not sug:
        return "Not measured in this run."
    rows = [
        ["skopt_hp TPE through `fmin`", fmt(1e3 * sug["skopt_hp"]["median"], 3)],
        [
            "skopt_hp `TPESampler.ask` alone (as in bench_suggest_time.py)",
            fmt(1e3 * sug["ask"]["median"], 3),
        ],
        ["hyperopt 0.3 TPE through `fmin`", fmt(1e3 * sug["hyperopt"]["median"], 3)],
    ]
    return (
        f"Median over {sug['repeats']} suggestions with {sug['n']:,} to "
        f"{sug['n'] + sug['repeats'] - 1:,} finished trials, `{sug['problem']}` space "
        "(10-d mixed).\n\n" + markdown_table(["what", "ms per suggestion"], rows)
    )


def search_table(data: dict[str, Any]) -> str:
    se = data.get("search")
    if not se:
        return "Not measured in this run."
    first = se[SEARCHES[0]]
    cols = [f"candidates {w['lo']:,}–{w['hi']:,}" for w in first["windows"]]
    rows = []
    for name in SEARCHES:
        r = se[name]
        rows.append(
            [
                name,
                fmt(r["wall"], 4),
                fmt(1e3 * r["fit_per_candidate"], 3),
                fmt(1e3 * r["own_per_candidate"], 3),
                *(fmt(1e3 * w["own_per_candidate"], 3) for w in r["windows"]),
            ]
        )
    return (
        f"`n_iter={se['n_iter']:,}`, an estimator whose fit sleeps "
        f"{1e3 * se.get('fit_seconds', FIT_SECONDS):g} ms (50 samples), "
        f"`cv={first['n_splits']}`, "
        "`n_jobs=1`, `refit=False` (`n_points=1` for HyperoptSearchCV). Own time = wall time less "
        "the fit and score times of `cv_results_`; in a window, the time from the first fit of its "
        "first candidate to that of the candidate after it, less the window's fit and score times, "
        "per candidate (ms).\n\n"
        + markdown_table(
            ["search", "wall s", "fit+score ms / candidate", "own ms / candidate", *cols], rows
        )
    )


def targets(data: dict[str, Any]) -> list[str]:
    """PASS / FAIL lines for issue 12's targets (FAIL when a figure was not measured)."""
    s = data["settings"]
    lines = []

    def line(ok: bool | None, text: str) -> None:
        lines.append(f"- {'PASS' if ok else 'FAIL'}: {text}")

    n_rand = max(s["rand_n"])
    ours = _cell(data, "rand", "memory", "skopt_hp", n_rand)
    optuna = _cell(data, "rand", "memory", "optuna", n_rand)
    if _measured(ours) and _measured(optuna):
        line(
            ours["wall"] <= optuna["wall"],
            f"random search, {n_rand:,} trials: skopt_hp {ours['wall']:.3g} s <= Optuna in memory "
            f"{optuna['wall']:.3g} s",
        )
    else:
        line(None, f"random search, {n_rand:,} trials, skopt_hp vs Optuna in memory: not measured")

    sug = data.get("suggest")
    if sug:
        f, a, h = (sug[k]["median"] for k in ("skopt_hp", "ask", "hyperopt"))
        line(
            f <= TARGET_FMIN_OVER_ASK * a,
            f"TPE per suggestion through fmin at N={sug['n']:,} (10-d): {1e3 * f:.3g} ms "
            f"<= {TARGET_FMIN_OVER_ASK} x ask {1e3 * a:.3g} ms ({f / a:.2f}x)",
        )
        line(
            f * TARGET_HYPEROPT_OVER_OURS <= h,
            f"TPE per suggestion through fmin at N={sug['n']:,} (10-d): {1e3 * f:.3g} ms "
            f"<= 1/{TARGET_HYPEROPT_OVER_OURS:g} of hyperopt's {1e3 * h:.3g} ms ({h / f:.1f}x)",
        )
    else:
        line(None, "TPE per suggestion through fmin: not measured")

    with_file = _cell(data, "rand", "file", "skopt_hp", n_rand)
    if _measured(ours) and _measured(with_file):
        extra = with_file["wall"] / ours["wall"] - 1
        line(
            extra <= TARGET_FILE_OVERHEAD,
            f"save file at {n_rand:,} random trials adds {100 * extra:.0f}% "
            f"(<= {100 * TARGET_FILE_OVERHEAD:.0f}%)",
        )
    else:
        why = with_file["skipped"] if with_file else "not run"
        line(None, f"save file at {n_rand:,} random trials: not measured ({why})")

    costs = [_cell(data, "rand", "memory", "skopt_hp", n) for n in sorted(s["rand_n"])]
    if all(_measured(c) for c in costs):
        per = [c["per_trial"] for c in costs]
        last = [c["last_tenth"] for c in costs]
        line(
            max(per) / min(per) <= TARGET_FLATNESS,
            f"random search cost per trial from N={min(s['rand_n']):,} to {n_rand:,}: "
            f"max/min of wall/N = {max(per) / min(per):.2f} (<= {TARGET_FLATNESS:g}); "
            f"of the last-10% cost {max(last) / min(last):.2f}",
        )
    else:
        line(None, "random search cost per trial flat: not every N measured")

    se = data.get("search")
    if se:
        own = [w["own_per_candidate"] for w in se[SEARCHES[0]]["windows"]]
        ratio = max(own) / min(own) if min(own) > 0 else math.inf
        line(
            ratio <= TARGET_FLATNESS,
            f"HyperoptSearchCV (TPE) own time per candidate over windows up to {se['n_iter']:,} "
            f"candidates: max/min {ratio:.2f} (<= {TARGET_FLATNESS:g})",
        )
    else:
        line(None, "HyperoptSearchCV own time per candidate: not measured")
    return lines


def report_body(data: dict[str, Any]) -> str:
    """Everything below the section's title: stamp, tables, targets."""
    s = data["settings"]
    return "\n".join(
        [
            environment_markdown(data["environment"]),
            "",
            f"Space: `{SCALE3.name}` ({SCALE3.description}), a trivial objective; "
            f"seed {s['seed']}. "
            + (
                f"Cells whose first run took under {s['repeat_below']:g} s: median of "
                f"{s['repeats']} runs; the others: one run. "
                if s["repeats"] > 1
                else "One run per cell. "
            )
            + "The last-10% cost is the time between the objective calls "
            "of the trial at 0.9 N and of the last trial, per trial. Save files in "
            f"`{s['tmp_dir']}` ({data['environment'].get('save file filesystem', '?')}).",
            "",
            fmin_tables(data),
            "",
            f"### TPE per suggestion at N = {data.get('suggest', {}).get('n', s['suggest_n']):,}, "
            "10-d mixed space",
            "",
            suggest_table(data),
            "",
            "### HyperoptSearchCV's own time per candidate",
            "",
            search_table(data),
            "",
            "### Targets (issue 12)",
            "",
            *targets(data),
        ]
    )


def report(data: dict[str, Any]) -> str:
    return f"## {SECTION_TITLE}\n\n{report_body(data)}\n"


def plot(data: dict[str, Any], path: Path) -> None:
    """Log-log cost per trial (wall / N) against N, one line per library, storage and algorithm."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = data["settings"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    colours = {"skopt_hp": "tab:blue", "hyperopt": "tab:orange", "optuna": "tab:green"}
    for ax, (algo, ns) in zip(axes, (("rand", s["rand_n"]), ("tpe", s["tpe_n"])), strict=True):
        for library in s["libraries"]:
            for storage in s["storages"]:
                pts = [
                    (n, 1e3 * c["per_trial"])
                    for n in sorted(ns)
                    if _measured(c := _cell(data, algo, storage, library, n))
                ]
                if not pts:
                    continue
                x, y = zip(*pts, strict=True)
                ax.plot(
                    x,
                    y,
                    marker="o",
                    color=colours[library],
                    linestyle="-" if storage == "memory" else "--",
                    label=f"{LIBRARY_NAMES[library]}, {STORAGE_NAMES[(library, storage)]}",
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("trials N")
        ax.set_title(f"fmin, {ALGO_NAMES[algo]}")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("ms per trial (wall / N)")
    axes[1].legend(fontsize=8)
    fig.suptitle(f"End-to-end cost per trial, {data['environment']['date']}", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def docs_section(data: dict[str, Any], note: str) -> str:
    """The section of docs/benchmarks.md: command, method, the report's tables, the plot."""
    command = data["environment"]["command"].replace("python ", ".venv/bin/python ", 1)
    return "\n".join(
        [
            f"## {SECTION_TITLE}",
            "",
            f"Command (this run took {data.get('total_seconds', math.nan) / 60:.0f} minutes on "
            f"{data['environment']['nproc']} cores; `--quick` is a smoke run of about a minute):",
            "",
            "```bash",
            command,
            "```",
            "",
            "What users run, end to end: `fmin` (or `study.optimize`) of a trivial objective "
            "over a 3-parameter space, from creating the `Trials` (or the study) to the return, "
            "for skopt_hp, hyperopt 0.3 and Optuna, in memory and with a save file (skopt_hp's and "
            "hyperopt's `trials_save_file`; Optuna's `JournalFileBackend`). Cost per trial is the "
            "wall time over N and, in parentheses, the marginal cost of the last 10% of the "
            "trials (from the times the objective was called): a search whose cost per trial "
            "does not grow with N keeps both flat. A case predicted (from the same case at the "
            "previous N) to run longer than its limit is skipped, one that reaches the limit is "
            "stopped; the reason is given under the table. Full report and every run's "
            "timings: `benchmarks/results/fmin_scale.{md,json}`.",
            "",
            *([note, ""] if note else []),
            "![Cost per trial against N](images/fmin_scale.png)",
            "",
            report_body(data),
            "",
        ]
    )


def update_docs(data: dict[str, Any], note: str, page: Path = DOCS_PAGE) -> None:
    """Replace (or append) the section in ``page``, leaving every other section alone."""
    text = page.read_text(encoding="utf-8")
    heading = f"## {SECTION_TITLE}\n"
    section = docs_section(data, note)
    if heading in text:
        start = text.index(heading)
        end = text.find("\n## ", start + len(heading))
        rest = text[end + 1 :] if end != -1 else ""
        text = text[:start] + section.rstrip("\n") + "\n" + ("\n" + rest if rest else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    page.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
def _environment(tmp_dir: str) -> dict[str, Any]:
    import subprocess

    env = environment()
    try:
        fs = subprocess.run(
            ["df", "--output=fstype", tmp_dir], capture_output=True, text=True, check=True
        ).stdout.split()[-1]
    except (OSError, subprocess.CalledProcessError, IndexError):
        fs = "unknown"
    env["save file filesystem"] = fs
    return env


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small N everywhere: a smoke run")
    parser.add_argument(
        "--part",
        nargs="+",
        choices=["fmin", "suggest", "search"],
        default=["fmin", "suggest", "search"],
    )
    parser.add_argument("--rand-n", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--tpe-n", type=int, nargs="+", default=[100, 1000, 3000])
    parser.add_argument("--libraries", nargs="+", choices=LIBRARIES, default=list(LIBRARIES))
    parser.add_argument(
        "--storages", nargs="+", choices=["memory", "file"], default=["memory", "file"]
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="runs of a cell whose first run is short (median; default 3)",
    )
    parser.add_argument(
        "--repeat-below",
        type=float,
        default=5.0,
        help="repeat a cell only if its first run took under this many seconds",
    )
    parser.add_argument(
        "--max-case-seconds",
        type=float,
        default=240.0,
        help="skip a skopt_hp cell predicted to take longer (default 240)",
    )
    parser.add_argument(
        "--max-peer-case-seconds",
        type=float,
        default=120.0,
        help="skip a hyperopt or Optuna cell predicted to take longer (default 120)",
    )
    parser.add_argument("--suggest-n", type=int, default=1000)
    parser.add_argument("--suggest-repeats", type=int, default=20)
    parser.add_argument("--search-n-iter", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--tmp-dir",
        default=tempfile.gettempdir(),
        help="where save files are written (default: the system's temp dir)",
    )
    parser.add_argument(
        "--output", default=None, help="results/<output>.md and .json (default fmin_scale[_quick])"
    )
    parser.add_argument(
        "--plot",
        default=None,
        help=f"PNG path (default {DOCS_PLOT.relative_to(ROOT)}; none with --quick)",
    )
    parser.add_argument(
        "--update-docs",
        action="store_true",
        help=f"rewrite the section '{SECTION_TITLE}' of docs/benchmarks.md",
    )
    parser.add_argument(
        "--docs-note", default="", help="a paragraph put at the top of the docs section"
    )
    parser.add_argument(
        "--from-json",
        default=None,
        help="re-render report, plot and docs from a results file; no run",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rand_n, args.tpe_n = [50, 200], [50, 200]
        args.suggest_n, args.suggest_repeats = 100, 5
        args.search_n_iter = 100
        args.repeats = 1
    if args.output is None:
        args.output = "fmin_scale_quick" if args.quick else "fmin_scale"
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.from_json:
        data = json.loads(Path(args.from_json).read_text())
    else:
        quiet_peers()
        settings = {k: v for k, v in vars(args).items() if k not in ("from_json",)}
        data = {
            "benchmark": "fmin_scale",
            "environment": _environment(args.tmp_dir),
            "settings": settings,
            "fmin": {},
        }
        started = time.perf_counter()
        if "fmin" in args.part:
            data["fmin"] = part_fmin(args)
        if "suggest" in args.part:
            data["suggest"] = part_suggest(args)
        if "search" in args.part:
            data["search"] = part_search(args)
        data["total_seconds"] = time.perf_counter() - started
        log(f"total {data['total_seconds']:.0f} s")
    markdown = report(data)
    print(markdown)
    if not args.from_json:
        paths = write_results(args.output, markdown, data)
        log(f"wrote {paths[0]} and {paths[1]}")
    plot_path = Path(args.plot) if args.plot else (None if args.quick else DOCS_PLOT)
    if plot_path is not None:
        plot(data, plot_path)
        log(f"wrote {plot_path}")
    if args.update_docs:
        update_docs(data, args.docs_note)
        log(f"updated the section '{SECTION_TITLE}' of {DOCS_PAGE}")


if __name__ == "__main__":
    main()
