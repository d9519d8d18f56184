"""A planted secret in each place a request or event can carry one never reaches a vendor:
checked in the bytes the receiver got, with a harmless neighbour that must still arrive."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable

import pytest

import errorwire
from errorwire.core.context import request_scope
from errorwire.core.event import Request
from tests.receiver import Receiver
from tests.schemas import assert_valid

VENDORS = ("rollbar", "raygun", "bugsnag")
SECRET = "pl4nted-S3CRET-value"
CARD = "4111 1111 1111 1111"
VISIBLE = "harmless-n31ghbour"


def capture(
    receiver: Receiver, all_vendors: Dict[str, Any], request: Request, **options: Any
) -> Dict[str, bytes]:
    """One handled exception inside a request scope; the raw bodies each vendor got."""
    errorwire.init(sync=True, **all_vendors, **options)
    with request_scope(framework="test", request_builder=lambda: request):
        try:
            raise RuntimeError("checkout failed")
        except RuntimeError:
            assert errorwire.capture_exception() is not None
    assert errorwire.flush(timeout=5.0)
    arrived = receiver.wait_for(3)
    bodies = {item.vendor: item.body for item in arrived}
    assert sorted(bodies) == sorted(VENDORS)
    for vendor, body in bodies.items():
        assert_valid(vendor, json.loads(body))
    return bodies


def sent_bodies(receiver: Receiver) -> Dict[str, bytes]:
    """Once errorwire flushed: the raw body each vendor got."""
    assert errorwire.flush(timeout=5.0)
    return {item.vendor: item.body for item in receiver.wait_for(3)}


def assert_scrubbed(
    bodies: Dict[str, bytes], shown_by: Iterable[str], secrets: Iterable[str] = (SECRET,)
) -> None:
    for vendor, body in bodies.items():
        for secret in secrets:
            assert secret.encode() not in body, f"{secret!r} reached {vendor}"
    for vendor in shown_by:  # the place was really sent: the scrub had something to do
        assert VISIBLE.encode() in bodies[vendor], f"{vendor} did not carry the field"
        assert b"[Filtered]" in bodies[vendor], vendor


def test_header(receiver: Receiver, all_vendors: Dict[str, Any]) -> None:
    request = Request(
        url="https://shop.test/cart",
        method="GET",
        headers={
            "Authorization": f"Bearer {SECRET}",
            "X-Api-Key": SECRET,
            "X-Trace": VISIBLE,
            "X-Note": f"token={SECRET}",
        },
    )
    assert_scrubbed(capture(receiver, all_vendors, request), shown_by=VENDORS)


def test_header_in_cgi_spelling(receiver: Receiver, all_vendors: Dict[str, Any]) -> None:
    request = Request(
        url="https://shop.test/",
        method="GET",
        headers={"HTTP_X_API_KEY": SECRET, "X-Trace": VISIBLE},
    )
    assert_scrubbed(capture(receiver, all_vendors, request), shown_by=VENDORS)


def test_cookie(receiver: Receiver, all_vendors: Dict[str, Any]) -> None:
    request = Request(
        url="https://shop.test/",
        method="GET",
        headers={"Cookie": f"sessionid={SECRET}; theme=dark", "X-Trace": VISIBLE},
        cookies={"sessionid": SECRET, "theme": "dark"},
    )
    bodies = capture(receiver, all_vendors, request)
    assert_scrubbed(bodies, shown_by=VENDORS)


def test_parsed_query(receiver: Receiver, all_vendors: Dict[str, Any]) -> None:
    request = Request(
        url="https://shop.test/search",
        method="GET",
        query={"access_token": SECRET, "q": VISIBLE, "ids": ["1", CARD]},
    )
    bodies = capture(receiver, all_vendors, request)
    assert_scrubbed(bodies, shown_by=VENDORS, secrets=(SECRET, CARD))


def test_raw_query_string(receiver: Receiver, all_vendors: Dict[str, Any]) -> None:
    request = Request(
        url="https://shop.test/search",
        method="GET",
        query_string=f"q={VISIBLE}&api_key={SECRET}&n={CARD.replace(' ', '+')}",
    )
    bodies = capture(receiver, all_vendors, request)
    assert_scrubbed(bodies, shown_by=["rollbar"], secrets=(SECRET, CARD.replace(" ", "+")))


def test_query_inside_the_url(receiver: Receiver, all_vendors: Dict[str, Any]) -> None:
    request = Request(
        url=f"https://bob:{SECRET}x@shop.test/cb?q={VISIBLE}&token={SECRET}#access_token={SECRET}",
        method="GET",
    )
    bodies = capture(receiver, all_vendors, request)
    assert_scrubbed(bodies, shown_by=["rollbar", "bugsnag"])


def test_referer_url(receiver: Receiver, all_vendors: Dict[str, Any]) -> None:
    request = Request(
        url="https://shop.test/",
        method="GET",
        headers={"Referer": f"https://shop.test/?q={VISIBLE}&session={SECRET}"},
    )
    assert_scrubbed(capture(receiver, all_vendors, request), shown_by=VENDORS)


def test_form_field(receiver: Receiver, all_vendors: Dict[str, Any]) -> None:
    request = Request(
        url="https://shop.test/login",
        method="POST",
        form={"username": VISIBLE, "password": SECRET, "card": CARD},
        content_type="multipart/form-data; boundary=x",
    )
    bodies = capture(receiver, all_vendors, request)
    assert_scrubbed(bodies, shown_by=VENDORS, secrets=(SECRET, CARD))


def test_json_body_nested_in_lists(receiver: Receiver, all_vendors: Dict[str, Any]) -> None:
    document = {
        "order": {
            "items": [{"sku": VISIBLE, "payment": {"cvv": SECRET}}],
            "customer": [[{"apiKey": SECRET}]],
            "note": f"Bearer {SECRET}",
        }
    }
    raw = json.dumps(document).encode()
    request = Request(
        url="https://shop.test/orders",
        method="POST",
        json=document,
        has_json=True,
        body=raw,
        content_type="application/json",
    )
    bodies = capture(receiver, all_vendors, request)
    assert_scrubbed(bodies, shown_by=VENDORS)


def test_deeply_nested_json(receiver: Receiver, all_vendors: Dict[str, Any]) -> None:
    document: Any = {"password": SECRET, "tag": VISIBLE}
    for level in range(200):
        document = {f"level{level}": document, "tag": VISIBLE}
    request = Request(
        url="https://shop.test/orders",
        method="POST",
        json=document,
        has_json=True,
        content_type="application/json",
    )
    assert_scrubbed(capture(receiver, all_vendors, request), shown_by=["rollbar", "bugsnag"])


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", f"user={VISIBLE}&pass_word={SECRET}&x=1"),
        ("application/json", json.dumps({"user": VISIBLE, "credentials": {"pw": SECRET}})),
        ("application/json", '{"user": "' + VISIBLE + '", "password": "' + SECRET),  # cut
        ("text/plain", f"user={VISIBLE} secret: {SECRET} card {CARD}"),
        ("application/xml", f"<u>{VISIBLE}</u><password>{SECRET}</password>"),
    ],
    ids=["form-encoded", "json", "cut-json", "text", "xml"],
)
def test_raw_body(
    receiver: Receiver, all_vendors: Dict[str, Any], content_type: str, body: str
) -> None:
    request = Request(
        url="https://shop.test/api", method="POST", body=body.encode(), content_type=content_type
    )
    shown_by = ["rollbar", "bugsnag"] if "form" in content_type else VENDORS
    assert_scrubbed(
        capture(receiver, all_vendors, request), shown_by=shown_by, secrets=(SECRET, CARD)
    )


def test_extra_data(receiver: Receiver, all_vendors: Dict[str, Any]) -> None:
    errorwire.init(sync=True, **all_vendors)
    try:
        raise ValueError("refund failed")
    except ValueError as exc:
        errorwire.capture_exception(
            exc,
            extra={
                "order": VISIBLE,
                "gateway": {"client_secret": SECRET, "cards": [CARD]},
                "log": f"retrying with password={SECRET}",
                "stripeApiKey": SECRET,
            },
        )
    bodies = sent_bodies(receiver)
    assert_scrubbed(bodies, shown_by=VENDORS, secrets=(SECRET, CARD))


def test_breadcrumbs(receiver: Receiver, all_vendors: Dict[str, Any]) -> None:
    errorwire.init(sync=True, **all_vendors)
    with request_scope(framework="test"):
        errorwire.add_breadcrumb(
            f"called api with token={SECRET}",
            category=VISIBLE,
            data={"auth": SECRET, "step": VISIBLE},
        )
        try:
            raise ValueError("refund failed")
        except ValueError as exc:
            errorwire.capture_exception(exc)
    bodies = sent_bodies(receiver)
    assert_scrubbed(bodies, shown_by=VENDORS)


def test_exception_message_value_patterns(receiver: Receiver, all_vendors: Dict[str, Any]) -> None:
    errorwire.init(sync=True, **all_vendors)
    try:
        raise ValueError(f"charge of card {CARD} for {VISIBLE} failed: Bearer {SECRET}")
    except ValueError as exc:
        errorwire.capture_exception(exc)
    bodies = sent_bodies(receiver)
    assert_scrubbed(bodies, shown_by=VENDORS, secrets=(SECRET, CARD))


def test_person_is_sent_as_is(receiver: Receiver, all_vendors: Dict[str, Any]) -> None:
    errorwire.init(sync=True, **all_vendors)
    with request_scope(framework="test"):
        errorwire.set_person(id="42", username="alice", email="alice@example.com")
        try:
            raise ValueError("x")
        except ValueError as exc:
            errorwire.capture_exception(exc)
    assert errorwire.flush(timeout=5.0)
    for item in receiver.wait_for(3):
        assert b"alice@example.com" in item.body, item.vendor


def test_source_context_lines(receiver: Receiver, all_vendors: Dict[str, Any]) -> None:
    """A key written into the code travels with the lines around the failing one."""
    errorwire.init(sync=True, **all_vendors)
    api_key = "pl4nted-S3CRET-value"  # the literal, in a line of this frame's context
    label = "harmless-n31ghbour"
    try:
        raise RuntimeError(f"lookup failed ({len(api_key)} / {len(label)})")
    except RuntimeError:
        assert errorwire.capture_exception() is not None
    bodies = sent_bodies(receiver)
    for vendor, body in bodies.items():
        assert_valid(vendor, json.loads(body))
    # Raygun's stack frames carry no source lines.
    assert_scrubbed(bodies, shown_by=("rollbar", "bugsnag"))
    assert b'api_key = \\"[Filtered]\\"' in bodies["rollbar"]


def test_source_context_lines_of_a_repeated_error(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    """The lines of a place that fails again are scrubbed again; under other key rules
    (``unscrub_keys``) the same lines get the verdict of those rules."""
    for sent, unscrub in enumerate((["api_key"], [], [], ["api_key"], []), start=1):
        errorwire.init(sync=True, unscrub_keys=unscrub, **all_vendors)
        api_key = "pl4nted-S3CRET-value"  # the literal, in a line of this frame's context
        try:
            raise RuntimeError(f"lookup failed again ({len(api_key)})")
        except RuntimeError:
            assert errorwire.capture_exception() is not None
        assert errorwire.flush(timeout=5.0)
        bodies = {item.vendor: item.body for item in receiver.wait_for(3 * sent)[-3:]}
        if unscrub:
            assert SECRET.encode() in bodies["rollbar"] and SECRET.encode() in bodies["bugsnag"]
        else:
            assert_scrubbed({v: bodies[v] for v in ("rollbar", "bugsnag")}, shown_by=())
            assert b'api_key = \\"[Filtered]\\"' in bodies["rollbar"]
