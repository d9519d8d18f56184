"""Exception chain -> plain ExceptionInfo/Frame data (request thread side).

``extract_chain`` runs on the request thread of a failing request, so it only
walks tracebacks and reads code objects: no recursion, no file reads, one
``realpath`` per distinct file (cached). Source lines are added later, on the
worker, by ``add_source_context``.
"""

from __future__ import annotations

import builtins
import itertools
import sys
from types import CodeType, FrameType, TracebackType
from typing import Any, Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Set, Tuple

from errorwire.core.code_paths import classify_path
from errorwire.core.event import ExceptionInfo, Frame, FrameVariables
from errorwire.core.exception_details import describe
from errorwire.core.grouping import grouping_key
from errorwire.core.source_context import CONTEXT_LINES, add_source_context, resolve_columns
from errorwire.core.template_frames import place_template_frame
from errorwire.core.text import module_and_name

__all__ = [
    "CONTEXT_LINES",
    "MAX_CHAIN",
    "MAX_FRAMES",
    "add_source_context",
    "build_frames",
    "classify_path",
    "exception_message",
    "extract_chain",
    "extract_frames",
    "grouping_key",
    "resolve_columns",
]

MAX_CHAIN = 25
"""Exceptions kept from one chain (cause/context links plus group members)."""
MAX_FRAMES = 250
"""Frames kept per exception; a deeper stack keeps its outermost and innermost."""

_GROUP_TYPE: Optional[type] = getattr(builtins, "BaseExceptionGroup", None)
_GROUP_MEMBERS: Any = None if _GROUP_TYPE is None else vars(_GROUP_TYPE)["exceptions"]
_HAS_POSITIONS = hasattr(CodeType, "co_positions")  # 3.11+
_CAUSE: Any = vars(BaseException)["__cause__"]
_CONTEXT: Any = vars(BaseException)["__context__"]
_SUPPRESS_CONTEXT: Any = vars(BaseException)["__suppress_context__"]
_TRACEBACK: Any = vars(BaseException)["__traceback__"]


def _qualified_type(exc: BaseException) -> Tuple[str, Optional[str]]:
    module, name = module_and_name(type(exc))
    return (name if module is None else f"{module}.{name}"), module


def exception_message(exc: BaseException) -> Optional[str]:
    """``str(exc)``, or None when its ``__str__`` raises (left out, not guessed)."""
    try:
        text = str(exc)
    except Exception:  # a broken __str__ is the user's, not ours
        return None
    return text if isinstance(text, str) else None


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


class CodeInfo(NamedTuple):
    """What one code object tells about every frame of it (cached per code object)."""

    code: CodeType
    filename: str
    """As displayed: relative to the project root where it is under it."""
    abs_path: str
    in_project: bool
    function: str
    module: Optional[str]


FrameEntry = Tuple[CodeInfo, int, int]
"""(code info, line number, ``tb_lasti``): a frame before it becomes a Frame (``build_frames``)."""

_CODE_INFO: Dict[Optional[str], Dict[int, CodeInfo]] = {}
MAX_CACHED_CODES = 8192


def _code_info(
    code: CodeType, frame: FrameType, known: Dict[int, CodeInfo], root: Optional[str]
) -> CodeInfo:
    """What a code object tells about every frame of it; ``frame_entries`` keeps it.

    Keyed by ``id``: hashing a code object hashes its bytecode. The entry keeps the
    code object, so an id cannot be reused while its entry lives.
    """
    filename, abs_path, in_project = classify_path(code.co_filename, root)
    module = frame.f_globals.get("__name__")
    info = CodeInfo(
        code,
        filename,
        abs_path,
        in_project,
        _function_name(code, frame),
        module if isinstance(module, str) else None,
    )
    if len(known) >= MAX_CACHED_CODES:
        known.clear()
    known[id(code)] = info
    return info


def frame_entries(
    tb: Optional[TracebackType], project_root: Optional[str], limit: int = MAX_FRAMES
) -> Tuple[List[FrameEntry], int]:
    """Frame entries oldest call first, and how many were left out of the middle.

    The request thread's share of a frame: a dict lookup and a tuple. No frame
    object is kept (the entry holds the code object, which holds no locals).
    """
    known = _code_infos(project_root)
    entries: List[FrameEntry] = []
    append = entries.append
    current = tb
    while current is not None:  # _entry inlined: a call per frame costs ~0.1 µs here
        frame = current.tb_frame
        code = frame.f_code
        info = known.get(id(code))
        # info[0], not info.code: a tuple index is a specialised opcode, a NamedTuple
        # field a descriptor call (this loop runs once per frame of every report).
        if info is None or info[0] is not code:
            info = _code_info(code, frame, known, project_root)
        append((info, current.tb_lineno, current.tb_lasti))
        current = current.tb_next
        if len(entries) > limit:  # very deep: keep the outermost and innermost
            tracebacks, omitted = _bounded_entries(tb, limit)
            return [_entry(t, known, project_root) for t in tracebacks], omitted
    return entries, 0


def _entry(tb: TracebackType, known: Dict[int, CodeInfo], root: Optional[str]) -> FrameEntry:
    return (_info(tb.tb_frame, known, root), tb.tb_lineno, tb.tb_lasti)


