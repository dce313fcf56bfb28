"""Reading an input file safely: regular files only, never more than a size limit.

A ``stat()`` size check before reading is not enough: devices (``/dev/zero``,
``/dev/urandom``) report size 0 and never end, a FIFO blocks the reader forever, and files
under ``/proc`` report size 0 whatever they hold. So the file is opened without blocking,
checked to be a regular file on the open descriptor (no race with a rename), and read up to
the limit plus one byte.

Examples:
    >>> read_bounded("/dev/zero", 100)
    Traceback (most recent call last):
    ...
    sim.errors.ScenarioError: 1 problem found:
      /dev/zero: is a character device, not a regular file
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from sim.errors import Problem, ScenarioError

__all__ = ["read_bounded"]

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_CHUNK = 1 << 20


def _open_error(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "file not found"
    if exc.errno == errno.ELOOP:
        return "cannot be opened: too many levels of symbolic links (a symlink loop?)"
    if exc.errno == errno.ENAMETOOLONG:
        return "cannot be opened: the file name is too long"
    if exc.errno == errno.EISDIR:
        return "is a directory, not a file"
    return f"cannot read: {exc.strerror or exc}"


def read_bounded(path: str | Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Raises:
        ScenarioError: the file is missing, unreadable, not a regular file (a directory,
            FIFO, device or socket) or longer than ``limit``; one problem naming the file.
    """
    file = str(path)

    def fail(message: str) -> ScenarioError:
        return ScenarioError([Problem(file, None, "", message)])

    if "\0" in file:
        raise fail("the file name contains a NUL byte")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise fail(_open_error(exc)) from None
    try:
        info = os.fstat(fd)
        mode = info.st_mode
        for test, kind in _KINDS:
            if test(mode):
                raise fail(f"is {kind}, not a regular file"
                           if kind != "a directory" else "is a directory, not a file")
        if not stat.S_ISREG(mode):
            raise fail("is not a regular file")
        if info.st_size > limit:
            raise fail(f"file is {info.st_size:,} bytes; the limit is {limit:,}")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise fail(f"file is more than {limit:,} bytes (the limit)")
        return b"".join(chunks)
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
