"""Files a user names: a regular file, read up to the cap of its kind.

A path on a command line (a document, a module, a key, a rig file) can name anything:
a FIFO, whose open blocks until a writer comes; /dev/zero, whose read never ends; a
folder; a symlink loop. Every such file is opened without blocking, checked to be a
regular file on the open descriptor (so the check and the read are of one file) and
read to at most one byte past its cap: no hang, no unbounded read. What went wrong is
raised as the caller's own error type, saying what was expected and what was found.
The caps are defined with their kinds (a document's in config.py, a module's in
sandbox.py, a key file's in signing.py, a rig file's in hil/rig.py).
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

ErrorType = Callable[[str], Exception]

# Open for reading without waiting for a FIFO's writer, and never as a controlling tty.
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_KINDS: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISREG, "a regular file"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def kind_of(mode: int) -> str:
    """'a folder', 'a FIFO (named pipe)', ...: what a stat mode is, for a message."""
    return next((name for test, name in _KINDS if test(mode)), f"file type {mode:o}")


def reason(exc: OSError) -> str:
    """An OSError as what was found: a symlink loop says so, others their strerror."""
    if exc.errno == errno.ELOOP:
        return "a symlink loop"
    return exc.strerror or str(exc)


def describe(path: Path) -> str:
    """What is at `path` (following symlinks), for a message: 'nothing', 'a folder',
    'a regular file', 'a symlink loop', ..."""
    try:
        return kind_of(path.stat().st_mode)
    except FileNotFoundError:
        return "a dangling symlink" if os.path.lexists(path) else "nothing"
    except OSError as exc:
        return reason(exc)
    except ValueError:  # a NUL or a lone surrogate: no file system path at all
        return "a name no file system can hold"


def _read_up_to(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 16))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_regular_file(
    path: Path,
    max_bytes: int,
    what: str,
    error: ErrorType,
    too_large: ErrorType | None = None,
) -> bytes:
    """The bytes of the regular file `path` (a `what`, e.g. "key file"), at most
    `max_bytes` of them. Anything else raises `error(message)`; a file over the cap
    raises `too_large(message)` when given (a document over its cap is refused as too
    large, not as unreadable)."""
    over = too_large or error
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise error(f"{path}: expected a readable {what}, found {reason(exc)}") from None
    except ValueError:  # a NUL or a lone surrogate in the name
        raise error(f"{path}: expected a readable {what}, found {describe(path)}") from None
    try:
        info = os.fstat(fd)
        mode, size = info.st_mode, info.st_size
        if not stat.S_ISREG(mode):
            raise error(f"{path}: expected a {what} (a regular file), found {kind_of(mode)}")
        if size > max_bytes:
            raise over(f"{path}: expected a {what} of at most {max_bytes} bytes, found {size}")
        data = _read_up_to(fd, max_bytes + 1)
    except OSError as exc:
        raise error(f"{path}: expected a readable {what}, found {reason(exc)}") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # it grew between the stat and the read
        raise over(f"{path}: expected a {what} of at most {max_bytes} bytes, found more")
    return data


def read_json_file(path: Path, max_bytes: int, what: str, error: ErrorType) -> Any:
    """The JSON value of the regular file `path` (a `what`), UTF-8 and at most
    `max_bytes`; anything else, nesting too deep to parse included, is `error`."""
    raw = read_regular_file(path, max_bytes, what, error)
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise error(f"{path}: expected UTF-8, found {exc.reason}") from None
    except ValueError as exc:  # not JSON, or an integer longer than Python converts
        raise error(f"{path}: expected JSON, found an error: {exc}") from None
    except RecursionError:
        raise error(f"{path}: expected JSON, found nesting too deep to parse") from None
