"""Tolerant readers for payload fields: a missing or odd value becomes None or empty."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

from errorwire.integrations import FRAMEWORKS

LIBRARY_MARKERS = ("site-packages", "dist-packages", "/lib/python", "\\lib\\python")


def as_dict(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> List[Any]:
    return value if isinstance(value, list) else []


def opt_str(value: Any) -> Optional[str]:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value)
    return text or None


def opt_int(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def without_empty(
    values: Dict[str, Any], keys: Optional[Iterable[str]] = None
) -> Optional[Dict[str, Any]]:
    """``values`` (only ``keys`` when given) without empty entries; None when nothing is left."""
    picked = values if keys is None else {k: values.get(k) for k in keys}
    kept = {k: v for k, v in picked.items() if v not in (None, "", [], {})}
    return kept or None


def tagged(tags: List[str], *names: str) -> Optional[str]:
    """The value of a ``name:value`` (or ``name=value``) tag."""
    for tag in tags:
        for sep in (":", "="):
            name, found, value = tag.partition(sep)
            if found and name.strip().lower() in names and value.strip():
                return value.strip()
    return None


def find_framework(value: Any, depth: int = 0) -> Optional[str]:
    """A ``framework`` entry in custom data (two levels deep), or a known framework
    named as a key (Bugsnag ``device.runtimeVersions``)."""
    data = as_dict(value)
    explicit = opt_str(data.get("framework"))
    if explicit:
        return explicit
    lowered = {str(k).lower() for k in data}
    for name in FRAMEWORKS:
        if name in lowered:
            return name
    if depth < 1:
        for nested in data.values():
            found = find_framework(nested, depth + 1)
            if found:
                return found
    return None


def framework_from_modules(modules: Iterable[str]) -> Optional[str]:
    """The framework whose package appears among stack frames' modules (``flask.app``)."""
    tops = {module.split(".", 1)[0].lower() for module in modules}
    return next((name for name in FRAMEWORKS if name in tops), None)


def guess_in_project(path: str, root: Optional[str]) -> bool:
    """For vendors without an in-project flag: under the server root, or a relative
    path outside any installed-library folder."""
    if any(marker in path for marker in LIBRARY_MARKERS) or path.startswith("<"):
        return False
    if root:
        return path.startswith(root.rstrip("/") + "/") or not path.startswith("/")
    return not path.startswith("/")
