"""Property: for any Event, every encoder returns a schema-valid, JSON-encodable payload
without raising and without swallowing an error of its own."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from errorwire.core import safety
from errorwire.core.event import (
    LEVELS,
    Breadcrumb,
    Event,
    ExceptionInfo,
    Frame,
    Person,
    Request,
    Server,
    UploadedFile,
)
from errorwire.vendors import VENDORS as VENDOR_MODULES
from errorwire.vendors.base import to_json
from tests.schemas import problems
from tests.vendors.vendor_events import SETTINGS, VENDORS

# Any code point, including lone surrogates (they reach us from surrogateescape'd paths).
any_text = st.text(st.characters(exclude_categories=()), max_size=40) | st.text(
    st.sampled_from(["a", "é", "\x00", "\udce9", "🚀", "/", ":"]), min_size=30, max_size=300
)
maybe_text = st.none() | any_text
maybe_int = st.none() | st.integers(min_value=-(2**63), max_value=2**63)
timestamps = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(2**40), 2**40)
json_leaf = (
    st.none() | st.booleans() | st.integers() | st.floats() | any_text | st.binary(max_size=20)
)
json_like = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(any_text | st.integers(), inner, max_size=3)
    ),
    max_leaves=10,
)
user_data = st.dictionaries(any_text, json_like, max_size=4)

frames = st.builds(
    Frame,
    filename=any_text,
    abs_path=maybe_text,
    lineno=maybe_int,
    colno=maybe_int,
    function=maybe_text,
    module=maybe_text,
    code=maybe_text,
    pre_context=st.lists(any_text, max_size=3),
    post_context=st.lists(any_text, max_size=3),
    in_project=st.booleans(),
)
exception_infos = st.builds(
    ExceptionInfo,
    type_name=any_text,
    message=maybe_text,
    frames=st.lists(frames, max_size=4),
    module=maybe_text,
    relation=st.sampled_from([None, "cause", "context", "group"]),
)
requests = st.builds(
    Request,
    url=any_text | st.just("https://example.com/a?b=c"),
    method=any_text | st.sampled_from(["GET", "POST", "PUT"]),
    headers=st.dictionaries(any_text, any_text, max_size=3),
    query_string=any_text,
    query=user_data,
    form=st.dictionaries(any_text, any_text | st.lists(any_text, max_size=2), max_size=3),
    json=json_like,
    has_json=st.booleans(),
    body=st.none() | st.binary(max_size=5000),
    content_type=st.none() | any_text | st.sampled_from(["application/json", "text/html"]),
    client_ip=maybe_text,
    route=maybe_text,
    route_params=user_data,
    files=st.lists(
        st.builds(UploadedFile, field=any_text, filename=maybe_text, size=maybe_int),
        max_size=2,
    ),
)
servers = st.builds(
    Server,
    host=maybe_text,
    root=maybe_text,
    branch=maybe_text,
    code_version=maybe_text,
    os_name=maybe_text,
    os_version=maybe_text,
    architecture=maybe_text,
    processor_count=maybe_int,
    total_memory=maybe_int,
    python_version=maybe_text,
)
breadcrumbs = st.builds(
    Breadcrumb,
    message=any_text,
    category=maybe_text,
    level=any_text | st.sampled_from(LEVELS),
    type=any_text | st.sampled_from(["manual", "log", "request", "navigation"]),
    data=user_data,
    timestamp=timestamps,
)
events = st.builds(
    Event,
    exceptions=st.lists(exception_infos, max_size=3),
    message=maybe_text,
    level=any_text | st.sampled_from(LEVELS),
    handled=st.booleans(),
    severity_reason=any_text | st.just("handledException"),
    event_id=any_text,
    timestamp=timestamps,
    environment=any_text,
    code_version=maybe_text,
    framework=maybe_text,
    context=maybe_text,
    grouping_key=maybe_text,
    fingerprint=maybe_text,
    request=st.none() | requests,
    response_status=maybe_int,
    person=st.none() | st.builds(Person, id=maybe_text, username=maybe_text, email=maybe_text),
    server=servers,
    breadcrumbs=st.lists(breadcrumbs, max_size=3),
    tags=st.lists(any_text, max_size=3),
    extra=user_data,
    logger_name=maybe_text,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=events)
def test_any_event_encodes_to_a_valid_payload(event: Any) -> None:
    for vendor in VENDORS:
        payload = VENDOR_MODULES[vendor].encode(event, SETTINGS[vendor])
        assert not safety.swallowed, f"{vendor} encoder failed inside: {safety.swallowed!r}"
        to_json(payload)  # strict JSON (no NaN) that encodes as UTF-8
        found = problems(vendor, payload, max_bytes=1 << 30)
        assert not found, f"{vendor}: {found}"
