"""close() writes a report still in flight to the spool; its sender may finish meanwhile.

The handover happens under one lock: whichever of the two ends second deletes the
row when the vendor accepted the report, so a later process never sends it again.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

import errorwire
from errorwire.transport.spool import Spool
from tests.receiver import Receiver, Reply
from tests.spool.spool_helpers import QUICK


def test_a_report_accepted_while_close_spools_it_is_not_left_in_the_spool(
    receiver: Receiver, tmp_path: Path
) -> None:
    receiver.script_for("raygun", Reply(202, stall=0.4))
    client = errorwire.init(
        raygun=errorwire.Raygun(api_key="k", endpoint=receiver.endpoints()["raygun"]),
        spool_dir=str(tmp_path),
        **QUICK,
    )
    transport = client.transport
    spool = transport.spool
    assert spool is not None
    real_add = spool.add

    def add_once_the_attempt_is_over(*args: Any) -> Optional[int]:
        # The race, made certain: the vendor accepts the report (and its sender settles
        # it) while close is writing the very same report to the spool.
        deadline = time.monotonic() + 5
        while transport.stats()["raygun"]["sent"] < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        return real_add(*args)

    spool.add = add_once_the_attempt_is_over  # type: ignore[method-assign]
    errorwire.capture_exception(ValueError("in flight at close"))
    receiver.wait_for_attempts(1)
    client.close(timeout=0.05)
    assert len(receiver.wait_for(1)) == 1
    time.sleep(0.2)
    left = Spool(str(tmp_path), spool.max_bytes)
    assert not left.has(["raygun"]), "the delivered report stayed in the spool"
    assert left.waiting == 0
    left.close()


@pytest.mark.parametrize("answer", [Reply(202, stall=0.4), Reply(500, stall=0.4)])
def test_a_report_in_flight_at_close_is_kept_until_its_vendor_has_it(
    receiver: Receiver, tmp_path: Path, answer: Reply
) -> None:
    receiver.script_for("raygun", answer)
    client = errorwire.init(
        raygun=errorwire.Raygun(api_key="k", endpoint=receiver.endpoints()["raygun"]),
        spool_dir=str(tmp_path),
        **QUICK,
    )
    errorwire.capture_exception(ValueError("in flight at close"))
    receiver.wait_for_attempts(1)
    client.close(timeout=0.05)  # the attempt ends after close wrote the row
    time.sleep(0.6)
    left = Spool(str(tmp_path), 1024 * 1024)
    delivered = answer.status == 202
    assert left.has(["raygun"]) is not delivered
    left.close()
    stats: Dict[str, Any] = errorwire.stats()
    assert stats["raygun"]["sent"] == (1 if delivered else 0)
