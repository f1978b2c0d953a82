"""Run tests/reliability and print what the tests counted, for docs/reliability.md.

Usage (from the repository root)::

    .venv/bin/python tests/reliability/count_guarantees.py [extra pytest arguments]

The tests add to ``_reliability_helpers.COUNTS`` as they inject faults, fuzz
inputs and check for lost trials; ``conftest.py`` writes one JSON file per
pytest(-xdist) worker, summed here. The numbers are therefore those of the run,
not written by hand; they only change when the tests change (every fuzzer is
seeded).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as directory:
        env = {**os.environ, "SKOPT_HP_RELIABILITY_COUNTS": directory}
        command = [sys.executable, "-m", "pytest", str(HERE), "-q", "-p", "no:cacheprovider", *argv]
        status = subprocess.call(command, env=env)
        totals: Counter[str] = Counter()
        for path in Path(directory).glob("counts-*.json"):
            totals.update(json.loads(path.read_text()))
    print("\n| what the tests counted | count |\n|---|---:|")
    for name in sorted(totals):
        print(f"| {name} | {totals[name]:,} |")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
