"""One POST over urllib3: pooled keep-alive per host, TLS verified, timeouts, env proxies.

urllib3 does not read proxy settings from the environment itself, so the proxy for
each vendor URL is resolved once from ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``
(``urllib.request.getproxies`` / ``proxy_bypass``, as requests does).
"""

from __future__ import annotations

import threading
import urllib.request
from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Tuple, Union
from urllib.parse import urlsplit

import urllib3

from errorwire.transport import wire

# Rarely more than one connection per host: one worker thread sends. Sync mode
# may send from several request threads at once, hence a few spare connections.
CONNECTIONS_PER_HOST = 4
MAX_ERROR_BODY = 64 * 1024


@dataclass
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes


Manager = Union[urllib3.PoolManager, urllib3.ProxyManager]


def proxy_for(url: str) -> Optional[str]:
    """The proxy URL the environment names for ``url``, or None for a direct connection."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or not parts.hostname:
        return None
    host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    if urllib.request.proxy_bypass(host) or urllib.request.proxy_bypass(parts.hostname):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


Opener = Union[urllib3.HTTPConnectionPool, urllib3.PoolManager, urllib3.ProxyManager]


class HttpClient:
    """POSTs bodies; raises urllib3's errors (connection, timeout, reset) to the caller."""

    def __init__(self, connect_timeout: float, read_timeout: float) -> None:
        self.timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self._lock = threading.Lock()
        self._direct: Optional[urllib3.PoolManager] = None
        self._proxies: Dict[str, urllib3.ProxyManager] = {}
        self._route: Dict[str, Optional[str]] = {}
        self._openers: Dict[str, Tuple[Opener, str]] = {}
        """Per URL: what sends to it and the target to ask for (proxied URLs)."""
        self._direct_urls: Dict[str, Tuple[urllib3.HTTPConnectionPool, bytes]] = {}
        """Per direct URL: its host's connection pool and its request line and Host header,
        built once (wire.py frames each POST by hand on the pool's connections)."""

    def _manager(self, url: str) -> Manager:
        origin = url.split("/", 3)[:3]
        key = "/".join(origin)
        if key not in self._route:
            self._route[key] = proxy_for(url)
        proxy = self._route[key]
        if proxy is None:
            if self._direct is None:
                self._direct = urllib3.PoolManager(
                    num_pools=8, maxsize=CONNECTIONS_PER_HOST, cert_reqs="CERT_REQUIRED"
                )
            return self._direct
        if proxy not in self._proxies:
            self._proxies[proxy] = urllib3.ProxyManager(
                proxy, num_pools=8, maxsize=CONNECTIONS_PER_HOST, cert_reqs="CERT_REQUIRED"
            )
        return self._proxies[proxy]

    def _opener(self, url: str) -> Tuple[Opener, str]:
        with self._lock:
            found = self._openers.get(url)
            if found is None:
                manager = self._manager(url)
                found = (manager, url)  # the proxy manager adds what a proxy needs
                if not isinstance(manager, urllib3.ProxyManager):
                    parts = urlsplit(url)
                    target = parts.path or "/"
                    if parts.query:
                        target += "?" + parts.query
                    host = parts.netloc.rpartition("@")[2]
                    pool = manager.connection_from_url(url)
                    self._direct_urls[url] = (pool, wire.request_head(target, host))
                self._openers[url] = found
            return found

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Response:
        direct = self._direct_urls.get(url)
        if direct is None and url not in self._openers:
            self._opener(url)
            direct = self._direct_urls.get(url)
        if direct is not None:
            answer = wire.post(direct[0], direct[1], headers, body, self.timeout)
            return Response(answer.status, answer.headers, answer.body)
        opener, target = self._openers[url]
        return self.urlopen_post(opener, target, body, headers)

    def urlopen_post(
        self, opener: Opener, target: str, body: bytes, headers: Mapping[str, str]
    ) -> Response:
        """POST through urllib3's own request path (``urlopen``): proxied URLs, and the
        benchmark's comparison with wire.py."""
        response = opener.urlopen(
            "POST",
            target,
            body=body,
            headers=headers,
            timeout=self.timeout,
            retries=False,
            redirect=False,
            preload_content=False,
        )
        try:
            return Response(response.status, response.headers, _read_body(response))
        finally:
            response.release_conn()

    def close(self) -> None:
        with self._lock:
            managers = [m for m in (self._direct, *self._proxies.values()) if m is not None]
            self._direct, self._proxies, self._openers = None, {}, {}
            self._direct_urls = {}
        for manager in managers:
            manager.clear()


def _read_body(response: urllib3.BaseHTTPResponse) -> bytes:
    """The start of the body; a 2xx whose body breaks off still counts as accepted."""
    try:
        data = bytes(response.read(MAX_ERROR_BODY))
        response.drain_conn()  # the rest, so the kept-alive connection is clean
        return data
    except (urllib3.exceptions.HTTPError, OSError):
        if 200 <= response.status < 300:
            return b""
        raise
