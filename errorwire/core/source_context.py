"""Worker-side additions to frames: columns from ``co_positions`` and source lines.

Both read more than the request thread can afford (decoding a code object's
position table costs ~10 µs a frame; reading files costs more), so the request
thread keeps ``Frame.code_location`` and this module finishes the frames later.
"""

from __future__ import annotations

import functools
import itertools
from types import CodeType
from typing import List, Optional, Tuple

from errorwire.core import source_cache
from errorwire.core.event import Frame

CONTEXT_LINES = 5
MAX_LINE_CHARS = 1000
"""Longer source lines (minified, generated) are cut: context is for reading."""


@functools.lru_cache(maxsize=4096)  # a repeated error decodes each position once
def _positions(code: CodeType, lasti: int) -> Tuple[Optional[int], Optional[int], Optional[int]]:
    """(end_lineno, colno, end_colno) from 3.11+ ``co_positions``; 1-based UTF-8 byte columns.

    ``tb_lasti`` is a byte offset and ``co_positions`` yields one entry per 2-byte
    code unit (cache entries and EXTENDED_ARG included), hence ``lasti // 2``, as
    the traceback module does.
    """
    positions = getattr(code, "co_positions", None)
    if positions is None or not isinstance(lasti, int) or lasti < 0:
        return None, None, None
    try:
        found = next(itertools.islice(positions(), lasti // 2, None), None)
    except (ValueError, TypeError):  # pragma: no cover - defensive on odd code objects
        return None, None, None
    if found is None:
        return None, None, None
    _line, end_line, col, end_col = found
    return (
        end_line,
        None if col is None else col + 1,
        None if end_col is None else end_col + 1,
    )


def _cut(line: str) -> str:
    line = line.rstrip("\r\n")
    return line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS]


def _char_column(line: str, byte_column: Optional[int]) -> Optional[int]:
    """A 1-based UTF-8 byte column of ``line`` as a 1-based character column."""
    if byte_column is None or line.isascii():
        return byte_column
    prefix = line.encode("utf-8")[: byte_column - 1]
    return len(prefix.decode("utf-8", "replace")) + 1


def resolve_columns(frame: Frame) -> None:
    """Decode the frame's ``code_location`` into (byte) columns; worker side."""
    location = frame.code_location
    if location is None:
        return
    frame.code_location = None
    end_lineno, colno, end_colno = _positions(location[0], location[1])
    frame.end_lineno, frame.colno, frame.end_colno = end_lineno, colno, end_colno


def add_source_context(frames: List[Frame], lines: int = CONTEXT_LINES) -> None:
    """Fill columns, ``code`` and up to ``lines`` lines before/after each frame (worker side).

    Columns from ``co_positions`` count UTF-8 bytes; with the line at hand they
    become character columns.
    """
    for frame in frames:
        resolve_columns(frame)
        path = frame.abs_path
        if not path or frame.lineno is None or frame.code is not None:
            continue
        source = source_cache.getlines(path)
        if source and 0 < frame.lineno <= len(source):
            _add_lines(frame, frame.lineno - 1, source, lines)


def _add_lines(frame: Frame, index: int, source: List[str], lines: int) -> None:
    """The frame's line (its columns made character columns) and ``lines`` on each side."""
    line = source[index].rstrip("\r\n")
    frame.colno = _char_column(line, frame.colno)
    if frame.end_lineno is not None and 0 < frame.end_lineno <= len(source):
        end_line = source[frame.end_lineno - 1].rstrip("\r\n")
        frame.end_colno = _char_column(end_line, frame.end_colno)
    frame.code = _cut(line)
    frame.pre_context = [_cut(text) for text in source[max(0, index - lines) : index]]
    frame.post_context = [_cut(text) for text in source[index + 1 : index + 1 + lines]]
