#!/usr/bin/env bash
# Creates ./.venv (once) and installs skopt_hp in editable mode with the extras in $EXTRAS.
# Re-running is cheap: the install is skipped while pyproject.toml and EXTRAS are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
EXTRAS=${EXTRAS:-all}
if [ ! -x .venv/bin/python ]; then
    echo "Creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
fi
stamp=".venv/.skopt_hp-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1) $EXTRAS"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "Installing skopt_hp[$EXTRAS] into .venv (first run takes a few minutes)"
    # The filter drops pip's harmless warnings about absent local indexes; with
    # pipefail, a failing pip still fails the script.
    quiet() { grep -v "is ignored: it is neither a file nor a directory" || true; }
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip 2>&1 | quiet
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[${EXTRAS}]" 2>&1 | quiet
    .venv/bin/python -c "import skopt_hp" # fail here, not later, when the install did not work
    echo "$want" > "$stamp"
fi
