"""The field helpers every encoder shares write the same text on their quick paths as on
their general ones: timestamps, strings and the fields a guarded step leaves out."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from errorwire.core import safety
from errorwire.vendors import fields as f

TIMESTAMPS = [0, 0.0009, 0.9999, 1.5, 59.9995, 1765112523.7309, 1e9 + 0.123456, 253402300799.999]


@pytest.mark.parametrize("timestamp", TIMESTAMPS)
def test_iso_utc_writes_what_strftime_wrote(timestamp: float) -> None:
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    seconds = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    millis = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    assert f.iso_utc(timestamp) == seconds
    assert f.iso_utc(timestamp, millis=True) == millis


def test_iso_utc_leaves_out_what_is_no_timestamp() -> None:
    for unusable in (None, -1, float("nan"), float("inf"), True, "1", 1e20):
        assert f.iso_utc(unusable) is None


class Text(str):
    pass


def test_text_and_safe_str_hand_back_plain_clean_strings() -> None:
    assert f.text("") is None and f.text("abc") == "abc"
    assert f.text("ünï") == "ünï" and f.safe_str("ünï") == "ünï"
    assert f.text("lone \udc80") == "lone \\udc80" == f.safe_str("lone \udc80")
    assert f.text(Text("sub")) == "sub" and f.safe_str(Text("sub")) == "sub"
    assert f.text(12) == "12" and f.text(None) is None


def test_a_failing_guarded_step_is_left_out_and_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(safety, "record_swallowed", False)
    before = safety.internal_errors["test field"]

    def broken() -> str:
        raise ValueError("broken")

    assert f.guarded("test field", broken) is None
    assert f.guarded("test field", lambda: "built") == "built"
    assert safety.internal_errors["test field"] == before + 1
    with pytest.raises(KeyboardInterrupt):  # not an Exception: never swallowed
        f.guarded("test field", lambda: (_ for _ in ()).throw(KeyboardInterrupt()))
