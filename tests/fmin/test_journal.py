"""The trial journal behind ``trials_save_file`` and ``Trials.save``: crashes, locks, formats.

A journal is a header line and one JSON line per finished trial, appended as
trials finish (skopt_hp/_journal.py). These tests tear its last line as a crash
would, kill a process writing it, run a second writer against it, reopen it,
read files of the first (whole-file) format kept under tests/fmin/data/, and
measure the bytes each trial adds.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import skopt_hp._journal as journal_module
from skopt_hp import Trials, TrialState, fmin, hp
from skopt_hp._journal import JournalLockedError, TornJournalWarning
from skopt_hp._persist import (
    JOURNAL_FORMAT_NAME,
    RunJournal,
    compact_journal,
    load_trials,
    save_trials,
)
from skopt_hp.space import SearchSpace

DATA = Path(__file__).with_name("data")
SPACE = {"x": hp.uniform("x", -5, 5), "c": hp.choice("c", ["a", "b"])}
POSIX = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")


def quadratic(point):
    return (point["x"] - 1) ** 2


def run(path, max_evals, seed=0, trials=None, **kwargs):
    return fmin(quadratic, SPACE, algo="rand", max_evals=max_evals, trials=trials,
                rstate=np.random.default_rng(seed), show_progressbar=False,
                trials_save_file=str(path), **kwargs)


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def load_quietly(path: Path, space=SPACE) -> tuple[Trials, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trials = load_trials(path, space)
    return trials, caught


# -- the file ------------------------------------------------------------------------
def test_one_line_per_finished_trial_after_a_header(tmp_path):
    path = tmp_path / "t.jsonl"
    trials = Trials()
    run(path, 6, trials=trials)
    head, *events = [json.loads(line) for line in lines(path)]
    assert head["format"] == JOURNAL_FORMAT_NAME and head["version"] == 1
    assert head["space"]["labels"] == ["x", "c"]
    assert [e["event"] for e in events] == ["finished"] * 6
    assert [e["trial"]["tid"] for e in events] == list(range(6))
    assert [e["trial"]["params"] for e in events] == [t.params for t in trials.records]
    assert path.read_bytes().endswith(b"\n")


def test_bytes_written_per_trial_do_not_grow_with_the_number_of_trials(tmp_path):
    """The file grows by one line per trial: size(2k) - size(k) == size(k) - header, about."""
    path = tmp_path / "t.jsonl"
    sizes, n_lines = [], []

    def measure(trials, *args):
        sizes.append(path.stat().st_size)
        n_lines.append(len(lines(path)))
        return False, args

    k = 150
    run(path, 2 * k, early_stop_fn=measure)
    header = len(lines(path)[0])
    assert n_lines == list(range(2, 2 * k + 2))  # each trial appended exactly one line
    first, second = sizes[k - 1] - header, sizes[2 * k - 1] - sizes[k - 1]
    assert abs(second - first) <= 0.02 * first, (first, second)
    steps = np.diff(sizes)
    assert steps.max() <= 1.2 * steps.mean()  # every line costs about the same


# -- crashes -------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["cut in the middle", "zeros (power loss)", "only the newline"])
def test_a_torn_last_line_is_dropped_with_a_warning_and_the_rest_kept(tmp_path, damage):
    path = tmp_path / "t.jsonl"
    run(path, 6)
    content = lines(path)
    last = content[-1]
    if damage == "cut in the middle":
        content[-1] = last[: len(last) // 2]
    elif damage == "zeros (power loss)":
        content[-1] = b"\0" * len(last)
    else:  # the whole JSON made it, the newline did not: nothing is lost
        content[-1] = last[:-1]
    path.write_bytes(b"".join(content))

    trials, caught = load_quietly(path)
    if damage == "only the newline":
        assert caught == [] and trials.tids == list(range(6))
        return
    assert trials.tids == list(range(5))
    assert [w.category for w in caught] == [TornJournalWarning]
    message = str(caught[0].message)
    assert message.startswith(f"{path}: dropped the incomplete last line 7")

    # Resuming drops it too, compacts the file, and the search completes.
    resumed = Trials()
    with pytest.warns(TornJournalWarning):
        run(path, 9, seed=1, trials=resumed)
    assert resumed.tids == list(range(9))
    after, caught = load_quietly(path)
    assert caught == [] and after.tids == list(range(9))


def _edit_line(path: Path, index: int, edit) -> None:
    content = lines(path)
    doc = json.loads(content[index])
    edited = edit(doc)
    content[index] = (edited if isinstance(edited, str) else json.dumps(doc)).encode() + b"\n"
    path.write_bytes(b"".join(content))


def _set(keys, value):
    def edit(doc):
        node = doc
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return edit


def _drop(key):
    return lambda doc: doc.pop(key) and None


JOURNAL_TAMPERINGS = [
    ("garbled middle line", 3, lambda doc: '{"event": "finished", "trial": {"tid": 2,',
     r"line 4: invalid JSON at column \d+"),
    ("not UTF-8", 2, None, "line 3: not UTF-8"),  # bytes written by the test itself
    ("blank line", 2, lambda doc: "", "line 3: invalid JSON"),
    ("unknown event", 2, _set(["event"], "started"), "line 3: unknown event 'started'"),
    ("missing trial", 2, _drop("trial"), r"line 3: the event has missing key\(s\) \['trial'\]"),
    ("bad state", 1, _set(["trial", "state"], "RUNNING"),
     r"line 2 \(tid 0\)\.state must be one of"),
    ("string param", 1, _set(["trial", "params", "x"], "1"),
     r"line 2 \(tid 0\)\.params\['x'\] must be a number, not a string"),
    ("duplicate tid", 4, _set(["trial", "tid"], 1),
     r"line 5: the tid 1 appears more than once \(first on line 3\)"),
    ("header version", 0, _set(["version"], 2), "line 1: unsupported journal version 2"),
    ("header extra key", 0, _set(["trials"], []), r"unknown key\(s\) \['trials'\]"),
    ("edited fingerprint", 0, _set(["space", "fingerprint"], "0" * 64),
     "line 1: 'space.fingerprint' does not match"),
    ("NaN literal", 1, lambda doc: json.dumps(doc).replace('"loss": ', '"loss": NaN, "y": '),
     "line 2: the JSON holds the non-standard constant 'NaN'"),
    ("repeated key", 1, lambda doc: json.dumps(doc).replace('"tid": 0', '"tid": 0, "tid": 0'),
     "line 2: an object holds the key 'tid' twice"),
]


@pytest.mark.parametrize(("how", "index", "edit", "expected"), JOURNAL_TAMPERINGS,
                         ids=[t[0] for t in JOURNAL_TAMPERINGS])
def test_a_damaged_line_before_the_last_is_an_error_naming_the_file_and_line(
    tmp_path, how, index, edit, expected
):
    path = tmp_path / "t.jsonl"
    run(path, 6)
    if how == "not UTF-8":
        content = lines(path)
        content[index] = b'{"event": "\xff"}\n'
        path.write_bytes(b"".join(content))
    else:
        _edit_line(path, index, edit)
    target = Trials()
    with pytest.raises(ValueError, match=expected) as info:
        load_trials(path, SPACE, target)
    assert str(info.value).startswith(f"{path}: ")
    assert len(target) == 0
    calls = []
    with pytest.raises(ValueError):  # fmin refuses it before evaluating anything
        fmin(lambda p: calls.append(p) or 0.0, SPACE, max_evals=8, trials_save_file=str(path),
             show_progressbar=False)
    assert calls == []


CHILD = Path(__file__).parents[1] / "reliability" / "_sigkill_child.py"


def _child(path: Path, log: Path, max_evals: int, seed: int = 0) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(path), str(log), str(max_evals), str(seed)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    return proc


def _wait_for_lines(path: Path, n: int, proc: subprocess.Popen, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not (path.exists() and len(lines(path)) >= n):
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the child wrote too few trials"
        time.sleep(0.01)


@POSIX
def test_sigkill_loses_no_recorded_trial_and_the_search_resumes(tmp_path):
    path, log = tmp_path / "t.jsonl", tmp_path / "evaluations.log"
    proc = _child(path, log, 100_000)
    _wait_for_lines(path, 6, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    evaluated = len(log.read_text().splitlines())
    trials, caught = load_quietly(path)
    assert all(w.category is TornJournalWarning for w in caught)
    assert trials.tids == list(range(len(trials)))
    assert evaluated - 1 <= len(trials) <= evaluated  # at most the trial in flight is missing
    kept = [t.params for t in trials.records]

    resumed = Trials()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TornJournalWarning)
        fmin(quadratic, SPACE, algo="tpe", max_evals=len(kept) + 4, trials=resumed, rstate=1,
             trials_save_file=str(path), show_progressbar=False)
    assert resumed.tids == list(range(len(kept) + 4))
    assert [t.params for t in resumed.records[: len(kept)]] == kept


# -- one writer at a time -------------------------------------------------------------
@POSIX
def test_a_second_writer_in_another_process_is_refused_naming_the_file(tmp_path):
    path, log = tmp_path / "t.jsonl", tmp_path / "evaluations.log"
    proc = _child(path, log, 100_000)
    try:
        _wait_for_lines(path, 3, proc)
        calls = []
        locked = re.escape(f"{path}: the trials file is locked")
        with pytest.raises(JournalLockedError, match=locked):
            fmin(lambda p: calls.append(p) or 0.0, SPACE, max_evals=100_000,
                 trials_save_file=str(path), show_progressbar=False)
        assert calls == []
        with pytest.raises(JournalLockedError, match=re.escape(str(path))):
            Trials().save(path)  # replacing the file under the run is refused too
        assert proc.poll() is None  # the first writer was not disturbed
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    # The lock died with its process: the file resumes.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TornJournalWarning)
        before = load_trials(path, SPACE)
        resumed = Trials()
        run(path, len(before) + 2, trials=resumed)
    assert resumed.tids == list(range(len(before) + 2))


def test_a_second_writer_in_this_process_is_refused(tmp_path):
    path = tmp_path / "t.jsonl"
    refused = []

    def objective(point):
        if not refused:
            with pytest.raises(JournalLockedError) as info:
                run(path, 3)
            refused.append(str(info.value))
            with pytest.raises(JournalLockedError):
                save_trials(Trials(), path)
        return quadratic(point)

    fmin(objective, SPACE, algo="rand", max_evals=4, rstate=0, show_progressbar=False,
         trials_save_file=str(path))
    assert refused and refused[0].startswith(f"{path}: ")
    assert load_trials(path, SPACE).tids == [0, 1, 2, 3]
    run(path, 5)  # released at the end of the run
    assert load_trials(path, SPACE).tids == [0, 1, 2, 3, 4]


@pytest.mark.skipif(journal_module.fcntl is None, reason="no file locks on this platform")
def test_a_lock_released_within_the_grace_is_waited_for(tmp_path):
    """A lock that outlives its writer for a moment (a child forked while the file was open
    holds a copy of its descriptor until it execs) does not refuse the next writer."""
    path = tmp_path / "t.jsonl"
    run(path, 2)
    held = os.open(path, os.O_RDONLY)  # a copy of the lock, as a forked child would hold
    journal_module.fcntl.flock(held, journal_module.fcntl.LOCK_EX)
    releaser = threading.Timer(0.2, os.close, (held,))
    start = time.monotonic()
    releaser.start()
    run(path, 3)
    releaser.join()
    assert 0.15 < time.monotonic() - start
    assert load_trials(path, SPACE).tids == [0, 1, 2]


def test_a_file_changed_after_the_resume_is_not_overwritten(tmp_path):
    path = tmp_path / "t.jsonl"
    run(path, 3)
    compiled = SearchSpace(SPACE)
    trials = Trials()
    journal = RunJournal(str(path), compiled, trials)  # resumes: reads the file
    assert trials.tids == [0, 1, 2]
    other = Trials()
    run(tmp_path / "other.jsonl", 5, trials=other)
    save_trials(other, path)  # another writer, between the resume and the run
    with pytest.raises(JournalLockedError, match="changed by another writer"):
        with journal:
            pass
    assert load_trials(path, SPACE).tids == [0, 1, 2, 3, 4]


# -- reopening -----------------------------------------------------------------------
def test_reopen_and_continue_keeps_counts_tids_and_best(tmp_path):
    path = tmp_path / "t.jsonl"
    first = Trials()
    run(path, 5, trials=first)
    resumed = Trials()
    best = run(path, 12, seed=1, trials=resumed)
    assert len(resumed) == 12 and resumed.tids == list(range(12))
    assert [t.params for t in resumed.records[:5]] == [t.params for t in first.records]
    assert best == resumed.argmin
    on_disk = load_trials(path, SPACE)
    assert on_disk.tids == list(range(12)) and on_disk.argmin == resumed.argmin
    assert len(lines(path)) == 13
    # A third run with max_evals already reached evaluates nothing and changes nothing.
    before = path.read_bytes()
    run(path, 12, seed=2)
    assert path.read_bytes() == before


def test_reopening_compacts_the_file(tmp_path):
    """Lines of trials dropped from memory (here: edited out) are not carried on."""
    path = tmp_path / "t.jsonl"
    trials = Trials()
    run(path, 4, trials=trials)
    # Trials given to fmin replace the file's content, as before the journal.
    mine = Trials()
    run(tmp_path / "other.jsonl", 2, trials=mine)
    run(path, 3, trials=mine)
    assert load_trials(path, SPACE).tids == [0, 1, 2] and len(lines(path)) == 4
    # compact_journal drops a torn tail and sorts by tid.
    with open(path, "ab") as fh:
        fh.write(b'{"event": "finished", "tr')
    with pytest.warns(TornJournalWarning):
        assert compact_journal(path, SPACE) == 3
    assert lines(path)[-1].endswith(b"\n") and len(lines(path)) == 4
    assert load_quietly(path)[1] == []


def test_save_and_load_methods_write_a_compacted_journal(tmp_path):
    trials = Trials()
    fmin(quadratic, SPACE, algo="rand", max_evals=5, trials=trials, rstate=0,
         show_progressbar=False)
    running = trials.new_trial({"x": 0.0, "c": 0})
    trials.start(running)
    path = tmp_path / "saved.jsonl"
    trials.save(path)
    assert len(lines(path)) == 6  # header + the 5 finished trials
    assert Trials.load(path, SPACE).tids == [0, 1, 2, 3, 4]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["saved.jsonl"]


# -- the fsync policy ----------------------------------------------------------------
@pytest.mark.parametrize("interval", [0, None, 0.05])
def test_fsync_policy(tmp_path, monkeypatch, interval):
    path = tmp_path / "t.jsonl"
    synced = []
    real_fsync = os.fsync

    def counting_fsync(fd):
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(journal_module, "FSYNC_INTERVAL", interval)
    monkeypatch.setattr(journal_module.os, "fsync", counting_fsync)
    n = 20
    run(path, n)
    monkeypatch.undo()
    # Compaction: the new file and its directory; the end of the run: the file.
    if interval == 0:
        assert len(synced) >= n + 2  # every trial
    elif interval is None:
        assert len(synced) == 3  # only when the file was written whole and closed
    else:
        assert 3 <= len(synced) <= n + 3
    alive = [t for t in threading.enumerate() if t.name == "skopt_hp-journal-fsync"]
    assert alive == []  # the fsync thread ends with the run
    assert load_trials(path, SPACE).tids == list(range(n))


def test_the_fsync_thread_syncs_a_trial_without_waiting_for_the_next(tmp_path, monkeypatch):
    """With the interval policy a lone trial reaches the disk though no other trial follows."""
    path = tmp_path / "t.jsonl"
    synced = threading.Event()
    real_fsync = os.fsync
    compiled = SearchSpace(SPACE)
    trials = Trials()
    trials.bind(compiled)
    monkeypatch.setattr(journal_module, "FSYNC_INTERVAL", 0.01)
    with RunJournal(str(path), compiled, trials) as journal:
        monkeypatch.setattr(journal_module.os, "fsync",
                            lambda fd: (real_fsync(fd), synced.set())[0])
        trial = trials.new_trial({"x": 0.5, "c": 1})
        trials.start(trial)
        trials.complete(trial, {"status": "ok", "loss": 0.25})
        journal.append([trial])
        assert synced.wait(30)  # from the background thread, while the run goes on
    monkeypatch.undo()


# -- the first format ----------------------------------------------------------------
def _persist_space() -> SearchSpace:
    """The space of tests/fmin/data/trials_v1.json (``_space`` of test_persist.py)."""
    return SearchSpace({
        "model": hp.choice("model", [
            {"kind": "linear", "C": hp.loguniform("C", -3, 3)},
            {"kind": "tree", "depth": hp.randint("depth", 1, 8)},
        ]),
        "lr": hp.uniform("lr", 0.0, 1.0),
        "n": hp.uniformint("n", 1, 10),
        "q": hp.quniform("q", 0, 10, 1),
    })


def test_a_file_of_the_first_format_still_loads():
    path = DATA / "trials_v1.json"
    assert json.loads(path.read_text())["format"] == "skopt_hp.trials"  # the old format
    trials = load_trials(path, _persist_space())
    assert [t.tid for t in trials.records] == list(range(7))
    assert [t.state for t in trials.records] == [TrialState.DONE] * 4 + [
        TrialState.ERROR, TrialState.CANCEL, TrialState.DONE]
    losses = [t.result.get("loss") for t in trials.records]
    assert losses[0] == 0.25 and math.isnan(losses[1]) and losses[2:4] == [math.inf, -math.inf]
    assert trials.records[4].result["failure"]["message"] == "boom"
    assert trials.records[6].result["nested"] == {"a": [1, 2.5, None, "x"], "b": {"c": True}}
    assert Trials.load(path).labels == _persist_space().labels


def test_fmin_resuming_from_the_first_format_migrates_it_to_a_journal(tmp_path):
    path = tmp_path / "old.json"
    shutil.copy(DATA / "fmin_v1.json", path)
    old = load_trials(path, SPACE)
    assert old.tids == list(range(5))
    resumed = Trials()
    run(path, 8, seed=3, trials=resumed)
    assert resumed.tids == list(range(8))
    assert [t.params for t in resumed.records[:5]] == [t.params for t in old.records]
    assert [t.result for t in resumed.records[:5]] == [t.result for t in old.records]
    head = json.loads(lines(path)[0])
    assert head["format"] == JOURNAL_FORMAT_NAME and len(lines(path)) == 9
    assert load_trials(path, SPACE).tids == list(range(8))


def test_compact_journal_converts_the_first_format(tmp_path):
    path = tmp_path / "old.json"
    shutil.copy(DATA / "trials_v1.json", path)
    assert compact_journal(path) == 7
    assert json.loads(lines(path)[0])["format"] == JOURNAL_FORMAT_NAME
    converted = load_trials(path, _persist_space())
    original = load_trials(DATA / "trials_v1.json", _persist_space())
    assert converted.tids == original.tids
    assert [t.params for t in converted.records] == [t.params for t in original.records]
    with pytest.raises(FileNotFoundError, match="no such file"):
        compact_journal(tmp_path / "missing.jsonl")


# -- the line encoder ------------------------------------------------------------------
def _finished_trial(params, result, state=TrialState.DONE, tid=7):
    from skopt_hp._trials import Trial

    trial = Trial(tid=tid, params=params, state=state, result=result)
    trial.book_time = trial.refresh_time = None
    if tid % 2:
        import datetime as dt

        trial.book_time = dt.datetime(2026, 1, 2, 3, 4, 5, 123000)
        trial.refresh_time = dt.datetime(2026, 1, 2, 3, 4, 6)
    return trial


class _Weird:
    def __repr__(self):
        return "<weird é>"


@pytest.mark.parametrize(
    "params, result",
    [
        ({"x": 0.5, "c": 1}, {"status": "ok", "loss": 0.25}),
        ({"x": -0.0, "c": 0}, {"loss": 1e-300, "status": "ok", "extra": 3, "flag": True}),
        ({"x": np.float64(2.5), "c": np.int64(1)}, {"status": "ok", "loss": np.float64(1.5)}),
        ({"x": 1.0}, {"status": "ok", "loss": float("nan")}),
        ({"x": 1.0}, {"status": "ok", "loss": float("-inf"), "note": None}),
        ({"x": 1.0}, {"status": "fail", "failure": {"type": "ValueError", "message": "é\ud800"}}),
        ({"x": 1.0}, {"status": "ok", "loss": 1, "arr": np.arange(3), "t": (1, 2.5)}),
        ({"x": 1.0}, {"__float__": "nan"}),
        ({"x": 1.0}, {"__dict__": 1}),
        ({"x": 1.0}, {1: "int key", "obj": _Weird(), "s": {1, 2}}),
        ({"x": 1.0}, {"status": "ok", "loss": 2.0, "nested": {"a": [1, {"b": float("inf")}]}}),
        ({"x": 1.0}, {"status": "ok", "loss": 2.0, "big": 10**30, "bool_": np.bool_(True)}),
        ({}, {"status": "ok", "loss": 0.0}),
        ({"lé\u2603": 3.0}, {"status": "ok", "loss": 0.0, "clé": "välue"}),
    ],
)
def test_the_journal_line_of_a_trial_is_the_json_of_its_record(params, result):
    """The fast line encoder writes exactly the bytes of json.dumps over the trial's record."""
    from skopt_hp._persist import _event_line, _reference_event_line

    for state, tid in ((TrialState.DONE, 7), (TrialState.ERROR, 8), (TrialState.CANCEL, 9)):
        trial = _finished_trial(dict(params), dict(result), state, tid)
        line = _event_line(trial)
        assert line == _reference_event_line(trial)
        assert line.endswith(b"\n") and line.count(b"\n") == 1
        json.loads(line)  # and it is JSON


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True, "1.0", None])
def test_the_journal_line_encoder_rejects_what_cannot_be_a_parameter(value):
    from skopt_hp._persist import _event_line, _reference_event_line

    trial = _finished_trial({"x": value}, {"status": "ok", "loss": 1.0})
    with pytest.raises(ValueError, match="parameter 'x'") as fast:
        _event_line(trial)
    with pytest.raises(ValueError, match="parameter 'x'") as general:
        _reference_event_line(trial)
    assert str(fast.value) == str(general.value)
