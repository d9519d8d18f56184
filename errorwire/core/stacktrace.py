"""Exception chain -> plain ExceptionInfo/Frame data, and the grouping key.

``extract_chain`` runs on the request thread of a failing request, so it only
walks tracebacks and reads code objects: no recursion, no file reads, one
``realpath`` per distinct file (cached). Source lines are added later, on the
worker, by ``add_source_context``.
"""

from __future__ import annotations

import builtins
import hashlib
import itertools
import linecache
import os
import sys
import sysconfig
from functools import lru_cache
from types import CodeType, FrameType, TracebackType
from typing import Any, Iterable, Iterator, List, Optional, Set, Tuple

from errorwire.core.event import ExceptionInfo, Frame

MAX_CHAIN = 25
"""Exceptions kept from one chain (cause/context links plus group members)."""
MAX_FRAMES = 250
"""Frames kept per exception; a deeper stack keeps its outermost and innermost."""
CONTEXT_LINES = 5
MAX_LINE_CHARS = 1000
"""Longer source lines (minified, generated) are cut: context is for reading."""

_GROUP_TYPE: Optional[type] = getattr(builtins, "BaseExceptionGroup", None)
_GROUP_MEMBERS: Any = None if _GROUP_TYPE is None else vars(_GROUP_TYPE)["exceptions"]
_HAS_POSITIONS = hasattr(CodeType, "co_positions")  # 3.11+
_CAUSE: Any = vars(BaseException)["__cause__"]
_CONTEXT: Any = vars(BaseException)["__context__"]
_SUPPRESS_CONTEXT: Any = vars(BaseException)["__suppress_context__"]
_TRACEBACK: Any = vars(BaseException)["__traceback__"]
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
    for marker in _LIBRARY_MARKERS:
        cut = real.rfind(marker)
        if cut >= 0:
            return real[cut + len(marker) :], real, False
    for prefix in _LIBRARY_PREFIXES:
        if real.startswith(prefix):
            return real[len(prefix) :], real, False
    if project_root:
        root = project_root.rstrip(os.sep) + os.sep
        if real.startswith(root):
            return real[len(root) :], real, True
    return real, real, False


def _qualified_type(exc: BaseException) -> Tuple[str, Optional[str]]:
    cls = type(exc)
    module = getattr(cls, "__module__", None)
    name = getattr(cls, "__qualname__", None) or cls.__name__
    if not isinstance(module, str) or module in ("builtins", "__builtin__"):
        return str(name), None
    return f"{module}.{name}", module


def safe_str(exc: BaseException) -> Optional[str]:
    """``str(exc)``, or None when its ``__str__`` raises (left out, not guessed)."""
    try:
        text = str(exc)
    except Exception:  # a broken __str__ is the user's, not ours
        return None
    return text if isinstance(text, str) else None


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


def _function_name(code: CodeType, frame: FrameType) -> str:
    qualname = getattr(code, "co_qualname", None)  # 3.11+
    if isinstance(qualname, str):
        return qualname
    return _method_qualname(code, frame) or code.co_name


def _method_qualname(code: CodeType, frame: FrameType) -> Optional[str]:
    """``Class.method`` before 3.11: only when the class really defines this code."""
    if not code.co_argcount or code.co_varnames[0] not in ("self", "cls"):
        return None
    try:
        first = frame.f_locals.get(code.co_varnames[0])
        owner = first if isinstance(first, type) else type(first)
        for cls in owner.__mro__:
            attr = cls.__dict__.get(code.co_name)
            attr = getattr(attr, "__func__", attr)  # classmethod / staticmethod
            if getattr(attr, "__code__", None) is code:
                return f"{cls.__qualname__}.{code.co_name}"
    except Exception:  # a hostile __getattr__ must not break capture
        return None
    return None


def _bounded_entries(tb: Optional[TracebackType], limit: int) -> Tuple[List[TracebackType], int]:
    """Traceback entries oldest first; past ``limit``, the outermost and innermost halves."""
    head: List[TracebackType] = []
    tail: List[TracebackType] = []
    keep_head = limit // 2
    keep_tail = limit - keep_head
    total = 0
    while tb is not None:
        total += 1
        if len(head) < keep_head:
            head.append(tb)
        elif keep_tail:
            tail.append(tb)
            if len(tail) > 2 * keep_tail:  # trim in batches: linear overall
                del tail[:-keep_tail]
        tb = tb.tb_next
    if len(tail) > keep_tail:
        tail = tail[-keep_tail:]
    return head + tail, total - len(head) - len(tail)


