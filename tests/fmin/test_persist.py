"""Saving and loading trials as JSON: round trips, safety, validation, atomic writes.

Files are written as journals (JSON lines, see tests/fmin/test_journal.py for
what is specific to them); the tampering table below edits files of the first,
whole-file format, which still load and are validated the same way.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
import scipy.stats
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

from skopt_hp import Trials, TrialState, hp, space_eval
from skopt_hp._persist import (
    FORMAT_NAME,
    FORMAT_VERSION,
    JOURNAL_FORMAT_NAME,
    JOURNAL_FORMAT_VERSION,
    MAX_DEPTH,
    load_trials,
    save_trials,
    space_fingerprint,
)
from skopt_hp.space import Distribution, SearchSpace


# -- helpers -------------------------------------------------------------------------
def _space() -> SearchSpace:
    return SearchSpace(
        {
            "model": hp.choice(
                "model",
                [
                    {"kind": "linear", "C": hp.loguniform("C", -3, 3)},
                    {"kind": "tree", "depth": hp.randint("depth", 1, 8)},
                ],
            ),
            "lr": hp.uniform("lr", 0.0, 1.0),
            "n": hp.uniformint("n", 1, 10),
            "q": hp.quniform("q", 0, 10, 1),
        }
    )


def _points(space: SearchSpace, n: int, seed: int = 0) -> list[dict]:
    return space.decode(space.sample(np.random.default_rng(seed), n))


def _mixed_trials(space: SearchSpace) -> Trials:
    """Trials covering every finished state, odd losses and extra result keys."""
    trials = Trials()
    trials.bind(space)
    points = _points(space, 9)
    outcomes = [
        {"status": "ok", "loss": 0.25, "accuracy": 0.75, "n_iter": 12, "tag": "a"},
        {"status": "ok", "loss": math.nan},
        {"status": "ok", "loss": math.inf, "converged": False},
        {"status": "ok", "loss": -math.inf},
        "fail",
        "cancel",
        {"status": "ok", "loss": 1, "nested": {"a": [1, 2.5, None, "x"], "b": {"c": True}}},
        "running",
        "new",
    ]
    for point, outcome in zip(points, outcomes, strict=True):
        trial = trials.new_trial(point)
        if outcome == "new":
            continue
        trials.start(trial)
        if outcome == "fail":
            trials.fail(
                trial,
                "boom",
                traceback='Traceback (most recent call last):\n  File "x.py"\nValueError: boom',
                exc_type="ValueError",
            )
        elif outcome == "cancel":
            trials.cancel(trial, "timeout")
        elif outcome != "running":
            trials.complete(trial, outcome)
    return trials


def _same(a, b) -> bool:
    """Deep equality where NaN equals NaN and int, float and bool are told apart."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def _assert_same_records(loaded: Trials, original: Trials) -> None:
    finished = [t for t in original.records if t.is_finished]
    assert [t.tid for t in loaded.records] == [t.tid for t in finished]
    for new, old in zip(loaded.records, finished, strict=True):
        assert new.state == old.state
        assert _same(new.params, old.params), (new.params, old.params)
        assert _same(new.result, old.result), (new.result, old.result)
        assert new.book_time == old.book_time
        assert new.refresh_time == old.refresh_time


def _journal_lines(path: Path) -> list:
    """Every line of a journal, parsed strictly (no NaN literals)."""

    def refuse(name):
        raise AssertionError(f"non-standard constant {name}")

    text = path.read_bytes().decode("ascii")
    assert text.endswith("\n")
    return [json.loads(line, parse_constant=refuse) for line in text.splitlines()]


def _as_old_document(path: Path) -> dict:
    """A journal's content as a document of the first format (header fields + trials)."""
    head, *events = _journal_lines(path)
    assert head["format"] == JOURNAL_FORMAT_NAME and head["version"] == JOURNAL_FORMAT_VERSION
    assert all(e["event"] == "finished" for e in events)
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "space": head["space"],
        "trials": [e["trial"] for e in events],
    }


