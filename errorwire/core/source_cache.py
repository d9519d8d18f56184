"""errorwire's own cache of source files, bounded, for the lines around each frame.

``linecache`` keeps every file it ever read for the life of the process: errors from
generated modules or a large code base would grow it without end (3,000 files: +17
MiB). Here at most MAX_FILES files are kept, the least recently used dropped first.
A file is checked (one ``stat``) at most every CHECK_INTERVAL seconds and read again
when it changed. Source that only ``linecache`` knows (registered there by a template
engine or a REPL, or a module in a zip file it has read) is read from it, never added.
"""

from __future__ import annotations

import linecache
import os
import threading
import time
import tokenize
from collections import OrderedDict
from typing import List, NamedTuple

MAX_FILES = 256
CHECK_INTERVAL = 2.0
"""Seconds between checks (one ``stat``) that a cached source file did not change."""


class _Source(NamedTuple):
    mtime: float
    size: int
    checked: float
    lines: List[str]


_lock = threading.Lock()
_files: OrderedDict[str, _Source] = OrderedDict()


def getlines(path: str) -> List[str]:
    """The lines of ``path`` (with their line ends), or [] when it cannot be read."""
    now = time.monotonic()
    with _lock:
        known = _files.get(path)
        if known is not None and now - known.checked < CHECK_INTERVAL:
            _files.move_to_end(path)
            return known.lines
    try:
        stat = os.stat(path)
    except (OSError, ValueError):  # not a file: a name only linecache may know
        _forget(path)
        return _registered(path)
    if known is not None and (known.mtime, known.size) == (stat.st_mtime, stat.st_size):
        lines = known.lines
    else:
        lines = _read(path)
    with _lock:
        _files[path] = _Source(stat.st_mtime, stat.st_size, now, lines)
        _files.move_to_end(path)
        while len(_files) > MAX_FILES:
            _files.popitem(last=False)
    return lines


def _read(path: str) -> List[str]:
    """As linecache reads a module: its declared encoding (PEP 263), else UTF-8."""
    try:
        with tokenize.open(path) as source:
            return source.readlines()
    except (OSError, UnicodeDecodeError, SyntaxError):
        return []


def _registered(path: str) -> List[str]:
    if path not in linecache.cache:
        return []
    return linecache.getlines(path)


def _forget(path: str) -> None:
    with _lock:
        _files.pop(path, None)


def cached_files() -> int:
    with _lock:
        return len(_files)


def forget_checks() -> None:
    """Check every cached file again on its next use (tests)."""
    with _lock:
        for path, source in _files.items():
            _files[path] = source._replace(checked=-CHECK_INTERVAL)
