"""The grouping key: one per event, the same for all three vendors.

``Event.fingerprint`` (set by the user) overrides it through ``Event.group``.
"""

from __future__ import annotations

import hashlib
from typing import List, Optional

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