def _write(path: Path, doc) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _saved_doc(tmp_path: Path) -> tuple[SearchSpace, dict]:
    space = _space()
    path = tmp_path / "good.json"
    save_trials(_mixed_trials(space), path)
    return space, _as_old_document(path)


# -- round trips ---------------------------------------------------------------------
def test_round_trip_keeps_finished_records(tmp_path):
    space = _space()
    trials = _mixed_trials(space)
    path = tmp_path / "trials.json"
    save_trials(trials, path)

    loaded = load_trials(path, space)

    # RUNNING and NEW are not saved
    assert len(trials.records) == 9 and len(loaded.records) == 7
    _assert_same_records(loaded, trials)
    assert loaded.labels == space.labels
    assert [t.state for t in loaded.records] == [
        TrialState.DONE,
        TrialState.DONE,
        TrialState.DONE,
        TrialState.DONE,
        TrialState.ERROR,
        TrialState.CANCEL,
        TrialState.DONE,
    ]
    # Cached encodings are restored and agree with the space.
    for t in loaded.records:
        np.testing.assert_array_equal(t.z, space.encode([t.params])[0])
    # The best trial and hyperopt's views survive the trip.
    assert loaded.argmin == trials.argmin
    assert loaded.best_trial["tid"] == trials.best_trial["tid"]
    assert loaded.statuses() == [t.status for t in trials.records if t.state == TrialState.DONE]


def test_round_trip_types_ints_indices_and_special_losses(tmp_path):
    space = _space()
    trials = _mixed_trials(space)
    path = tmp_path / "trials.json"
    save_trials(trials, path)
    loaded = load_trials(path, space)

    for t in loaded.records:
        assert type(t.params["model"]) is int  # a choice *index*
        assert type(t.params["n"]) is int  # uniformint stays int
        assert type(t.params["lr"]) is float
        assert type(t.params["q"]) is float
        if "depth" in t.params:
            assert type(t.params["depth"]) is int
    losses = [t.result.get("loss") for t in loaded.records]
    assert losses[0] == 0.25 and math.isnan(losses[1])
    assert losses[2] == math.inf and losses[3] == -math.inf
    assert type(losses[6]) is int
    failure = loaded.records[4].result["failure"]
    assert failure == {
        "type": "ValueError",
        "message": "boom",
        "traceback": 'Traceback (most recent call last):\n  File "x.py"\nValueError: boom',
    }
    assert loaded.records[5].result["failure"]["message"] == "timeout"
    assert loaded.records[0].result["accuracy"] == 0.75
    assert loaded.records[2].result["converged"] is False
    # Only finite losses of ok trials count.
    assert [t.loss for t in loaded.records] == [0.25, None, None, None, None, None, 1.0]


def test_numpy_values_are_converted(tmp_path):
    space = SearchSpace({"x": hp.uniform("x", 0, 1), "k": hp.randint("k", 5)})
    trials = Trials()
    trial = trials.new_trial({"x": np.float64(0.5), "k": np.int64(3)})
    trials.complete(
        trial,
        {
            "status": "ok",
            "loss": np.float32(0.5),
            "n": np.int64(7),
            "flag": np.bool_(True),
            "scores": np.array([0.5, 0.25]),
            "matrix": np.arange(4).reshape(2, 2),
            "bad": np.float64("nan"),
            "name": np.str_("abc"),
        },
    )
    path = tmp_path / "np.json"
    save_trials(trials, path, space)
    loaded = load_trials(path, space).records[0]

    assert loaded.params == {"x": 0.5, "k": 3} and type(loaded.params["k"]) is int
    r = loaded.result
    assert type(r["loss"]) is float and r["loss"] == 0.5
    assert type(r["n"]) is int and r["n"] == 7
    assert r["flag"] is True
    assert r["scores"] == [0.5, 0.25]
    assert r["matrix"] == [[0, 1], [2, 3]]
    assert math.isnan(r["bad"])
    assert type(r["name"]) is str and r["name"] == "abc"


