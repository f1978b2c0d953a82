"""The append-only trial journal: a JSON-lines file, its lock, its fsync policy.

This module knows lines, not trials: :mod:`skopt_hp._persist` encodes and
validates the trial records and uses the functions here to write, append and
read them. A journal looks like::

    {"format": "skopt_hp.journal", "version": 1, "space": {"labels": [...], ...}}
    {"event": "finished", "trial": {"tid": 0, "state": "DONE", "params": {...}, ...}}
    {"event": "finished", "trial": {"tid": 1, "state": "ERROR", "params": {...}, ...}}

The first line is the header (``space`` is the record described in
:mod:`skopt_hp._persist`, or ``null``); every other line is one event. Version
1 has one kind of event, ``"finished"``, holding a complete trial record
(``tid``, ``state``, ``params``, ``result``, ``book_time``, ``refresh_time``)
of a ``DONE``, ``ERROR`` or ``CANCEL`` trial; started trials are not
journalled, since a trial left unfinished by a crash is never resumed. Each
line is ASCII JSON ending with ``"\\n"``.

Writing
-------
A run holds the file open and exclusively locked (:func:`fcntl.flock`) from
its start to its end, and appends one line per finished trial with a single
unbuffered :func:`os.write`, so every finished trial is in the operating
system's page cache before the next trial starts: a process killed by SIGKILL
loses nothing it recorded. A write interrupted midway (a ``KeyboardInterrupt``,
a full disk) is cut back to the end of the last whole line before the error
propagates.

Power loss is a different matter: only :func:`os.fsync` puts bytes on the
disk, and on the machine the policy was measured on (2-core VM, ext4 on a
virtio disk) one ``fsync`` costs 0.21 ms while appending a line costs 2 us,
for trials of a trivial objective taking ~0.3 ms: an ``fsync`` per trial
would slow such a search by about 70%. :data:`FSYNC_INTERVAL` chooses:

* ``0.1`` (default): a background thread ``fsync``s the file as soon as
  there is something new, then waits 0.1 s before the next ``fsync``. A
  finished trial is on the disk at most ~0.1 s (plus one ``fsync``) after it
  was recorded; the search itself never waits for the disk.
* ``0``: ``fsync`` after every trial, in the caller (power-safe per trial).
* ``None``: no ``fsync`` before the file is closed.

Every policy ``fsync``s when the run ends, and rewrites (compaction,
:func:`skopt_hp._persist.save_trials`) are always ``fsync``-ed.

Reading
-------
One pass, line by line. The last line may be torn by a crash in the middle of
a write (or hold the zeros a power loss leaves): when it is not valid JSON it
is dropped with a :class:`TornJournalWarning` and every line before it is
kept. A line that is not valid JSON anywhere else means the file was damaged
or edited, a ``ValueError`` naming the line.

Compaction
----------
A journal is rewritten whole, atomically (a temporary file in the same
directory, ``fsync``-ed, then :func:`os.replace`), when a run reopens it and by
:func:`skopt_hp._persist.save_trials`: header plus one line per finished
trial, without torn lines or trials of earlier runs that were dropped.

Concurrency
-----------
One writer at a time. The lock is taken on the journal itself: a second run
(in this process or another) or a ``save_trials`` on a file held by a run is
refused with :class:`JournalLockedError` naming the file, after waiting
:data:`LOCK_GRACE` seconds (1 s) for the lock to be released. The wait is for
a lock that outlives its writer for a moment: a child process forked by
another thread (a joblib/loky worker starting) while the file was open holds
a copy of the descriptor, and so the lock, until it execs. A
rewrite locks its new file *before* moving it into place, so the lock is never
free while the file changes hands; a writer that locked a file which was then
replaced notices (the path names another file) and tries again. Readers take
no lock: appends and rewrites never show them a half-written file, except a
torn last line, which is dropped. Where :mod:`fcntl` is missing (Windows) no
lock is taken.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

try:
    import fcntl
except ImportError:  # Windows: no advisory locks
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "FSYNC_INTERVAL",
    "JournalLockedError",
    "JournalWriter",
    "TornJournalWarning",
    "encode_line",
    "lock_existing",
    "read_journal",
    "write_atomically",
]

logger = logging.getLogger(__name__)

FORMAT_NAME = "skopt_hp.journal"
FORMAT_VERSION = 1
#: Seconds between two ``fsync`` of a journal being appended to; ``0`` fsyncs
#: after every trial, ``None`` only when the journal is closed (see the module docstring).
FSYNC_INTERVAL: float | None = 0.1

_HEADER_KEYS = ("format", "version", "space")
_EVENT_KEYS = ("event", "trial")
_EVENTS = ("finished",)
# How often to retry locking a file that keeps being replaced under us.
_LOCK_ATTEMPTS = 50
#: Seconds a lock held by someone else is waited for before a writer is refused (see the
#: module docstring: a child process forked meanwhile may hold it for a moment).
LOCK_GRACE = 1.0
_LOCK_POLL = 0.02


class JournalLockedError(RuntimeError):
    """The journal is locked by another writer (a running search)."""


class TornJournalWarning(UserWarning):
    """The last line of a journal was incomplete (a crash mid-write) and was dropped."""


class Invalid(Exception):
    """A problem in a file's content; the caller names the file."""


