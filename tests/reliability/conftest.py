"""Writes what the reliability tests counted, for docs/reliability.md (see count_guarantees.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from _reliability_helpers import COUNTS


@pytest.fixture(scope="session", autouse=True)
def _write_counts(request):
    yield
    worker_id = getattr(request.config, "workerinput", {}).get("workerid", "main")
    directory = os.environ.get("SKOPT_HP_RELIABILITY_COUNTS")
    if directory and COUNTS:
        path = Path(directory) / f"counts-{worker_id}.json"
        path.write_text(json.dumps(dict(COUNTS), indent=1, sort_keys=True))
