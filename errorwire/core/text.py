"""Small text helpers every layer shares: one home each.

- ``header``: a header by case-insensitive name, from any mapping of headers;
- ``media_type``: ``text/html; charset=utf-8`` -> ``text/html``;
- ``utf8_clean``: a string made encodable as UTF-8. One policy everywhere: lone
  surrogates (from surrogateescape'd paths and bodies) become visible ``\\udcXX``
  escapes, never a silent ``?``;
- ``dotted_name`` / ``module_and_name``: a class as ``module.QualName``.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Tuple

UNNAMED_CLASS = "<class name unreadable>"
"""The name of a class whose metaclass raises when its name is read."""
_TYPE_SLOTS = {name: type.__dict__[name].__get__ for name in ("__module__", "__qualname__")}


def header(headers: Mapping[Any, Any], name: str) -> Optional[str]:
    """The value of header ``name`` (any case) in ``headers``, else None."""
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted:
            return None if value is None else str(value)
    return None


def media_type(content_type: Optional[str]) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def utf8_clean(text: str) -> str:
    """``text``, made encodable as UTF-8 (lone surrogates become ``\\udcXX`` escapes)."""
    if text.isascii():  # a flag CPython keeps on every str: no copy made to find out
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _class_attribute(cls: type, name: str) -> Any:
    """``cls.<name>``; a metaclass that raises on it is bypassed (the type's own slot),
    and a class that cannot say gives None."""
    try:
        return getattr(cls, name, None)
    except Exception:
        read: Callable[[type], Any] = _TYPE_SLOTS[name]
        try:
            return read(cls)
        except Exception:
            return None


def module_and_name(cls: type) -> Tuple[Optional[str], str]:
    """(module, qualified name) of a class; no module for builtins."""
    module = _class_attribute(cls, "__module__")
    qualname = _class_attribute(cls, "__qualname__")
    name = qualname if isinstance(qualname, str) and qualname else UNNAMED_CLASS
    if not isinstance(module, str) or module in ("builtins", "__builtin__"):
        return None, name
    return module, name


def dotted_name(cls: type) -> str:
    """``module.QualName``; builtins by their bare name (``KeyError``)."""
    module, name = module_and_name(cls)
    return name if module is None else f"{module}.{name}"
