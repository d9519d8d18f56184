"""The job arguments the Celery and RQ reports carry, copied when the job fails."""

from __future__ import annotations

from typing import Any, Dict

import errorwire
from errorwire.integrations import jobs
from tests.receiver import Receiver


class BrokenRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def charge(card_number: str, amount: int, *rest: Any, token: str = "", **more: Any) -> None:
    pass


def test_arguments_are_plain_copies_with_secret_parameters_filtered(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    client = errorwire.init(**all_vendors)
    cart = {"items": [1, 2], "owner": object()}
    args = ["4111111111111111", 3, BrokenRepr(), b"raw"]
    copied = jobs.arguments(charge, args, {"cart": cart}, client)
    assert copied["args"][:2] == ["[Filtered]", 3]  # by the parameter's name
    assert copied["args"][2] == "<BrokenRepr object>"
    assert copied["args"][3] == "raw"  # *rest: no name to judge by (values are scrubbed later)
    assert copied["kwargs"]["cart"]["items"] == [1, 2]
    assert copied["kwargs"]["cart"]["owner"].startswith("<object object at")
    cart["items"].append(3)  # the job's objects may change after the copy
    assert copied["kwargs"]["cart"]["items"] == [1, 2]


def test_unscrub_keys_and_scrub_off_keep_positional_arguments(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    client = errorwire.init(**all_vendors, unscrub_keys=["card_number"])
    assert jobs.arguments(charge, ["4111", 1], {}, client)["args"] == ["4111", 1]
    client = errorwire.init(**all_vendors, scrub=False)
    assert jobs.arguments(charge, ["4111", 1], {}, client)["args"] == ["4111", 1]


def test_deep_and_long_values_are_cut() -> None:
    deep: Any = "bottom"
    for _ in range(20):
        deep = [deep]
    copied = jobs.copy_value({"deep": deep, "long": "x" * 5000})
    assert len(copied["long"]) == jobs.MAX_CHARS
    level = copied["deep"]
    for _ in range(jobs.MAX_DEPTH - 1):
        level = level[0]
    assert isinstance(level, str)  # past the depth: the rest as one repr