# -- strict JSON ---------------------------------------------------------------------
def _no_constants(name: str) -> Any:
    raise Invalid(f"the JSON holds the non-standard constant {name!r}.")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = {}
    for key, value in pairs:
        if key in out:
            raise Invalid(f"an object holds the key {key!r} twice.")
        out[key] = value
    return out


def loads(text: str, *, line: int | None = None) -> Any:
    """Parse strict JSON: no NaN/Infinity literals, no repeated keys.

    Parameters
    ----------
    text : str
        A whole document, or one line of a journal.
    line : int, optional
        The journal line ``text`` is, named in messages.

    Raises
    ------
    Invalid
        Describing the problem (position, repeated key, nesting).
    """
    where = "" if line is None else f"line {line}: "
    try:
        return json.loads(text, parse_constant=_no_constants, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        at = f"column {exc.colno}" if line is not None else f"line {exc.lineno} column {exc.colno}"
        raise Invalid(f"{where}invalid JSON at {at}: {exc.msg}.") from None
    except RecursionError:
        raise Invalid(f"{where}the JSON is nested too deeply.") from None
    except Invalid as exc:
        raise Invalid(f"{where}{exc}") from None


def encode_line(obj: Any) -> bytes:
    """``obj`` as one journal line: ASCII JSON, no NaN literals, ending with a newline."""
    return (json.dumps(obj, allow_nan=False, ensure_ascii=True) + "\n").encode("ascii")


def header(space: dict[str, Any] | None) -> dict[str, Any]:
    """The first line of a journal recording ``space`` (a space record, or None)."""
    return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "space": space}


def event(trial: dict[str, Any]) -> dict[str, Any]:
    """The event line of a finished trial's record."""
    return {"event": "finished", "trial": trial}


# -- reading -------------------------------------------------------------------------
def is_header(line: bytes) -> bool:
    """Whether ``line`` (a file's first line) is a journal header.

    A file whose first line is not a JSON object naming this format (an old
    whole-file JSON document, a damaged file) is read as the old format.
    """
    if FORMAT_NAME.encode("ascii") not in line:
        return False
    try:
        doc = loads(line.decode("utf-8"))
    except (Invalid, UnicodeDecodeError):
        # A damaged header still announces the format; it is reported as a journal's error.
        return line.lstrip().startswith(b'{"format": "' + FORMAT_NAME.encode("ascii"))
    return isinstance(doc, dict) and doc.get("format") == FORMAT_NAME


def _parse_line(line: bytes, lineno: int) -> Any:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid(
            f"line {lineno}: not UTF-8 text ({exc.reason} at byte {exc.start})."
        ) from None
    return loads(text, line=lineno)


