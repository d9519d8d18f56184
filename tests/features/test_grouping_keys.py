"""Grouping: computed per error site, overridden per capture or by a hook, mapped per vendor."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

import errorwire
from errorwire.core.event import Event
from tests.features.feature_payloads import by_vendor, group
from tests.receiver import Receiver
from tests.schemas import assert_valid


def charge(amount: int) -> None:
    raise ValueError(f"cannot charge {amount}")


def refund(amount: int) -> None:
    raise ValueError(f"cannot refund {amount}")


def capture(fn: Callable[[int], None], amount: int, **kwargs: Any) -> None:
    try:
        fn(amount)
    except ValueError as exc:
        errorwire.capture_exception(exc, **kwargs)


def groups_per_vendor(items: List[Any]) -> Dict[str, List[Optional[str]]]:
    return {vendor: [group(i) for i in found] for vendor, found in by_vendor(items).items()}


def test_fingerprint_arrives_as_each_vendor_grouping_field(
    start: Callable[..., Any], receiver: Receiver
) -> None:
    start()
    capture(charge, 5, fingerprint="payments-declined")
    assert errorwire.flush()

    got = by_vendor(receiver.wait_for(3))
    for vendor, items in got.items():
        assert_valid(vendor, items[0].json())
    assert got["rollbar"][0].json()["data"]["fingerprint"] == "payments-declined"
    assert got["raygun"][0].json()["details"]["groupingKey"] == "payments-declined"
    assert got["bugsnag"][0].json()["events"][0]["groupingHash"] == "payments-declined"


def test_grouping_key_is_an_alias_of_fingerprint_also_for_messages(
    start: Callable[..., Any], receiver: Receiver
) -> None:
    start()
    capture(charge, 5, grouping_key="by-alias")
    errorwire.capture_message("queue backed up", level="warning", grouping_key="queue")
    assert errorwire.flush()

    groups = groups_per_vendor(receiver.wait_for(6))
    assert all(sorted(found) == ["by-alias", "queue"] for found in groups.values()), groups


def test_same_site_groups_together_and_other_sites_apart(
    start: Callable[..., Any], receiver: Receiver
) -> None:
    start()
    capture(charge, 1)
    capture(charge, 2)  # another message, same place: same group
    capture(refund, 1)
    assert errorwire.flush()

    for vendor, found in groups_per_vendor(receiver.wait_for(9)).items():
        assert len(found) == 3 and all(found), vendor
        assert sorted(found.count(key) for key in set(found)) == [1, 2], vendor


def test_before_send_can_set_the_fingerprint(start: Callable[..., Any], receiver: Receiver) -> None:
    def before_send(event: Event, hint: Dict[str, Any]) -> Event:
        if "charge" in (event.exceptions[0].message or ""):
            event.fingerprint = "all-charges"
        return event

    start(before_send=before_send)
    capture(charge, 1)
    capture(refund, 1)
    assert errorwire.flush()

    for vendor, found in groups_per_vendor(receiver.wait_for(6)).items():
        assert found.count("all-charges") == 1, vendor
        assert None not in found, vendor


def test_long_fingerprint_fits_each_vendor_limit(
    start: Callable[..., Any], receiver: Receiver
) -> None:
    start()
    capture(charge, 1, fingerprint="tenant-" + "x" * 200)
    assert errorwire.flush()

    got = by_vendor(receiver.wait_for(3))
    for vendor, items in got.items():
        assert_valid(vendor, items[0].json())
    # Rollbar takes at most 40 characters (longer: its SHA1, as Rollbar itself does).
    assert len(got["rollbar"][0].json()["data"]["fingerprint"]) == 40
    assert got["bugsnag"][0].json()["events"][0]["groupingHash"].startswith("tenant-xxx")


def test_log_record_extra_sets_the_fingerprint(
    start: Callable[..., Any], receiver: Receiver, app_logging: Any
) -> None:
    start()
    try:
        charge(3)
    except ValueError:
        app_logging.exception("charge failed", extra={"fingerprint": "charges"})
    app_logging.error("queue %s stuck", "mail", extra={"grouping_key": "queues"})
    assert errorwire.flush()

    for vendor, found in groups_per_vendor(receiver.wait_for(6)).items():
        assert sorted(map(str, found)) == ["charges", "queues"], vendor


def test_log_messages_group_by_their_template_not_their_values(
    start: Callable[..., Any], receiver: Receiver, app_logging: Any
) -> None:
    start()
    app_logging.error("order %s could not be shipped", 1001)
    app_logging.error("order %s could not be shipped", 1002)
    app_logging.error("warehouse %s offline", "north")
    assert errorwire.flush()

    for vendor, found in groups_per_vendor(receiver.wait_for(9)).items():
        assert len(found) == 3 and all(found), vendor
        assert sorted(found.count(key) for key in set(found)) == [1, 2], vendor
