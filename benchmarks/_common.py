"""Shared helpers of the benchmark scripts: methods, environment stamp, Markdown, output."""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import platform
import shlex
import subprocess
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

# Display names of the methods, in table order.
OURS_TPE = "skopt_hp TPE"
OURS_RANDOM = "skopt_hp random"
HYPEROPT_TPE = "hyperopt TPE"
OPTUNA_TPE = "Optuna TPE (default)"
OPTUNA_TPE_GROUP = "Optuna TPE (multivariate, group, constant_liar)"
OPTUNA_GP = "Optuna GP"
ALL_METHODS = (OURS_TPE, OURS_RANDOM, HYPEROPT_TPE, OPTUNA_TPE, OPTUNA_TPE_GROUP, OPTUNA_GP)
METHOD_KEYS = {
    "ours_tpe": OURS_TPE,
    "ours_random": OURS_RANDOM,
    "hyperopt_tpe": HYPEROPT_TPE,
    "optuna_tpe": OPTUNA_TPE,
    "optuna_tpe_group": OPTUNA_TPE_GROUP,
    "optuna_gp": OPTUNA_GP,
}


# ---------------------------------------------------------------------------
# Methods
# ---------------------------------------------------------------------------
def ours_tpe_class() -> type | None:
    """``skopt_hp.samplers.TPESampler`` once it exists, else ``None``."""
    from skopt_hp import samplers

    return getattr(samplers, "TPESampler", None)


def ours_sampler(method: str) -> Any:
    """A fresh skopt_hp sampler for ``method`` (default settings)."""
    from skopt_hp.samplers import RandomSampler

    if method == OURS_RANDOM:
        return RandomSampler()
    if method == OURS_TPE:
        cls = ours_tpe_class()
        if cls is None:
            raise RuntimeError("skopt_hp.samplers.TPESampler is not available yet.")
        return cls()
    raise ValueError(f"{method!r} is not a skopt_hp method.")


def optuna_sampler(method: str, seed: int | None) -> Any:
    """Optuna's ``TPESampler`` for ``method``.

    In Optuna 5.0 the default ``TPESampler()`` is already multivariate for a
    single objective and uses ``constant_liar=True``; the second variant adds
    ``group=True`` (and spells out the other two flags).
    """
    import optuna

    if method == OPTUNA_TPE:
        return optuna.samplers.TPESampler(seed=seed)
    if method == OPTUNA_TPE_GROUP:
        return optuna.samplers.TPESampler(
            multivariate=True, group=True, constant_liar=True, seed=seed
        )
    if method == OPTUNA_GP:
        # Needs torch, which the bench-gp extra does not pull in (see docs/benchmarks.md).
        return optuna.samplers.GPSampler(seed=seed)
    raise ValueError(f"{method!r} is not an Optuna method.")


def available_methods(requested: Sequence[str] | None = None) -> tuple[list[str], list[str]]:
    """``(available, missing)`` among ``requested`` (keys or display names; all if empty)."""
    names = [METHOD_KEYS.get(m, m) for m in requested] if requested else list(ALL_METHODS)
    unknown = [m for m in names if m not in ALL_METHODS]
    if unknown:
        raise ValueError(f"Unknown methods {unknown}; choose from {sorted(METHOD_KEYS)}.")
    missing = [m for m in names if m == OURS_TPE and ours_tpe_class() is None]
    if OPTUNA_GP in names and not _has_torch():
        missing.append(OPTUNA_GP)
    return [m for m in names if m not in missing], missing


def _has_torch() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def quiet_peers() -> None:
    """Silence Optuna's per-trial logging and experimental-feature warnings, and hyperopt's logs."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    logging.getLogger("hyperopt").setLevel(logging.WARNING)


# ---------------------------------------------------------------------------
# Environment stamp
# ---------------------------------------------------------------------------
def _git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "skopt_hp"],
            cwd=HERE.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev + ("+dirty (skopt_hp/ has uncommitted changes)" if dirty else "")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def environment() -> dict[str, Any]:
    """Versions, machine, date and the exact command, for the results' header."""
    import hyperopt
    import numpy
    import optuna
    import scipy
    import sklearn

    import skopt_hp

    return {
        "command": "python " + shlex.join(sys.argv),
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "skopt_hp": f"{skopt_hp.__version__} (git {_git_revision()})",
        "skopt_hp TPESampler": "available" if ours_tpe_class() else "NOT AVAILABLE",
        "hyperopt": hyperopt.__version__,
        "optuna": optuna.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {_cpu_model()}",
        "nproc": os.cpu_count(),
        "load average at start (1, 5, 15 min)": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def environment_markdown(env: dict[str, Any]) -> str:
    """The stamp as a Markdown bullet list, the command in a code span."""
    lines = [f"- command: `{env['command']}`"]
    lines += [f"- {key}: {value}" for key, value in env.items() if key != "command"]
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Markdown and output
# ---------------------------------------------------------------------------
def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table; the first column left-aligned, the others right."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [
            row[i].ljust(widths[i]) if i == 0 else row[i].rjust(widths[i]) for i in range(len(row))
        ]
        return "| " + " | ".join(parts) + " |"

    rule = (
        "|"
        + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":" for i, w in enumerate(widths))
        + "|"
    )
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def fmt(value: float | None, digits: int = 4) -> str:
    """``value`` with ``digits`` significant digits, or an em dash for missing values."""
    if value is None or value != value:  # None or NaN
        return "—"
    return f"{value:.{digits}g}"


def write_results(stem: str, markdown: str, data: dict[str, Any]) -> tuple[Path, Path]:
    """Write ``results/<stem>.md`` and ``results/<stem>.json``; return both paths."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    md_path, json_path = RESULTS / f"{stem}.md", RESULTS / f"{stem}.json"
    md_path.write_text(markdown.rstrip() + "\n")
    json_path.write_text(json.dumps(data, indent=1, default=_json_default) + "\n")
    return md_path, json_path


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"Not JSON serialisable: {type(obj).__name__}")


def log(message: str) -> None:
    """Progress messages go to stderr so stdout carries only the Markdown report."""
    print(message, file=sys.stderr, flush=True)
