"""A cheap stand-in for the grouping key, so an error storm costs little per error.

``quick_identity`` holds exactly what ``grouping_key`` reads: the class and code
objects of the chain's root cause (``grouping._root_cause``: along each
exception's first link, the innermost one with a frame in the project, else the
outermost). Two exceptions with the same identity therefore get the same
grouping key, and the client remembers the key per identity.

The root cause is looked for from the inside. For ``raise AppError from
KeyError`` the KeyError's few frames decide, and the outer exception's traceback
(through every middleware of the request) is never walked. A single exception's
whole traceback is walked: its project frames can be anywhere in it.

Code objects go in by ``id``: hashing a code object hashes its bytecode and
constants. Code objects of loaded modules live as long as the process; an id
reused by code made later could only merge two identities, and only while the
first is storming.
"""

from __future__ import annotations

import builtins
from types import TracebackType
from typing import List, Optional, Tuple

from errorwire.core.stacktrace import MAX_FRAMES, first_link, in_project

QUICK_LINKS = 4
"""A longer chain of first links gets no identity (it is reported the long way)."""
QUICK_FRAMES = min(64, MAX_FRAMES)
"""A deeper traceback gets no identity; below MAX_FRAMES no frame is left out of grouping."""

_GROUP: Optional[type] = getattr(builtins, "BaseExceptionGroup", None)
_CAUSE = vars(BaseException)["__cause__"].__get__
_CONTEXT = vars(BaseException)["__context__"].__get__
_SUPPRESS = vars(BaseException)["__suppress_context__"].__get__
_TRACEBACK = vars(BaseException)["__traceback__"].__get__


def quick_identity(exc: BaseException, project_root: Optional[str]) -> Optional[Tuple[object, ...]]:
    """The root cause's class and code ids; None for a chain too unusual to shortcut
    (more than QUICK_LINKS links, which a cycle always is, or a traceback deeper than
    QUICK_FRAMES).

    The frame walk is written out inline: on an error storm's path every call counts.
    """
    path = [exc]
    current = exc
    while True:
        if _GROUP is None or isinstance(current, _GROUP):  # (before 3.11: the backport's)
            link = first_link(current)
        else:
            link = _CAUSE(current)
            if link is None and not _SUPPRESS(current):
                link = _CONTEXT(current)
        if link is None:
            break
        if len(path) >= QUICK_LINKS:
            return None
        path.append(link)
        current = link
    depth = len(path) - 1
    while True:
        current = path[depth]
        parts: List[object] = [current.__class__]
        append = parts.append
        tb = _TRACEBACK(current)
        left = QUICK_FRAMES
        while tb is not None and left:
            append(id(tb.tb_frame.f_code))
            tb = tb.tb_next
            left -= 1
        if tb is not None:
            return None
        # The outermost is the root also without a project frame; an inner one only with one.
        if depth == 0 or _has_project_frame(_TRACEBACK(current), project_root):
            return tuple(parts)
        depth -= 1


def _has_project_frame(tb: Optional[TracebackType], project_root: Optional[str]) -> bool:
    while tb is not None:
        if in_project(tb.tb_frame, project_root):
            return True
        tb = tb.tb_next
    return False
