"""``include_locals``: the arguments and local variables of in-project frames, taken on
the request thread while the frames live (``stacktrace.extract_chain`` calls a
``LocalsTaker``, one per report).

Bounded: MAX_VARIABLES per frame, MAX_FRAMES per report (the innermost in-project
frames of each exception first), each value a ``safe_repr.snapshot``. Django's
``@sensitive_variables`` is honoured here, as Django itself finds it: the named
variables (all of them for a bare decorator) of a frame called under the decorated
function are never read, only named, with the value ``[Filtered]``. Nothing of Django
is imported: without it loaded, no function can carry its decorator.
"""

from __future__ import annotations

import sys
from types import FrameType, TracebackType
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Tuple, Union

from errorwire.core.event import FrameVariables
from errorwire.core.safe_repr import snapshot
from errorwire.core.safety import swallow
from errorwire.core.scrub_rules import FILTERED

MAX_VARIABLES = 32
"""Variables kept per frame (arguments first)."""
MAX_FRAMES = 10
"""Frames of one report whose variables are kept."""
DJANGO_DEBUG = "django.views.decorators.debug"
WRAPPER = "sensitive_variables_wrapper"
ALL = "__ALL__"
_CO_VARARGS = 0x04
_CO_VARKEYWORDS = 0x08
_CO_COROUTINE = 0x80

Sensitive = Union[None, str, Sequence[str]]
"""Django's marker: None, ``"__ALL__"`` or the names of the sensitive variables."""


class LocalsTaker:
    """Takes the variables of one report's in-project frames (one instance per report)."""

    def __init__(self, max_frames: int = MAX_FRAMES) -> None:
        self.left = max_frames
        self.taken: Dict[int, Optional[FrameVariables]] = {}
        """By frame id: a frame in several tracebacks of a chain is read once (the frames
        are alive while the report is built, so an id cannot be reused meanwhile)."""
        self.django = sys.modules.get(DJANGO_DEBUG)
        self.sensitive: Dict[int, Sensitive] = {}

    def __call__(
        self, tracebacks: List[TracebackType], entries: List[Tuple[Any, int, int]]
    ) -> Optional[Dict[int, FrameVariables]]:
        """Variables by index in ``entries`` (aligned with ``tracebacks``), innermost first."""
        found: Dict[int, FrameVariables] = {}
        for index in range(len(entries) - 1, -1, -1):
            info = entries[index][0]
            if not info.in_project or _own(info.module):  # errorwire's own are not the app's
                continue
            frame = tracebacks[index].tb_frame
            if id(frame) in self.taken:
                variables = self.taken[id(frame)]
            else:
                if self.left <= 0:
                    break
                variables = None
                with swallow("frame locals"):  # the report goes out without them
                    variables = frame_variables(frame, self._sensitive(frame))
                self.taken[id(frame)] = variables
                if variables is not None:
                    self.left -= 1
            if variables is not None:
                found[index] = variables
        return found or None

    def _sensitive(self, frame: FrameType) -> Sensitive:
        if self.django is None:
            return None
        code = frame.f_code
        if code.co_flags & _CO_COROUTINE and code.co_name != WRAPPER:
            registry = getattr(self.django, "coroutine_functions_to_sensitive_variables", None)
            if isinstance(registry, dict):
                found = registry.get(hash(f"{code.co_filename}:{code.co_firstlineno}"))
                if found is not None:
                    return _marker(found)
        return self._enclosing(frame)

    def _enclosing(self, frame: FrameType) -> Sensitive:
        """The marker of the nearest ``sensitive_variables_wrapper`` frame at or above
        ``frame``, remembered for every frame on the way (linear over a report)."""
        path: List[int] = []
        current: Optional[FrameType] = frame
        marker: Sensitive = None
        while current is not None:
            known = self.sensitive.get(id(current), False)
            if known is not False:
                marker = known  # type: ignore[assignment]
                break
            path.append(id(current))
            if current.f_code.co_name == WRAPPER:
                wrapper = current.f_locals.get(WRAPPER)
                if wrapper is not None:
                    marker = _marker(getattr(wrapper, "sensitive_variables", None))
                    break
            current = current.f_back
        for frame_id in path:
            self.sensitive[frame_id] = marker
        return marker


