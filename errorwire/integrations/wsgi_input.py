"""A ``wsgi.input`` stand-in that keeps a capped copy of what the app itself reads.

It never reads on its own: every byte in the copy was asked for by the app (or
its framework). Anything it does not define is passed to the real stream.
"""

from __future__ import annotations

from typing import IO, Any, Dict, Iterator, List, Optional

from errorwire.core.request import BodyCapture

ENVIRON_KEY = "errorwire.body"
"""Where the copy is left in the WSGI environ, for inner integrations (Django, Flask)."""


class TeeInput:
    __slots__ = ("_capture", "_stream")

    def __init__(self, stream: IO[bytes], capture: BodyCapture) -> None:
        self._stream = stream
        self._capture = capture

    def _keep(self, data: Any) -> Any:
        if data:
            self._capture.add(data)
        return data

    def read(self, *args: Any) -> bytes:
        return self._keep(self._stream.read(*args))  # type: ignore[no-any-return]

    def readline(self, *args: Any) -> bytes:
        return self._keep(self._stream.readline(*args))  # type: ignore[no-any-return]

    def readlines(self, *args: Any) -> List[bytes]:
        lines: List[bytes] = self._stream.readlines(*args)
        for line in lines:
            self._keep(line)
        return lines

    def readinto(self, buffer: Any) -> Optional[int]:
        readinto = getattr(self._stream, "readinto", None)
        if readinto is None:
            data = self._stream.read(len(buffer))
            buffer[: len(data)] = data
            count: Optional[int] = len(data)
        else:
            count = readinto(buffer)
        if count:
            self._keep(memoryview(buffer)[:count])
        return count

    def __iter__(self) -> Iterator[bytes]:
        for line in self._stream:
            yield self._keep(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def tee_input(environ: Dict[str, Any], limit: int) -> Optional[BodyCapture]:
    """Put a TeeInput over ``environ["wsgi.input"]``; what it keeps, or None when nothing."""
    existing = environ.get(ENVIRON_KEY)
    if isinstance(existing, BodyCapture):
        return existing  # an outer errorwire middleware already copies this body
    stream = environ.get("wsgi.input")
    if limit <= 0 or stream is None:
        return None
    capture = BodyCapture(environ.get("CONTENT_TYPE"), limit)
    environ["wsgi.input"] = TeeInput(stream, capture)
    environ[ENVIRON_KEY] = capture
    return capture
