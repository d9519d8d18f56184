"""What an exception carries besides its class and message: its PEP 678 notes
(``exc.add_note(...)``) and its own public attributes (``exc.code``, ``exc.status``...).

Read on the request thread while the exception lives, bounded, never raising: a note
or attribute that cannot be read is shown by a placeholder (or left out), never breaks
the report. Attribute values are safe snapshots (core/safe_repr.py), scrubbed by name
and value on the worker like frame variables.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from errorwire.core.event import ExceptionInfo
from errorwire.core.safe_repr import snapshot
from errorwire.core.template_frames import ATTRIBUTE, template_frame

MAX_NOTES = 20
NOTE_MAX = 1024
"""Characters of one note."""
MAX_ATTRIBUTES = 20
SHOWN_ELSEWHERE = frozenset({"template_debug"})
"""Attributes the report shows otherwise (Django's template frame: core/template_frames.py)."""


def describe(
    info: ExceptionInfo,
    exc: BaseException,
    entries: Sequence[Tuple[Any, int, int]],
    project_root: Optional[str],
) -> None:
    """Set ``info``'s notes, attributes and Django template frame from ``exc``. Every
    report passes here: the usual exception, with none of them, costs a look at its keys."""
    try:
        own = exc.__dict__
        public = False
        for name in own:
            if type(name) is not str or name[:1] != "_":
                public = True
                break
    except Exception:  # no __dict__, or a hostile one
        return
    if "__notes__" in own:
        info.notes = notes_of(exc)
    if public:
        info.attributes = attributes_of(exc)
        if ATTRIBUTE in own:
            info.template_frame = template_frame(exc, entries, project_root)


def notes_of(exc: BaseException) -> List[str]:
    """``exc.__notes__`` as text (a note that is not a str shown by its repr, as the
    traceback module does)."""
    try:
        notes = exc.__dict__.get("__notes__")
    except Exception:  # no __dict__, or a hostile one
        return []
    if not isinstance(notes, (list, tuple)):
        return []
    texts: List[str] = []
    for note in list(notes)[:MAX_NOTES]:
        text = note if type(note) is str else snapshot(note)
        texts.append(text[:NOTE_MAX] if isinstance(text, str) else "<note>")
    return texts


def attributes_of(exc: BaseException) -> Dict[str, Any]:
    """The exception's own public, non-callable attributes (its instance ``__dict__``,
    names not starting with ``_``) as snapshots: what ``raise PaymentFailed(...)`` set
    on it, not what its class defines."""
    try:
        own = exc.__dict__
        items = list(own.items()) if type(own) is dict else []
    except Exception:
        return {}
    found: Dict[str, Any] = {}
    for name, value in items:
        if type(name) is not str or name.startswith("_") or name in SHOWN_ELSEWHERE:
            continue
        if callable(value):
            continue
        found[name] = snapshot(value)
        if len(found) >= MAX_ATTRIBUTES:
            break
    return found
