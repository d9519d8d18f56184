"""Where each vendor's payload keeps what cap.py may shrink, and in which way.

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
from typing import Any, Callable, Dict, Iterator, List, Tuple, Union

Path = Tuple[Union[str, int], ...]

MAX_CHAIN = 100
"""Exceptions followed through a Raygun ``innerError`` chain (the event holds at most 25)."""


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


def _rollbar(payload: Dict[str, Any]) -> List[Section]:
    sections = [
        Section(("data", "request", "body"), "text"),
        Section(("data", "request", "json"), "body"),
        Section(("data", "custom", "breadcrumbs"), "tail"),
        Section(("data", "custom"), "data"),
        *(Section(("data", "request", k), "data") for k in ("headers", "GET", "POST", "params")),
        Section(("data", "body", "trace", "frames"), "frames"),
    ]
    chain = payload.get("data", {}).get("body", {}).get("trace_chain")
    if isinstance(chain, list):
        sections += [
            Section(("data", "body", "trace_chain", i, "frames"), "frames")
            for i in range(len(chain))
        ]
    return sections


def _raygun_errors(payload: Dict[str, Any]) -> Iterator[Path]:
    path: Path = ("details", "error")
    for _ in range(MAX_CHAIN):
        if not exists(payload, path):
            return
        yield path
        path = (*path, "innerError")


def _raygun(payload: Dict[str, Any]) -> List[Section]:
    request = ("details", "request")
    return [
        Section((*request, "rawData"), "text"),
        Section(("details", "breadcrumbs"), "tail"),
        Section(("details", "userCustomData"), "data"),
        Section(("details", "tags"), "data"),
        *(Section((*request, k), "data") for k in ("headers", "queryString", "form")),
        *(
            Section((*error, "stackTrace"), "frames", innermost_first=True)
            for error in _raygun_errors(payload)
        ),
    ]


def _bugsnag(payload: Dict[str, Any]) -> List[Section]:
    event: Path = ("events", 0)
    tab: Path = (*event, "metaData", "request")
    sections = [
        Section((*tab, "body"), "text"),
        Section((*tab, "json"), "body"),
        Section((*event, "breadcrumbs"), "tail"),
        Section((*event, "metaData", "extra"), "data"),
        Section((*event, "metaData", "tags"), "data"),
        *(Section((*tab, k), "data") for k in ("query", "form", "routeParams", "files")),
        Section((*event, "request", "headers"), "data"),
    ]
    try:
        exceptions = get(payload, (*event, "exceptions"))
    except KeyError:
        exceptions = []
    if isinstance(exceptions, list):
        sections += [
            Section((*event, "exceptions", i, "stacktrace"), "frames", innermost_first=True)
            for i in range(len(exceptions))
        ]
    return sections


ROLLBAR_LOCALS = ("args", "argspec", "varargspec", "kwargs", "locals")


def _rollbar_locals(payload: Dict[str, Any]) -> List[Tuple[Path, str]]:
    """In the frames themselves; innermost frames first."""
    body: Path = ("data", "body")
    traces: List[Path] = [(*body, "trace")] if exists(payload, (*body, "trace")) else []
    chain = get(payload, (*body, "trace_chain")) if exists(payload, (*body, "trace_chain")) else []
    count = len(chain) if isinstance(chain, list) else 0
    traces += [(*body, "trace_chain", i) for i in range(count)]
    found: List[Tuple[Path, str]] = []
    for trace in traces:
        frames = get(payload, (*trace, "frames")) if exists(payload, (*trace, "frames")) else []
        for index in range(len(frames) - 1, -1, -1) if isinstance(frames, list) else ():
            frame = frames[index]
            if isinstance(frame, dict):
                path: Path = (*trace, "frames", index)
                found += [(path, key) for key in ROLLBAR_LOCALS if key in frame]
    return found


def _tab_locals(tab: Path) -> Callable[[Dict[str, Any]], List[Tuple[Path, str]]]:
    """In one custom-data object, a key per frame (innermost first, as encoded)."""

    def find(payload: Dict[str, Any]) -> List[Tuple[Path, str]]:
        entries = get(payload, tab) if exists(payload, tab) else {}
        return [(tab, key) for key in entries] if isinstance(entries, dict) else []

    return find


def _omitted(key: str, **required: Any) -> Callable[[int], Dict[str, Any]]:
    def frame(count: int) -> Dict[str, Any]:
        return {**required, key: f"[{count} frames omitted]"}

    return frame


LAYOUTS: Dict[str, Layout] = {
    "rollbar": Layout(
        _rollbar,
        context_keys=("context",),
        keep_code_line=False,
        omitted_frame=_omitted("filename"),
        locals=_rollbar_locals,
    ),
    "raygun": Layout(
        _raygun,
        context_keys=(),
        keep_code_line=False,
        omitted_frame=_omitted("methodName", lineNumber=0),
        locals=_tab_locals(("details", "userCustomData", "locals")),
    ),
    "bugsnag": Layout(
        _bugsnag,
        context_keys=("code",),
        keep_code_line=True,
        omitted_frame=_omitted("method", file="[omitted]", lineNumber=0),
        locals=_tab_locals(("events", 0, "metaData", "locals")),
    ),
}
