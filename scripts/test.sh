#!/usr/bin/env bash
# Quick start 2: set everything up, then run the whole test suite (2 workers).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check skopt_hp tests examples benchmarks
exec .venv/bin/python -m pytest -n 2 --dist loadgroup "$@"
