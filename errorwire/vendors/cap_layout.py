"""How a vendor says where its payload keeps what cap.py may shrink, and in which way.

Each vendor module has a ``LAYOUT`` (vendors/base.py ``Vendor``).

A section is a path into the encoded payload and a kind:

- ``text``: a raw body (Rollbar ``request.body``, Raygun ``rawData``...), cut early;
- ``body``: a parsed JSON body, cut early;
- ``frames``: one exception's frame list, its context dropped, then cut in the middle;
- ``data``: custom data, request maps, tags: trimmed late;
- ``tail``: breadcrumbs, trimmed late, newest kept.

Whatever is not in a section (exception classes and messages, ids, notifier,
server...) is the skeleton: it is only ever cut in its long strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Tuple, Union

Path = Tuple[Union[str, int], ...]


@dataclass(frozen=True)
class Section:
    path: Path
    kind: str
    innermost_first: bool = False
    """For ``frames``: whether the frame where the error happened comes first."""


@dataclass(frozen=True)
class Layout:
    sections: Callable[[Dict[str, Any]], List[Section]]
    context_keys: Tuple[str, ...]
    """Frame keys holding source context (dropped at the "source context" step)."""
    keep_code_line: bool
    """Bugsnag's ``code`` map: keep the frame's own line when dropping context."""
    omitted_frame: Callable[[int], Dict[str, Any]]
    """A schema-valid frame that says how many frames were cut from the middle."""
    locals: Callable[[Dict[str, Any]], List[Tuple[Path, str]]] = lambda payload: []
    """Where frame variables (``include_locals``) are: (path of a dict, key in it), those
    to keep first first. The cap cuts them before anything else (cap_locals.py)."""


def get(root: Any, path: Path) -> Any:
    node = root
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, list) or not -len(node) <= step < len(node):
                raise KeyError(path)
        elif not isinstance(node, dict) or step not in node:
            raise KeyError(path)
        node = node[step]
    return node


def exists(root: Any, path: Path) -> bool:
    try:
        get(root, path)
    except KeyError:
        return False
    return True


def omitted(key: str, **required: Any) -> Callable[[int], Dict[str, Any]]:
    """A vendor's ``omitted_frame``: ``{**required, key: "[N frames omitted]"}``."""

    def frame(count: int) -> Dict[str, Any]:
        return {**required, key: f"[{count} frames omitted]"}

    return frame


def locals_in(tab: Path) -> Callable[[Dict[str, Any]], List[Tuple[Path, str]]]:
    """A vendor's ``locals`` when frame variables are one custom-data object, a key per
    frame (innermost first, as encoded)."""

    def find(payload: Dict[str, Any]) -> List[Tuple[Path, str]]:
        entries = get(payload, tab) if exists(payload, tab) else {}
        return [(tab, key) for key in entries] if isinstance(entries, dict) else []

    return find
