"""The root-cause walk exists twice: ``grouping._root_cause`` over the captured chain
(the grouping key) and ``identity.quick_identity`` over live exceptions (the storm
shortcut's cache key). If they ever disagree, the cache hands out wrong grouping
keys, so they are checked against each other over generated chains: project and
library frames at every link, explicit causes, implicit contexts, ``from None``,
and exception groups where Python has them.
"""

from __future__ import annotations

import builtins
import os
from functools import partial
from typing import Any, Callable, Dict, List, Optional, Tuple

from hypothesis import given, settings
from hypothesis import strategies as st

from errorwire.core.grouping import _root_cause
from errorwire.core.identity import quick_identity
from errorwire.core.stacktrace import extract_chain

ROOT = os.path.dirname(os.path.abspath(__file__))
"""This folder is the project: code compiled with a file name in it is project code."""

WRAPPER_SOURCE = """
def raiser(cls):
    raise cls("innermost")

def wrap(fn, cls, relation, group):
    try:
        fn()
    except Exception as inner:
        if group is not None:
            raise group("group", [inner, ValueError("second member")])
        if relation == "cause":
            raise cls("outer") from inner
        if relation == "suppressed":
            raise cls("outer") from None
        raise cls("outer")
"""


def _compiled(filename: str) -> Dict[str, Callable[..., Any]]:
    namespace: Dict[str, Callable[..., Any]] = {}
    exec(compile(WRAPPER_SOURCE, filename, "exec"), namespace)
    return namespace


PLACES = {
    "project": _compiled(os.path.join(ROOT, "generated_project_code.py")),
    "library": _compiled("/elsewhere/generated_library.py"),
}
CLASSES = (KeyError, ValueError, LookupError, RuntimeError)
GROUP: Optional[type] = getattr(builtins, "ExceptionGroup", None)

Link = Tuple[str, type, str, bool]
"""(where the code runs, the class it raises, how it links to the inner one, as a group)."""

links = st.tuples(
    st.sampled_from(sorted(PLACES)),
    st.sampled_from(CLASSES),
    st.sampled_from(("cause", "context", "suppressed")),
    st.booleans() if GROUP is not None else st.just(False),
)


def raise_chain(chain: List[Link]) -> BaseException:
    """The exception the outermost link raises; each link wraps the next one in.

    The links call each other through ``functools.partial`` (no Python frame of
    this file between them): a link's frames are only those of its own place.
    """
    where, cls, _, _ = chain[-1]
    call: Callable[[], Any] = partial(PLACES[where]["raiser"], cls)
    for where, cls, relation, as_group in reversed(chain[:-1]):
        group = GROUP if as_group else None
        call = partial(PLACES[where]["wrap"], call, cls, relation, group)
    try:
        call()
    except Exception as exc:
        return exc
    raise AssertionError("the chain did not raise")


@settings(max_examples=300, deadline=None)
@given(chain=st.lists(links, min_size=1, max_size=6))
def test_the_identity_is_made_of_the_root_cause_grouping_picks(chain: List[Link]) -> None:
    exc = raise_chain(chain)
    identity = quick_identity(exc, ROOT)
    if identity is None:
        return  # too long for the shortcut: the report takes the long, exact path
    captured = extract_chain(exc, ROOT, lazy=True)
    root = _root_cause(captured)
    assert root is not None
    assert root.frame_entries is not None
    root_class, *code_ids = identity
    assert isinstance(root_class, type)
    assert f"{root_class.__module__}.{root_class.__qualname__}".endswith(root.type_name)
    assert code_ids == [id(info.code) for info, _, _ in root.frame_entries]


@settings(max_examples=100, deadline=None)
@given(chain=st.lists(links, min_size=1, max_size=4))
def test_one_chain_raised_twice_keeps_its_identity(chain: List[Link]) -> None:
    first, second = raise_chain(chain), raise_chain(chain)
    assert quick_identity(first, ROOT) == quick_identity(second, ROOT)
