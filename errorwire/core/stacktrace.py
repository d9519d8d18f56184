"""Exception chain -> plain ExceptionInfo/Frame data, and the grouping key.

Runs on the request thread, so it only walks tracebacks and reads code objects;
source lines are added later on the worker by ``add_source_context``.
"""

from __future__ import annotations

import hashlib
import linecache
import os
import sys
import sysconfig
from functools import lru_cache
from types import TracebackType
from typing import Iterable, List, Optional, Set, Tuple

from errorwire.core.event import ExceptionInfo, Frame

MAX_CHAIN = 25
"""Exceptions kept from one chain (cause/context links plus group members)."""
MAX_FRAMES = 250
"""Frames kept per exception; a deeper stack keeps its outermost and innermost."""
CONTEXT_LINES = 5


def _library_prefixes() -> Tuple[str, ...]:
    paths: Set[str] = set()
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            paths.add(os.path.realpath(sysconfig.get_paths()[name]))
        except (KeyError, OSError):  # pragma: no cover - unusual interpreters
            continue
    return tuple(sorted(p.rstrip(os.sep) + os.sep for p in paths if p))


_LIBRARY_PREFIXES = _library_prefixes()


@lru_cache(maxsize=4096)
def _classify(abs_path: str, project_root: Optional[str]) -> Tuple[str, bool]:
    """(display filename, in_project) for one file path; cached, paths repeat a lot."""
    if not abs_path or abs_path.startswith("<"):
        return abs_path or "<unknown>", False
    real = os.path.realpath(abs_path)
    in_library = real.startswith(_LIBRARY_PREFIXES) or (
        os.sep + "site-packages" + os.sep in real or os.sep + "dist-packages" + os.sep in real
    )
    if project_root:
        root = project_root.rstrip(os.sep) + os.sep
        if real.startswith(root):
            return real[len(root) :], not in_library
    return abs_path, False


def _qualified_type(exc: BaseException) -> Tuple[str, Optional[str]]:
    cls = type(exc)
    module = getattr(cls, "__module__", None)
    name = getattr(cls, "__qualname__", None) or cls.__name__
    if module in (None, "builtins", "__builtin__"):
        return name, None
    return f"{module}.{name}", module


def safe_str(exc: BaseException) -> Optional[str]:
    """``str(exc)``, or None when its ``__str__`` raises (left out, not guessed)."""
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a broken __str__ is the user's, not ours
        return None
    return text if isinstance(text, str) else None


def _column(tb: TracebackType) -> Tuple[Optional[int], Optional[int], Optional[int]]:
    """(colno, end_lineno, end_colno), 1-based columns, on 3.11+ only."""
    positions = getattr(tb.tb_frame.f_code, "co_positions", None)
    if positions is None or tb.tb_lasti < 0:
        return None, None, None
    try:
        for index, pos in enumerate(positions()):
            if index == tb.tb_lasti // 2:
                _line, end_line, col, end_col = pos
                return (
                    None if col is None else col + 1,
                    end_line,
                    None if end_col is None else end_col + 1,
                )
    except (ValueError, TypeError):  # pragma: no cover - defensive on odd code objects
        pass
    return None, None, None


def _walk(tb: Optional[TracebackType]) -> List[TracebackType]:
    entries: List[TracebackType] = []
    while tb is not None:
        entries.append(tb)
        tb = tb.tb_next
    return entries


def extract_frames(
    tb: Optional[TracebackType], project_root: Optional[str], limit: int = MAX_FRAMES
) -> Tuple[List[Frame], int]:
    """Frames oldest call first, and how many were left out of the middle."""
    entries = _walk(tb)
    omitted = 0
    if len(entries) > limit:
        head = limit // 2
        tail = limit - head
        omitted = len(entries) - limit
        entries = entries[:head] + entries[-tail:]
    frames: List[Frame] = []
    for entry in entries:
        code = entry.tb_frame.f_code
        abs_path = code.co_filename
        filename, in_project = _classify(abs_path, project_root)
        colno, end_lineno, end_colno = _column(entry)
        frames.append(
            Frame(
                filename=filename,
                abs_path=abs_path,
                lineno=entry.tb_lineno,
                colno=colno,
                end_lineno=end_lineno,
                end_colno=end_colno,
                function=getattr(code, "co_qualname", None) or code.co_name,
                module=entry.tb_frame.f_globals.get("__name__"),
                in_project=in_project,
            )
        )
    return frames, omitted


def _linked(exc: BaseException) -> Iterable[Tuple[str, BaseException]]:
    if exc.__cause__ is not None:
        yield "cause", exc.__cause__
    elif exc.__context__ is not None and not exc.__suppress_context__:
        yield "context", exc.__context__
    members = getattr(exc, "exceptions", None)
    if isinstance(members, tuple) and _is_group(exc):
        for member in members:
            if isinstance(member, BaseException):
                yield "group", member


def _is_group(exc: BaseException) -> bool:
    group_type = getattr(sys.modules["builtins"], "BaseExceptionGroup", None)
    return group_type is not None and isinstance(exc, group_type)


def extract_chain(
    exc: BaseException, project_root: Optional[str], max_chain: int = MAX_CHAIN
) -> List[ExceptionInfo]:
    """The chain, outermost first: cause/context links depth-first, then group members."""
    chain: List[ExceptionInfo] = []
    seen: Set[int] = set()
    pending: List[Tuple[Optional[str], BaseException]] = [(None, exc)]
    while pending and len(chain) < max_chain:
        relation, current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        type_name, module = _qualified_type(current)
        frames, omitted = extract_frames(current.__traceback__, project_root)
        chain.append(
            ExceptionInfo(
                type_name=type_name,
                module=module,
                message=safe_str(current),
                frames=frames,
                relation=relation,
                frames_omitted=omitted,
            )
        )
        pending[0:0] = list(_linked(current))
    return chain


def add_source_context(frames: Iterable[Frame], lines: int = CONTEXT_LINES) -> None:
    """Fill ``code`` and up to ``lines`` lines before/after each frame (worker side)."""
    for frame in frames:
        if not frame.abs_path or frame.lineno is None or frame.code is not None:
            continue
        source = linecache.getlines(frame.abs_path)
        if not source or frame.lineno > len(source):
            continue
        index = frame.lineno - 1
        frame.code = source[index].rstrip("\r\n")
        frame.pre_context = [line.rstrip("\r\n") for line in source[max(0, index - lines) : index]]
        frame.post_context = [line.rstrip("\r\n") for line in source[index + 1 : index + 1 + lines]]


def grouping_key(chain: List[ExceptionInfo]) -> str:
    """Exception class + in-project frame locations (not line numbers, which drift)."""
    digest = hashlib.sha1(usedforsecurity=False) if sys.version_info >= (3, 9) else hashlib.sha1()
    for info in chain[:1]:
        digest.update(info.type_name.encode())
        project = [f for f in info.frames if f.in_project] or info.frames[-3:]
        for frame in project:
            digest.update(f"|{frame.filename}:{frame.function}".encode("utf-8", "replace"))
    return digest.hexdigest()
