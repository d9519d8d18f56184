"""A message's stack: the frames of whoever logged it (``logger.error(..., stack_info=True)``),
read at log time on the logging thread, like an exception's frames (stacktrace.py)."""

from __future__ import annotations

import sys
from types import FrameType
from typing import List, Optional

from errorwire.core.event import Frame
from errorwire.core.stacktrace import MAX_FRAMES, FrameEntry, _code_infos, _info, to_frames


def caller_frames(
    filename: str, lineno: int, project_root: Optional[str], limit: int = MAX_FRAMES
) -> List[Frame]:
    """The stack from the frame at ``filename:lineno`` (a log record's caller) outward,
    oldest call first; empty when that frame is not on this thread's stack."""
    frame: Optional[FrameType] = sys._getframe(1)
    while frame is not None and not (
        frame.f_code.co_filename == filename and frame.f_lineno == lineno
    ):
        frame = frame.f_back
    known = _code_infos(project_root)
    entries: List[FrameEntry] = []
    while frame is not None and len(entries) < limit:
        entries.append((_info(frame, known, project_root), frame.f_lineno, frame.f_lasti))
        frame = frame.f_back
    entries.reverse()
    return to_frames(entries)
