"""errorwire.testing: the real pipeline runs, each vendor's payload is handed back, nothing
is sent (the receiver proves it), and the previous state comes back after the block."""

from __future__ import annotations

from typing import Any, Dict

import pytest

import errorwire
import errorwire.testing
from errorwire import api
from errorwire.testing import PLACEHOLDER_KEY, Reports
from tests.receiver import Receiver
from tests.schemas import assert_valid

VENDORS = ("rollbar", "raygun", "bugsnag")


def _fail(message: str = "card declined") -> None:
    raise ValueError(message)


def _report(**extra: Any) -> str:
    """Report a ValueError; its event id, or "" when the pipeline dropped it."""
    try:
        _fail()
    except ValueError as exc:
        event_id = errorwire.capture_exception(exc, extra=extra or None)
    return event_id or ""


def test_every_vendor_payload_is_handed_back_valid_and_nothing_is_sent(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    errorwire.init(**all_vendors)
    with errorwire.testing.capture() as reports:
        event_id = _report()
        assert [report.vendor for report in reports] == list(VENDORS)
    assert errorwire.flush(timeout=5.0)
    assert receiver.attempts == []
    assert reports.event_ids == [event_id]
    for report in reports:
        assert_valid(report.vendor, report.payload)
        assert report.url == receiver.endpoints()[report.vendor]
        assert report.headers["X-Errorwire-Event-Id"] == event_id
    assert reports.payloads("rollbar")[0]["data"]["body"]["trace"]["exception"] == {
        "class": "ValueError",
        "message": "card declined",
    }
    assert reports.payloads("raygun")[0]["details"]["error"]["className"] == "ValueError"
    assert reports.payloads("bugsnag")[0]["events"][0]["exceptions"][0]["errorClass"] == (
        "ValueError"
    )


def test_after_the_block_reports_are_sent_again(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    errorwire.init(**all_vendors)
    with errorwire.testing.capture():
        _report()
    _report()
    assert errorwire.flush(timeout=5.0)
    assert sorted(item.vendor for item in receiver.received) == sorted(VENDORS)


def test_without_a_client_every_vendor_gets_a_placeholder_and_the_state_is_restored() -> None:
    assert api.get_client() is None
    with errorwire.testing.capture(environment="qa") as reports:
        client = api.get_client()
        assert client is not None
        _report()
    assert api.get_client() is None
    assert client.transport.sink is None
    assert [report.vendor for report in reports] == list(VENDORS)
    assert reports.payloads("rollbar")[0]["access_token"] == PLACEHOLDER_KEY
    assert reports.payloads("rollbar")[0]["data"]["environment"] == "qa"
    assert reports[1].headers["X-ApiKey"] == PLACEHOLDER_KEY
    assert reports[2].headers["Bugsnag-Api-Key"] == PLACEHOLDER_KEY


def test_a_client_without_vendors_is_kept_and_gets_placeholders_for_the_block() -> None:
    client = errorwire.init(environment="test")
    with errorwire.testing.capture() as reports:
        assert api.get_client() is client
        _report()
    assert len(reports) == 3
    assert client.renderer.vendors == ()
    assert client.transport.sink is None


def test_options_configure_a_client_for_the_block_and_the_previous_one_comes_back(
    all_vendors: Dict[str, Any],
) -> None:
    app_client = errorwire.init(**all_vendors)
    with errorwire.testing.capture(rollbar=errorwire.Rollbar(access_token="t")) as reports:
        assert api.get_client() is not app_client
        _report()
    assert api.get_client() is app_client
    assert [(r.vendor, r.payload["access_token"]) for r in reports] == [("rollbar", "t")]


def test_the_pipeline_runs_ignore_sample_and_before_send_drop() -> None:
    dropped = 0

    def before_send(event: Any, hint: Dict[str, Any]) -> Any:
        nonlocal dropped
        if "skip" in event.extra:
            dropped += 1
            return None
        return event

    errorwire.init(ignore=[KeyError], before_send=before_send)
    with errorwire.testing.capture() as reports:
        try:
            raise KeyError("ignored")
        except KeyError as exc:
            assert errorwire.capture_exception(exc) is None
        assert _report(skip=True) == ""
        kept = _report(order=7)
    assert dropped == 1
    assert reports.event_ids == [kept]
    assert errorwire.stats()["client"]["ignored"] == 1


def test_sampled_out_reports_are_not_captured() -> None:
    errorwire.init(sample_rate=0.0)
    with errorwire.testing.capture() as reports:
        try:
            _fail()
        except ValueError as exc:
            assert errorwire.capture_exception(exc) is None
    assert list(reports) == []


def test_payloads_are_scrubbed_hooked_and_capped_as_sent(all_vendors: Dict[str, Any]) -> None:
    def tag_payload(payload: Dict[str, Any]) -> Dict[str, Any]:
        payload["data"]["custom"]["hooked"] = True
        return payload

    errorwire.init(
        rollbar=errorwire.Rollbar(access_token="t", before_send=tag_payload),
        bugsnag=errorwire.Bugsnag(api_key="k", max_bytes=2048),
    )
    with errorwire.testing.capture() as reports:
        _report(password="hunter2", note="x" * 5000)
    rollbar = reports.payloads("rollbar")[0]
    assert rollbar["data"]["custom"]["hooked"] is True
    assert "hunter2" not in rollbar["data"]["custom"]["password"]
    assert all(b"hunter2" not in report.body for report in reports)
    bugsnag = next(report for report in reports if report.vendor == "bugsnag")
    assert len(bugsnag.body) <= 2048
    assert_valid("bugsnag", bugsnag.payload, max_bytes=2048)


def test_the_pytest_fixture_captures_the_test(errorwire_reports: Reports) -> None:
    event_id = _report()
    assert errorwire_reports.event_ids == [event_id]
    assert {report.vendor for report in errorwire_reports} == set(VENDORS)


def test_a_framework_request_is_captured_without_flushing() -> None:
    flask = pytest.importorskip("flask")
    from errorwire.integrations.flask import Errorwire

    app = flask.Flask(__name__)

    @app.route("/orders/<int:order_id>")
    def order(order_id: int) -> str:
        raise RuntimeError(f"order {order_id} lost")

    with errorwire.testing.capture() as reports:
        Errorwire(app)
        response = app.test_client().get("/orders/3?coupon=spring")
        assert response.status_code == 500
        assert len(reports) == 3
    rollbar = reports.payloads("rollbar")[0]["data"]
    assert rollbar["request"]["url"] == "http://localhost/orders/3?coupon=spring"
    assert rollbar["body"]["trace"]["exception"]["message"] == "order 3 lost"
    assert reports.payloads("bugsnag")[0]["events"][0]["context"] == "/orders/<int:order_id>"
