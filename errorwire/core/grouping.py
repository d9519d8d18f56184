"""The grouping key: one per event, the same for all three vendors.

``Event.fingerprint`` (set by the user) overrides it through ``Event.group``.
"""

from __future__ import annotations

import hashlib
from typing import List, Optional, Tuple

from errorwire.core.event import ExceptionInfo


def _root_cause(chain: List[ExceptionInfo]) -> Optional[ExceptionInfo]:
    """The innermost exception with project frames along the first-link path.

    The path follows, from the outermost, each exception's first link (a group's
    first member, else its cause or context). The innermost one with frames in the
    project is the failure the user's code hit (``raise AppError from KeyError``
    groups by the KeyError); when a library wraps a library error
    (``sqlalchemy.exc.IntegrityError`` from the driver's, raised in library code)
    the wrapper that still shows the user's frames wins.
    """
    if not chain:
        return None
    path = [0]
    while True:
        children = [i for i, info in enumerate(chain) if info.parent == path[-1]]
        if not children:
            break
        path.append(children[0])
    for index in reversed(path):
        if any(in_project for _, _, in_project in chain[index].frame_keys()):
            return chain[index]
    return chain[0]


def grouping_key(chain: List[ExceptionInfo]) -> str:
    """SHA1 of one exception's class and in-project frame locations (``file:function``).

    Line numbers are left out: they drift with every edit above the failing line.
    Without any project frame, the innermost three frames stand in.
    """
    digest = hashlib.sha1(usedforsecurity=False)
    info = _root_cause(chain)
    if info is not None:
        digest.update(info.type_name.encode("utf-8", "replace"))
        keys = info.frame_keys()
        for filename, function, _ in [k for k in keys if k[2]] or keys[-3:]:
            digest.update(f"|{filename}:{function}".encode("utf-8", "replace"))
    return digest.hexdigest()


# BaseException's own slots: a subclass overriding these attributes cannot mislead us.
_CAUSE = BaseException.__dict__["__cause__"].__get__
_CONTEXT = BaseException.__dict__["__context__"].__get__
_SUPPRESS = BaseException.__dict__["__suppress_context__"].__get__

QUICK_FRAMES = 64
QUICK_LINKS = 4


def quick_identity(exc: BaseException) -> Tuple[object, ...]:
    """A cheap stand-in for the grouping key, computed without building frames.

    The exception classes and code objects along the traceback of ``exc`` and its
    first few causes/contexts: two exceptions with the same identity get the same
    grouping key. Used only to recognise a key already known to be in a storm.

    Code objects go in by ``id``: hashing a code object hashes its bytecode and
    constants (30 frames: 4.5 µs against 0.3). Code objects of loaded modules live
    as long as the process; an id reused by code made later could only merge two
    identities, and only while the first is storming.
    """
    parts: List[object] = []
    append = parts.append
    current: Optional[BaseException] = exc
    links = 0
    while current is not None and links < QUICK_LINKS:
        links += 1
        append(current.__class__)
        tb = current.__traceback__
        left = QUICK_FRAMES
        while tb is not None and left:
            append(id(tb.tb_frame.f_code))
            tb = tb.tb_next
            left -= 1
        cause = _CAUSE(current)
        current = (
            cause if cause is not None else (None if _SUPPRESS(current) else _CONTEXT(current))
        )
    return tuple(parts)
