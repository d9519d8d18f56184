"""What keeps a web page out of the inbox, which holds whatever the apps sent.

An ASGI middleware around the whole app:

- a ``Host`` that does not name the inbox's own address (127.0.0.1, localhost, [::1] or
  the host it was started on) is refused: a page on a domain rebound to 127.0.0.1 (DNS
  rebinding) sends its own name, and reads nothing;
- a request whose ``Origin`` is not the inbox's own (another port of 127.0.0.1 is
  another origin) is refused: a page's ``fetch`` with a ``text/plain`` body needs no
  preflight, and would be stored;
- a form post from a browser (a form content type, with what a browser adds: Origin,
  Referer or Sec-Fetch-*) is refused; a client that posts a form itself (pyrollbar's
  form encoding) is not a browser and is answered;
- every answer says ``X-Content-Type-Options: nosniff`` and carries a
  Content-Security-Policy that allows no script, no frame and no form anywhere.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, FrozenSet, List, Optional, Tuple

Message = Dict[str, Any]
ASGIApp = Callable[
    [Dict[str, Any], Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
BROWSER_HEADERS = (b"origin", b"referer", b"sec-fetch-mode", b"sec-fetch-site", b"sec-fetch-dest")
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: List[Tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"referrer-policy", b"no-referrer"),
]


def host_name(host: str) -> str:
    """``127.0.0.1:8484`` -> ``127.0.0.1``; ``[::1]:8484`` -> ``::1``; lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        return host.split(":", 1)[0]
    return host


class Guard:
    """Wraps the inbox app; ``listen_host`` is the address it was started on."""

    def __init__(self, app: ASGIApp, listen_host: str = "127.0.0.1") -> None:
        self.app = app
        self.names: FrozenSet[str] = LOOPBACK_NAMES | {host_name(listen_host)}

    async def __call__(
        self,
        scope: Dict[str, Any],
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: Dict[bytes, bytes] = {}
        for name, value in scope.get("headers", []):
            headers.setdefault(name.lower(), value)
        refusal = self.refusal(scope, headers)
        if refusal is not None:
            await _answer(send, 403, refusal)
            return

        async def send_guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        await self.app(scope, receive, send_guarded)

    def refusal(self, scope: Dict[str, Any], headers: Dict[bytes, bytes]) -> Optional[str]:
        """Why the request is refused, or None."""
        host = headers.get(b"host", b"").decode("latin-1")
        if host and host_name(host) not in self.names:
            return "this inbox answers only to its own address (127.0.0.1, localhost, [::1])"
        origin = headers.get(b"origin")
        if origin is not None:
            own = f"{scope.get('scheme', 'http')}://{host}".lower()
            if not host or origin.decode("latin-1").strip().lower() != own:
                return "requests from another origin are refused"
        if scope.get("method") == "POST":
            content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
            is_form = content_type.split(";", 1)[0].strip() in FORM_TYPES
            if is_form and any(name in headers for name in BROWSER_HEADERS):
                return "form posts from a browser are refused"
        return None


async def _answer(send: Callable[[Message], Awaitable[None]], status: int, text: str) -> None:
    body = text.encode() + b"\n"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