def test_unserialisable_result_values_become_repr_strings(tmp_path):
    trials = Trials()
    trial = trials.new_trial({"x": 0.1})
    trials.complete(
        trial,
        {
            "status": "ok",
            "loss": 1.0,
            "model": LogisticRegression(C=2.0),
            "tags": frozenset({"a"}),
            "pair": (1, 2.0),
            3: "int key",
        },
    )
    path = tmp_path / "objects.json"
    save_trials(trials, path)
    result = load_trials(path).records[0].result

    assert result["model"] == "LogisticRegression(C=2.0)"
    assert result["tags"] == "frozenset({'a'})"
    assert result["pair"] == [1, 2.0]
    assert result["3"] == "int key"


def test_estimator_inside_a_choice_is_saved_as_its_index(tmp_path):
    search = {"clf": hp.choice("clf", [LogisticRegression(C=3.0), SVC(kernel="rbf")])}
    space = SearchSpace(search)
    trials = Trials()
    trials.bind(space)
    for index, loss in ((0, 0.3), (1, 0.2)):
        t = trials.new_trial({"clf": index})
        trials.start(t)
        trials.complete(t, {"status": "ok", "loss": loss})
    path = tmp_path / "estimators.json"
    save_trials(trials, path)

    text = path.read_text(encoding="utf-8")
    assert "LogisticRegression" not in text and "SVC" not in text
    assert _as_old_document(path)["trials"][1]["params"] == {"clf": 1}

    # A fresh space built the same way (new estimator objects) loads the file.
    fresh = SearchSpace({"clf": hp.choice("clf", [LogisticRegression(C=3.0), SVC()])})
    loaded = load_trials(path, fresh)
    assert [t.params for t in loaded.records] == [{"clf": 0}, {"clf": 1}]
    assert isinstance(space_eval(fresh.space, loaded.argmin)["clf"], SVC)


def test_file_is_plain_json_without_pickle(tmp_path):
    space = _space()
    trials = _mixed_trials(space)
    trials.records[0].result["model"] = LogisticRegression()
    path = tmp_path / "plain.json"
    save_trials(trials, path)

    doc = _as_old_document(path)  # checks the journal's header and that it is strict JSON
    assert doc["space"]["labels"] == list(space.labels)
    assert doc["space"]["fingerprint"] == space_fingerprint(space)
    text = path.read_text(encoding="utf-8").lower()
    for marker in ("pickle", "py/object", "py/reduce", "__reduce__", "nan,", "infinity"):
        assert marker not in text
    assert {"__float__": "nan"} == doc["trials"][1]["result"]["loss"]
    # Times are ISO strings.
    assert dt.datetime.fromisoformat(doc["trials"][0]["book_time"]) == trials.records[0].book_time


def test_unbound_trials_save_no_space_and_load_with_or_without_one(tmp_path):
    space = _space()
    trials = Trials()
    for point in _points(space, 3):
        t = trials.new_trial(point)
        trials.complete(t, {"status": "ok", "loss": 1.0})
    path = tmp_path / "nospace.json"
    save_trials(trials, path)
    assert _journal_lines(path)[0]["space"] is None

    plain = load_trials(path)
    assert plain.labels == () and len(plain) == 3
    bound = load_trials(path, space)
    assert bound.labels == space.labels
    _assert_same_records(bound, trials)


def test_load_fills_given_trials_and_new_tids_continue(tmp_path):
    space = _space()
    trials = _mixed_trials(space)
    path = tmp_path / "t.json"
    save_trials(trials, path)

    target = Trials()
    assert load_trials(path, space, target) is target
    saved = [t.tid for t in target.records]
    assert saved == list(range(7))
    assert target.new_trial(_points(space, 1)[0]).tid == 7  # after the last saved tid

    with pytest.raises(ValueError, match="empty Trials"):
        load_trials(path, space, target)


