"""One sweep at a time per results file: an exclusive lock on ``RESULTS.lock`` while it runs.

The lock is ``flock`` on the file, which the kernel releases when its holder ends however it
ends (a SIGKILL, a crash), so a stale lock file never blocks anyone: the next sweep takes the
lock and rewrites it. The file holds the holder's pid, host and start time, so a sweep that
finds the lock taken can say which process has it. The holder removes the file when done; a
sweep that locked a file just removed (its inode no longer the path's) tries again.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
from pathlib import Path
from types import TracebackType
from typing import Any

from sim.errors import FrontlineError

__all__ = ["ResultsLock", "lock_path"]


def lock_path(results: Path) -> Path:
    """The lock file of a results file: ``x.parquet`` -> ``x.parquet.lock``."""
    return results.with_name(results.name + ".lock")


class ResultsLock:
    """An exclusive, non-blocking lock on a results file, as a context manager.

    Raises:
        FrontlineError: another process holds it (naming that process), or the lock file
            cannot be created.
    """

    def __init__(self, results: Path):
        self.results = results
        self.path = lock_path(results)
        self._fd: int | None = None
        self._made: list[Path] = []  # folders created for the results, deepest first

    def holder(self) -> dict[str, Any]:
        """What the lock file says about its holder (empty if unreadable)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def acquire(self) -> None:
        """Take the lock at once, or raise naming its holder."""
        missing = [d for d in (self.path.parent, *self.path.parent.parents) if not d.exists()]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FrontlineError(f"cannot create {self.path.parent}: {exc.strerror or exc}"
                                 ) from None
        self._made = missing
        for _ in range(10):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise FrontlineError(f"cannot create {self.path}: {exc.strerror or exc}"
                                     ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise FrontlineError(self._busy()) from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except OSError:
                same = False
            if same:
                break
            os.close(fd)  # its holder removed the file as we opened it: lock the new one
        else:  # pragma: no cover - ten removals in a row
            raise FrontlineError(f"cannot lock {self.path}: it keeps being replaced")
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        self._fd = fd

    def _busy(self) -> str:
        h = self.holder()
        who = (f"process {h['pid']} on {h.get('host', '?')}, started {h.get('started', '?')}"
               if "pid" in h else "another process")
        return (f"{self.results} is being written by another sweep ({who}; lock file "
                f"{self.path}); wait for it to finish or stop it, or choose another --out")

    def release(self) -> None:
        """Remove the lock file and let go of the lock."""
        if self._fd is None:
            return
        self.path.unlink(missing_ok=True)  # while still held: no one can lock it meanwhile
        os.close(self._fd)
        self._fd = None
        for folder in self._made:  # created for results that never came: leave no trace
            try:
                folder.rmdir()
            except OSError:
                break

    def __enter__(self) -> ResultsLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