def _own(module: Optional[str]) -> bool:
    return module is not None and (module == "errorwire" or module.startswith("errorwire."))


def _marker(value: object) -> Sensitive:
    if value == ALL:
        return ALL
    if isinstance(value, (tuple, list, set, frozenset)):
        return tuple(str(name) for name in value)
    return None


def frame_variables(frame: FrameType, sensitive: Sensitive = None) -> Optional[FrameVariables]:
    """``frame``'s arguments and locals (the first MAX_VARIABLES, the rest counted); None
    when it has none. Runs on the failing request's thread, while the frame lives."""
    values = frame.f_locals
    if not values:
        return None
    shape = _Signature(frame.f_code)
    take = _Taker(sensitive)
    args = {name: take(name, values[name]) for name in shape.positional if name in values}
    rest: List[Any] = []
    given = values.get(shape.varargs) if shape.varargs is not None else None
    if type(given) is tuple:
        rest = [take(shape.varargs, item) for item in given]
    kwargs = {name: take(name, values[name]) for name in shape.keyword_only if name in values}
    given = values.get(shape.varkw) if shape.varkw is not None else None
    if type(given) is dict:
        for key, item in dict.items(given):  # **kwargs: hidden by their own name or its
            name = key if type(key) is str else repr(key)
            kwargs[name] = take(name, item, also=shape.varkw)
    others = {str(name): take(name, values[name]) for name in values if name not in shape.named}
    return FrameVariables(
        _kept(args), shape.varargs, _kept(rest), _kept(kwargs), _kept(others), take.left_out
    )


class _Signature:
    """Which of a code object's variables are arguments, and of which kind."""

    __slots__ = ("keyword_only", "named", "positional", "varargs", "varkw")

    def __init__(self, code: Any) -> None:
        names = code.co_varnames
        count = code.co_argcount
        star = count + code.co_kwonlyargcount
        self.positional = names[:count]
        self.keyword_only = names[count:star]
        self.varargs: Optional[str] = names[star] if code.co_flags & _CO_VARARGS else None
        varkw_at = star + 1 if self.varargs is not None else star
        self.varkw: Optional[str] = names[varkw_at] if code.co_flags & _CO_VARKEYWORDS else None
        self.named = frozenset(
            names[: varkw_at + 1] if self.varkw is not None else names[:varkw_at]
        )


class _Taker:
    """Snapshots values in order until MAX_VARIABLES are kept, then only counts them;
    a variable Django's ``@sensitive_variables`` names is ``[Filtered]``, never read."""

    __slots__ = ("hidden", "hide_all", "left_out", "room")

    def __init__(self, sensitive: Sensitive) -> None:
        self.hide_all = sensitive == ALL
        self.hidden = frozenset(sensitive) if sensitive and not self.hide_all else _NOTHING
        self.room = MAX_VARIABLES
        self.left_out = 0

    def __call__(self, name: Optional[str], value: Any, also: Optional[str] = None) -> Any:
        if self.room <= 0:
            self.left_out += 1
            return _LEFT_OUT
        self.room -= 1
        if self.hide_all or name in self.hidden or (also is not None and also in self.hidden):
            return FILTERED
        return snapshot(value)


_LEFT_OUT = object()
"""A variable past MAX_VARIABLES: counted, not kept."""


def _kept(found: Any) -> Any:
    if isinstance(found, dict):
        return {k: v for k, v in found.items() if v is not _LEFT_OUT}
    return [v for v in found if v is not _LEFT_OUT]


_NOTHING: FrozenSet[str] = frozenset()