def test_load_without_space_uses_the_space_the_trials_are_bound_to(tmp_path):
    space = _space()
    path = tmp_path / "t.json"
    save_trials(_mixed_trials(space), path)
    other = SearchSpace({"y": hp.uniform("y", 0, 1)})
    target = Trials()
    target.bind(other)
    with pytest.raises(ValueError, match="different search space"):
        load_trials(path, trials=target)
    assert len(target) == 0


def test_distribution_fingerprint_is_stable_and_specific():
    def make(scale):
        return SearchSpace({"d": Distribution("d", scipy.stats.norm(0, scale))})

    assert space_fingerprint(make(1)) == space_fingerprint(make(1))
    assert space_fingerprint(make(1)) != space_fingerprint(make(2))


def test_too_deep_result_values_are_replaced_when_saving(tmp_path):
    deep: list = []
    node = deep
    for _ in range(MAX_DEPTH + 10):
        node.append([])
        node = node[0]
    trials = Trials()
    t = trials.new_trial({"x": 0.5})
    trials.complete(t, {"status": "ok", "loss": 0.0, "deep": deep})
    path = tmp_path / "deep.json"
    save_trials(trials, path)
    value = load_trials(path).records[0].result["deep"]
    for _ in range(MAX_DEPTH - 1):
        value = value[0]
    assert isinstance(value, str) and "nested deeper" in value


# -- the space check -------------------------------------------------------------------
def test_fingerprint_mismatch_names_the_changed_parameter(tmp_path):
    space = SearchSpace({"x": hp.uniform("x", 0, 1), "k": hp.randint("k", 5)})
    trials = Trials()
    trials.bind(space)
    t = trials.new_trial({"x": 0.5, "k": 2})
    trials.complete(t, {"status": "ok", "loss": 1.0})
    path = tmp_path / "fp.json"
    save_trials(trials, path)

    wider = SearchSpace({"x": hp.uniform("x", 0, 2), "k": hp.randint("k", 5)})
    with pytest.raises(ValueError, match="recorded with a different search space") as info:
        load_trials(path, wider)
    message = str(info.value)
    assert str(path) in message and "'x'" in message and "hp.uniform('x', 0.0, 2.0)" in message

    renamed = SearchSpace({"y": hp.uniform("y", 0, 1), "k": hp.randint("k", 5)})
    with pytest.raises(ValueError, match="recorded with a different search space") as info:
        load_trials(path, renamed)
    message = str(info.value)
    assert "labels only in the file: ['x']" in message
    assert "labels only in the given space: ['y']" in message


# -- tampered files --------------------------------------------------------------------
def _edit(doc: dict, how: str) -> dict | str:
    trial = doc["trials"][0]
    if how == "wrong version":
        doc["version"] = 99
    elif how == "wrong format":
        doc["format"] = "hyperopt"
    elif how == "missing top key":
        del doc["trials"]
    elif how == "missing trial key":
        del trial["result"]
    elif how == "unknown trial key":
        trial["spec"] = {}
    elif how == "duplicate tids":
        doc["trials"][1]["tid"] = trial["tid"]
    elif how == "choice index outside the space":
        trial["params"]["model"] = 7
    elif how == "int outside the space":
        trial["params"]["n"] = 1.5
        trial["params"]["model"] = 1
        trial["params"].pop("C", None)
        trial["params"]["depth"] = 99
    elif how == "inactive label missing":
        trial["params"] = {"lr": 0.5, "n": 2, "q": 1.0}
    elif how == "label not in the space":
        trial["params"]["zzz"] = 1.0
    elif how == "string for a param":
        trial["params"]["lr"] = "0.5"
    elif how == "string for the loss":
        trial["result"]["loss"] = "0.25"
    elif how == "bool for the tid":
        trial["tid"] = True
    elif how == "huge int param":
        trial["params"]["lr"] = 10**400
    elif how == "huge int loss":
        trial["result"]["loss"] = 10**400
    elif how == "negative tid":
        trial["tid"] = -1
    elif how == "unknown state":
        trial["state"] = "RUNNING"
    elif how == "bad status":
        trial["result"]["status"] = "great"
    elif how == "bad time":
        trial["book_time"] = "yesterday"
    elif how == "bad float marker":
        trial["result"]["loss"] = {"__float__": "huge"}
    elif how == "trials not a list":
        doc["trials"] = {"0": trial}
    elif how == "params not an object":
        trial["params"] = [0.5]
    elif how == "edited fingerprint":
        doc["space"]["fingerprint"] = "0" * 64
    elif how == "edited space params":
        doc["space"]["params"][0] = "hp.choice('model', <3 options>)"
    elif how == "duplicate labels":
        doc["space"]["labels"][1] = doc["space"]["labels"][0]
    elif how == "too deep result":
        nested: list = []
        for _ in range(MAX_DEPTH + 5):
            nested = [nested]
        trial["result"]["deep"] = nested
    elif how == "top level array":
        return json.dumps([doc])
    elif how == "NaN literal":
        return json.dumps(doc).replace('"loss": 0.25', '"loss": NaN')
    elif how == "duplicate keys":
        return json.dumps(doc).replace('"tid": 0,', '"tid": 0, "tid": 1,')
    elif how == "truncated":
        return json.dumps(doc)[:-40]
    elif how == "huge nesting":
        return json.dumps(doc)[:-1] + ', "x": ' + "[" * 200_000 + "]" * 200_000 + "}"
    else:  # pragma: no cover
        raise AssertionError(how)
    return doc


