"""A process killed with SIGKILL while checkpointing: the file stays valid, nothing saved is lost.

fmin runs in a child process (``_sigkill_child.py``) appending a line to its
trials journal after every trial; the test kills it with SIGKILL several
times, restarting it on the same file each time: half of the kills at random
moments, half the instant the file grows (an append is under way or just
done), which is where a kill can leave a torn last line. After every kill the
file must load (a torn last line dropped with a warning, never an error), keep
every trial it held before, and lack at most the one trial that was in flight.
Each restart resumes from the file and compacts it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from _reliability_helpers import COUNTS

from skopt_hp import Trials, hp
from skopt_hp._journal import TornJournalWarning

CHILD = Path(__file__).with_name("_sigkill_child.py")
SPACE = {"x": hp.uniform("x", -5, 5), "c": hp.choice("c", ["a", "b"])}
N_KILLS = 8

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")


def _start(path: Path, log: Path, max_evals: int, seed: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(path), str(log), str(max_evals), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    return proc


def _evaluations(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _wait_for_a_write(path: Path, limit: float) -> None:
    """Return as soon as the file grows (an append began)."""
    start, deadline = _size(path), time.monotonic() + limit
    while time.monotonic() < deadline and _size(path) == start:
        pass


def _load(path: Path) -> tuple[Trials, bool]:
    """The trials in the file, and whether a torn last line was dropped."""
    if not path.exists():
        return Trials(), False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trials = Trials.load(path, SPACE)
    assert all(issubclass(w.category, TornJournalWarning) for w in caught), caught
    return trials, bool(caught)


def test_sigkill_at_random_moments_never_corrupts_the_file_nor_loses_saved_trials(tmp_path):
    rng = np.random.default_rng(8)
    path, log = tmp_path / "trials.json", tmp_path / "evaluations.log"
    saved: list[dict] = []  # the trials in the file, in order, after the previous kill
    in_flight_lost = 0
    for kill in range(N_KILLS):
        evaluated_before = _evaluations(log)
        proc = _start(path, log, 10_000, seed=kill)
        time.sleep(rng.uniform(0.1, 1.0))
        if kill % 2:
            _wait_for_a_write(path, limit=5.0)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        assert proc.returncode == -signal.SIGKILL
        # The file always loads (or is absent before the first run): at worst its last line,
        # the one being appended, is torn and dropped.
        trials, torn = _load(path)
        assert trials.tids == list(range(len(trials)))
        # Nothing saved before is lost...
        assert [t.params for t in trials.records[: len(saved)]] == saved
        # ... and at most the trial in flight (evaluated, not yet saved) is missing.
        evaluated = _evaluations(log) - evaluated_before
        lost = len(saved) + evaluated - len(trials)
        assert 0 <= lost <= 1
        in_flight_lost += lost
        if torn:
            # The kill landed inside an append: the torn line is the trial in flight.
            COUNTS["SIGKILLs that landed inside a checkpoint write"] += 1
        saved = [t.params for t in trials.records]
        COUNTS["SIGKILLs during a checkpointing fmin"] += 1
    assert len(saved) > N_KILLS  # the runs did make progress between kills
    # A last run, not killed, completes the search from the file.
    proc = _start(path, log, len(saved) + 5, seed=N_KILLS)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    final, torn = _load(path)
    assert not torn
    assert final.tids == list(range(len(saved) + 5))
    assert [t.params for t in final.records[: len(saved)]] == saved
    COUNTS["in-flight trials lost to SIGKILL"] += in_flight_lost
