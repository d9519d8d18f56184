"""example_apps/django_app served by ``manage.py runserver`` in its own process (its own
settings), configured from the environment, reporting to the receiver."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

pytest.importorskip("django")

from tests.helpers import free_port
from tests.receiver import Receiver
from tests.reports import VENDORS, vendor_env, vendor_exception_classes
from tests.schemas import assert_valid

MANAGE = Path(__file__).resolve().parents[3] / "example_apps" / "django_app" / "manage.py"

ERROR_ROUTES = {
    "/view-error/": "PaymentDeclined",
    "/nested/": "KeyError",
    "/template/": "ZeroDivisionError",
    "/stream/": "PaymentDeclined",
    "/background/": "ConnectionError",
    "/items/7/?expand=price": "LookupError",
    "/checkout/": "TypeError",
}


@pytest.fixture
def example_site(receiver: Receiver) -> Iterator[str]:
    env = {**os.environ, **vendor_env(receiver)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(MANAGE), "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None, "runserver exited"
                assert time.monotonic() < deadline, "runserver did not start"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def request(url: str, body: Optional[Any] = None) -> Tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read()
    except (ConnectionError, urllib.error.URLError):  # a stream broken off by the server
        return -1, b""


def test_every_error_route_of_the_example_is_reported(
    example_site: str, receiver: Receiver
) -> None:
    assert request(f"{example_site}/") == (200, b"all good")
    for path in ERROR_ROUTES:
        body = {"cart": [1, 2], "coupon": "SPRING"} if path == "/checkout/" else None
        status, _ = request(example_site + path, body)
        assert status in (200, 500, -1)

    arrived = receiver.wait_for(len(ERROR_ROUTES) * len(VENDORS), timeout=20)
    assert len(arrived) == len(ERROR_ROUTES) * len(VENDORS)
    for vendor in VENDORS:
        payloads: List[Dict[str, Any]] = [item.json() for item in receiver.by_vendor(vendor)]
        for payload in payloads:
            assert_valid(vendor, payload)
        classes = sorted(vendor_exception_classes(vendor, p)[0] for p in payloads)
        assert classes == sorted(ERROR_ROUTES.values()), vendor
    checkout = next(
        p["data"]["request"]
        for p in (item.json() for item in receiver.by_vendor("rollbar"))
        if p["data"].get("request", {}).get("url", "").endswith("/checkout/")
    )
    assert checkout["json"] == {"cart": [1, 2], "coupon": "[Filtered]"}  # sensitive_post_parameters