TAMPERINGS = [
    ("wrong version", "version 99"),
    ("wrong format", "not a skopt_hp trials file"),
    ("missing top key", r"missing the key\(s\) \['trials'\]"),
    ("missing trial key", r"trials\[0\] .*missing the key\(s\) \['result'\]"),
    ("unknown trial key", "unknown key"),
    ("duplicate tids", "tid 0 appears more than once"),
    ("choice index outside the space", "outside the search space"),
    ("int outside the space", "outside the search space"),
    ("inactive label missing", "outside the search space"),
    ("label not in the space", "not in 'space.labels'"),
    ("string for a param", r"params\['lr'\] must be a number, not a string"),
    ("string for the loss", "loss must be a number or null, not a string"),
    ("bool for the tid", "tid must be an integer, not a boolean"),
    ("huge int param", r"params\['lr'\] must be a finite number"),
    ("huge int loss", "loss must be a finite number"),
    ("negative tid", "must be >= 0"),
    ("unknown state", "state must be one of"),
    ("bad status", "status must be one of"),
    ("bad time", "not an ISO 8601"),
    ("bad float marker", "__float__"),
    ("trials not a list", "'trials' must be an array"),
    ("params not an object", "params must be an object"),
    ("edited fingerprint", "fingerprint' does not match"),
    ("edited space params", "fingerprint' does not match"),
    ("duplicate labels", "duplicate labels"),
    ("too deep result", "nested deeper"),
    ("top level array", "must be an object"),
    ("NaN literal", "non-standard constant 'NaN'"),
    ("duplicate keys", "key 'tid' twice"),
    ("truncated", r"invalid JSON at line \d+ column \d+"),
    ("huge nesting", "nested too deeply"),
]


@pytest.mark.parametrize(("how", "expected"), TAMPERINGS, ids=[t[0] for t in TAMPERINGS])
def test_tampered_file_raises_value_error_naming_the_file(tmp_path, how, expected):
    space, doc = _saved_doc(tmp_path)
    doc["trials"][0]["result"] = {"status": "ok", "loss": 0.25}
    edited = _edit(doc, how)
    path = tmp_path / "tampered.json"
    if isinstance(edited, str):
        path.write_text(edited, encoding="utf-8")
    else:
        _write(path, edited)

    target = Trials()
    with pytest.raises(ValueError, match=expected) as info:
        load_trials(path, space, target)
    assert str(info.value).startswith(f"{path}: ")
    assert len(target) == 0  # nothing half-loaded


