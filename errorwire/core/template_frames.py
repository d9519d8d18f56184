"""A frame for the template a Django template error happened in.

With template debugging on (``TEMPLATES[...]["OPTIONS"]["debug"]``, by default
``DEBUG``), Django puts ``template_debug`` on an exception raised while rendering: the
template's name, the failing line and the lines around it. That becomes a frame of its
own, placed right after the innermost frame of Django's template engine, so the report
points at ``error.html:10`` and not only at ``django/template/base.py``. Read from the
exception's own attributes: nothing of Django is imported.
"""

from __future__ import annotations

import os
from typing import Any, List, Optional, Sequence, Tuple

from errorwire.core.event import ExceptionInfo, Frame
from errorwire.core.source_context import CONTEXT_LINES

ATTRIBUTE = "template_debug"
ENGINE_MODULE = "django.template"
LINE_MAX = 1024


def template_frame(
    exc: BaseException, entries: Sequence[Tuple[Any, int, int]], project_root: Optional[str]
) -> Optional[Tuple[int, Frame]]:
    """(where the frame goes among the exception's frames, oldest first; the frame), or None.

    ``entries``: the exception's frame entries (``stacktrace.FrameEntry``), oldest first."""
    try:
        debug = exc.__dict__.get(ATTRIBUTE)
    except Exception:
        return None
    if not isinstance(debug, dict):
        return None
    try:
        return _position([info.module for info, _, _ in entries]), _frame(debug, project_root)
    except Exception:  # a template_debug of another shape: no frame, the report goes on
        return None


def place_template_frame(info: ExceptionInfo) -> None:
    """Put the template frame of a chain member among its built frames (worker side)."""
    if info.template_frame is not None:
        position, frame = info.template_frame
        info.frames.insert(position, frame)
        info.template_frame = None


def _position(modules: Sequence[Optional[str]]) -> int:
    for index in range(len(modules) - 1, -1, -1):
        module = modules[index] or ""
        if module == ENGINE_MODULE or module.startswith(ENGINE_MODULE + "."):
            return index + 1
    return len(modules)


def _frame(debug: Any, project_root: Optional[str]) -> Frame:
    name = str(debug["name"])
    line = int(debug["line"])
    source = {int(number): str(text) for number, text in debug.get("source_lines") or ()}
    path = name if os.path.isabs(name) else None
    frame = Frame(
        filename=_shown(name, project_root),
        abs_path=path,
        lineno=line,
        function="<template>",
        in_project=_in_project(path, project_root),
    )
    if path is None or not os.path.isfile(path):
        # No file to read the lines from (a template from a database, a string): Django's
        # own copy. (Django < 5 HTML-escapes it; the file, read on the worker like any
        # source file, is what was written.)
        frame.code = _cut(source.get(line, debug.get("during", "")))
        frame.pre_context = _lines(source, range(line - CONTEXT_LINES, line))
        frame.post_context = _lines(source, range(line + 1, line + 1 + CONTEXT_LINES))
    return frame


def _shown(name: str, project_root: Optional[str]) -> str:
    if project_root and os.path.isabs(name):
        root = project_root.rstrip(os.sep) + os.sep
        if name.startswith(root):
            return name[len(root) :]
    return name


def _in_project(path: Optional[str], project_root: Optional[str]) -> bool:
    """A template from the project's folders (or named without a path): not a library's."""
    if path is None:
        return True
    if "site-packages" in path or "dist-packages" in path:
        return False
    return not project_root or path.startswith(project_root.rstrip(os.sep) + os.sep)


def _lines(source: dict, numbers: range) -> List[str]:  # type: ignore[type-arg]
    return [_cut(source[n]) for n in numbers if n in source]


def _cut(text: Any) -> str:
    return str(text).rstrip("\r\n")[:LINE_MAX]