def _check_header(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise Invalid("line 1: the header must be an object.")
    version = doc.get("version")
    if isinstance(version, bool) or version != FORMAT_VERSION:
        raise Invalid(
            f"line 1: unsupported journal version {version!r} (this skopt_hp reads version "
            f"{FORMAT_VERSION})."
        )
    missing = [k for k in _HEADER_KEYS if k not in doc]
    unknown = sorted(set(doc) - set(_HEADER_KEYS))
    if missing or unknown:
        raise Invalid(f"line 1: the header has missing key(s) {missing}, unknown key(s) {unknown}.")
    return doc


def _check_event(doc: Any, lineno: int) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise Invalid(f"line {lineno}: an event must be an object.")
    missing = [k for k in _EVENT_KEYS if k not in doc]
    unknown = sorted(set(doc) - set(_EVENT_KEYS))
    if missing or unknown:
        raise Invalid(
            f"line {lineno}: the event has missing key(s) {missing}, unknown key(s) {unknown}."
        )
    if doc["event"] not in _EVENTS:
        raise Invalid(
            f"line {lineno}: unknown event {doc['event']!r} (version {FORMAT_VERSION} has "
            f"{list(_EVENTS)})."
        )
    return doc


def read_journal(
    fh: BinaryIO, first: bytes, name: str
) -> tuple[dict[str, Any], Iterator[tuple[int, dict[str, Any]]]]:
    """Read a journal whose first line ``first`` was already read from ``fh``.

    Parameters
    ----------
    fh : binary file
        Positioned after the first line.
    first : bytes
        The header line.
    name : str
        The file's name, for the torn-line warning.

    Returns
    -------
    header : dict
        The checked header (its ``space`` is not checked here).
    events : iterator of (int, dict)
        The line number and the checked envelope of each event, read lazily,
        one line at a time. A torn last line is dropped with a
        :class:`TornJournalWarning`.

    Raises
    ------
    Invalid
        For a damaged header or a damaged line before the last one (raised
        while iterating ``events`` for the latter).
    """
    head = _check_header(_parse_line(first, 1))
    if not first.endswith(b"\n"):
        # Rewrites are atomic, so even a crash never leaves a header without its newline.
        raise Invalid("line 1: the header does not end with a newline (truncated file?).")

    def events() -> Iterator[tuple[int, dict[str, Any]]]:
        previous: bytes | None = None
        lineno = 1
        for line in fh:
            if previous is not None:
                yield lineno, _check_event(_parse_line(previous, lineno), lineno)
            previous, lineno = line, lineno + 1
        if previous is None:
            return
        try:
            doc = _parse_line(previous, lineno)
        except Invalid as exc:
            warnings.warn(
                f"{name}: dropped the incomplete last line {lineno} ({len(previous)} bytes), "
                f"left by a crash in the middle of a write: {exc}",
                TornJournalWarning,
                stacklevel=4,
            )
            return
        yield lineno, _check_event(doc, lineno)

    return head, events()


# -- locking -------------------------------------------------------------------------
def _locked_message(path: str) -> str:
    return (
        f"{path}: the trials file is locked by another search writing it (in this process or "
        f"another); one file takes one writer at a time. Wait for that search to end or use "
        f"another file."
    )


def _flock(fd: int, path: str, grace: float = 0.0) -> None:
    """Lock ``fd`` exclusively, waiting up to ``grace`` seconds for another holder to let go."""
    if fcntl is None:
        return
    deadline = time.monotonic() + grace
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise JournalLockedError(_locked_message(path)) from None
            time.sleep(_LOCK_POLL)


def _is_current(fd: int, path: str) -> bool:
    """Whether ``path`` still names the file open as ``fd`` (it was not replaced)."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (named.st_dev, named.st_ino)


def lock_existing(path: str) -> int | None:
    """Open and exclusively lock the file at ``path``, if there is one.

    Returns
    -------
    int or None
        A read-only descriptor of the locked file (closing it releases the
        lock), or None when ``path`` does not exist.

    Raises
    ------
    JournalLockedError
        If another writer holds the lock.
    """
    for _ in range(_LOCK_ATTEMPTS):
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            _flock(fd, path, LOCK_GRACE)
            if _is_current(fd, path):
                return fd
        except BaseException:
            os.close(fd)
            raise
        # The previous writer replaced the file between our open and our lock: lock the new one.
        os.close(fd)
    raise JournalLockedError(_locked_message(path))


# -- writing -------------------------------------------------------------------------
def _write_all(fd: int, data: bytes) -> None:
    written = os.write(fd, data)
    if written == len(data):  # nearly always: one call
        return
    view = memoryview(data)[written:]
    while view:
        view = view[os.write(fd, view) :]


def _fsync_directory(directory: Path) -> None:
    # Make a rename itself durable where the platform allows it (POSIX).
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomically(
    path: str, chunks: Iterable[bytes], *, create: bool, keep_open: bool = False
) -> int | None:
    """Write ``chunks`` as the new content of ``path``, atomically and durably.

    The caller holds the lock of the file being replaced, if any.

    Parameters
    ----------
    path : str
        The file; its directory must exist.
    chunks : iterable of bytes
        The content.
    create : bool
        True when there was no file: the new one is then moved in only if
        none appeared meanwhile (:func:`os.link`), as another writer may
        have created and locked one.
    keep_open : bool, default=False
        Return the new file's descriptor, locked (before it was moved into
        place) and open for appending.

    Returns
    -------
    int or None
        The descriptor when ``keep_open``.

    Raises
    ------
    JournalLockedError
        If ``create`` and a file appeared at ``path`` meanwhile.
    OSError
        If writing fails; the previous file is then unchanged and the
        temporary file removed.
    """
    target = Path(path)
    directory = target.parent
    try:
        mode = target.stat().st_mode & 0o7777
    except OSError:
        mode = 0o644
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name[:64]}.", suffix=".tmp")
    try:
        for chunk in chunks:
            _write_all(fd, chunk)
        os.fsync(fd)
        os.chmod(tmp, mode)
        if keep_open:
            _flock(fd, tmp)  # a new private file: never refused
            if fcntl is not None:
                fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_APPEND)
        if create:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise JournalLockedError(_locked_message(path)) from None
            except OSError:  # a file system without hard links
                os.replace(tmp, path)
            else:
                os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        os.close(fd)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_directory(directory)
    if keep_open:
        return fd
    os.close(fd)
    return None


class _Syncer(threading.Thread):
    """``fsync``s a descriptor when told there is new data, at most once per ``interval``."""

    def __init__(self, fd: int, interval: float) -> None:
        super().__init__(name="skopt_hp-journal-fsync", daemon=True)
        self.fd, self.interval = fd, interval
        self.dirty, self.stopping = threading.Event(), threading.Event()
        self.error: OSError | None = None

    def run(self) -> None:
        while True:
            self.dirty.wait()
            if self.stopping.is_set():
                return
            # Cleared before the fsync, so data written while it runs is synced next time.
            self.dirty.clear()
            try:
                os.fsync(self.fd)
            except OSError as exc:
                self.error = exc
                return
            if self.stopping.wait(self.interval):
                return

    def stop(self) -> None:
        self.stopping.set()
        self.dirty.set()
        self.join()


class JournalWriter:
    """Appends whole lines to an open, locked journal, with an fsync policy.

    Parameters
    ----------
    fd : int
        The journal's descriptor, locked and open for appending; the writer
        owns it and closes it.
    path : str
        The journal's name, for messages.
    fsync_interval : float or None
        See :data:`FSYNC_INTERVAL`.
    """

    def __init__(self, fd: int, path: str, fsync_interval: float | None) -> None:
        if fsync_interval is not None and not fsync_interval >= 0:
            raise ValueError(f"fsync_interval must be None or >= 0, not {fsync_interval!r}.")
        self.fd, self.path, self.fsync_interval = fd, path, fsync_interval
        self.size = os.fstat(fd).st_size
        self._syncer: _Syncer | None = None
        if fsync_interval:
            self._syncer = _Syncer(fd, fsync_interval)
            self._syncer.start()

    @property
    def closed(self) -> bool:
        return self.fd < 0

    def _check_sync(self) -> None:
        if self._syncer is not None and self._syncer.error is not None:
            raise OSError(
                f"{self.path}: fsync failed: {self._syncer.error}"
            ) from self._syncer.error

    def append(self, data: bytes) -> None:
        """Append ``data`` (whole lines) with one write; on any error, cut back and re-raise."""
        if self.closed:
            raise ValueError(f"{self.path}: the journal is closed.")
        self._check_sync()
        start = self.size
        try:
            _write_all(self.fd, data)
        except BaseException:
            # Never leave half a line behind: readers would take it for a crash's torn line.
            try:
                os.ftruncate(self.fd, start)
            except OSError:
                logger.warning("%s: could not remove a partly written line.", self.path)
            raise
        self.size = start + len(data)
        syncer = self._syncer
        if syncer is not None:
            # Set at most once per fsync, without taking the event's lock every trial. Safe
            # without it: the data is written before this check, and the thread clears the
            # flag before it fsyncs, so a flag seen set is cleared by an fsync still to come.
            if not syncer.dirty.is_set():
                syncer.dirty.set()
        elif self.fsync_interval == 0:
            os.fsync(self.fd)

    def close(self) -> None:
        """Stop the fsync thread, fsync, release the lock and close; idempotent."""
        if self.closed:
            return
        fd, self.fd = self.fd, -1
        try:
            if self._syncer is not None:
                self._syncer.stop()
            os.fsync(fd)
        finally:
            os.close(fd)
        if self._syncer is not None and self._syncer.error is not None:
            raise OSError(
                f"{self.path}: fsync failed: {self._syncer.error}"
            ) from self._syncer.error
