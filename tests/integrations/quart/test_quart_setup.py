"""Setting the extension up: options from app.config, Quart re-raising, apps without auth."""

from __future__ import annotations

import subprocess
import sys
from typing import Any, Dict

import httpx

import errorwire
from errorwire.integrations.quart import Errorwire
from tests.integrations.asgi.asgi_support import serve
from tests.integrations.quart.quart_apps import make_app
from tests.integrations.request_copies import assert_plain_request_copy, keep_request_copies
from tests.receiver import Receiver
from tests.reports import VENDORS, Reports, vendor_person_id
from tests.served_apps import fetch


def test_options_come_from_app_config(receiver: Receiver, all_vendors: Dict[str, Any]) -> None:
    reports = Reports(receiver)
    app = make_app(with_errorwire=False)
    app.config["ERRORWIRE"] = {
        **all_vendors,
        "before_send": reports.keep,
        "environment": "staging",
    }
    Errorwire(app)
    Errorwire(app)  # a second time changes nothing
    with serve(app) as url:
        assert fetch(url + "/view-error")[0] == 500
    event, payloads = reports.one()
    assert event.environment == "staging"
    assert payloads["rollbar"]["data"]["environment"] == "staging"


def test_quart_re_raising_the_error_is_still_one_report(reports: Reports) -> None:
    """With PROPAGATE_EXCEPTIONS Quart (0.19+) raises the error out of the app after its
    signal (uvicorn answers 500): the wrapper sees the same exception again, reported once."""
    with serve(make_app(PROPAGATE_EXCEPTIONS=True)) as url:
        assert fetch(url + "/view-error")[0] == 500
    event, _ = reports.one()
    assert [info.short_type for info in event.exceptions] == ["PaymentFailed", "KeyError"]


def test_without_quart_auth_on_the_app_there_is_no_person(reports: Reports) -> None:
    with serve(make_app(auth=False)) as url:
        assert fetch(url + "/profile")[0] == 500
    event, payloads = reports.one()
    assert event.person is None
    for vendor in VENDORS:
        assert vendor_person_id(vendor, payloads[vendor]) is None


def test_set_person_wins_over_quart_auth(reports: Reports) -> None:
    with serve(make_app()) as url, httpx.Client(base_url=url) as client:
        assert client.post("/sign-in", data={"user": "alice-7"}).status_code == 200
        assert client.post("/users/o-1/checkout", headers={"X-User": "bob"}).status_code == 500
    event, payloads = reports.one()
    assert event.person is not None
    assert (event.person.id, event.person.username) == ("bob", "name-bob")
    for vendor in VENDORS:
        assert vendor_person_id(vendor, payloads[vendor]) == "bob"


def test_a_missing_quart_names_the_extra_to_install() -> None:
    code = "import sys; sys.modules['quart'] = None; import errorwire.integrations.quart"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert "pip install errorwire[quart]" in result.stderr.splitlines()[-1]


def test_only_plain_copies_of_a_quart_request_reach_the_worker(all_vendors: Any) -> None:
    """The event holds the fields copied on the request's task (the route, its arguments,
    the JSON the app read): no Quart request, no integration code."""
    copies = keep_request_copies(errorwire.init(**all_vendors))
    with serve(make_app()) as url:
        assert fetch(url + "/items/7?tag=a", method="POST", json={"qty": -1})[0] == 500
    (copied,) = copies
    request = assert_plain_request_copy(copied)
    assert (request.url, request.route, request.json) == (
        url + "/items/7?tag=a",
        "/items/<int:item_id>",
        {"qty": -1},
    )
