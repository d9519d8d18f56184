"""The person of a framework's user object, for frameworks without one user model."""

from __future__ import annotations

from typing import Any, Mapping, Optional

from errorwire.core.event import Person


def person_of(user: Any) -> Optional[Person]:
    """Any object (or a dict) with an ``id`` and/or ``username`` / ``name`` / ``email``."""
    if user is None:
        return None
    identity = _field(user, "id")
    username = _field(user, "username") or _field(user, "name")
    email = _field(user, "email")
    if not (identity or username or email):
        return None
    return Person(id=identity or username or email, username=username, email=email)


def _field(user: Any, name: str) -> Optional[str]:
    try:
        value = user.get(name) if isinstance(user, Mapping) else getattr(user, name, None)
    except Exception:  # a user model whose attribute raises (a lazy relation, a closed session)
        return None
    if value is None or value == "" or isinstance(value, (dict, list, tuple, set)):
        return None
    return str(value)
