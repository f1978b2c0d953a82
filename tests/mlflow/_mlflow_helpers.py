"""Shared by the MLflow tests: when to skip, and reading runs back from the store."""

from __future__ import annotations

import importlib.util

import pytest

SKIP_REASON = (
    None
    if importlib.util.find_spec("mlflow") is not None
    else 'mlflow is not installed (pip install "skopt_hp[mlflow]")'
)

#: Every MLflow test module: grouped on one xdist worker (``--dist loadgroup``) so that they
#: share one SQLite store, whose creation costs ~3 s; skipped without the extra.
requires_mlflow = [
    pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or ""),
    pytest.mark.xdist_group("mlflow"),
    # Raised inside MLflow 3.17 by its own dependencies (SQLAlchemy, pandas 3, scikit-learn
    # 1.9 under mlflow.sklearn.autolog): nothing skopt_hp calls or can change.
    pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated"),
    pytest.mark.filterwarnings("ignore:Operation with range is deprecated"),
    pytest.mark.filterwarnings("ignore:`y_pred` was renamed to `y_proba`:FutureWarning"),
]


def all_runs(experiment_id: str):
    """Every run of the experiment, as MLflow's DataFrame."""
    import mlflow

    return mlflow.search_runs(experiment_ids=[experiment_id])


def parent_runs(experiment_id: str):
    """Runs of the experiment that are not nested under another run."""
    runs = all_runs(experiment_id)
    if "tags.mlflow.parentRunId" not in runs:
        return runs
    return runs[runs["tags.mlflow.parentRunId"].isna()]


def child_runs(experiment_id: str, parent_id: str):
    """Runs nested directly under ``parent_id``."""
    import mlflow

    return mlflow.search_runs(
        experiment_ids=[experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent_id}'",
    )


def logged_params(row, names=None) -> dict[str, str]:
    """The ``params.*`` values set in a search_runs row (NaN means not logged)."""
    out = {}
    for column, value in row.items():
        if column.startswith("params.") and isinstance(value, str):
            out[column[len("params.") :]] = value
    if names is not None:
        out = {k: v for k, v in out.items() if k in names}
    return out
