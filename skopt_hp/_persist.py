"""Saving and loading :class:`~skopt_hp.Trials` as JSON: the trial journal and the old format.

Files are JSON, never pickle: loading one runs no code, and only the
*finished* trials (``DONE``, ``ERROR``, ``CANCEL``) are kept.

Format
------
:func:`save_trials`, :meth:`Trials.save <skopt_hp.Trials.save>` and
``fmin(trials_save_file=...)`` write a *journal* (format
``"skopt_hp.journal"``, version 1): JSON lines, a header then one line per
finished trial, which ``fmin`` appends to as trials finish, so a trial costs
the same few hundred bytes whatever the number before it. How it is written,
locked, ``fsync``-ed, read after a crash and compacted is described in
:mod:`skopt_hp._journal`. A journal looks like::

    {"format": "skopt_hp.journal", "version": 1, "space": {"labels": ["clf", "C"], ...}}
    {"event": "finished", "trial": {"tid": 0, "state": "DONE", "params": {...}, ...}}
    {"event": "finished", "trial": {"tid": 1, "state": "ERROR", "params": {...}, ...}}

with ``space`` and each ``trial`` written as follows (shown indented here; a
journal holds each on its own line)::

    "space": {
        "labels": ["clf", "C"],
        "params": ["hp.choice('clf', <2 options>)", "hp.loguniform('C', -3.0, 3.0)"],
        "fingerprint": "5b0c...e1"
    }
    "trial": {"tid": 0, "state": "DONE", "params": {"clf": 1, "C": 0.05},
              "result": {"status": "ok", "loss": 0.12, "accuracy": 0.88},
              "book_time": "2024-05-01T10:00:00.123000",
              "refresh_time": "2024-05-01T10:00:01.456000"}
    "trial": {"tid": 1, "state": "ERROR", "params": {"clf": 0},
              "result": {"status": "fail", "failure": {"type": "ValueError",
                                                       "message": "...",
                                                       "traceback": "Traceback ..."}},
              "book_time": "...", "refresh_time": "..."}

:func:`load_trials` also reads the first format (``"skopt_hp.trials"``
version 1, :data:`FORMAT_NAME`), one JSON document rewritten whole after
every trial by earlier versions::

    {"format": "skopt_hp.trials", "version": 1, "space": {...}, "trials": [{...}, {...}]}

where ``space`` and each element of ``trials`` are the records above. The
format is told by the first line: a journal's header, or else the old
document. ``fmin`` resuming from an old file rewrites it as a journal
(earlier versions of skopt_hp cannot read the result).

Conventions
-----------
* ``params`` hold external values as :meth:`SearchSpace.decode` gives them:
  numbers, and the *index* of the option for a choice. Objects inside a
  space (estimators...) are therefore never written.
* ``result`` values are stored when JSON can hold them: ``None``, ``bool``,
  ``int``, ``str``, finite ``float`` and lists and dicts of those. NaN and
  infinities are written as ``{"__float__": "nan" | "inf" | "-inf"}``;
  numpy scalars become Python scalars and numpy arrays lists; tuples become
  lists and non-string dict keys ``str(key)``. Any other value (an estimator,
  a set, an exception...) is replaced, under the same key, by its ``repr``
  string. A user dict whose only key is ``"__float__"`` or ``"__dict__"`` is
  wrapped as ``{"__dict__": {...}}`` so it reads back unchanged. Values
  nested deeper than :data:`MAX_DEPTH` levels are replaced by a placeholder
  string.
* Times are naive UTC datetimes in ISO 8601 (``datetime.isoformat``).
* The file is ASCII: other characters are ``\\uXXXX`` escapes, so any
  Python string (even a lone surrogate) reads back unchanged.
* ``space`` is ``null`` when the trials were saved without a search space;
  otherwise it records the labels, each parameter's ``repr`` and a SHA-256
  fingerprint of those reprs (see :func:`space_fingerprint`).
* A tid appears once: a journal repeating one was edited, and loading it is
  an error, as for the old format.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import logging
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from . import _journal
from ._trials import STATUS_STRINGS, Trial, Trials, TrialState, provide
from .space import SearchSpace, as_search_space

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "JOURNAL_FORMAT_NAME",
    "JOURNAL_FORMAT_VERSION",
    "MAX_DEPTH",
    "RunJournal",
    "compact_journal",
    "load_trials",
    "save_trials",
    "space_fingerprint",
    "trials_to_dataframe",
]

logger = logging.getLogger(__name__)

#: The first, whole-file format, still read.
FORMAT_NAME = "skopt_hp.trials"
FORMAT_VERSION = 1
#: The format written.
JOURNAL_FORMAT_NAME = _journal.FORMAT_NAME
JOURNAL_FORMAT_VERSION = _journal.FORMAT_VERSION
#: How deeply ``result`` values may nest (saving replaces deeper values; loading rejects them).
MAX_DEPTH = 64

_FINISHED = (TrialState.DONE, TrialState.ERROR, TrialState.CANCEL)
_FLOAT_MARK = "__float__"
_DICT_MARK = "__dict__"
_SPECIAL_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_TOP_KEYS = ("format", "version", "space", "trials")
_SPACE_KEYS = ("labels", "params", "fingerprint")
_TRIAL_KEYS = ("tid", "state", "params", "result", "book_time", "refresh_time")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")

PathLike = str | os.PathLike


# -- the search space's identity ---------------------------------------------------
def _param_repr(param: Any) -> str:
    dist = getattr(param, "dist", None)
    if dist is not None:
        # scipy frozen distributions print their memory address; describe them instead.
        name = getattr(getattr(dist, "dist", None), "name", None)
        if name is not None:
            args = [repr(a) for a in getattr(dist, "args", ())]
            args += [f"{k}={v!r}" for k, v in sorted(getattr(dist, "kwds", {}).items())]
            return f"hp.distribution({param.label!r}, {name}({', '.join(args)}))"
    return _ADDRESS.sub("", repr(param))


def _fingerprint(reprs: list[str]) -> str:
    return hashlib.sha256(json.dumps(list(reprs)).encode("utf-8")).hexdigest()


def space_fingerprint(space: Any) -> str:
    """SHA-256 hex digest identifying a search space's parameters.

    Parameters
    ----------
    space : SearchSpace or object
        A compiled space or anything :class:`SearchSpace` accepts.

    Returns
    -------
    str
        The digest of the JSON list of the parameters' reprs, in the space's
        order. Reprs of ``hp.choice`` do not show their options, so spaces
        that differ only in the objects offered by a choice share a
        fingerprint; memory addresses are removed from reprs.
    """
    space = as_search_space(space)
    return _fingerprint([_param_repr(p) for p in space.params])


def _space_record(space: SearchSpace) -> dict[str, Any]:
    reprs = [_param_repr(p) for p in space.params]
    return {"labels": list(space.labels), "params": reprs, "fingerprint": _fingerprint(reprs)}


# -- encoding ----------------------------------------------------------------------
def _encode_float(value: float) -> Any:
    if math.isfinite(value):
        return value
    return {_FLOAT_MARK: "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not break saving
        return f"<unrepresentable {type(value).__name__}>"


def _encode_value(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON-safe data (see the module docstring)."""
    if value is None or type(value) is bool:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, np.generic) and not isinstance(value, np.object_):
        value = value.item()
        if not isinstance(value, (bool, int, float, str)):
            return _safe_repr(value)  # datetime64, complex...
        return _encode_value(value, depth)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _encode_float(float(value))
    if depth >= MAX_DEPTH:
        return f"<{type(value).__name__} nested deeper than {MAX_DEPTH} levels>"
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return (
            [_encode_value(v, depth + 1) for v in value.tolist()]
            if value.ndim
            else (_encode_value(value.item(), depth))
        )
    if isinstance(value, (list, tuple)):
        return [_encode_value(v, depth + 1) for v in value]
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            out[str(key)] = _encode_value(item, depth + 1)
        if len(out) == 1 and next(iter(out)) in (_FLOAT_MARK, _DICT_MARK):
            return {_DICT_MARK: out}
        return out
    return _safe_repr(value)


