"""Loading a trials file never unpickles; malformed or tampered files give a clear ValueError.

tests/fmin/test_persist.py and tests/fmin/test_journal.py check one error
message per kind of tampering; here a pickle payload is planted under the JSON
name, and hypothesis mutates valid files of both formats (the journal, and the
first whole-file document) at random (values at random places, bytes,
truncation): loading either gives valid trials of the space or a
``ValueError`` starting with the file's path, never another exception, and fmin
refuses such a file before evaluating anything. A journal cut short loads
without its torn last line (with a warning), as after a crash.
"""

from __future__ import annotations

import copy
import json
import math
import pickle
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from _reliability_helpers import COUNTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skopt_hp import Trials, fmin, hp
from skopt_hp._journal import TornJournalWarning
from skopt_hp._persist import FORMAT_NAME, FORMAT_VERSION, load_trials
from skopt_hp.space import SearchSpace

SPACE = {
    "model": hp.choice(
        "model", [{"C": hp.loguniform("C", -3, 3)}, {"depth": hp.randint("depth", 1, 8)}]
    ),
    "lr": hp.uniform("lr", 0.0, 1.0),
}
COMPILED = SearchSpace(SPACE)


def _objective(point):
    return point["lr"]


def _valid_journal() -> list:
    """The lines of a valid journal, parsed: the header, then one event per trial."""
    trials = Trials()
    fmin(_objective, SPACE, algo="rand", max_evals=4, trials=trials, rstate=0,
         show_progressbar=False)
    trials.records[1].result["extra"] = {"nested": [1, 2.5, None, "x"]}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.json"
        trials.save(path)
        return [json.loads(line) for line in path.read_text().splitlines()]


VALID_JOURNAL = _valid_journal()
# The same trials as a document of the first format, which still loads.
VALID = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "space": VALID_JOURNAL[0]["space"],
         "trials": [event["trial"] for event in VALID_JOURNAL[1:]]}


class _Planted:
    """Unpickling this would create the file ``target``: proof that code ran."""

    def __init__(self, target: str):
        self.target = target

    def __reduce__(self):
        return (Path.touch, (Path(self.target),))


@pytest.fixture
def no_unpickling(monkeypatch):
    """Fail the test if anything unpickles while it runs."""

    def refuse(*args, **kwargs):
        raise AssertionError("a trials file was unpickled")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_a_pickle_payload_named_json_is_refused_and_never_unpickled(tmp_path, protocol):
    target = tmp_path / "code_ran"
    payload = pickle.dumps({"trials": _Planted(str(target))}, protocol=protocol)
    assert pickle.loads(payload) is not None and target.exists()  # the payload is live
    target.unlink()
    path = tmp_path / "trials.json"
    path.write_bytes(payload)

    def refuse(*args, **kwargs):
        raise AssertionError("a trials file was unpickled")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pickle, "loads", refuse)
        patch.setattr(pickle, "load", refuse)
        patch.setattr(pickle, "Unpickler", refuse)
        with pytest.raises(ValueError, match=r"(not UTF-8|invalid JSON)") as info:
            load_trials(path, SPACE)
        calls = []
        with pytest.raises(ValueError):
            fmin(lambda p: calls.append(p) or 0.0, SPACE, max_evals=3,
                 trials_save_file=str(path), show_progressbar=False)
    assert str(info.value).startswith(f"{path}: ")
    assert not target.exists() and calls == []
    COUNTS["pickle payloads refused, never unpickled"] += 1


# -- random mutations of a valid file -----------------------------------------------------
def _paths(node, prefix=()):
    """Every (path, value) inside a JSON document."""
    yield prefix, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


ALL_PATHS = {
    "document": [path for path, _ in _paths(VALID) if path],
    "journal": [path for path, _ in _paths(VALID_JOURNAL) if path],
}

json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([10**400, -(10**400), 2**63, 1e308, -1e308, 5e-324, 0, -1, 7]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(["DONE", "ERROR", "RUNNING", "ok", "fail", "nan", "__float__", "__dict__"]),
)
json_values = st.recursive(
    json_leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(["__float__", "__dict__", "tid", "x", "loss"]), children,
                        max_size=3),
    ),
    max_leaves=6,
)


@st.composite
def mutated_files(draw):
    """The bytes of a valid file (either format) after one or more random edits."""
    kind = draw(st.sampled_from(["document", "journal"]))
    doc = copy.deepcopy(VALID if kind == "document" else VALID_JOURNAL)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(ALL_PATHS[kind]))
        parent = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = draw(st.sampled_from(["replace", "delete", "add key"]))
            if action == "replace":
                parent[path[-1]] = draw(json_values)
            elif action == "delete":
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[draw(st.text(max_size=5))] = draw(json_values)
        except (KeyError, IndexError, TypeError):
            pass  # an earlier edit removed or replaced this place
    if kind == "document":
        text = json.dumps(doc)
    else:  # a whole line deleted or added is a tampering too
        text = "".join(json.dumps(line) + "\n" for line in doc)
    form = draw(st.sampled_from(["json", "json", "truncated", "bytes flipped", "literal"]))
    data = text.encode("utf-8")
    if form == "truncated":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif form == "bytes flipped":
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        data = bytes(data)
    elif form == "literal":
        token = draw(st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "[]", "{}"]))
        data = text.replace('"loss": ', f'"loss": {token}, "x": ', 1).encode("utf-8")
    return data


def _check_loaded(trials: Trials) -> None:
    """Trials that loaded are valid trials of the space."""
    assert trials.tids == sorted(set(trials.tids))
    for trial in trials.records:
        COMPILED.encode([trial.params])  # a valid point of the space
        loss = trial.result.get("loss")
        assert loss is None or isinstance(loss, (int, float))
        if isinstance(loss, int):
            assert math.isfinite(loss)
    if any(t.loss is not None for t in trials.records):
        assert trials.argmin == trials.best_record().params
    assert repr(trials).startswith("Trials(")


@settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,  # the pickle guard holds for every input
    ],
)
@given(data=mutated_files())
def test_a_randomly_tampered_file_loads_validly_or_raises_a_value_error_naming_it(
    no_unpickling, data
):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trials.json"
        path.write_bytes(data)
        COUNTS["tampered files fuzzed (hypothesis)"] += 1
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", TornJournalWarning)
                trials = load_trials(path, SPACE)
        except ValueError as exc:
            assert str(exc).startswith(f"{path}: "), exc
            COUNTS["tampered files refused with a ValueError naming the file"] += 1
            # fmin refuses it too, before evaluating anything.
            calls = []
            with pytest.raises(ValueError), warnings.catch_warnings():
                warnings.simplefilter("ignore", TornJournalWarning)
                fmin(lambda p: calls.append(p) or 0.0, SPACE, max_evals=1,
                     trials_save_file=str(path), show_progressbar=False)
            assert calls == []
            return
        _check_loaded(trials)
        if caught:
            assert all(issubclass(w.category, TornJournalWarning) for w in caught)
            COUNTS["tampered journals loaded without their torn last line"] += 1
        # A file that loads also resumes, and is then a clean journal.
        resumed = Trials()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TornJournalWarning)
            fmin(_objective, SPACE, algo="rand", max_evals=len(trials) + 1, trials=resumed,
                 rstate=np.random.default_rng(0), show_progressbar=False,
                 trials_save_file=str(path))
        assert len(resumed) == len(trials) + 1
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert load_trials(path, SPACE).tids == resumed.tids
        COUNTS["tampered files still valid, loaded and resumed"] += 1
