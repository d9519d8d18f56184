"""Framework-neutral request helpers: headers, query, body decoding, client IP.

Integrations turn their framework's request into a ``core.event.Request`` with
these, and only when an error is being reported (never on the happy path).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import parse_qs

from errorwire.core.event import Request, UploadedFile
from errorwire.core.multipart import MultipartScanner, boundary_of
from errorwire.core.safety import swallow
from errorwire.core.text import header, media_type

DEFAULT_IP_HEADERS = ("X-Forwarded-For", "X-Real-IP")


class BodyCopy:
    """A capped copy of the body bytes the app itself read. Never reads on its own."""

    __slots__ = ("_chunks", "limit", "size", "truncated")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._chunks: list[bytes] = []
        self.size = 0
        self.truncated = False

    def add(self, chunk: bytes) -> None:
        if not chunk:
            return
        room = self.limit - self.size
        if room <= 0:
            self.truncated = True
            return
        if len(chunk) > room:
            chunk = chunk[:room]
            self.truncated = True
        self._chunks.append(bytes(chunk))
        self.size += len(chunk)

    def value(self) -> Optional[bytes]:
        return b"".join(self._chunks) if self._chunks else None


def body_copy(body: object, limit: int) -> Optional[BodyCopy]:
    """A capped copy of a body the framework already holds whole; None when there is none
    or ``limit`` keeps nothing."""
    if not isinstance(body, bytes) or not body or limit <= 0:
        return None
    copy = BodyCopy(limit)
    copy.add(body)
    return copy


class BodyCapture:
    """What is kept of one request body, fed with what the app read: a capped raw
    copy, or for multipart bodies the fields and file names/sizes (never contents)."""

    __slots__ = ("copy", "multipart")

    def __init__(self, content_type: Optional[str], limit: int) -> None:
        boundary = boundary_of(content_type)
        self.multipart = MultipartScanner(boundary, limit) if boundary is not None else None
        self.copy = BodyCopy(limit) if boundary is None else None

    def add(self, data: Any) -> None:
        with swallow("copy request body"):
            if self.multipart is not None:
                self.multipart.feed(bytes(data))
            elif self.copy is not None:
                self.copy.add(data)

    def request_fields(self) -> Dict[str, Any]:
        """Keyword arguments of ``build_request`` for this body."""
        if self.multipart is not None:
            return {"form": self.multipart.fields(), "files": self.multipart.files()}
        return {"body": self.copy}


def parse_query(query_string: str) -> Dict[str, Any]:
    """``a=1&a=2&b=3`` -> ``{"a": ["1", "2"], "b": "3"}``; never raises."""
    try:
        parsed = parse_qs(query_string, keep_blank_values=True)
    except (ValueError, TypeError):
        return {}
    return {key: values[0] if len(values) == 1 else values for key, values in parsed.items()}


def is_json_type(content_type: Optional[str]) -> bool:
    kind = media_type(content_type)
    return kind == "application/json" or kind.endswith("+json")


def decode_json(body: Optional[bytes]) -> Tuple[Any, bool]:
    """(value, True) for a JSON body; (None, False) when it is not valid JSON."""
    if not body:
        return None, False
    try:
        return json.loads(body.decode("utf-8", "replace")), True
    except (ValueError, RecursionError):
        return None, False


def decode_form(body: Optional[bytes]) -> Dict[str, Any]:
    if not body:
        return {}
    return parse_query(body.decode("utf-8", "replace"))


def client_ip(
    headers: Mapping[str, str],
    peer: Optional[str],
    header_names: Sequence[str] = DEFAULT_IP_HEADERS,
) -> Optional[str]:
    """The first address in the first configured header present, else the peer address."""
    lowered = {name.lower(): value for name, value in headers.items()}
    for name in header_names:
        value = lowered.get(name.lower())
        if value:
            first = value.split(",", 1)[0].strip()
            if first:
                return first
    return peer or None


def build_request(
    *,
    url: str,
    method: str,
    headers: Mapping[str, str],
    query_string: str = "",
    cookies: Optional[Mapping[str, str]] = None,
    body: Optional[BodyCopy] = None,
    form: Optional[Mapping[str, Any]] = None,
    files: Iterable[UploadedFile] = (),
    peer: Optional[str] = None,
    route: Optional[str] = None,
    route_params: Optional[Mapping[str, Any]] = None,
    ip_headers: Sequence[str] = DEFAULT_IP_HEADERS,
) -> Request:
    """A Request snapshot. ``form`` given by the framework wins over decoding the body copy."""
    content_type = header(headers, "content-type")
    raw = body.value() if body is not None else None
    whole = body is not None and not body.truncated
    parsed_json, has_json = _json_of(content_type, raw, whole)
    if form is None and media_type(content_type) == "application/x-www-form-urlencoded":
        form = decode_form(raw) if whole else {}
    return Request(
        url=url,
        method=method.upper(),
        headers=dict(headers),
        cookies=dict(cookies or {}),
        query_string=query_string,
        query=parse_query(query_string),
        form=dict(form or {}),
        json=parsed_json,
        has_json=has_json,
        body=raw,
        body_truncated=body is not None and body.truncated,
        content_type=content_type,
        client_ip=client_ip(headers, peer, ip_headers),
        route=route,
        route_params=dict(route_params or {}),
        files=list(files),
    )


def _json_of(content_type: Optional[str], raw: Optional[bytes], whole: bool) -> Tuple[Any, bool]:
    """The decoded JSON body and whether there is one; a cut body is not decoded."""
    if whole and is_json_type(content_type):
        return decode_json(raw)
    return None, False


def parse_cookies(header: Optional[str]) -> Dict[str, str]:
    """A Cookie header -> dict; tolerant of junk, never raises."""
    cookies: Dict[str, str] = {}
    for part in (header or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            cookies[name] = value
    return cookies


def stream_size(stream: Any) -> Optional[int]:
    """The size of a spooled upload, without reading it (the position is restored)."""
    try:
        position = stream.tell()
        stream.seek(0, 2)
        size = int(stream.tell())
        stream.seek(position)
    except (AttributeError, OSError, ValueError):
        return None
    return size


def uploads_of(files: Any) -> List[UploadedFile]:
    """Uploaded files described, never read: a multidict of werkzeug-style file storages
    (``filename``, ``stream``, ``content_type``), as Flask and Quart parse them."""
    if files is None:
        return []
    return [
        UploadedFile(
            field=field,
            filename=storage.filename,
            size=stream_size(storage.stream),
            content_type=storage.content_type,
        )
        for field, storage in files.items(multi=True)
    ]


def uploads_in_memory(
    files: Mapping[str, Iterable[Any]], *, filename: str, content_type: str
) -> List[UploadedFile]:
    """Uploaded files described, never their contents: lists of file objects that hold
    their ``body`` bytes (Sanic, Tornado), with the names of their file name and type
    attributes."""
    return [
        UploadedFile(
            field=field,
            filename=getattr(upload, filename),
            size=len(upload.body),
            content_type=getattr(upload, content_type),
        )
        for field, uploads in files.items()
        for upload in uploads
    ]


def joined_headers(pairs: Iterable[Tuple[str, str]]) -> Dict[str, str]:
    """Header pairs (a name may repeat) -> lower-cased names, repeated ones joined as HTTP
    allows (cookies with ``; ``)."""
    joined: Dict[str, List[str]] = {}
    for name, value in pairs:
        joined.setdefault(name.lower(), []).append(value)
    return {k: ("; " if k == "cookie" else ", ").join(v) for k, v in joined.items()}