def _encode_param(tid: int, label: str, value: Any) -> int | float:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(
            f"Trial {tid}: parameter {label!r} has the value {value!r} of type "
            f"{type(value).__name__}; only numbers (choice indices for choices) can be saved."
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"Trial {tid}: parameter {label!r} is not finite ({value!r}).")
    return int(value) if isinstance(value, int) else float(value)


def _encode_time(value: _dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _trial_record(trial: Trial) -> dict[str, Any]:
    """The JSON record of a finished trial (see the module docstring)."""
    tid = int(trial.tid)
    return {
        "tid": tid,
        "state": TrialState(trial.state).name,
        "params": {
            str(label): _encode_param(tid, label, value) for label, value in trial.params.items()
        },
        "result": _encode_value(dict(trial.result)),
        "book_time": _encode_time(trial.book_time),
        "refresh_time": _encode_time(trial.refresh_time),
    }


def _reference_event_line(trial: Trial) -> bytes:
    """The journal line of a finished trial, by the general route (see :func:`_event_line`)."""
    return _journal.encode_line(_journal.event(_trial_record(trial)))


# The journal line of a trial is written while the search waits, after every trial, so
# :func:`_event_line` writes the JSON text of the common case itself (a few microseconds,
# against ~20 for building the record and calling json.dumps) and falls back to the
# general route for anything else. Both give the same bytes; the tests check it.
_json_string = json.encoder.encode_basestring_ascii  # what json.dumps(ensure_ascii=True) uses
_float_text = float.__repr__  # what json.dumps writes for a finite float
_int_text = int.__repr__
_encode_json = json.JSONEncoder(allow_nan=False, ensure_ascii=True).encode  # json.dumps's
_STATE_TEXT = {state: _json_string(state.name) for state in TrialState}


@functools.lru_cache(maxsize=4096)
def _key_text(key: str) -> str:
    """``"key": `` as JSON writes an object's key (labels repeat in every line)."""
    return _json_string(key) + ": "


def _param_text(tid: int, label: str, value: Any) -> str:
    value = _encode_param(tid, label, value)  # numpy scalars, and the errors
    return _int_text(value) if isinstance(value, int) else _float_text(value)


def _flat_result_text(result: Mapping[str, Any]) -> str | None:
    """A result of str keys and plain scalar values as JSON (None: not that simple)."""
    if len(result) == 1 and next(iter(result)) in (_FLOAT_MARK, _DICT_MARK):
        return None  # wrapped on saving (see the module docstring)
    parts = []
    for key, value in result.items():
        if type(key) is not str:
            return None
        kind = type(value)
        if kind is str:
            text = _json_string(value)
        elif kind is float:
            if value - value != 0.0:
                return None  # NaN and infinities are written as markers
            text = _float_text(value)
        elif kind is int:
            text = _int_text(value)
        elif kind is bool:
            text = "true" if value else "false"
        elif value is None:
            text = "null"
        else:
            return None
        parts.append(_key_text(key) + text)
    return "{" + ", ".join(parts) + "}"


def _time_text(value: _dt.datetime | None) -> str:
    return "null" if value is None else f'"{value.isoformat()}"'


def _event_line(trial: Trial) -> bytes:
    """The journal line of a finished trial: the bytes of :func:`_reference_event_line`."""
    tid = int(trial.tid)
    params = []
    for label, value in trial.params.items():
        kind = type(value)
        if kind is float and value - value == 0.0:  # finite (inf - inf and nan - nan are nan)
            text = _float_text(value)
        elif kind is int:
            text = _int_text(value)
        else:
            text = _param_text(tid, label, value)
        params.append(_key_text(str(label)) + text)
    result = trial.result
    result_text = _flat_result_text(result) if type(result) is dict else None
    if result_text is None:
        result_text = _encode_json(_encode_value(dict(result)))
    return (
        f'{{"event": "finished", "trial": {{"tid": {_int_text(tid)}, '
        f'"state": {_STATE_TEXT[trial.state]}, "params": {{{", ".join(params)}}}, '
        f'"result": {result_text}, "book_time": {_time_text(trial.book_time)}, '
        f'"refresh_time": {_time_text(trial.refresh_time)}}}}}\n'
    ).encode("ascii")


def _journal_lines(
    trials: Trials, space: SearchSpace | None, recorded: dict[str, Any] | None = None
) -> list[bytes]:
    """The compacted journal of ``trials``: header, then one line per finished trial.

    The header records ``space``, else the space record ``recorded`` read from a file.
    """
    record = recorded if space is None else _space_record(space)
    return [_journal.encode_line(_journal.header(record))] + [
        _event_line(trial) for trial in trials.records if trial.state in _FINISHED
    ]


def _check_directory(path: str, action: str) -> None:
    directory = Path(path).parent
    if not directory.is_dir():
        raise FileNotFoundError(
            f"Cannot {action} {path!r}: the directory {str(directory)!r} does not exist."
        )


def save_trials(trials: Trials, path: PathLike, space: Any = None) -> None:
    """Write the finished trials of ``trials`` to ``path`` as a compacted journal, atomically.

    Parameters
    ----------
    trials : Trials
        The trials to save. Unfinished trials (``NEW``, ``RUNNING``) are
        skipped.
    path : str or os.PathLike
        The file to write. Its directory must exist; an existing file is
        replaced only once the new content is fully on disk (a temporary
        file in the same directory, flushed, ``fsync``-ed, then moved with
        :func:`os.replace`), so a crash never leaves a partial file.
    space : SearchSpace or object, optional
        The search space, recorded by labels and fingerprint. Defaults to
        the space ``trials`` is bound to, if any.

    Raises
    ------
    FileNotFoundError
        If the directory of ``path`` does not exist.
    ValueError
        If a trial's parameter is not a finite number.
    skopt_hp._journal.JournalLockedError
        If a running search holds ``path`` (``fmin(trials_save_file=path)``).

    Notes
    -----
    The format is described in :mod:`skopt_hp._persist`. Result values JSON
    cannot hold are stored as their ``repr`` string. A new file gets mode
    ``0o644``; replacing a file keeps its mode.
    """
    name = os.fspath(path)
    if space is None:
        space = trials.space
    elif not isinstance(space, SearchSpace):
        space = as_search_space(space)
    lines = _journal_lines(trials, space)  # encoding errors leave the disk untouched
    _check_directory(name, "save trials to")
    # Locking the file being replaced refuses to pull it from under a running search.
    old = _journal.lock_existing(name)
    try:
        _journal.write_atomically(name, lines, create=old is None)
    finally:
        if old is not None:
            os.close(old)


# -- decoding and validation --------------------------------------------------------
# A problem in the file's content; turned into a ValueError naming the file.
_Invalid = _journal.Invalid


def _type_name(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _expect(value: Any, kind: type | tuple, what: str, expected: str) -> None:
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise _Invalid(f"{what} must be {expected}, not {_type_name(value)} ({value!r}).")
    if not isinstance(value, kind):
        shown = value if not isinstance(value, (dict, list)) else _type_name(value)
        raise _Invalid(f"{what} must be {expected}, not {_type_name(value)} ({shown!r}).")


def _check_keys(obj: dict, required: tuple[str, ...], what: str) -> None:
    missing = [k for k in required if k not in obj]
    if missing:
        raise _Invalid(f"{what} is missing the key(s) {missing}.")
    unknown = sorted(set(obj) - set(required))
    if unknown:
        raise _Invalid(f"{what} has unknown key(s) {unknown}.")


def _check_finite(value: int | float, what: str) -> None:
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int beyond the range of floats
        finite = False
    if not finite:
        raise _Invalid(f"{what} must be a finite number, not {value!r}.")


def _decode_value(value: Any, where: str, depth: int = 0) -> Any:
    if isinstance(value, list):
        if depth >= MAX_DEPTH:
            raise _Invalid(f"{where} is nested deeper than {MAX_DEPTH} levels.")
        return [_decode_value(v, where, depth + 1) for v in value]
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            raise _Invalid(f"{where} is nested deeper than {MAX_DEPTH} levels.")
        if len(value) == 1 and _FLOAT_MARK in value:
            mark = value[_FLOAT_MARK]
            if not isinstance(mark, str) or mark not in _SPECIAL_FLOATS:  # may be unhashable
                raise _Invalid(
                    f"{where}: {{{_FLOAT_MARK!r}: {mark!r}}} must be one of "
                    f"{sorted(_SPECIAL_FLOATS)}."
                )
            return _SPECIAL_FLOATS[mark]
        if len(value) == 1 and _DICT_MARK in value:
            inner = value[_DICT_MARK]
            _expect(inner, dict, f"{where}: {_DICT_MARK!r}", "an object")
            return {k: _decode_value(v, where, depth + 1) for k, v in inner.items()}
        return {k: _decode_value(v, where, depth + 1) for k, v in value.items()}
    return value


def _decode_time(value: Any, what: str) -> _dt.datetime | None:
    if value is None:
        return None
    _expect(value, str, what, "an ISO 8601 date-time string or null")
    try:
        parsed = _dt.datetime.fromisoformat(value)
    except ValueError:
        raise _Invalid(f"{what} is not an ISO 8601 date-time: {value!r}.") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return parsed


def _decode_space(record: Any) -> dict[str, Any] | None:
    if record is None:
        return None
    _expect(record, dict, "'space'", "an object or null")
    _check_keys(record, _SPACE_KEYS, "'space'")
    labels, reprs, fingerprint = record["labels"], record["params"], record["fingerprint"]
    _expect(labels, list, "'space.labels'", "an array of strings")
    _expect(reprs, list, "'space.params'", "an array of strings")
    _expect(fingerprint, str, "'space.fingerprint'", "a string")
    for name, items in (("labels", labels), ("params", reprs)):
        for i, item in enumerate(items):
            _expect(item, str, f"'space.{name}[{i}]'", "a string")
    if len(set(labels)) != len(labels):
        raise _Invalid("'space.labels' holds duplicate labels.")
    if len(reprs) != len(labels):
        raise _Invalid("'space.params' and 'space.labels' have different lengths.")
    if _fingerprint(reprs) != fingerprint:
        raise _Invalid("'space.fingerprint' does not match 'space.params' (edited file?).")
    return record


def _decode_trial(record: Any, labels: list[str] | None, where: str) -> Trial:
    what = where
    _expect(record, dict, what, "an object")
    _check_keys(record, _TRIAL_KEYS, what)
    tid = record["tid"]
    _expect(tid, int, f"{what}.tid", "an integer")
    if tid < 0:
        raise _Invalid(f"{what}.tid must be >= 0, not {tid}.")
    what = f"{where} (tid {tid})"
    state = record["state"]
    _expect(state, str, f"{what}.state", "a string")
    names = [s.name for s in _FINISHED]
    if state not in names:
        raise _Invalid(f"{what}.state must be one of {names}, not {state!r}.")
    params = record["params"]
    _expect(params, dict, f"{what}.params", "an object")
    for label, value in params.items():
        _expect(value, (int, float), f"{what}.params[{label!r}]", "a number")
        _check_finite(value, f"{what}.params[{label!r}]")
    if labels is not None:
        unknown = sorted(set(params) - set(labels))
        if unknown:
            raise _Invalid(f"{what}.params has labels not in 'space.labels': {unknown}.")
    result = record["result"]
    _expect(result, dict, f"{what}.result", "an object")
    result = _decode_value(result, f"{what}.result")
    if not isinstance(result, dict):
        raise _Invalid(f"{what}.result must be an object.")
    status = result.get("status")
    if status not in STATUS_STRINGS:
        raise _Invalid(
            f"{what}.result.status must be one of {list(STATUS_STRINGS)}, not {status!r}."
        )
    if "loss" in result:
        loss = result["loss"]
        _expect(loss, (int, float, type(None)), f"{what}.result.loss", "a number or null")
        if isinstance(loss, int):  # NaN and infinite float losses are legitimate
            _check_finite(loss, f"{what}.result.loss")
    return Trial(
        tid=tid,
        params=dict(params),
        state=TrialState[state],
        result=result,
        book_time=_decode_time(record["book_time"], f"{what}.book_time"),
        refresh_time=_decode_time(record["refresh_time"], f"{what}.refresh_time"),
    )


def _parse(text: str) -> dict[str, Any]:
    doc = _journal.loads(text)
    _expect(doc, dict, "The top level", "an object")
    if doc.get("format") != FORMAT_NAME:
        raise _Invalid(
            f"not a skopt_hp trials file ('format' is {doc.get('format')!r}, "
            f"expected {JOURNAL_FORMAT_NAME!r} on the first line, or {FORMAT_NAME!r})."
        )
    version = doc.get("version")
    if isinstance(version, bool) or version != FORMAT_VERSION:
        raise _Invalid(
            f"unsupported format version {version!r} (this skopt_hp reads version "
            f"{FORMAT_VERSION})."
        )
    _check_keys(doc, _TOP_KEYS, "The top level")
    return doc


def _space_mismatch(path: str, recorded: dict[str, Any], space: SearchSpace) -> str:
    old = dict(zip(recorded["labels"], recorded["params"], strict=True))
    new = {label: _param_repr(p) for label, p in zip(space.labels, space.params, strict=True)}
    parts = []
    only_file = [label for label in old if label not in new]
    only_space = [label for label in new if label not in old]
    if only_file:
        parts.append(f"labels only in the file: {only_file}")
    if only_space:
        parts.append(f"labels only in the given space: {only_space}")
    changed = [
        f"{label!r} (file: {old[label]}; space: {new[label]})"
        for label in old
        if label in new and old[label] != new[label]
    ]
    if changed:
        parts.append("parameters defined differently: " + ", ".join(changed))
    if not parts:
        parts.append("the parameters are in a different order")
    return (
        f"{path}: the trials were recorded with a different search space; " + "; ".join(parts) + "."
    )


def _read_v1(fh: BinaryIO, first: bytes) -> tuple[dict[str, Any] | None, list[Trial]]:
    raw = first + fh.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Invalid(f"not UTF-8 text ({exc.reason} at byte {exc.start}).") from None
    doc = _parse(text)
    recorded = _decode_space(doc["space"])
    _expect(doc["trials"], list, "'trials'", "an array")
    labels = None if recorded is None else recorded["labels"]
    records = [_decode_trial(rec, labels, f"trials[{i}]") for i, rec in enumerate(doc["trials"])]
    seen: set[int] = set()
    for trial in records:
        if trial.tid in seen:
            raise _Invalid(f"the tid {trial.tid} appears more than once.")
        seen.add(trial.tid)
    return recorded, records


def _read_journal(
    fh: BinaryIO, first: bytes, name: str
) -> tuple[dict[str, Any] | None, list[Trial]]:
    head, events = _journal.read_journal(fh, first, name)
    try:
        recorded = _decode_space(head["space"])
    except _Invalid as exc:
        raise _Invalid(f"line 1: {exc}") from None
    labels = None if recorded is None else recorded["labels"]
    records = []
    lines: dict[int, int] = {}  # tid -> line
    for lineno, doc in events:
        trial = _decode_trial(doc["trial"], labels, f"line {lineno}")
        if trial.tid in lines:
            # A journal written by skopt_hp never finishes a tid twice: the file was edited.
            raise _Invalid(
                f"line {lineno}: the tid {trial.tid} appears more than once (first on line "
                f"{lines[trial.tid]})."
            )
        lines[trial.tid] = lineno
        records.append(trial)
    return recorded, records


def _read(fh: BinaryIO, name: str) -> tuple[dict[str, Any] | None, list[Trial]]:
    """The recorded space and the trials of an open file of either format."""
    first = fh.readline()
    try:
        if _journal.is_header(first):
            return _read_journal(fh, first, name)
        return _read_v1(fh, first)
    except _Invalid as exc:
        raise ValueError(f"{name}: {exc}") from None


def _signature(fd: int) -> tuple[int, int, int, int]:
    """What changes when a file is replaced or written to."""
    st = os.fstat(fd)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _check_target(name: str, space: Any, trials: Trials | None) -> tuple[Any, Trials]:
    if trials is None:
        trials = Trials()
    elif len(trials.records):
        raise ValueError(
            f"{name}: load_trials fills an empty Trials, but the one given holds "
            f"{len(trials.records)} trials."
        )
    if space is None:
        space = trials.space
    elif not isinstance(space, SearchSpace):
        space = as_search_space(space)
    return space, trials


def _fill(
    trials: Trials,
    space: SearchSpace | None,
    recorded: dict[str, Any] | None,
    records: list[Trial],
    name: str,
) -> None:
    """Check ``records`` against ``space`` and put them, sorted by tid, into ``trials``."""
    records.sort(key=lambda t: t.tid)
    if space is not None:
        if recorded is not None and recorded["fingerprint"] != space_fingerprint(space):
            raise ValueError(_space_mismatch(name, recorded, space))
        for trial in records:
            try:
                trial.z = space.encode([trial.params])[0]
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"{name}: trial {trial.tid} holds a point outside the search space: {exc}"
                ) from None
        trials.bind(space)
    elif recorded is not None:
        trials.labels = tuple(recorded["labels"])
    trials.extend(records)


def _load_into(
    path: PathLike, space: Any, trials: Trials | None
) -> tuple[Trials, tuple[int, int, int, int]]:
    name = os.fspath(path)
    space, trials = _check_target(name, space, trials)
    with open(path, "rb") as fh:
        signature = _signature(fh.fileno())
        recorded, records = _read(fh, name)
    _fill(trials, space, recorded, records, name)
    return trials, signature


def load_trials(path: PathLike, space: Any = None, trials: Trials | None = None) -> Trials:
    """Read trials saved by :func:`save_trials` or by ``fmin(trials_save_file=...)``.

    Parameters
    ----------
    path : str or os.PathLike
        A journal, or a whole-file JSON document of the first format.
    space : SearchSpace or object, optional
        When given (or when ``trials`` is bound to one), the file's space
        fingerprint must match it and every trial's parameters must be a
        valid point of it; the returned trials are bound to it.
    trials : Trials, optional
        An *empty* ``Trials`` to fill; by default a new one.

    Returns
    -------
    Trials
        ``trials`` (or the new object) holding the saved trials, sorted by
        tid, with their tid, state, params, result and times.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        Naming the file (and, for a journal, the line) and the problem, when
        the file is not valid JSON, is not a skopt_hp trials file of a known
        version, misses keys or holds values of the wrong type, repeats a
        tid, was recorded with a different search space, holds a point
        outside ``space``, or when ``trials`` is not empty. Nothing is added
        to ``trials`` then.

    Warns
    -----
    skopt_hp._journal.TornJournalWarning
        When the last line of a journal is incomplete (a crash in the middle
        of a write); it is dropped and the trials before it are loaded.
    """
    return _load_into(path, space, trials)[0]


def compact_journal(path: PathLike, space: Any = None) -> int:
    """Rewrite the trials file ``path`` as a compacted journal, atomically.

    The result holds the header and one line per finished trial, sorted by
    tid; a torn last line is dropped (with a warning) and a file of the
    first format is converted. ``fmin`` does this itself when it reopens a
    file, and :func:`save_trials` always writes compacted journals.

    Parameters
    ----------
    path : str or os.PathLike
        The file, which must exist.
    space : SearchSpace or object, optional
        When given, the file must have been recorded with this space.

    Returns
    -------
    int
        The number of trials in the compacted file.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file does not load (see :func:`load_trials`).
    skopt_hp._journal.JournalLockedError
        If a running search holds the file.
    """
    name = os.fspath(path)
    space, trials = _check_target(name, space, None)
    old = _journal.lock_existing(name)
    if old is None:
        raise FileNotFoundError(f"Cannot compact {name!r}: no such file.")
    try:
        with os.fdopen(os.dup(old), "rb") as fh:
            recorded, records = _read(fh, name)
        _fill(trials, space, recorded, records, name)
        lines = _journal_lines(trials, space, recorded)
        _journal.write_atomically(name, lines, create=False)
    finally:
        os.close(old)
    return len(trials.records)


class RunJournal:
    """The save file of one ``fmin`` run: resumed from, compacted, appended to, closed.

    Creating it reads the file into ``trials`` when ``trials`` is empty and
    the file exists (the resume). Entering it (``with``) locks the file for
    the run and rewrites it, compacted, as the journal of the finished
    trials of ``trials``; :meth:`append` then adds the trials finished
    since its last call, one line each; leaving it ``fsync``-s the file and
    releases the lock. A file of the first format is thereby migrated.

    Parameters
    ----------
    path : str
        The file; ``""`` for none (every method does nothing then).
    space : SearchSpace
        The run's space.
    trials : Trials
        The run's trials.

    Raises
    ------
    ValueError
        From the resume, as :func:`load_trials`.
    skopt_hp._journal.JournalLockedError
        When entering, if another search writes the file, or wrote it
        after it was resumed from.
    """

    def __init__(self, path: str, space: SearchSpace, trials: Trials) -> None:
        self.path, self.space, self.trials = path, space, trials
        self._resumed_from: tuple[int, int, int, int] | None = None
        self._writer: _journal.JournalWriter | None = None
        self._n_written = 0
        if path and not len(trials.records) and os.path.exists(path):
            self._resumed_from = _load_into(path, space, trials)[1]
            logger.info("Resumed %d trials from %s.", len(trials.records), path)

    def __enter__(self) -> RunJournal:
        if not self.path:
            return self
        lines = _journal_lines(self.trials, self.space)
        _check_directory(self.path, "save trials to")
        old = _journal.lock_existing(self.path)
        try:
            if self._resumed_from is not None and (
                old is None or _signature(old) != self._resumed_from
            ):
                raise _journal.JournalLockedError(
                    f"{self.path}: the trials file was changed by another writer after this "
                    f"search resumed from it; not overwriting it."
                )
            fd = _journal.write_atomically(self.path, lines, create=old is None, keep_open=True)
        finally:
            if old is not None:
                os.close(old)
        assert fd is not None
        self._writer = _journal.JournalWriter(fd, self.path, _journal.FSYNC_INTERVAL)
        self._n_written = len(lines) - 1
        return self

    def append(self, completed: Sequence[Trial]) -> None:
        """Journal ``completed[k:]``, the trials finished since the last call.

        ``completed`` lists the finished trials in the order they finished,
        those of ``trials`` when the journal was entered first.
        """
        if self._writer is None:
            return
        new = completed[self._n_written :]
        if new:
            self._writer.append(b"".join(_event_line(trial) for trial in new))
            self._n_written = len(completed)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        writer, self._writer = self._writer, None
        if writer is None:
            return
        if exc_type is None:
            writer.close()
            return
        try:
            writer.close()
        except OSError as error:  # the run's own error matters more
            logger.warning("%s: closing the trials file failed: %s", self.path, error)


# -- tabular view --------------------------------------------------------------------
_CORE_COLUMNS = (
    "tid",
    "state",
    "status",
    "loss",
    "book_time",
    "refresh_time",
    "duration",
)


def _scalar(value: Any) -> tuple[bool, Any]:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return False, None
    if isinstance(value, (bool, int, float, str)):
        return True, value
    return False, None


def trials_to_dataframe(trials: Trials) -> Any:
    """One row per trial (finished or not), as a ``pandas.DataFrame``.

    Parameters
    ----------
    trials : Trials

    Returns
    -------
    pandas.DataFrame
        Columns, in this order:

        ``tid`` (int64); ``state`` (the :class:`TrialState` name, e.g.
        ``"DONE"``); ``status`` (``result["status"]``); ``loss`` (float64,
        ``result["loss"]`` as returned, NaN when missing); ``book_time`` and
        ``refresh_time`` (datetime64, naive UTC, NaT when unset);
        ``duration`` (float64 seconds, ``refresh_time - book_time``);
        ``param_<label>`` for each label of the space (the external value,
        the option *index* for a choice; NaN where the parameter was
        inactive — int64 when always set, else float64); then one column per
        other key of the results holding a scalar (bool, int, float, str) in
        at least one trial, e.g. ``accuracy``, named as the key, or
        ``result_<key>`` when the key clashes with a column above. Missing or
        non-scalar values are NaN/None; nested values (``failure``...) are
        left out.

    Raises
    ------
    ImportError
        If pandas is not installed.
    """
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError("Trials.to_dataframe needs pandas: pip install pandas") from exc

    records = trials.records
    labels = list(trials.labels)
    for trial in records:
        labels.extend(label for label in trial.params if label not in labels)
    param_columns = {label: f"param_{label}" for label in labels}

    extra: list[str] = []
    for trial in records:
        for key, value in trial.result.items():
            if key in ("status", "loss") or key in extra:
                continue
            if _scalar(value)[0]:
                extra.append(key)
    taken = set(_CORE_COLUMNS) | set(param_columns.values())
    extra_columns = {key: (f"result_{key}" if key in taken else key) for key in extra}

    def loss_of(trial: Trial) -> float:
        loss = trial.result.get("loss")
        if isinstance(loss, np.generic):
            loss = loss.item()
        if isinstance(loss, bool) or not isinstance(loss, (int, float)):
            return math.nan
        return float(loss)

    def duration_of(trial: Trial) -> float:
        if trial.book_time is None or trial.refresh_time is None:
            return math.nan
        return (trial.refresh_time - trial.book_time).total_seconds()

    data: dict[str, Any] = {
        "tid": pd.Series([int(t.tid) for t in records], dtype="int64"),
        "state": pd.Series([TrialState(t.state).name for t in records], dtype=object),
        "status": pd.Series([t.status for t in records], dtype=object),
        "loss": pd.Series([loss_of(t) for t in records], dtype="float64"),
        "book_time": pd.to_datetime(pd.Series([t.book_time for t in records], dtype=object)),
        "refresh_time": pd.to_datetime(pd.Series([t.refresh_time for t in records], dtype=object)),
        "duration": pd.Series([duration_of(t) for t in records], dtype="float64"),
    }
    for label, column in param_columns.items():
        values = [t.params.get(label, math.nan) for t in records]
        values = [v.item() if isinstance(v, np.generic) else v for v in values]
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            data[column] = pd.Series(values, dtype="int64")
        else:
            data[column] = pd.Series(values, dtype="float64")
    for key, column in extra_columns.items():
        values = [_scalar(t.result.get(key))[1] for t in records]
        data[column] = pd.Series(values, dtype=None if values else object).infer_objects()
    return pd.DataFrame(
        data, columns=[*_CORE_COLUMNS, *param_columns.values(), *extra_columns.values()]
    )


# Trials.save, Trials.load and Trials.to_dataframe use this module's format; the store
# below it cannot import it.
provide(save_trials=save_trials, load_trials=load_trials, trials_to_dataframe=trials_to_dataframe)
