"""Which keys name secrets, and which values look like them."""

from __future__ import annotations

import pytest

from errorwire.core.scrub_rules import (
    FILTERED,
    URL_FILTERED,
    KeyMatcher,
    key_words,
    looks_like_card,
    scrub_text,
    scrub_values,
)

DEFAULTS = KeyMatcher()


@pytest.mark.parametrize(
    "spellings",
    [
        ("X-Api-Key", "x_api_key", "HTTP_X_API_KEY", "xApiKey", "X-API-KEY"),
        ("Authorization", "HTTP_AUTHORIZATION", "authorization"),
        ("access_token", "accessToken", "Access-Token", "HTTP_ACCESS_TOKEN"),
    ],
)
def test_spellings_of_one_key_normalise_to_the_same_words(spellings: tuple) -> None:
    assert len({key_words(s) for s in spellings}) == 1
    assert all(DEFAULTS.matches(s) for s in spellings)


@pytest.mark.parametrize(
    "key",
    [
        "password", "Password", "user_password", "passwordConfirmation", "userpassword",
        "passwd", "pwd", "db_pwd", "secret", "client_secret", "clientSecret", "token",
        "csrftoken", "csrfmiddlewaretoken", "refresh_token", "api_key", "apikey", "stripeApiKey",
        "access_token", "auth", "X-Auth-Token", "authToken", "Proxy-Authorization",
        "credentials", "aws_credential", "cookie", "Cookie", "Set-Cookie", "session",
        "sessionid", "JSESSIONID", "session_id", "csrf", "X-CSRF-Token", "xsrf", "XSRF-TOKEN",
        "private_key", "privateKey", "credit_card", "creditCardNumber", "card_number", "cvv",
        "ssn", "user.ssn",
    ],
)  # fmt: skip
def test_secret_keys_match(key: str) -> None:
    assert DEFAULTS.matches(key)


@pytest.mark.parametrize(
    "key",
    [
        "author", "authority", "Authors", "authored_by", "username", "email", "id", "name",
        "classname", "className", "lesson", "keyboard", "api",
        "key", "card", "private", "credit", "number", "apiVersion", "host", "Content-Type",
        "User-Agent", "passage", "crossness",
    ],
)  # fmt: skip
def test_ordinary_keys_do_not_match(key: str) -> None:
    assert not DEFAULTS.matches(key)


def test_acronyms_glued_to_a_secret_word_still_match() -> None:
    assert DEFAULTS.matches("XAPIKey")
    assert DEFAULTS.matches("pass_word")


def test_short_words_match_only_whole_words_while_long_ones_match_inside_words() -> None:
    # "auth" (short) is not inside "author"; "token" (long) is inside "csrftoken".
    assert not DEFAULTS.matches("oauthor")
    assert DEFAULTS.matches("oauth_auth")
    assert DEFAULTS.matches("mytoken")


def test_added_keys_follow_the_same_rules() -> None:
    keys = KeyMatcher(add=["pin", "mothers_maiden_name"])
    assert keys.matches("PIN") and keys.matches("card-pin") and keys.matches("HTTP_X_PIN")
    assert not keys.matches("pinned")  # short: whole words only
    assert keys.matches("mothersMaidenName")
    assert not DEFAULTS.matches("pin")


def test_removed_default_keys_no_longer_match() -> None:
    keys = KeyMatcher(remove=["session"])
    assert not keys.matches("session")
    assert not keys.matches("session_count")
    assert keys.matches("session_token")  # still a token


def test_removing_an_exact_key_spares_only_that_key() -> None:
    keys = KeyMatcher(remove=["X-Session-Tag"])
    assert not keys.matches("x_session_tag")
    assert keys.matches("x_session_id")


@pytest.mark.parametrize(
    "digits", ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117"]
)
def test_luhn_valid_card_numbers_are_cards(digits: str) -> None:
    assert looks_like_card(digits)


@pytest.mark.parametrize(
    "digits",
    ["4111111111111112", "1700000000000000", "411111111111", "41111111111111111111"],
)
def test_luhn_invalid_or_odd_numbers_are_not_cards(digits: str) -> None:
    assert not looks_like_card(digits)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Bearer abc.DEF-123_xyz", "abc.DEF-123_xyz"),
        ("header was basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
        ("paid with 4111 1111 1111 1111 today", "4111 1111 1111 1111"),
        ("paid with 4111-1111-1111-1111 today", "4111-1111-1111-1111"),
        ("card=5555555555554444&x=1", "5555555555554444"),
        ("on 2024-01-01 4111111111111111 was charged", "4111111111111111"),
        ("card_4111111111111111", "4111111111111111"),
        ("4111 1111 1111 1111 1234abc", "4111 1111 1111 1111"),
        ("fetch https://bob:hunter2@example.com/x", "hunter2"),  # becomes %5BFiltered%5D
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "eyJzdWIiOiIxIn0"),
    ],
)
def test_secret_values_are_filtered_wherever_they_appear(text: str, secret: str) -> None:
    clean = scrub_values(text)
    assert secret not in clean
    assert FILTERED in clean or URL_FILTERED in clean


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("login failed: password=hunter2 user=bob", "hunter2"),
        ('{"api_key": "k-123 456", "id": 1}', "k-123 456"),
        ("{'client_secret': 'shh'}", "shh"),
        ("a=1&token=abc%20def&b=2", "abc%20def"),
        ("<password>hunter2</password>", "hunter2"),
        ('{"password": "cut-off-bo', "cut-off-bo"),
        ("a=b=token=xyz", "xyz"),
        ("X-Api-Key: k3y", "k3y"),
    ],
)
def test_values_of_secret_keys_inside_text_are_filtered(text: str, secret: str) -> None:
    clean = scrub_text(text, DEFAULTS)
    assert secret not in clean
    assert FILTERED in clean


@pytest.mark.parametrize(
    "text",
    [
        "author=bob",
        "order 1234567890123 shipped",  # 13 digits, not Luhn/IIN valid
        "ts 1700000000000",
        "job ebc21b1e220f442491154920629016e9 failed",  # a hex id's Luhn-valid digit run
        "sha 4111111111111111ab",
        "see https://example.com:8080/path?q=1",
        "plain words, nothing secret",
    ],
)
def test_harmless_text_is_left_alone(text: str) -> None:
    assert scrub_text(text, DEFAULTS) == text


@pytest.mark.parametrize(
    ("unit", "times"),
    [
        ("x", 200_000),
        ("4", 200_000),
        ("4 ", 50_000),
        ("password", 20_000),
        ('a:"\\"', 40_000),
        ("a.", 100_000),
        ("eyJ-", 50_000),
        ("bearer ", 20_000),
        ("a://b:", 20_000),
        ("<a>", 50_000),
    ],
)
def test_adversarial_text_is_scrubbed_in_linear_time(unit: str, times: int) -> None:
    text = unit * times
    # No timing assertion: a quadratic pattern here would hang the suite for minutes.
    assert isinstance(scrub_text(text, DEFAULTS), str)