def _info(frame: FrameType, known: Dict[int, CodeInfo], root: Optional[str]) -> CodeInfo:
    code = frame.f_code
    info = known.get(id(code))
    if info is None or info.code is not code:
        info = _code_info(code, frame, known, root)
    return info


def to_frames(entries: List[FrameEntry]) -> List[Frame]:
    return [
        Frame(
            filename=info.filename,
            abs_path=info.abs_path,
            lineno=lineno,
            function=info.function,
            module=info.module,
            in_project=info.in_project,
            code_location=(info.code, lasti) if _HAS_POSITIONS else None,
        )
        for info, lineno, lasti in entries
    ]


def build_frames(chain: List[ExceptionInfo]) -> None:
    """Turn the frame entries of a chain captured with ``lazy=True`` into Frames."""
    for info in chain:
        if info.frame_entries is not None:
            info.frames = to_frames(info.frame_entries)
            info.frame_entries = None
        if info.frame_variables is not None:
            _set_variables(info.frames, info.frame_variables)
            info.frame_variables = None
        place_template_frame(info)  # after the variables: they index the entries


def _set_variables(frames: List[Frame], variables: Dict[int, FrameVariables]) -> None:
    for index, found in variables.items():
        if 0 <= index < len(frames):
            frames[index].variables = found


TakeLocals = Callable[[List[TracebackType], List[FrameEntry]], Optional[Dict[int, FrameVariables]]]
"""Takes the variables of frames (``core.frame_variables``): called with a traceback's
entries and the traceback objects they came from, aligned; variables by entry index."""


def _entry_tracebacks(tb: Optional[TracebackType], omitted: int) -> List[TracebackType]:
    """The traceback objects ``frame_entries`` made its entries of, in the same order."""
    if omitted:
        return _bounded_entries(tb, MAX_FRAMES)[0]
    found = []
    while tb is not None:
        found.append(tb)
        tb = tb.tb_next
    return found


def extract_frames(
    tb: Optional[TracebackType], project_root: Optional[str], limit: int = MAX_FRAMES
) -> Tuple[List[Frame], int]:
    """Frames oldest call first, and how many were left out of the middle."""
    entries, omitted = frame_entries(tb, project_root, limit)
    return to_frames(entries), omitted


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
    link = _cause_or_context(exc)
    if link is not None:
        yield link


def _cause_or_context(exc: BaseException) -> Optional[Tuple[str, BaseException]]:
    cause = _CAUSE.__get__(exc)
    if cause is not None:
        return "cause", cause
    context = _CONTEXT.__get__(exc)
    if context is not None and not _SUPPRESS_CONTEXT.__get__(exc):
        return "context", context
    return None


def first_link(exc: BaseException) -> Optional[BaseException]:
    """The first of ``_linked(exc)``: the link grouping follows towards the root cause."""
    for member in _group_members(exc):
        return member
    link = _cause_or_context(exc)
    return None if link is None else link[1]


def _code_infos(project_root: Optional[str]) -> Dict[int, CodeInfo]:
    """The code-info cache of ``project_root``: ``id(code)`` -> CodeInfo, valid where
    ``info.code is code``."""
    known = _CODE_INFO.get(project_root)
    if known is None:
        known = _CODE_INFO.setdefault(project_root, {})
    return known


def in_project(frame: FrameType, project_root: Optional[str]) -> bool:
    """Whether ``frame``'s code is the project's (the code-info cache ``frame_entries`` uses)."""
    return _info(frame, _code_infos(project_root), project_root).in_project


def extract_chain(
    exc: BaseException,
    project_root: Optional[str],
    max_chain: int = MAX_CHAIN,
    lazy: bool = False,
    take_locals: Optional[TakeLocals] = None,
) -> List[ExceptionInfo]:
    """The chain, outermost first, depth first; each link's ``parent`` indexes its parent.

    Cycles (``__context__`` looping back) are cut by identity; at most ``max_chain``
    exceptions are kept. Iterative: a deep chain cannot hit the recursion limit.
    ``lazy``: frames stay entries (``frame_entries``) until ``build_frames``, which
    the worker calls: Frame objects cost ~1 µs each, too much for the request thread.
    ``take_locals`` (``include_locals``) reads frame variables while the frames live.
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
        tb = _TRACEBACK.__get__(current)
        entries, omitted = frame_entries(tb, project_root)
        info = ExceptionInfo(
            type_name=type_name,
            module=module,
            message=exception_message(current),
            frames=[] if lazy else to_frames(entries),
            relation=relation,
            parent=parent,
            frames_omitted=omitted,
            frame_entries=entries if lazy else None,
        )
        describe(info, current, entries, project_root)
        if take_locals is not None:
            info.frame_variables = take_locals(_entry_tracebacks(tb, omitted), entries)
        if not lazy:
            build_frames([info])
        chain.append(info)
        index = len(chain) - 1
        room = max_chain - len(chain)
        links = list(itertools.islice(_linked(current), room))
        stack.extend((rel, index, linked) for rel, linked in reversed(links))
    return chain
