#!/usr/bin/env bash
# Quick start 2: set everything up, then run the whole test suite (2 workers).
#
# Two stages. First, everything (every extra, the peers) in ./.venv with the newest releases
# that resolve. Then the core tests (space, samplers, fmin, HyperoptSearchCV) in ./.venv-oldest
# against the oldest numpy, scipy, scikit-learn and joblib we support (requirements/oldest.txt):
# HyperoptSearchCV builds on scikit-learn's private BaseSearchCV, which changes between
# releases. Arguments go to the first stage's pytest; with arguments, the second stage is
# skipped (you are running a selection).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check skopt_hp tests examples benchmarks
.venv/bin/python -m pytest -n 2 --dist loadgroup "$@"
if [ "$#" -eq 0 ]; then
    VENV=.venv-oldest EXTRAS=test CONSTRAINTS=requirements/oldest.txt bash scripts/setup.sh
    .venv-oldest/bin/python -m pytest -n 2 --dist loadgroup \
        tests/space tests/samplers tests/fmin tests/search
fi
