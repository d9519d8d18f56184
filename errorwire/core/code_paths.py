"""Where a code object's file belongs: the project, a library, or neither.

The display filename of a frame and its ``in_project`` mark both come from here;
library files display relative to their install folder so grouping keys stay the
same across machines.
"""

from __future__ import annotations

import os
import sysconfig
from functools import lru_cache
from typing import Optional, Set, Tuple

__all__ = ["classify_path"]

_LIBRARY_MARKERS = (os.sep + "site-packages" + os.sep, os.sep + "dist-packages" + os.sep)


def _library_prefixes() -> Tuple[str, ...]:
    """Install folders of the stdlib and site-packages, longest first."""
    paths: Set[str] = set()
    try:
        install = sysconfig.get_paths()
    except Exception:  # pragma: no cover - unusual interpreters
        install = {}
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = install.get(name)
        if path:
            paths.add(os.path.realpath(path))
    return tuple(sorted((p.rstrip(os.sep) + os.sep for p in paths), key=len, reverse=True))


_LIBRARY_PREFIXES = _library_prefixes()


@lru_cache(maxsize=4096)
def classify_path(co_filename: str, project_root: Optional[str]) -> Tuple[str, str, bool]:
    """(display filename, absolute path, in_project) for a code object's file; cached.

    Project files display relative to the root; library files relative to their
    site-packages or stdlib folder (``flask/app.py``), which keeps grouping keys
    the same across machines.
    """
    if not co_filename or (co_filename.startswith("<") and co_filename.endswith(">")):
        return co_filename or "<unknown>", co_filename or "<unknown>", False
    real = os.path.realpath(co_filename)
    in_library = _library_relative(real)
    if in_library is not None:
        return in_library, real, False
    if project_root:
        root = project_root.rstrip(os.sep) + os.sep
        if real.startswith(root):
            return real[len(root) :], real, True
    return real, real, False


def _library_relative(real: str) -> Optional[str]:
    """``real`` relative to the site-packages or stdlib folder it is in; None if in none."""
    for marker in _LIBRARY_MARKERS:
        cut = real.rfind(marker)
        if cut >= 0:
            return real[cut + len(marker) :]
    for prefix in _LIBRARY_PREFIXES:
        if real.startswith(prefix):
            return real[len(prefix) :]
    return None
