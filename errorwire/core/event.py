"""The vendor-neutral event: plain data, built on the request thread, encoded on the worker.

Every vendor encoder reads only these dataclasses. Nothing here holds a frame
object, a request object or an exception: an Event can sit in a queue, cross a
thread and be inspected in a test without keeping the app's objects alive.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from errorwire.core.text import header

if TYPE_CHECKING:  # its module builds a Request: it imports this one
    from errorwire.core.request_copy import RequestCopy

LEVELS = ("critical", "error", "warning", "info", "debug")


_ids = random.Random()
"""Our own generator: the app's ``random.seed()`` sequence stays the app's."""
if hasattr(os, "register_at_fork"):  # a forked worker must not repeat its parent's ids
    os.register_at_fork(after_in_child=_ids.seed)


def new_event_id() -> str:
    """A random UUID4 as 32 hex digits. An id, not a secret: a seeded generator costs
    a fraction of ``os.urandom``'s system call (5-10 µs on a busy VM)."""
    bits = _ids.getrandbits(128)
    bits = bits & ~(0xF << 76) | (0x4 << 76)  # version 4
    bits = bits & ~(0x3 << 62) | (0x2 << 62)  # RFC 4122 variant
    return f"{bits:032x}"


@dataclass
class Snapshot:
    """A container value of a frame variable (``include_locals``), as the request thread
    saw it: bounded, its items snapshots too. A snapshot that is a ``str`` is a leaf: the
    value's safe repr (``core.safe_repr``, taken by ``core.frame_variables``)."""

    kind: str
    """``list``, ``tuple``, ``set``, ``frozenset`` or ``dict`` (how it is rendered)."""
    items: List[Any] = field(default_factory=list)
    """Snapshots; for a ``dict``, ``(key, value)`` pairs of snapshots."""
    type_name: Optional[str] = None
    """A subclass's name (``OrderedDict``), rendered ``OrderedDict({...})``."""
    more: int = 0
    """Items left out (past the bound)."""


@dataclass
class FrameVariables:
    """A frame's arguments and local variables (``include_locals``): names to snapshots
    (a ``str`` safe repr, or a ``Snapshot``), taken on the request thread."""

    args: Dict[str, Any] = field(default_factory=dict)
    """Positional parameters, in order."""
    varargs_name: Optional[str] = None
    varargs: List[Any] = field(default_factory=list)
    """The values of ``*args``."""
    kwargs: Dict[str, Any] = field(default_factory=dict)
    """Keyword-only parameters, then the entries of ``**kwargs``."""
    locals: Dict[str, Any] = field(default_factory=dict)
    """Every other local variable."""
    omitted: int = 0
    """Variables left out (past the per-frame bound)."""


@dataclass
class Frame:
    """One stack frame. Lists of frames are ordered oldest call first."""

    filename: str
    """Path as shown to people: relative to the project root when inside it."""
    abs_path: Optional[str] = None
    lineno: Optional[int] = None
    colno: Optional[int] = None
    """1-based column where Python knows it (3.11+ ``co_positions``), filled on the
    worker with the source context (``source_context.add_source_context``)."""
    end_lineno: Optional[int] = None
    end_colno: Optional[int] = None
    function: Optional[str] = None
    """Qualified name (``Class.method``) where the code object has one."""
    module: Optional[str] = None
    code: Optional[str] = None
    """The source line itself, stripped of its trailing newline."""
    pre_context: List[str] = field(default_factory=list)
    post_context: List[str] = field(default_factory=list)
    in_project: bool = False
    variables: Optional[FrameVariables] = None
    """Arguments and locals (``include_locals``, in-project frames only)."""
    code_location: Optional[Tuple[Any, int]] = field(default=None, repr=False, compare=False)
    """(code object, ``tb_lasti``) until the worker turns it into columns: decoding
    ``co_positions`` costs ~10 µs a frame, too slow for the request thread. A code
    object holds no locals, unlike the frame it came from."""


@dataclass
class ExceptionInfo:
    """One exception of a chain."""

    type_name: str
    """Class name, qualified for non-builtins (``myapp.errors.PaymentFailed``)."""
    message: Optional[str]
    """``str(exc)``; None when ``__str__`` itself raised (left out, not guessed)."""
    frames: List[Frame] = field(default_factory=list)
    module: Optional[str] = None
    relation: Optional[str] = None
    """How this exception relates to its ``parent`` in ``Event.exceptions``:
    ``"cause"`` (raise ... from), ``"context"`` (raised while handling),
    ``"group"`` (member of an ExceptionGroup), None for the first."""
    parent: Optional[int] = None
    """Index in ``Event.exceptions`` of the exception this one is linked from
    (None for the first). For a plain chain it is the one just before; after an
    ExceptionGroup's members it tells which exception a link belongs to."""
    frames_omitted: int = 0
    """Frames dropped from the middle of a very deep stack."""
    notes: List[str] = field(default_factory=list)
    """PEP 678 notes (``exc.add_note(...)``)."""
    attributes: Dict[str, Any] = field(default_factory=dict)
    """The exception's own public attributes: names to snapshots (``core.safe_repr``)."""
    template_frame: Optional[Tuple[int, Frame]] = field(default=None, repr=False, compare=False)
    """A Django template's frame and its place in ``frames`` (``core.template_frames``), not
    yet inserted (``stacktrace.build_frames``); None once it is."""
    frame_entries: Optional[List[Tuple[Any, int, int]]] = field(
        default=None, repr=False, compare=False
    )
    """Frames not yet made into ``frames`` (``stacktrace.build_frames``, on the worker);
    None once they are. Code objects and line numbers only: no frame, no locals."""
    frame_variables: Optional[Dict[int, FrameVariables]] = field(
        default=None, repr=False, compare=False
    )
    """``include_locals``: the variables of frames (by index in ``frames``) not yet set on
    them (``stacktrace.build_frames``); None once they are."""

    def frame_keys(self) -> List[Tuple[str, Optional[str], bool]]:
        """(filename, function, in_project) of each frame, built or not (for grouping)."""
        if self.frame_entries is not None:
            return [(i.filename, i.function, i.in_project) for i, _, _ in self.frame_entries]
        return [(f.filename, f.function, f.in_project) for f in self.frames]

    @property
    def short_type(self) -> str:
        return self.type_name.rsplit(".", 1)[-1]


