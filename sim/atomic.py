"""Writing files whole or not at all: a temporary name beside the file, renamed when complete.

A file written through ``replacing`` (or ``write_text`` / ``open_atomic``) appears under its
name only once every byte is written and flushed to disk; if writing fails (a full disk, an
exception, Ctrl-C) the temporary file is removed and whatever was there before is untouched.
A process killed outright can leave a temporary file, named ``.NAME.tmp-PID-XXXX.SUFFIX``
(hidden, and never the name of a result): ``leftovers`` finds them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = ["commit", "leftovers", "open_atomic", "replacing", "temporary_name", "write_text"]

_MARK = ".tmp-"


def temporary_name(final: Path) -> Path:
    """A fresh temporary path beside ``final``, with the same suffix (for tools that read it)."""
    return final.with_name(f".{final.name}{_MARK}{os.getpid()}-{secrets.token_hex(3)}"
                           f"{final.suffix}")


def leftovers(folder: Path, name: str = "") -> list[Path]:
    """Temporary files in ``folder`` left by a killed writer (of the file ``name``, if given)."""
    return sorted(folder.glob(f".{name or '*'}{_MARK}*"))


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def commit(tmp: Path, final: Path) -> None:
    """Flush ``tmp`` to disk and rename it to ``final`` (atomic on POSIX file systems)."""
    with tmp.open("rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    _fsync_dir(final.parent)


@contextmanager
def replacing(final: Path) -> Iterator[Path]:
    """A temporary path to write ``final`` through; renamed to ``final`` if the block succeeds.

    Raises:
        Whatever the block raises, or OSError from flushing or renaming; the temporary file
        is removed first.
    """
    final = Path(final)
    tmp = temporary_name(final)
    try:
        yield tmp
        commit(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def open_atomic(final: Path, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """``open`` for writing ``final`` whole or not at all (same arguments as ``open``)."""
    with replacing(final) as tmp, tmp.open(mode, **kwargs) as fh:
        yield fh


def write_text(final: Path, text: str, encoding: str = "utf-8") -> Path:
    """``Path.write_text``, whole or not at all; returns ``final``."""
    with open_atomic(final, "w", encoding=encoding) as fh:
        fh.write(text)
    return Path(final)
