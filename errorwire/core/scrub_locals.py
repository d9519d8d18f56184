"""Scrub frame variables (``include_locals``) like every other field (worker side).

A variable, a ``**kwargs`` entry or a dict key inside a value whose name is a secret
key becomes ``[Filtered]``; every repr text is scrubbed for secret-looking values
(bearer tokens, card numbers, ``password=...``). Fails closed: a value that cannot
be scrubbed becomes ``[Filtered]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List

from errorwire.core.event import FrameVariables, Snapshot
from errorwire.core.scrub_rules import FILTERED

if TYPE_CHECKING:
    from errorwire.core.scrub import Scrubber


def scrub_variables(variables: FrameVariables, scrubber: Scrubber) -> FrameVariables:
    varargs_secret = bool(variables.varargs_name) and scrubber.keys.matches(
        str(variables.varargs_name)
    )
    return FrameVariables(
        args=scrub_named(variables.args, scrubber),
        varargs_name=variables.varargs_name,
        varargs=[FILTERED if varargs_secret else _value(v, scrubber) for v in variables.varargs],
        kwargs=scrub_named(variables.kwargs, scrubber),
        locals=scrub_named(variables.locals, scrubber),
        omitted=variables.omitted,
    )


def scrub_named(values: Dict[str, Any], scrubber: Scrubber) -> Dict[str, Any]:
    """Named snapshots (variables, an exception's attributes) scrubbed by name and value."""
    out: Dict[str, Any] = {}
    for name, value in values.items():
        clean = scrubber.text(name)
        out[clean] = FILTERED if scrubber.keys.matches(clean) else _value(value, scrubber)
    return out


def _value(value: Any, scrubber: Scrubber) -> Any:
    try:
        return _snapshot(value, scrubber)
    except Exception:  # fail closed: what cannot be scrubbed is not sent
        return FILTERED


def _snapshot(value: Any, scrubber: Scrubber) -> Any:
    if not isinstance(value, Snapshot):
        return scrubber.text(value)
    items: List[Any] = []
    for item in value.items:
        if value.kind == "dict" and isinstance(item, tuple) and len(item) == 2:
            key = _snapshot(item[0], scrubber)
            secret = isinstance(key, str) and scrubber.keys.matches(key)
            items.append((key, FILTERED if secret else _snapshot(item[1], scrubber)))
        else:
            items.append(_snapshot(item, scrubber))
    return Snapshot(value.kind, items, value.type_name, value.more)