@dataclass
class UploadedFile:
    field: str
    filename: Optional[str] = None
    size: Optional[int] = None
    content_type: Optional[str] = None


@dataclass
class Request:
    url: str = ""
    method: str = ""
    headers: Dict[str, str] = field(default_factory=dict)
    cookies: Dict[str, str] = field(default_factory=dict)
    query_string: str = ""
    query: Dict[str, Any] = field(default_factory=dict)
    """Parsed query: a value is a str, or a list of str when the key repeats."""
    form: Dict[str, Any] = field(default_factory=dict)
    json: Any = None
    has_json: bool = False
    """True when ``json`` holds a parsed JSON body (``null`` is a valid body)."""
    body: Optional[bytes] = None
    """A capped copy of the raw body the app itself read (never read for it)."""
    body_truncated: bool = False
    content_type: Optional[str] = None
    client_ip: Optional[str] = None
    route: Optional[str] = None
    """The route template (``/items/{id}``) when the framework knows it."""
    route_params: Dict[str, Any] = field(default_factory=dict)
    files: List[UploadedFile] = field(default_factory=list)

    @property
    def host(self) -> Optional[str]:
        return header(self.headers, "host")

    @property
    def path(self) -> str:
        rest = self.url.split("://", 1)[-1]
        slash = rest.find("/")
        path = rest[slash:] if slash >= 0 else "/"
        return path.split("?", 1)[0]


@dataclass
class Person:
    id: Optional[str] = None
    username: Optional[str] = None
    email: Optional[str] = None
    name: Optional[str] = None
    """The person's full name (Raygun ``fullName``/``firstName``, Bugsnag ``user.name``)."""
    anonymous: Optional[bool] = None
    """True for a visitor who is not logged in (Raygun ``isAnonymous``); None: not said."""


@dataclass
class Server:
    host: Optional[str] = None
    root: Optional[str] = None
    branch: Optional[str] = None
    code_version: Optional[str] = None
    os_name: Optional[str] = None
    os_version: Optional[str] = None
    architecture: Optional[str] = None
    processor_count: Optional[int] = None
    total_memory: Optional[int] = None
    python_version: Optional[str] = None
    started: Optional[float] = None
    """When the process started (Unix time): Bugsnag's ``app.duration``."""


@dataclass
class Breadcrumb:
    message: str
    category: Optional[str] = None
    level: str = "info"
    type: str = "manual"
    """One of manual, navigation, request, log, state, user, process, error."""
    data: Dict[str, Any] = field(default_factory=dict)
    timestamp: float = field(default_factory=time.time)


@dataclass
class Event:
    exceptions: List[ExceptionInfo] = field(default_factory=list)
    """The chain, outermost (the exception that reached us) first."""
    message: Optional[str] = None
    """For ``capture_message``: the text (and no exceptions)."""
    message_frames: List[Frame] = field(default_factory=list)
    """A message's stack (a log record's ``stack_info=True``), oldest call first."""
    level: str = "error"
    handled: bool = True
    severity_reason: str = "handledException"
    """Bugsnag's ``severityReason.type``: unhandledException, handledException, log..."""
    event_id: str = field(default_factory=lambda: new_event_id())
    timestamp: float = field(default_factory=time.time)
    environment: str = "production"
    code_version: Optional[str] = None
    framework: Optional[str] = None
    context: Optional[str] = None
    """What was happening: route template or ``METHOD /path``."""
    grouping_key: Optional[str] = None
    fingerprint: Optional[str] = None
    """Set by the user: overrides ``grouping_key`` for all vendors."""
    request: Optional[Request] = None
    response_status: Optional[int] = None
    person: Optional[Person] = None
    server: Server = field(default_factory=Server)
    breadcrumbs: List[Breadcrumb] = field(default_factory=list)
    tags: List[str] = field(default_factory=list)
    extra: Dict[str, Any] = field(default_factory=dict)
    metadata: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    """Named sections (``add_metadata``): Bugsnag metaData tabs, Rollbar ``custom[section]``,
    Raygun ``userCustomData[section]``."""
    logger_name: Optional[str] = None
    trace: Dict[str, str] = field(default_factory=dict)
    """The OpenTelemetry span recording at capture: ``trace_id`` and ``span_id`` (hex)."""
    session: Optional[Dict[str, Any]] = None
    """Bugsnag's ``session`` of the request or task it happened in (release/sessions.py)."""
    request_copy: Optional[RequestCopy] = field(default=None, repr=False, compare=False)
    """The request's fields as the request thread copied them (plain data), still to be
    built into ``request`` on the worker (``render.complete``); None once it is."""

    @property
    def group(self) -> Optional[str]:
        """The grouping key every vendor receives: the user's fingerprint wins."""
        return self.fingerprint or self.grouping_key

    @property
    def title(self) -> str:
        if self.exceptions:
            first = self.exceptions[0]
            if first.message:
                return f"{first.short_type}: {first.message}"
            return first.short_type
        return self.message or ""
