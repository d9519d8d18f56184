"""quick_identity: the storm shortcut's stand-in for the grouping key.

Two exceptions with the same identity must get the same grouping key (else a storm
of one error would swallow the first report of another), and repeats of one error
must get one identity (else the shortcut never applies).
"""

from __future__ import annotations

import builtins
import itertools
import os
from typing import Callable, Dict, List, Optional

import pytest

from errorwire.core.grouping import grouping_key
from errorwire.core.identity import QUICK_FRAMES, QUICK_LINKS, quick_identity
from errorwire.core.stacktrace import extract_chain
from tests.helpers import raised

ROOT = os.path.dirname(os.path.abspath(__file__))
"""This folder is the project: frames of this file are project frames."""

LIBRARY_SOURCE = """
def library_call(fn):
    return fn()

def library_missing():
    return {}["library"]

def library_wrap(fn):
    try:
        return fn()
    except KeyError as exc:
        raise LookupError("wrapped by the library") from exc
"""
library: Dict[str, Callable[..., object]] = {}
exec(compile(LIBRARY_SOURCE, "/elsewhere/library.py", "exec"), library)  # not the project's


class AppError(Exception):
    pass


def missing() -> object:
    return {}["key"]


def other_missing() -> object:
    return {}["other"]


def wrap_in_app(fn: Callable[[], object]) -> object:
    try:
        return fn()
    except KeyError as exc:
        raise AppError("lookup failed") from exc


def wrap_implicitly(fn: Callable[[], object]) -> object:
    try:
        return fn()
    except KeyError:
        raise AppError("lookup failed")  # noqa: B904 - the implicit context is the point


def wrap_hiding_the_cause() -> object:
    try:
        return missing()
    except KeyError:
        raise AppError("lookup failed") from None


def view_a() -> object:
    return wrap_in_app(missing)


def view_b() -> object:
    return wrap_in_app(missing)


def identity(exc: BaseException) -> Optional[tuple]:
    return quick_identity(exc, ROOT)


def key(exc: BaseException) -> str:
    return grouping_key(extract_chain(exc, ROOT))


SCENARIOS: Dict[str, Callable[[], object]] = {
    "plain": missing,
    "plain elsewhere": other_missing,
    "plain through the library": lambda: library["library_call"](missing),
    "cause via view a": view_a,
    "cause via view b": view_b,
    "cause through the library": lambda: library["library_call"](view_a),
    "other cause": lambda: wrap_in_app(other_missing),
    "implicit context": lambda: wrap_implicitly(missing),
    "hidden cause": wrap_hiding_the_cause,
    "cause without project frames": lambda: library["library_wrap"](library["library_missing"]),
    "same, from elsewhere": lambda: library["library_call"](
        lambda: library["library_wrap"](library["library_missing"])
    ),
}


def test_each_error_keeps_one_identity_across_repeats() -> None:
    for name, action in SCENARIOS.items():
        first, again = raised(action), raised(action)
        assert identity(first) is not None, name
        assert identity(first) == identity(again), name


def test_same_identity_means_same_grouping_key() -> None:
    errors = [raised(action) for action in SCENARIOS.values() for _ in range(2)]
    for one, other in itertools.combinations(errors, 2):
        if identity(one) == identity(other):
            assert key(one) == key(other), (one, other)


def test_a_root_cause_reached_by_different_paths_is_one_identity() -> None:
    """Grouping follows ``raise ... from`` to the KeyError with project frames: the
    outer exception's traceback does not change the key, nor the identity."""
    a, b, through = raised(view_a), raised(view_b), raised(SCENARIOS["cause through the library"])
    assert key(a) == key(b) == key(through)
    assert identity(a) == identity(b) == identity(through)


def test_different_root_causes_are_different_identities() -> None:
    found = {name: identity(raised(action)) for name, action in SCENARIOS.items()}
    assert found["cause via view a"] != found["other cause"]
    assert found["plain"] != found["plain elsewhere"]
    # The library's own KeyError has no project frame: the wrapper it raised decides.
    assert found["cause without project frames"] != found["same, from elsewhere"]
    assert key(raised(SCENARIOS["cause without project frames"])) != key(
        raised(SCENARIOS["same, from elsewhere"])
    )


def _exception_group() -> type:
    """The builtin ExceptionGroup (3.11+), else the backport anyio uses, if installed."""
    found = getattr(builtins, "ExceptionGroup", None)
    if found is None:
        backport = pytest.importorskip("exceptiongroup", reason="no ExceptionGroup before 3.11")
        found = backport.ExceptionGroup
    return found


def test_a_group_is_identified_by_its_first_member() -> None:
    group_type = _exception_group()

    def group_of(*actions: Callable[[], object]) -> BaseException:
        members = [raised(action) for action in actions]
        return raised(lambda: (_ for _ in ()).throw(group_type("several", members)))

    one = group_of(missing, other_missing)
    same = group_of(missing, other_missing)
    other = group_of(other_missing, missing)
    assert identity(one) == identity(same) and key(one) == key(same)
    assert key(one) != key(other)
    assert identity(one) != identity(other)


def test_cycles_long_chains_and_deep_stacks_get_no_identity() -> None:
    first, second = raised(missing), raised(other_missing)
    first.__context__, second.__context__ = second, first
    assert identity(first) is None

    chain: List[BaseException] = [raised(missing)]
    for _ in range(QUICK_LINKS):
        outer = AppError("outer")
        outer.__cause__ = chain[-1]
        chain.append(outer)
    assert identity(chain[-1]) is None

    def deep(n: int) -> object:
        return deep(n - 1) if n else missing()

    assert identity(raised(lambda: deep(QUICK_FRAMES))) is None
    assert identity(raised(lambda: deep(QUICK_FRAMES // 2))) is not None
