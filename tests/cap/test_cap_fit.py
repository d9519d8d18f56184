"""The measuring copy cap.py is built on: its sizes are exact and never over the budget."""

from __future__ import annotations

import json
from typing import Any, Optional

from hypothesis import given, settings
from hypothesis import strategies as st

from errorwire.vendors.base import to_json
from errorwire.vendors.cap_fit import NOTHING, Fitter

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
    | st.text(st.characters(exclude_categories=()), max_size=300),
    lambda inner: st.lists(inner, max_size=8)
    | st.dictionaries(st.text(max_size=20) | st.integers(), inner, max_size=8),
    max_leaves=60,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    value=json_values,
    budget=st.integers(0, 4000),
    max_str=st.integers(0, 500),
    key=st.sampled_from([None, "breadcrumbs", "url", "email", "message"]),
)
def test_the_copy_is_exactly_as_big_as_measured_and_within_budget(
    value: Any, budget: int, max_str: int, key: Optional[str]
) -> None:
    copy, size = Fitter(max_str).fit(value, budget, key)
    if copy is NOTHING or type(copy).__name__ == "_Sentinel":
        return
    assert len(to_json([copy])) - 2 == size  # inside a list: any JSON value encodes
    assert size <= budget


@settings(max_examples=200, deadline=None)
@given(value=json_values)
def test_with_room_enough_a_json_value_comes_back_unchanged(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    if "NaN" in text or "Infinity" in text:
        return
    try:
        encoded = to_json({"v": value})
    except (UnicodeEncodeError, ValueError):
        return  # lone surrogates: the copy replaces them (tested above for size)
    fitter = Fitter(10**6)
    copy, size = fitter.fit(value, 10**6)
    assert fitter.budget_cuts == 0
    assert to_json({"v": copy}) == encoded
    assert size == len(encoded) - len('{"v":}')


def test_a_cut_container_says_how_much_was_left_out() -> None:
    copy, _ = Fitter(1000).fit({f"k{i}": "v" * 50 for i in range(100)}, 500)
    assert copy["[truncated]"].endswith("more entries")
    copy, _ = Fitter(1000).fit(["v" * 50] * 100, 500)
    assert copy[-1].endswith("more items]")
    copy, _ = Fitter(1000).fit({"breadcrumbs": [{"n": i} for i in range(100)]}, 200)
    assert copy["breadcrumbs"][-1] == {"n": 99}  # the newest kept, whole
