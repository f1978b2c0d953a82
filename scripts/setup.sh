#!/usr/bin/env bash
# Creates a virtual environment (./.venv unless VENV says otherwise) and installs skopt_hp in
# editable mode with the extras in $EXTRAS, under the pins of $CONSTRAINTS when set.
# Re-running is cheap: the install is skipped while pyproject.toml, EXTRAS and the
# constraints are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
EXTRAS=${EXTRAS:-all}
CONSTRAINTS=${CONSTRAINTS:-}
if [ ! -x "$VENV/bin/python" ]; then
    echo "Creating $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.skopt_hp-installed"
want="$(cat pyproject.toml ${CONSTRAINTS:+"$CONSTRAINTS"} | sha256sum | cut -d' ' -f1) $EXTRAS"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "Installing skopt_hp[$EXTRAS] into $VENV${CONSTRAINTS:+ under $CONSTRAINTS} (first run takes a few minutes)"
    # The filter drops pip's harmless warnings about absent local indexes; with
    # pipefail, a failing pip still fails the script.
    quiet() { grep -v "is ignored: it is neither a file nor a directory" || true; }
    pip=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
    "${pip[@]}" --upgrade pip 2>&1 | quiet
    # setuptools warns on every editable install that a folder named like the package in the
    # working directory may shadow it ("Editable installation."): here that folder is the
    # package itself, so the warning is noise. The filter (a message prefix) reaches the build
    # backend, which pip runs with this environment; other warnings still show.
    PYTHONWARNINGS="ignore:Editable installation" \
        "${pip[@]}" ${CONSTRAINTS:+-c "$CONSTRAINTS"} -e ".[${EXTRAS}]" 2>&1 | quiet
    "$VENV/bin/python" -c "import skopt_hp" # fail here, not later, when the install did not work
    echo "$want" > "$stamp"
fi
