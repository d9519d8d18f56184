"""Follow a ``multipart/form-data`` body as the app reads it, without keeping file contents.

Integrations feed it the chunks the app itself reads. It keeps the names and
(capped) values of plain fields, and for uploaded files only the field name,
file name, content type and size. Memory stays bounded whatever the body size:
besides the capped values it holds at most one boundary's length of bytes, or
one part's headers.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import unquote

from errorwire.core.event import UploadedFile

MAX_HEADER_BYTES = 16 * 1024
MAX_PARTS = 1000


def boundary_of(content_type: Optional[str]) -> Optional[bytes]:
    """The boundary parameter of a multipart content type, or None."""
    kind, params = _split_params(content_type or "")
    if not kind.startswith("multipart/"):
        return None
    boundary = params.get("boundary")
    return boundary.encode("latin-1", "replace") if boundary else None


def _split_params(header: str) -> Tuple[str, Dict[str, str]]:
    """``form-data; name="a"; filename="b.txt"`` -> ("form-data", {"name": "a", ...})."""
    head, _, rest = header.partition(";")
    params: Dict[str, str] = {}
    for item in _split_unquoted(rest):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        if key.endswith("*"):  # RFC 2231/5987: charset''percent-encoded
            key = key[:-1]
            charset, _, rest = value.partition("'")
            try:
                value = unquote(
                    rest.partition("'")[2], encoding=charset or "utf-8", errors="replace"
                )
            except LookupError:  # an unknown charset
                value = unquote(rest.partition("'")[2], errors="replace")
        params[key] = value
    return head.strip().lower(), params


def _split_unquoted(text: str) -> List[str]:
    items: List[str] = []
    current: List[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return items


class _Part:
    __slots__ = ("complete", "content_type", "filename", "name", "size", "value")

    def __init__(self, name: str, filename: Optional[str], content_type: Optional[str]) -> None:
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.size = 0
        self.value = bytearray()
        self.complete = False


class MultipartScanner:
    """Feed it body chunks; ``fields()`` and ``files()`` describe what it has seen."""

    def __init__(self, boundary: bytes, value_limit: int) -> None:
        self._delimiter = b"\r\n--" + boundary
        self._buffer = b"\r\n"  # so the first boundary looks like every other one
        self._state = "data"  # data -> after_boundary -> headers -> data ... -> done
        self._part: Optional[_Part] = None
        self._parts: List[_Part] = []
        self._room = value_limit
        self.broken = False

    def feed(self, chunk: bytes) -> None:
        if self._state == "done" or not chunk:
            return
        self._buffer += chunk
        while self._step():
            pass

    def _step(self) -> bool:
        """Advance one state; False when more bytes are needed (or the body ended)."""
        if self._state == "data":
            found = self._buffer.find(self._delimiter)
            if found < 0:
                keep = len(self._delimiter) - 1
                cut = max(len(self._buffer) - keep, 0)
                self._data(self._buffer[:cut])
                self._buffer = self._buffer[cut:]
                return False
            self._data(self._buffer[:found])
            if self._part is not None:
                self._part.complete = True
                self._part = None
            self._buffer = self._buffer[found + len(self._delimiter) :]
            self._state = "after_boundary"
            return True
        if self._state == "after_boundary":
            if len(self._buffer) < 2:
                return False
            if self._buffer.startswith(b"--"):
                self._finish()
                return False
            self._state = "headers"
            return True
        if self._state == "headers":
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > MAX_HEADER_BYTES:
                    self.broken = True
                    self._finish()
                return False
            self._start_part(self._buffer[:end])
            self._buffer = self._buffer[end + 4 :]
            self._state = "data"
            return True
        return False

    def _finish(self) -> None:
        self._state = "done"
        self._buffer = b""

    def _start_part(self, raw_headers: bytes) -> None:
        disposition, content_type = "", None
        for line in raw_headers.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-disposition":
                disposition = value
            elif name.strip().lower() == "content-type":
                content_type = value.strip()
        _, params = _split_params(disposition)
        if len(self._parts) >= MAX_PARTS:
            self._part = None
            return
        self._part = _Part(params.get("name", ""), params.get("filename"), content_type)
        self._parts.append(self._part)

    def _data(self, data: bytes) -> None:
        part = self._part
        if part is None or not data:
            return
        part.size += len(data)
        if part.filename is None and self._room > 0:
            kept = data[: self._room]
            part.value += kept
            self._room -= len(kept)

    def fields(self) -> Dict[str, Any]:
        """Plain fields: ``name -> value`` (a list when the name repeats)."""
        found: Dict[str, Any] = {}
        for part in self._parts:
            if part.filename is not None:
                continue
            value = part.value.decode("utf-8", "replace")
            if part.name in found:
                previous = found[part.name]
                earlier = previous if isinstance(previous, list) else [previous]
                found[part.name] = [*earlier, value]
            else:
                found[part.name] = value
        return found

    def files(self) -> List[UploadedFile]:
        """Uploaded files: names, content types and sizes (None while still incomplete)."""
        return [
            UploadedFile(
                field=part.name,
                filename=part.filename,
                size=part.size if part.complete else None,
                content_type=part.content_type,
            )
            for part in self._parts
            if part.filename is not None
        ]
