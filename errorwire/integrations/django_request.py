"""A Django request -> the core's Request and Person, read only when an error is reported.

What Django already parsed is used as it is; nothing here reads the body (the
``RawPostDataException`` case: a form read as a stream is reported as the parsed form).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Dict, Optional

from django.http import HttpRequest
from django.utils.functional import empty

from errorwire.core.client import Client
from errorwire.core.event import Person, UploadedFile
from errorwire.core.request import BodyCopy
from errorwire.core.request_copy import RequestCopy
from errorwire.core.scrub_rules import FILTERED
from errorwire.integrations.base import plain_params
from errorwire.integrations.wsgi import copy_from_environ, current_client

__all__ = ["FILTERED", "build_request", "load_person"]


def build_request(request: HttpRequest, client: Optional[Client] = None) -> RequestCopy:
    """The request as Django parsed it. The body, form and files only if the app already
    read them: errorwire never reads the body itself (RawPostDataException). What
    Django objects hold is read now; the block is built on the worker from copies.
    ``client``: whose body options apply (default: the configured one)."""
    if client is None:
        client = current_client()
    options = client.options if client is not None else None
    fields: Dict[str, Any] = {}
    with contextlib.suppress(Exception):  # DisallowedHost: the URL is rebuilt from META
        fields["url"] = request.build_absolute_uri()
    match = getattr(request, "resolver_match", None)
    if match is not None:
        fields["route"] = getattr(match, "route", None) or None
        params = dict(match.kwargs) or {str(i): v for i, v in enumerate(match.args)}
        fields["route_params"] = plain_params(params)
    if options is None or options.send_request_bodies:
        fields.update(_body_fields(request, options.max_request_body if options else 0))
    sensitive = getattr(request, "sensitive_post_parameters", None)
    if sensitive and not isinstance(sensitive, str):
        sensitive = tuple(sensitive)
    return copy_from_environ(request.META, client=client, sensitive_fields=sensitive, **fields)


def _body_fields(request: HttpRequest, limit: int) -> Dict[str, Any]:
    parsed = request.__dict__  # Django caches what it read here; reading it never reads
    fields: Dict[str, Any] = {}
    raw = parsed.get("_body")
    if isinstance(raw, bytes) and raw and limit > 0:
        copy = BodyCopy(limit)
        copy.add(raw)
        fields["body"] = copy
    if "_post" in parsed:
        fields["form"] = {
            key: values[0] if len(values) == 1 else values
            for key, values in parsed["_post"].lists()
        }
    if "_files" in parsed:
        fields["files"] = [
            UploadedFile(
                field=name,
                filename=upload.name,
                size=upload.size,
                content_type=getattr(upload, "content_type", None),
            )
            for name, uploads in parsed["_files"].lists()
            for upload in uploads
        ]
    return fields


def load_person(request: HttpRequest) -> Optional[Person]:
    """``request.user`` when authenticated. Read only when an error is reported (its session
    query happens then), and never when no authentication middleware set it."""
    attributes = request.__dict__
    if "user" not in attributes:
        return None
    user = attributes["user"]
    if _in_event_loop():
        # Loading the user now would query the database from the event loop (Django
        # refuses): take it only if the app already loaded it (request.auser() or user).
        # Private: Django caches auser() in _acached_user and has no public "is it loaded?"
        # for either (SimpleLazyObject._wrapped is empty until then).
        user = attributes.get("_acached_user") or (
            None if getattr(user, "_wrapped", None) is empty else user
        )
    if getattr(user, "is_authenticated", False) is not True:
        return None
    email_field = getattr(user, "get_email_field_name", lambda: "email")()
    email = getattr(user, email_field, None)
    username = user.get_username() if hasattr(user, "get_username") else None
    return Person(
        id=None if user.pk is None else str(user.pk),
        username=username or None,
        email=str(email) if email else None,
    )


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
