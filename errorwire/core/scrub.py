"""Scrub secrets out of an Event before any vendor encoder sees it (worker side).

Keys that name secrets (scrub_rules.KeyMatcher) have their values replaced by
``[Filtered]`` in headers, cookies, query, form, JSON bodies, route params, extra,
metadata sections and breadcrumb data, at any depth; secret-looking values (bearer tokens, JWTs,
URL passwords, Luhn-valid card numbers, ``password=...`` in text) are filtered
in every string, exception and log messages included. Person data is sent as is.

Fails closed: a value that cannot be read (a broken ``__str__``, a mapping whose
``items()`` raises, nesting past MAX_DEPTH, a cycle) becomes ``[Filtered]``.
Never mutates what it is given: every container is rebuilt, the Event replaced.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections import deque
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Dict, List, Optional, Set, Tuple
from urllib.parse import quote_plus, unquote_plus

from errorwire.core.config import DEFAULT_MAX_BYTES, Options
from errorwire.core.event import Breadcrumb, Event, ExceptionInfo, Frame, Request, UploadedFile
from errorwire.core.scrub_locals import scrub_named, scrub_variables
from errorwire.core.scrub_rules import (
    FILTERED,
    KeyMatcher,
    looks_like_card,
    scrub_text,
    scrub_values,
)
from errorwire.core.text import header, utf8_clean

MAX_DEPTH = 64
"""Deeper values are dropped: no vendor shows them, and walking them risks the stack."""
URL_HEADERS = frozenset({"referer", "referrer", "location", "origin", "content-location"})
HOST_HEADERS = frozenset({"host", ":authority", "x-forwarded-host", "x-original-host", "forwarded"})
"""Headers naming a host: any ``user:password@`` in them is left out (a client sending an
absolute-form target ``http://alice:pw@host/`` may send it in its Host header)."""
_USERINFO = re.compile(r"""[^\s@,;/="]+@""")
SCRUBBED_FIELDS = {
    "Event": (
        "exceptions",
        "message",
        "message_frames",
        "context",
        "request",
        "breadcrumbs",
        "tags",
        "extra",
        "metadata",
    ),
    "Request": (
        "url",
        "headers",
        "cookies",
        "query_string",
        "query",
        "form",
        "json",
        "body",
        "route_params",
        "files",
    ),
    "Breadcrumb": ("message", "category", "data"),
    "ExceptionInfo": ("message", "notes", "attributes"),
    "Frame": ("code", "pre_context", "post_context", "variables"),
}
"""What this module rewrites; every other field of these classes is sent as it is (a test
holds the two lists to the dataclasses, so a new field is a decision, not a leak)."""
_SEQUENCES = (list, tuple, set, frozenset, deque)
CLEAN_SOURCES = 256
_clean_sources: Dict[Tuple[KeyMatcher, str], bool] = {}
"""Whether a stack's source lines hold nothing to filter, by key rules and text: a storm's
errors come from a few places, whose lines would be scanned again for every report."""


@lru_cache(maxsize=32)
def _matcher(add: Tuple[str, ...], remove: Tuple[str, ...]) -> KeyMatcher:
    return KeyMatcher(add, remove)


def scrub_event(event: Event, options: Options) -> Event:
    """A scrubbed copy of ``event``; the original and everything it shares are untouched."""
    limit = max([v.max_bytes for v in options.vendors] or [DEFAULT_MAX_BYTES])
    keys = _matcher(tuple(options.scrub_keys), tuple(options.unscrub_keys))
    return Scrubber(keys, limit).event(event)


class Scrubber:
    def __init__(self, keys: KeyMatcher, max_chars: int) -> None:
        self.keys = keys
        self.max_chars = max_chars
        """Strings are cut to this first: nothing longer fits in any payload."""
        self.max_items = max(16, max_chars // 6)
        """Items kept per container: a JSON entry takes at least 6 bytes."""

    # -- the event ---------------------------------------------------------------------

    def event(self, event: Event) -> Event:
        source_clean = self.source_is_clean(event.exceptions)
        return dataclasses.replace(
            event,
            exceptions=[self.exception(info, source_clean) for info in event.exceptions],
            message=self.optional_text(event.message),
            message_frames=[self.frame(f) for f in event.message_frames],
            context=self.optional_text(event.context),
            request=None if event.request is None else self.request(event.request),
            breadcrumbs=[self.breadcrumb(crumb) for crumb in event.breadcrumbs],
            tags=[self.tag(tag) for tag in event.tags],
            extra=self.mapping(event.extra),
            metadata=self.sections(event.metadata),
        )

    def sections(self, metadata: Dict[str, Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
        """Metadata sections; a section whose name is a secret key keeps only its name."""
        return {
            name: data if isinstance(data, dict) else {"value": data}
            for name, data in self.mapping(metadata).items()
        }

    def exception(self, info: ExceptionInfo, source_clean: bool = False) -> ExceptionInfo:
        if source_clean:
            frames = [self.variables_of(f) if f.variables else f for f in info.frames]
        else:
            frames = [self.variables_of(self.frame(f)) for f in info.frames]
        return dataclasses.replace(
            info,
            message=self.optional_text(info.message),
            frames=frames,
            notes=[self.text(note) for note in info.notes],
            attributes=scrub_named(info.attributes, self) if info.attributes else {},
        )

    def source_is_clean(self, exceptions: List[ExceptionInfo]) -> bool:
        """Whether no source line around any frame holds anything to filter (a key or
        token written into the code travels with its context).

        Every pattern stays within a line, so lines that scrub to themselves joined
        also do one by one: one pass over all of them settles the usual case."""
        lines = [line for info in exceptions for frame in info.frames for line in _lines(frame)]
        joined = "\n".join(lines)
        known = (self.keys, joined)
        clean = _clean_sources.get(known)
        if clean is None:
            clean = self.text(joined) == joined
            if len(joined) <= self.max_chars:  # not cut: the verdict is the text's and keys'
                if len(_clean_sources) >= CLEAN_SOURCES:
                    _clean_sources.clear()
                _clean_sources[known] = clean
        return clean

    def frame(self, frame: Frame) -> Frame:
        if frame.code is None and not frame.pre_context and not frame.post_context:
            return frame
        return dataclasses.replace(
            frame,
            code=self.optional_text(frame.code),
            pre_context=[self.text(line) for line in frame.pre_context],
            post_context=[self.text(line) for line in frame.post_context],
        )

    def variables_of(self, frame: Frame) -> Frame:
        """A frame's arguments and locals (``include_locals``) scrubbed by name and value."""
        if frame.variables is None:
            return frame
        return dataclasses.replace(frame, variables=scrub_variables(frame.variables, self))

    def breadcrumb(self, crumb: Breadcrumb) -> Breadcrumb:
        return dataclasses.replace(
            crumb,
            message=self.text(crumb.message),
            category=self.optional_text(crumb.category),
            data=self.mapping(crumb.data),
        )

    def tag(self, tag: str) -> str:
        """``"key:value"`` tags keep their key; a secret key's value is filtered."""
        key, sep, _value = self.text(tag).partition(":")
        if sep and self.keys.matches(key):
            return f"{key}:{FILTERED}"
        return self.text(tag)

    def request(self, request: Request) -> Request:
        cookies_secret = self.keys.matches("cookies")
        return dataclasses.replace(
            request,
            url=self.url(request.url),
            headers={self.text(k): self.header(k, v) for k, v in request.headers.items()},
            # Cookie names are kept; their values are session state: all filtered.
            cookies=(
                {self.text(k): FILTERED for k in request.cookies}
                if cookies_secret
                else self.mapping(request.cookies)
            ),
            query_string=self.query_string(request.query_string),
            query=self.mapping(request.query),
            form=self.mapping(request.form),
            json=self.value(request.json, 0, set()),
            body=self.body(request),
            route_params=self.mapping(request.route_params),
            files=[
                dataclasses.replace(f, filename=self.optional_text(f.filename))
                for f in request.files
                if isinstance(f, UploadedFile)
            ],
        )

    # -- request parts ---------------------------------------------------------------

    def header(self, name: Any, value: Any) -> str:
        if self.keys.matches(self.text(name)):
            return FILTERED
        lowered = self.plain(name).lower()
        if lowered in URL_HEADERS:
            return self.url(value)
        if lowered in HOST_HEADERS:
            return _USERINFO.sub("", self.text(value))
        return self.text(value)

    def url(self, url: str) -> str:
        """The query and fragment scrubbed as query strings; user:password@ filtered."""
        base, hash_mark, fragment = self.plain(url).partition("#")
        base, question, query = base.partition("?")
        return (
            scrub_values(base)
            + (question + self.query_string(query))
            + (hash_mark + self.query_string(fragment))
        )

    def query_string(self, query: str) -> str:
        """Pair by pair, so untouched pairs keep their exact encoding."""
        query = self.plain(query)
        if not query:
            return query
        pieces = []
        for piece in query.split("&"):
            name, equals, value = piece.partition("=")
            decoded_name = unquote_plus(name)
            if equals and self.keys.matches(decoded_name):
                pieces.append(f"{name}={FILTERED}")
                continue
            decoded_value = unquote_plus(value)
            clean_name = scrub_text(decoded_name, self.keys)
            clean_value = scrub_text(decoded_value, self.keys)
            if clean_name != decoded_name:
                name = quote_plus(clean_name, safe="[]")
            if clean_value != decoded_value:
                value = quote_plus(clean_value, safe="[]")
            pieces.append(f"{name}{equals}{value}")
        return "&".join(pieces)

    def body(self, request: Request) -> Optional[bytes]:
        raw = request.body
        if not raw:
            return raw
        content_type = request.content_type or header(request.headers, "content-type") or ""
        content_type = content_type.lower()
        if "multipart/" in content_type:
            return None  # fields are in ``form``; the raw parts cannot be checked reliably
        text = bytes(raw[: self.max_chars]).decode("utf-8", "surrogateescape")
        if "json" in content_type or (not content_type and text.lstrip()[:1] in ("{", "[")):
            try:
                parsed = json.loads(text)
            except Exception:  # a cut or broken body is scrubbed as text
                pass
            else:
                clean = json.dumps(self.value(parsed, 0, set()), ensure_ascii=False)
                return clean.encode("utf-8", "surrogateescape")
        if "x-www-form-urlencoded" in content_type:
            return self.query_string(text).encode("utf-8", "surrogateescape")
        return scrub_text(text, self.keys).encode("utf-8", "surrogateescape")

    # -- values ----------------------------------------------------------------------

    def mapping(self, value: Any) -> Dict[str, Any]:
        clean = self.value(value, 0, set())
        return clean if isinstance(clean, dict) else {}

    def value(self, value: Any, depth: int, path: Set[int]) -> Any:
        """A JSON-ready scrubbed copy of ``value``; unreadable parts become FILTERED."""
        try:
            return self._value(value, depth, path)
        except Exception:  # fail closed: what we cannot read is not sent
            return FILTERED

    def _value(self, value: Any, depth: int, path: Set[int]) -> Any:
        """Exact JSON types first (by ``type() is``: nearly every value, and cheaper
        than isinstance), then subclasses and bytes, then containers."""
        kind = type(value)
        if kind is str:
            return self.text(value)
        if value is None or kind is bool:  # bool cannot be subclassed: no later check
            return value
        if kind is int:
            return FILTERED if _card_int(value) else value
        if kind is float:
            return value if math.isfinite(value) else str(value)
        if isinstance(value, (bytes, bytearray, memoryview, str, int, float)):
            return self._odd_scalar(value, depth, path)
        if depth >= MAX_DEPTH or id(value) in path:
            return FILTERED
        return self._container(value, depth, path | {id(value)})

    def _odd_scalar(self, value: Any, depth: int, path: Set[int]) -> Any:
        """Bytes, and subclasses of str, int and float (an enum, a lazy string) read
        through the base type: their own ``__str__`` or ``__repr__`` may lie or raise."""
        if isinstance(value, (bytes, bytearray, memoryview)):
            return self.text(bytes(value[: self.max_chars]).decode("utf-8", "replace"))
        if isinstance(value, str):
            return self.text(str.__str__(value))
        if isinstance(value, int):
            return self._value(int.__index__(value), depth, path)
        return self._value(float.__float__(value), depth, path)

    def _container(self, value: Any, depth: int, path: Set[int]) -> Any:
        """Mappings, sequences and dataclasses, item by item; anything else as text."""
        if isinstance(value, Mapping):
            items = list(dict.items(value) if isinstance(value, dict) else value.items())
            return self._items(items, depth, path)
        if isinstance(value, _SEQUENCES):
            return self._sequence(list(value), depth, path)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = [(f.name, getattr(value, f.name)) for f in dataclasses.fields(value)]
            return self._items(fields, depth, path)
        return self.text(str(value))

    def _items(self, items: List[Tuple[Any, Any]], depth: int, path: Set[int]) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        text, matches = self.text, self.keys.matches
        for key, item in items[: self.max_items]:
            name = text(key if type(key) is str else self.value(key, depth + 1, path))
            if matches(name):
                out[name] = FILTERED
            elif type(item) is str:
                out[name] = text(item)
            else:
                out[name] = self.value(item, depth + 1, path)
        if len(items) > self.max_items:
            out["[truncated]"] = f"{len(items) - self.max_items} more entries"
        return out

    def _sequence(self, items: List[Any], depth: int, path: Set[int]) -> List[Any]:
        out = [self.value(item, depth + 1, path) for item in items[: self.max_items]]
        if len(items) > self.max_items:
            out.append(f"[{len(items) - self.max_items} more items]")
        return out

    def text(self, value: Any) -> str:
        """Any value as scrubbed text, cut to ``max_chars``; lone surrogates escaped."""
        if type(value) is str and len(value) <= self.max_chars and value.isascii():
            return scrub_text(value, self.keys)  # the common case, without plain()
        return scrub_text(self.plain(value), self.keys)

    def plain(self, value: Any) -> str:
        """Any value as text that JSON can carry, cut to ``max_chars``; not scrubbed."""
        text: str
        if type(value) is str:
            text = value
        else:
            text = str.__str__(value) if isinstance(value, str) else str(value)
        if len(text) > self.max_chars:
            text = f"{text[: self.max_chars]}…[{len(text) - self.max_chars} more chars]"
        return utf8_clean(text)

    def optional_text(self, value: Optional[str]) -> Optional[str]:
        return None if value is None else self.text(value)


def _card_int(value: int) -> bool:
    return 10**12 <= value < 10**19 and looks_like_card(str(value))


def _lines(frame: Frame) -> List[str]:
    code = [] if frame.code is None else [frame.code]
    return [*frame.pre_context, *code, *frame.post_context]
