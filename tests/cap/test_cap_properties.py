"""Property: whatever a request or an event holds (huge, deeply nested, binary, non-UTF-8,
adversarial), every payload of every vendor that leaves Client.render fits its cap, is valid
against its schema, and contains none of the secrets planted in it."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Tuple

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import errorwire
from errorwire.core.client import Client
from errorwire.core.event import Breadcrumb, Event, Request
from errorwire.core.stacktrace import extract_chain
from tests.schemas import problems

SECRET_KEYS = (
    "password", "Password", "user_password", "passwd", "pwd", "secret", "client_secret",
    "token", "csrftoken", "refreshToken", "api_key", "X-Api-Key", "HTTP_X_API_KEY", "apikey",
    "access_token", "auth", "Authorization", "HTTP_AUTHORIZATION", "credentials", "cookie",
    "Set-Cookie", "session", "sessionid", "csrf", "xsrf", "private_key", "privateKey",
    "credit_card", "card_number", "creditCardNumber", "cvv", "ssn",
)  # fmt: skip
CAPS = (1024, 4096, 32 * 1024, 128 * 1024)

# Any code point, lone surrogates included; and separators that parsers care about.
weird_text = st.text(st.characters(exclude_categories=()), max_size=30) | st.text(
    st.sampled_from(["a", "é", "\x00", "\udce9", "🚀", "=", "&", ":", '"', "<", "%", " "]),
    max_size=60,
)
huge_text = st.builds(
    lambda unit, n: unit * n,
    st.sampled_from(["x", "é", "4 ", "a=", '\\"']),
    st.integers(1_000, 200_000),
)
plain_key = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8).filter(
    lambda k: not any(word in k for word in ("pw", "auth", "ssn", "cvv", "csrf", "xsrf"))
)
leaf = (
    st.none() | st.booleans() | st.integers() | st.floats() | weird_text
    | st.binary(max_size=40) | huge_text
)  # fmt: skip
junk = st.recursive(
    leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(plain_key | st.integers(), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def secrets(draw: Callable[..., Any]) -> str:
    return "PLANT" + draw(st.uuids()).hex[:20]


@st.composite
def card_numbers(draw: Callable[..., Any]) -> str:
    """A Luhn-valid 16-digit number, as a person would type it."""
    body = "4" + "".join(
        str(d) for d in draw(st.lists(st.integers(0, 9), min_size=14, max_size=14))
    )
    total = 0
    for position, char in enumerate(reversed(body)):
        value = int(char)
        if position % 2 == 0:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    number = body + str((10 - total % 10) % 10)
    separator = draw(st.sampled_from(["", " ", "-"]))
    return separator.join(number[i : i + 4] for i in range(0, 16, 4))


@st.composite
def nested(draw: Callable[..., Any], key: str, value: Any) -> Dict[str, Any]:
    """``{key: value}`` buried under junk, lists and up to 100 levels of dicts."""
    document: Any = {key: value}
    for _ in range(draw(st.integers(0, 100))):
        wrap = draw(st.sampled_from(["dict", "list"]))
        sibling = draw(leaf)
        document = (
            {draw(plain_key): document, "_j": sibling} if wrap == "dict" else [sibling, document]
        )
    return document if isinstance(document, dict) else {"root": document}


@st.composite
def planted_events(draw: Callable[..., Any]) -> Tuple[Event, List[str]]:
    planted: List[str] = []

    def secret() -> str:
        value: str = draw(secrets())
        planted.append(value)
        return value

    def key() -> str:
        chosen: str = draw(st.sampled_from(SECRET_KEYS))
        return chosen

    card = draw(card_numbers())
    planted.append(card)
    headers = {
        key(): secret(),
        "X-Trace": f"Bearer {secret()}",
        "X-Junk": draw(weird_text),
        "Cookie": f"sessionid={secret()}; theme=dark",
        "Referer": f"https://r.test/?token={secret()}",
    }
    query_string = f"{draw(weird_text)}&{key()}={secret()}&n={card.replace(' ', '+')}"
    document = draw(nested(key(), secret()))
    body_kind = draw(st.sampled_from(["json", "form", "text", "binary", "cut-json"]))
    body_secret = secret()
    raw, content_type = {
        "json": (json.dumps({"user": "u", key(): body_secret}), "application/json"),
        "cut-json": (json.dumps({key(): body_secret, "pad": "p" * 50})[:40], "application/json"),
        "form": (f"user=u&{key()}={body_secret}&x=1", "application/x-www-form-urlencoded"),
        "text": (f"login {key()}={body_secret} card {card}", "text/plain"),
        "binary": ("", "application/octet-stream"),
    }[body_kind]
    body = raw.encode()
    if body_kind == "binary":
        body = draw(st.binary(max_size=200)) + f" &{key()}={body_secret}& ".encode() + b"\xff\xfe"
    request = Request(
        url=f"https://bob:{secret()}@shop.test/p?{key()}={secret()}&q={draw(weird_text)}",
        method=draw(st.sampled_from(["GET", "POST", "PUT"])),
        headers=headers,
        cookies={"sessionid": secret(), "theme": "dark"},
        query_string=query_string,
        query={key(): secret(), "q": draw(junk)},
        form={key(): [secret()], "name": draw(weird_text), "card": card},
        json=document,
        has_json=draw(st.booleans()),
        body=body,
        content_type=content_type,
    )
    extra = draw(st.dictionaries(plain_key, junk, max_size=5))
    extra.update(draw(nested(key(), secret())))
    extra["log"] = f"retry with {key()}={secret()} and Bearer {secret()}"
    extra["unprintable"] = Unprintable(secret())
    extra["cycle"] = cyclic = {key(): secret()}
    cyclic["self"] = cyclic
    breadcrumbs = [
        Breadcrumb(draw(weird_text), data={key(): secret(), "n": draw(leaf)})
        for _ in range(draw(st.integers(0, 120)))
    ]
    breadcrumbs.append(Breadcrumb(f"auth header was Bearer {secret()}"))
    message = f"{draw(weird_text)} paid with {card}, Bearer {secret()} {draw(huge_text)}"
    exc = real_exception(message, draw(st.integers(0, 300)), draw(st.booleans()))
    event = Event(
        exceptions=extract_chain(exc, None),
        request=request,
        extra=extra,
        breadcrumbs=breadcrumbs,
        tags=[f"{key()}:{secret()}", "plain"],
    )
    return event, planted


class Unprintable:
    """Holds a secret and cannot be turned into text."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def __repr__(self) -> str:
        raise RuntimeError(self.secret)

    __str__ = __repr__


