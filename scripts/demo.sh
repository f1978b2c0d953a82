#!/usr/bin/env bash
# Quick start 1: set everything up, then run the main job (a real tuning run on bundled data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python examples/model_selection.py "$@"
