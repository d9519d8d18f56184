"""One POST on a kept-alive connection of a urllib3 pool, framed by hand.

urllib3 still opens the connection (DNS, connect timeout, TLS with the certificate
checked) and keeps it in its pool; what is skipped is its per-request machinery:
header objects written one ``putheader`` at a time, headers and body in two writes,
an ``HTTPResponse`` and ``email``'s header parser per answer. That machinery was
about half of the CPU a report costs. Proxied URLs keep urllib3's full path (http.py).
"""

from __future__ import annotations

import socket
from typing import Any, Dict, List, Mapping, Optional, Tuple

import urllib3
from urllib3.exceptions import ProtocolError, ReadTimeoutError

MAX_ERROR_BODY = 64 * 1024
"""The most of an answer's body kept (vendors' error messages are short)."""
MAX_HEAD = 64 * 1024
"""An answer's status line and headers larger than this are a broken answer."""
CHUNK = 16 * 1024


class Answer:
    """An HTTP answer read off the socket: status, headers, the start of its body."""

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


def request_head(target: str, host: str) -> bytes:
    """The request line and Host header of every POST to one URL (built once)."""
    return f"POST {target} HTTP/1.1\r\nHost: {host}\r\n".encode("latin-1")


def header_lines(headers: Mapping[str, str], length: int) -> bytes:
    text = "".join([f"{name}: {value}\r\n" for name, value in headers.items()])
    if text.count("\n") != len(headers) or text.count("\r") != len(headers):
        raise ValueError("a header holds a line break")  # never a smuggled header
    return f"{text}Accept-Encoding: identity\r\nContent-Length: {length}\r\n\r\n".encode("latin-1")


def post(
    pool: urllib3.HTTPConnectionPool,
    head: bytes,
    headers: Mapping[str, str],
    body: bytes,
    timeout: urllib3.Timeout,
) -> Answer:
    """Send one POST on a pooled connection (opened if needed) in one write; read the answer.

    Raises urllib3's errors (or OSError) like ``urlopen(..., retries=False)`` would; the
    connection goes back to the pool only when the exchange ended cleanly.
    """
    message = head + header_lines(headers, len(body)) + body
    # urllib3 has no public way to borrow a pooled connection and give it back: its only
    # public entry, ``urlopen``, builds the request and response objects we skip (2.2x
    # the CPU per report, benchmarks/RESULTS.md). ``_get_conn`` hands out a kept
    # connection after checking the server has not closed it meanwhile; ``_put_conn``
    # returns it (None frees the slot), exactly as ``urlopen`` does with them.
    conn: Any = pool._get_conn()
    keep = False
    try:
        if conn.sock is None:
            conn.timeout = timeout.connect_timeout
            conn.connect()  # urllib3: connect timeout, TLS and its checks, socket options
        sock: socket.socket = conn.sock
        if sock.gettimeout() != timeout.read_timeout:  # set once per connection: a syscall
            sock.settimeout(timeout.read_timeout)
        try:
            sock.sendall(message)
            answer, keep = _read_answer(sock)
        except socket.timeout as exc:
            raise ReadTimeoutError(pool, head.decode("latin-1"), "read timed out") from exc
        return answer
    finally:
        if not keep:
            conn.close()
            conn = None  # the pool counts a closed slot as free
        pool._put_conn(conn)


def _read_answer(sock: socket.socket) -> Tuple[Answer, bool]:
    """The answer and whether the connection may be kept for the next request."""
    reader = _Reader(sock)
    while True:
        status, headers = _parse_head(reader.until_blank_line())
        if not 100 <= status < 200:
            break  # interim answers (100 Continue) are skipped
    length = headers.get("content-length")
    chunked = "chunked" in headers.get("transfer-encoding", "").lower()
    keep = "close" not in headers.get("connection", "").lower()
    try:
        if status in (204, 304):
            body = b""
        elif chunked:
            body = reader.chunked()
        elif length is not None:
            body = reader.exactly(int(length))
        else:  # delimited by the end of the connection
            body, keep = reader.to_the_end(), False
    except (OSError, ValueError, ProtocolError):
        if 200 <= status < 300:  # accepted; a body that breaks off changes nothing
            return Answer(status, headers, b""), False
        raise
    return Answer(status, headers, body), keep


def _parse_head(head: bytes) -> Tuple[int, Dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ProtocolError("Connection aborted.", ValueError(f"bad status line {lines[0]!r}"))
    headers: Dict[str, str] = {}  # by lower-cased name
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers


class _Reader:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _more(self) -> bytes:
        data = self.sock.recv(CHUNK)
        if not data:
            raise ProtocolError(
                "Connection aborted.",
                ConnectionResetError("the server closed the connection before answering"),
            )
        return data

    def until_blank_line(self) -> bytes:
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end >= 0:
                head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
                return head
            if len(self.buffer) > MAX_HEAD:
                raise ProtocolError("Connection aborted.", ValueError("answer headers too long"))
            self.buffer += self._more()

    def line(self) -> bytes:
        while True:
            end = self.buffer.find(b"\r\n")
            if end >= 0:
                text, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
                return text
            if len(self.buffer) > MAX_HEAD:
                raise ProtocolError("Connection broken.", ValueError("chunk line too long"))
            self.buffer += self._more()

    def exactly(self, size: int) -> bytes:
        """``size`` bytes read, the first MAX_ERROR_BODY of them kept."""
        kept: List[bytes] = []
        kept_size = 0
        while size > 0:
            if not self.buffer:
                self.buffer = self._more()
            piece, self.buffer = self.buffer[:size], self.buffer[size:]
            size -= len(piece)
            if kept_size < MAX_ERROR_BODY:
                kept.append(piece[: MAX_ERROR_BODY - kept_size])
                kept_size += len(kept[-1])
        return b"".join(kept)

    def chunked(self) -> bytes:
        kept: List[bytes] = []
        while True:
            size = int(self.line().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.line():  # trailers, up to the blank line
                    pass
                return b"".join(kept)[:MAX_ERROR_BODY]
            piece = self.exactly(size)
            if sum(len(k) for k in kept) < MAX_ERROR_BODY:
                kept.append(piece)
            self.line()  # the CRLF after the chunk

    def to_the_end(self) -> bytes:
        kept: List[bytes] = [self.buffer]
        total = len(self.buffer)
        while True:
            data: Optional[bytes] = self.sock.recv(CHUNK)
            if not data:
                return b"".join(kept)[:MAX_ERROR_BODY]
            if total < MAX_ERROR_BODY:
                kept.append(data)
                total += len(data)