def recurse(depth: int, message: str) -> None:
    if depth <= 0:
        raise KeyError(message)
    recurse(depth - 1, message)


def real_exception(message: str, depth: int, chained: bool) -> BaseException:
    try:
        try:
            recurse(depth, message)
        except KeyError as inner:
            if chained:
                raise RuntimeError(message[:200]) from inner
            raise
    except (KeyError, RuntimeError) as exc:
        return exc
    raise AssertionError("unreachable")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(planted=planted_events(), caps=st.tuples(*[st.sampled_from(CAPS)] * 3))
def test_every_payload_fits_validates_and_holds_no_planted_secret(
    planted: Tuple[Event, List[str]], caps: Tuple[int, int, int]
) -> None:
    event, secrets_planted = planted
    limits = dict(zip(("rollbar", "raygun", "bugsnag"), caps))
    client: Client = errorwire.init(
        sync=True,
        rollbar=errorwire.Rollbar(
            access_token="t", endpoint="http://127.0.0.1:9/api/1/item/", max_bytes=limits["rollbar"]
        ),
        raygun=errorwire.Raygun(
            api_key="k", endpoint="http://127.0.0.1:9/entries", max_bytes=limits["raygun"]
        ),
        bugsnag=errorwire.Bugsnag(
            api_key="b", endpoint="http://127.0.0.1:9/", max_bytes=limits["bugsnag"]
        ),
    )
    out = client.renderer.render(event)
    assert sorted(item.vendor_name for item in out) == ["bugsnag", "raygun", "rollbar"]
    for item in out:
        cap = limits[item.vendor_name]
        assert len(item.body) <= cap, item.vendor_name
        found = problems(item.vendor_name, json.loads(item.body), cap)
        assert not found, (item.vendor_name, found)
        for secret in secrets_planted:
            assert secret.encode() not in item.body, (item.vendor_name, secret)
            digits = secret.replace(" ", "").replace("-", "")
            assert digits.encode() not in item.body, (item.vendor_name, secret)
    client.close(timeout=0.1)
