"""Safe reprs of frame variables: bounded, never raising, never evaluating what is lazy."""

# ruff: noqa: F841 - unused locals are what frame variables must show

from __future__ import annotations

import sys
from collections import OrderedDict, defaultdict, deque, namedtuple
from typing import Any, List

import pytest

from errorwire.core.frame_variables import MAX_VARIABLES, frame_variables
from errorwire.core.safe_repr import MAX_ITEMS, REPR_MAX, render, snapshot

Point = namedtuple("Point", "x y")


class Loud:
    """``__class__`` is what a lazy object resolves: reading it must not happen."""

    touched: List[str] = []

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        Loud.touched.append("__class__")
        return dict

    def __repr__(self) -> str:
        return "<Loud>"


class Raises:
    def __repr__(self) -> str:
        raise ValueError("secret in the message")


class NotText:
    def __repr__(self) -> Any:
        return 42


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("abc", "'abc'"),
        (b"\x00ab", "b'\\x00ab'"),
        (None, "None"),
        (3.5, "3.5"),
        ((1,), "(1,)"),
        ((), "()"),
        (set(), "set()"),
        (frozenset([1]), "frozenset({1})"),
        ({"a": [1, {"b": 2}]}, "{'a': [1, {'b': 2}]}"),
        (OrderedDict(a=1), "OrderedDict({'a': 1})"),
        (defaultdict(int, a=1), "defaultdict({'a': 1})"),
        (deque([1, 2]), "deque([1, 2])"),
        (Point(1, 2), "Point(x=1, y=2)"),
        ({"a": {"b": {"c": {"d": 1}}}}, "{'a': {'b': {'c': {…1 more}}}}"),
        (Raises(), "<Raises object (repr failed: ValueError)>"),
        (NotText(), "<NotText object (repr failed: TypeError)>"),
        (2**5000, "<int of 5001 bits>"),
    ],
)
def test_values_render_like_repr_or_a_placeholder(value: Any, text: str) -> None:
    assert render(snapshot(value)) == text


def test_everything_is_cut_to_repr_max_characters() -> None:
    for value in ("x" * 10_000, b"y" * 10_000, ["z" * 200] * 50, {str(i): i for i in range(500)}):
        text = render(snapshot(value))
        assert len(text) <= REPR_MAX
    assert render(snapshot(list(range(100)))).endswith(f"…{100 - MAX_ITEMS} more]")


def test_a_cycle_and_a_recursing_repr_end() -> None:
    looped: List[Any] = [1]
    looped.append(looped)
    assert render(snapshot(looped)).startswith("[1, [1, [1, ")

    class Recurses:
        def __repr__(self) -> str:
            return repr(self)

    assert render(snapshot(Recurses())) == "<Recurses object (repr failed: RecursionError)>"


def test_a_lazy_objects_class_is_never_read() -> None:
    Loud.touched.clear()
    assert render(snapshot({"lazy": Loud()})) == "{'lazy': <Loud>}"
    assert Loud.touched == []


def test_frame_variables_split_arguments_and_locals_and_stop_at_the_bound() -> None:
    def target(a: int, b: int = 2, *rest: int, key: str, **more: int) -> Any:
        inner = a + b
        return sys._getframe()

    found = frame_variables(target(1, 2, 3, 4, key="k", extra=5))
    assert found.args == {"a": "1", "b": "2"}
    assert found.varargs_name == "rest" and found.varargs == ["3", "4"]
    assert found.kwargs == {"key": "'k'", "extra": "5"}
    assert found.locals == {"inner": "3"} and found.omitted == 0

    def many(*values: int) -> Any:
        return sys._getframe()

    wide = frame_variables(many(*range(100)))
    assert len(wide.varargs) == MAX_VARIABLES and wide.omitted == 100 - MAX_VARIABLES


def test_sensitive_names_are_not_read() -> None:
    def target(password: str) -> Any:
        broken = Raises()
        return sys._getframe()

    found = frame_variables(target("pw"), ("password", "broken"))
    assert found.args == {"password": "[Filtered]"} and found.locals == {"broken": "[Filtered]"}
    everything = frame_variables(target("pw"), "__ALL__")
    assert everything.args == {"password": "[Filtered]"}
