"""Drop reasons are one enum whose values are the stats() keys the README documents, and
every drop logs the sentence its reason carries."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Set

import pytest

from errorwire.core.counters import Counters
from errorwire.core.outcomes import DropReason
from errorwire.transport.stats import TransportStats

README = Path(__file__).resolve().parents[2] / "README.md"


def documented_keys() -> Set[str]:
    """The stats keys README's "Every drop is counted" paragraph and its neighbours name."""
    text = README.read_text(encoding="utf-8")
    start = text.index("Every drop is counted and its reason logged")
    paragraph = text[start : text.index("With a `spool_dir`", start)]
    keys = set(re.findall(r"`([a-z_]+)(?:<status>)?`", paragraph))
    keys.update(re.findall(r"counted as `([a-z_]+)`", text))
    return keys


def test_every_documented_stats_key_is_a_drop_reason() -> None:
    values = {reason.value for reason in DropReason}
    documented = {key.rstrip("_") for key in documented_keys()}
    assert documented and documented <= values, documented - values


@pytest.mark.parametrize("reason", list(DropReason))
def test_a_reason_is_its_stats_key_and_has_a_sentence(reason: DropReason) -> None:
    assert reason == reason.value and hash(reason) == hash(reason.value)
    assert str(reason) == f"{reason}" == reason.value
    assert {reason.value: 1}[reason] == 1
    assert reason.sentence and reason.sentence != reason.value


def test_a_drop_is_counted_under_its_key_and_logs_its_sentence_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    counters = Counters()
    with caplog.at_level(logging.INFO, logger="errorwire"):
        counters.drop(DropReason.SAMPLED)
        counters.drop(DropReason.SAMPLED)
        counters.drop(DropReason.BEFORE_SEND, vendor="bugsnag")
        counters.drop(DropReason.REJECTED, "HTTP 403")
    assert counters.snapshot() == {
        "dropped_sampled": 2,
        "bugsnag.dropped_before_send": 1,
        "rejected": 1,
    }
    assert all(type(key) is str for key in counters.snapshot())  # plain keys in stats()
    said = [r.getMessage() for r in caplog.records if "not sent" in r.getMessage()]
    assert len(said) == 3
    assert DropReason.SAMPLED.sentence in said[0]
    assert "bugsnag: before_send returned None" in said[1]
    assert "the vendor rejected it: HTTP 403" in said[2]


def test_transport_drop_keys_in_stats_are_plain_strings() -> None:
    """A rejection counts under ``rejected_<status>``, as plain text users can print."""
    stats = TransportStats()
    stats.drop(DropReason.REJECTED, "rollbar", status=403)
    stats.drop(DropReason.QUEUE_FULL, "rollbar", 2)
    dropped = stats.snapshot()["rollbar"]["dropped"]
    assert dropped == {"rejected_403": 1, "queue_full": 2}
    assert repr(dropped) == "{'rejected_403': 1, 'queue_full': 2}"
