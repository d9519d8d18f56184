"""The hand-framed POST (transport/wire.py) against a raw socket server: each answer
shape a vendor or a proxy in front of it may send, read as urllib3 would read it."""

from __future__ import annotations

import socket
import threading
import time
from typing import Iterator, List, Optional, Tuple

import pytest

from errorwire.transport import policy
from errorwire.transport.http import HttpClient


class RawServer:
    """Answers each request on 127.0.0.1 with the next scripted bytes (None: close)."""

    def __init__(self, answers: List[bytes], idle_close: bool = False) -> None:
        self.answers = answers
        self.idle_close = idle_close
        """Close each connection after its answer, as a server's idle timeout does."""
        self.closed = threading.Event()
        self.requests: List[bytes] = []
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(10)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/notify?x=1"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.answers:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(10)
                while self.answers:
                    request = _read_request(conn)
                    if request is None:
                        break
                    self.requests.append(request)
                    answer = self.answers.pop(0)
                    conn.sendall(answer)
                    unframed = b"Content-Length" not in answer and b"chunked" not in answer
                    unframed = unframed and b" 204 " not in answer.split(b"\r\n")[0]
                    if b"Connection: close" in answer or unframed or self.idle_close:
                        break
            self.closed.set()

    def close(self) -> None:
        self.sock.close()


def _read_request(conn: socket.socket) -> Optional[bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return None
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


@pytest.fixture
def client() -> Iterator[HttpClient]:
    http = HttpClient(2.0, 2.0)
    yield http
    http.close()


def serve(*answers: bytes, idle_close: bool = False) -> RawServer:
    return RawServer(list(answers), idle_close)


def test_request_line_host_headers_and_body_arrive_whole(client: HttpClient) -> None:
    server = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    answer = client.post(server.url, b'{"a":1}', {"X-ApiKey": "k", "User-Agent": "errorwire/1"})
    assert (answer.status, answer.body) == (200, b"ok")
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /notify?x=1 HTTP/1.1"
    assert f"Host: {server.url.split('/')[2]}" in lines
    assert "X-ApiKey: k" in lines and "Content-Length: 7" in lines
    assert body == b'{"a":1}'
    server.close()


def test_chunked_answer_with_retry_after_is_read_and_the_connection_kept(
    client: HttpClient,
) -> None:
    chunked = (
        b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nslow \r\n4;ext=1\r\ndown\r\n0\r\nX-Trailer: t\r\n\r\n"
    )
    server = serve(chunked, b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
    answer = client.post(server.url, b"{}", {})
    assert answer.status == 429 and answer.body == b"slow down"
    verdict = policy.judge_response(answer.status, answer.headers, answer.body)
    assert verdict.kind == policy.RATE_LIMITED and verdict.retry_after == 7
    assert client.post(server.url, b"{}", {}).status == 202
    assert server.connections == 1
    server.close()


def test_interim_100_continue_is_skipped(client: HttpClient) -> None:
    server = serve(
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 3\r\n\r\nbig"
    )
    answer = client.post(server.url, b"{}", {})
    assert (answer.status, answer.body) == (413, b"big")
    server.close()


def test_connection_close_and_unframed_answers_open_a_new_connection(
    client: HttpClient,
) -> None:
    server = serve(
        b"HTTP/1.1 500 Oops\r\nConnection: close\r\nContent-Length: 4\r\n\r\noops",
        b"HTTP/1.0 400 Bad\r\n\r\nno length, ends with the connection",
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    )
    assert client.post(server.url, b"{}", {}).status == 500
    second = client.post(server.url, b"{}", {})
    assert (second.status, second.body) == (400, b"no length, ends with the connection")
    assert client.post(server.url, b"{}", {}).status == 200
    assert server.connections == 3
    server.close()


def test_accepted_answer_whose_body_breaks_off_counts_as_accepted(client: HttpClient) -> None:
    server = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")  # then closed
    answer = client.post(server.url, b"{}", {})
    assert (answer.status, answer.body) == (200, b"")
    server.close()


def test_no_answer_at_all_is_a_broken_connection(client: HttpClient) -> None:
    server = serve(b"")  # the server reads the request, then closes without a word
    with pytest.raises(Exception) as raised:
        client.post(server.url, b"{}", {})
    assert policy.judge_error(raised.value).kind == policy.RETRY
    assert policy.describe_error(raised.value).startswith("connection")
    server.close()


def test_a_header_with_a_line_break_is_never_sent(client: HttpClient) -> None:
    server = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    with pytest.raises(ValueError):
        client.post(server.url, b"{}", {"X-ApiKey": "k\r\nX-Smuggled: 1"})
    assert client.post(server.url, b"{}", {"X-ApiKey": "k"}).status == 200
    assert b"X-Smuggled" not in b"".join(server.requests)
    server.close()


def _answers_of(pairs: List[Tuple[int, bytes]]) -> List[bytes]:
    return [b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n\r\n%s" % (s, len(b), b) for s, b in pairs]


def test_a_long_error_body_is_cut_and_the_connection_stays_usable(client: HttpClient) -> None:
    long_body = b"e" * (200 * 1024)
    server = serve(*_answers_of([(400, long_body), (200, b"ok")]))
    first = client.post(server.url, b"{}", {})
    assert first.status == 400 and first.body == long_body[: 64 * 1024]
    assert client.post(server.url, b"{}", {}).body == b"ok"
    assert server.connections == 1
    server.close()


def test_a_204_without_a_body_keeps_the_connection(client: HttpClient) -> None:
    server = serve(
        b"HTTP/1.1 204 No Content\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    )
    first = client.post(server.url, b"{}", {})
    assert (first.status, first.body) == (204, b"")
    assert client.post(server.url, b"{}", {}).body == b"ok"  # not read as the 204's body
    assert server.connections == 1
    server.close()


def test_a_connection_the_server_closed_while_idle_is_replaced_not_failed(
    client: HttpClient,
) -> None:
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    server = serve(ok, ok, idle_close=True)  # keep-alive answers, then closed while idle
    assert client.post(server.url, b"{}", {}).status == 200
    assert server.closed.wait(5)
    server.closed.clear()
    time.sleep(0.05)  # the FIN reaches the client's kept connection
    assert client.post(server.url, b"{}", {}).status == 200
    assert server.connections == 2 and len(server.requests) == 2
    server.close()