def extract_frames(
    tb: Optional[TracebackType], project_root: Optional[str], limit: int = MAX_FRAMES
) -> Tuple[List[Frame], int]:
    """Frames oldest call first, and how many were left out of the middle."""
    entries, omitted = _bounded_entries(tb, limit)
    frames: List[Frame] = []
    for entry in entries:
        pyframe = entry.tb_frame
        code = pyframe.f_code
        filename, abs_path, in_project = classify_path(code.co_filename, project_root)
        module = pyframe.f_globals.get("__name__")
        frames.append(
            Frame(
                filename=filename,
                abs_path=abs_path,
                lineno=entry.tb_lineno,
                function=_function_name(code, pyframe),
                module=module if isinstance(module, str) else None,
                in_project=in_project,
                code_location=(code, entry.tb_lasti) if _HAS_POSITIONS else None,
            )
        )
    return frames, omitted


def _group_members(exc: BaseException) -> Iterable[BaseException]:
    if _GROUP_MEMBERS is not None:
        if _GROUP_TYPE is not None and isinstance(exc, _GROUP_TYPE):
            members: Iterable[BaseException] = _GROUP_MEMBERS.__get__(exc)
            return members
        return ()
    # Before 3.11, anyio/trio (hence Starlette/FastAPI) raise the ``exceptiongroup`` backport's.
    backport = getattr(sys.modules.get("exceptiongroup"), "BaseExceptionGroup", None)
    if not isinstance(backport, type) or not isinstance(exc, backport):
        return ()
    try:
        found = getattr(exc, "exceptions", ())
    except Exception:  # a broken group: no members rather than no report
        return ()
    if not isinstance(found, (tuple, list)):
        return ()
    return [m for m in found if isinstance(m, BaseException)]


def _linked(exc: BaseException) -> Iterator[Tuple[str, BaseException]]:
    """What ``exc`` leads to, nearest first: its group members, then cause or context.

    This is the reverse of the order ``traceback`` prints (cause, then the group),
    matching ``Event.exceptions`` being outermost first. Read through BaseException's
    own slots: a subclass overriding ``__cause__`` with a property cannot derail it.
    """
    for member in _group_members(exc):
        yield "group", member
    cause = _CAUSE.__get__(exc)
    if cause is not None:
        yield "cause", cause
    else:
        context = _CONTEXT.__get__(exc)
        if context is not None and not _SUPPRESS_CONTEXT.__get__(exc):
            yield "context", context


def extract_chain(
    exc: BaseException, project_root: Optional[str], max_chain: int = MAX_CHAIN
) -> List[ExceptionInfo]:
    """The chain, outermost first, depth first; each link's ``parent`` indexes its parent.

    Cycles (``__context__`` looping back) are cut by identity; at most ``max_chain``
    exceptions are kept. Iterative: a deep chain cannot hit the recursion limit.
    """
    chain: List[ExceptionInfo] = []
    seen: Set[int] = set()
    # A stack of (relation, parent index, exception); links pushed in reverse so the
    # nearest is taken first.
    stack: List[Tuple[Optional[str], Optional[int], BaseException]] = [(None, None, exc)]
    while stack and len(chain) < max_chain:
        relation, parent, current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        type_name, module = _qualified_type(current)
        frames, omitted = extract_frames(_TRACEBACK.__get__(current), project_root)
        chain.append(
            ExceptionInfo(
                type_name=type_name,
                module=module,
                message=safe_str(current),
                frames=frames,
                relation=relation,
                parent=parent,
                frames_omitted=omitted,
            )
        )
        index = len(chain) - 1
        room = max_chain - len(chain)
        links = list(itertools.islice(_linked(current), room))
        stack.extend((rel, index, linked) for rel, linked in reversed(links))
    return chain


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
    checked: Set[str] = set()
    for frame in frames:
        resolve_columns(frame)
        path = frame.abs_path
        if not path or frame.lineno is None or frame.code is not None:
            continue
        if path not in checked:
            checked.add(path)
            linecache.checkcache(path)  # the file may have changed since it was cached
        source = linecache.getlines(path)
        if not source or not 0 < frame.lineno <= len(source):
            continue
        index = frame.lineno - 1
        line = source[index].rstrip("\r\n")
        frame.colno = _char_column(line, frame.colno)
        if frame.end_lineno is not None and 0 < frame.end_lineno <= len(source):
            end_line = source[frame.end_lineno - 1].rstrip("\r\n")
            frame.end_colno = _char_column(end_line, frame.end_colno)
        frame.code = _cut(line)
        frame.pre_context = [_cut(text) for text in source[max(0, index - lines) : index]]
        frame.post_context = [_cut(text) for text in source[index + 1 : index + 1 + lines]]


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
        if any(frame.in_project for frame in chain[index].frames):
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
        frames = [f for f in info.frames if f.in_project] or info.frames[-3:]
        for frame in frames:
            digest.update(f"|{frame.filename}:{frame.function}".encode("utf-8", "replace"))
    return digest.hexdigest()
