"""Plot a search: history, parallel coordinates, parameter importances and slices.

A pipeline (a scaler, then a classifier) is tuned with ``HyperoptSearchCV`` on
scikit-learn's bundled breast-cancer data. The classifier is an ``hp.choice``
between logistic regression and an RBF support-vector machine, each with its
own parameters, so the plots show conditional parameters too. The four plots of
:mod:`skopt_hp.plot` are saved as PNG files in ``example_output/`` under the current
directory (git-ignored), or in the directory given with ``--out-dir``.

Run: ``python examples/plotting.py [--out-dir DIR]`` (needs ``pip install "skopt_hp[plot]"``).
``SKOPT_HP_EXAMPLE_SMALL=1`` shrinks the search for CI.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import SVC

from skopt_hp import HyperoptSearchCV, hp
from skopt_hp.plot import (
    param_importances,
    plot_optimization_history,
    plot_parallel_coordinates,
    plot_param_importances,
    plot_slice,
)

SMALL = os.environ.get("SKOPT_HP_EXAMPLE_SMALL") == "1"
DPI = 100


def search_space():
    """A choice of classifier; the scaler, shared by both branches, is always active."""
    scaler = hp.choice("scaler", [StandardScaler(), MinMaxScaler()])
    return hp.choice(
        "model",
        [
            {
                "scale": scaler,
                "clf": LogisticRegression(max_iter=5_000),
                "clf__C": hp.loguniform("logreg_C", np.log(1e-4), np.log(1e2)),
            },
            {
                "scale": scaler,
                "clf": SVC(),
                "clf__C": hp.loguniform("svc_C", np.log(1e-2), np.log(1e3)),
                "clf__gamma": hp.loguniform("svc_gamma", np.log(1e-5), np.log(1e1)),
            },
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out-dir", type=Path, default=Path("example_output"), help="where the PNGs go"
    )
    out_dir = parser.parse_args().out_dir
    out_dir.mkdir(parents=True, exist_ok=True)

    X, y = load_breast_cancer(return_X_y=True)
    pipeline = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    search = HyperoptSearchCV(
        pipeline,
        search_space(),
        n_iter=10 if SMALL else 80,
        cv=3 if SMALL else 5,
        scoring="roc_auc",
        n_jobs=1 if SMALL else 2,
        random_state=0,
    )
    search.fit(X, y)
    print(f"best ROC AUC {search.best_score_:.4f} with {search.best_params_}")

    importances = param_importances(search)
    print("importances: " + ", ".join(f"{k}={v:.2f}" for k, v in importances.items()))

    figures = {
        "plot_history.png": plot_optimization_history(search).figure,
        "plot_parallel_coordinates.png": plot_parallel_coordinates(search).figure,
        "plot_param_importances.png": plot_param_importances(search).figure,
        "plot_slice.png": plot_slice(search),
    }
    for name, fig in figures.items():
        fig.savefig(out_dir / name, dpi=DPI)
        plt.close(fig)
        print(f"wrote {out_dir / name}")


if __name__ == "__main__":
    main()
