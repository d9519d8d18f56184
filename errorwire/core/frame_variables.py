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
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from errorwire.core.event import FrameVariables
from errorwire.core.safe_repr import snapshot
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
        self.taken: Dict[int, FrameVariables] = {}
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
            if not info[3] or _own(info[5]):  # not in the project, or errorwire's own
                continue
            frame = tracebacks[index].tb_frame
            variables = self.taken.get(id(frame))
            if variables is None:
                if self.left <= 0:
                    break
                self.left -= 1
                variables = frame_variables(frame, self._sensitive(frame))
                self.taken[id(frame)] = variables
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


def frame_variables(frame: FrameType, sensitive: Sensitive = None) -> FrameVariables:
    """``frame``'s arguments and locals: the first MAX_VARIABLES, the rest counted."""
    code = frame.f_code
    values = frame.f_locals
    names = code.co_varnames
    positional = code.co_argcount
    star = positional + code.co_kwonlyargcount
    varargs = names[star] if code.co_flags & _CO_VARARGS else None
    varkw_at = star + (1 if varargs is not None else 0)
    varkw = names[varkw_at] if code.co_flags & _CO_VARKEYWORDS else None
    keep = _Keeper(sensitive)
    result = FrameVariables(varargs_name=varargs)
    for name in names[:positional]:
        if name in values and keep.room():
            result.args[name] = keep.value(name, values[name])
    if varargs is not None and type(values.get(varargs)) is tuple:
        given = values[varargs]
        for index, item in enumerate(tuple.__iter__(given)):
            if not keep.room():
                keep.seen += len(given) - index - 1
                break
            result.varargs.append(keep.value(varargs, item))
    for name in names[positional:star]:
        if name in values and keep.room():
            result.kwargs[name] = keep.value(name, values[name])
    if varkw is not None and type(values.get(varkw)) is dict:
        given = values[varkw]
        for index, (key, item) in enumerate(dict.items(given)):
            if not keep.room():
                keep.seen += len(given) - index - 1
                break
            name = key if type(key) is str else repr(key)
            result.kwargs[name] = keep.value(varkw, item, name)
    special = set(names[: varkw_at + (1 if varkw is not None else 0)])
    for name in list(values):
        if name not in special and keep.room():
            result.locals[str(name)] = keep.value(name, values[name])
    result.omitted = keep.seen - keep.kept
    return result


class _Keeper:
    """Counts the variables of one frame; snapshots those kept, unless Django's marker
    says they are sensitive (then the value is not even read)."""

    def __init__(self, sensitive: Sensitive) -> None:
        self.all = sensitive == ALL
        self.hidden = frozenset(sensitive) if sensitive and not self.all else frozenset()
        self.seen = 0
        self.kept = 0

    def room(self) -> bool:
        self.seen += 1
        return self.seen <= MAX_VARIABLES

    def value(self, name: str, value: Any, entry: Optional[str] = None) -> Any:
        self.kept += 1
        if self.all or name in self.hidden or entry in self.hidden:
            return FILTERED
        return snapshot(value)