def test_not_utf8_and_empty_files(tmp_path):
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\x80\x81\xfe")
    with pytest.raises(ValueError, match=re.escape(f"{binary}: not UTF-8")):
        load_trials(binary)
    empty = tmp_path / "empty.json"
    empty.write_text("")
    with pytest.raises(ValueError, match=re.escape(f"{empty}: invalid JSON at line 1 column 1")):
        load_trials(empty)


def test_any_text_round_trips_and_the_file_is_ascii(tmp_path):
    trials = Trials()
    t = trials.new_trial({"x": 0.5})
    text = "é ✓ \U0001f600 \ud800 \x00 \n"
    trials.complete(t, {"status": "ok", "loss": 0.0, text: text})
    path = tmp_path / "text.json"
    save_trials(trials, path)
    path.read_bytes().decode("ascii")
    assert load_trials(path).records[0].result[text] == text


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_trials(tmp_path / "nope.json")


# -- atomic writes ---------------------------------------------------------------------
def test_save_into_missing_directory_names_the_path(tmp_path):
    path = tmp_path / "no" / "such" / "dir" / "t.json"
    with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
        save_trials(Trials(), path)
    assert not (tmp_path / "no").exists()


def _previous_file(tmp_path: Path) -> tuple[Path, bytes]:
    space = _space()
    path = tmp_path / "t.json"
    save_trials(_mixed_trials(space), path)
    return path, path.read_bytes()


@pytest.mark.parametrize("target", ["replace", "fsync"])
def test_failed_write_keeps_the_previous_file_and_leaves_no_temp_file(
    tmp_path, monkeypatch, target
):
    path, before = _previous_file(tmp_path)
    trials = Trials()
    t = trials.new_trial({"x": 1.0})
    trials.complete(t, {"status": "ok", "loss": 0.0})

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, target, boom)
    with pytest.raises(OSError, match="disk full"):
        save_trials(trials, path)
    monkeypatch.undo()

    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.json"]
    assert len(load_trials(path).records) == 7


def test_save_replaces_the_file_and_keeps_its_mode(tmp_path):
    path, _ = _previous_file(tmp_path)
    os.chmod(path, 0o640)
    trials = Trials()
    t = trials.new_trial({"x": 1.0})
    trials.complete(t, {"status": "ok", "loss": 0.0})
    save_trials(trials, path)
    assert len(load_trials(path)) == 1
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.json"]


def test_save_rejects_parameters_that_are_not_numbers(tmp_path):
    trials = Trials()
    t = trials.new_trial({"x": "abc"})
    trials.complete(t, {"status": "ok", "loss": 0.0})
    path = tmp_path / "t.json"
    with pytest.raises(ValueError, match="parameter 'x'"):
        save_trials(trials, path)
    assert list(tmp_path.iterdir()) == []


# -- property: any JSON-able result survives the trip ----------------------------------
_KEYS = st.one_of(
    st.text(max_size=6), st.sampled_from(["__float__", "__dict__", "nan", "status", "loss"])
)
_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10),
    st.sampled_from(["nan", "inf", "-inf", "__float__"]),
)
_VALUES = st.recursive(
    _LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_KEYS, children, max_size=4)
    ),
    max_leaves=25,
)
_RESULTS = st.builds(
    lambda loss, status, extra: {
        **{k: v for k, v in extra.items() if k not in ("status", "loss")},
        "status": status,
        "loss": loss,
    },
    st.one_of(st.none(), st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True)),
    st.sampled_from(["ok", "fail"]),
    st.dictionaries(_KEYS, _VALUES, max_size=5),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(results=st.lists(_RESULTS, min_size=1, max_size=4))
def test_round_trip_of_random_results(results):
    space = SearchSpace({"x": hp.uniform("x", -1, 1)})
    trials = Trials()
    trials.bind(space)
    for i, result in enumerate(results):
        t = trials.new_trial({"x": i / 10})
        trials.start(t)
        trials.complete(t, result)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.json"
        save_trials(trials, path)
        _journal_lines(path)  # strict JSON: no NaN literals
        loaded = load_trials(path, space)
    _assert_same_records(loaded, trials)
