"""Which exceptions are never reported: the user's list plus the usual non-errors."""

from __future__ import annotations

from typing import Iterable, Tuple, Union

DEFAULT_IGNORED_NAMES = (
    "KeyboardInterrupt",
    "SystemExit",
    "GeneratorExit",
    "django.http.response.Http404",
    "django.core.exceptions.PermissionDenied",
    "django.core.exceptions.BadRequest",
    "django.core.exceptions.SuspiciousOperation",
    "django.http.request.UnreadablePostError",
    "starlette.requests.ClientDisconnect",
    "uvicorn.protocols.utils.ClientDisconnected",
    "werkzeug.exceptions.ClientDisconnected",
)
HTTP_ERROR_CLASSES = (
    "werkzeug.exceptions.HTTPException",
    "starlette.exceptions.HTTPException",
    "fastapi.exceptions.HTTPException",
)
"""HTTP exceptions: ignored by default when their status is below 500."""


def _names(cls: type) -> Tuple[str, str]:
    module = getattr(cls, "__module__", "")
    return cls.__name__, f"{module}.{cls.__qualname__}"


class IgnoreRules:
    def __init__(self, ignore: Iterable[Union[type, str]], use_defaults: bool = True) -> None:
        self.classes = tuple(item for item in ignore if isinstance(item, type))
        self.names = frozenset(item for item in ignore if isinstance(item, str))
        self.default_names = frozenset(DEFAULT_IGNORED_NAMES) if use_defaults else frozenset()
        self.use_defaults = use_defaults

    def matches(self, exc: BaseException) -> bool:
        if self.classes and isinstance(exc, self.classes):
            return True
        for cls in type(exc).__mro__:
            short, dotted = _names(cls)
            if short in self.names or dotted in self.names or dotted in self.default_names:
                return True
            if short in ("KeyboardInterrupt", "SystemExit") and self.use_defaults:
                return True
            if self.use_defaults and dotted in HTTP_ERROR_CLASSES:
                status = getattr(exc, "code", None) or getattr(exc, "status_code", None)
                return isinstance(status, int) and status < 500
        return False
