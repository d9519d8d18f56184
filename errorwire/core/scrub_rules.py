"""What counts as a secret: sensitive key names and secret-looking values.

Keys are compared as word lists: split on separators and camelCase, lowercased,
with the CGI ``HTTP_`` prefix dropped, so ``X-Api-Key``, ``x_api_key``,
``HTTP_X_API_KEY`` and ``xApiKey`` are one key. A rule of one short word
(``auth``, ``pwd``, ``ssn``...) must equal a whole word: ``author`` and
``authority`` are not secrets. A longer word (``password``, ``token``,
``session``...) also matches inside a glued word (``csrftoken``, ``sessionid``,
``userpassword``): such keys are common and nearly always secret.
"""

from __future__ import annotations

import re
from typing import Dict, FrozenSet, Iterable, List, Match, Optional, Tuple

FILTERED = "[Filtered]"
URL_FILTERED = "%5BFiltered%5D"
"""In a URL's user:password@ part, where brackets would make the URL invalid."""

DEFAULT_KEYS: Tuple[str, ...] = (
    "password", "passwd", "pwd", "secret", "token", "api_key", "apikey", "access_token",
    "auth", "authorization", "credentials", "cookie", "set-cookie", "session", "csrf",
    "xsrf", "private_key", "credit_card", "card_number", "cvv", "ssn",
)  # fmt: skip

GLUE_MIN = 5
"""Rule words at least this long also match inside a longer word."""

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_SEPARATORS = re.compile(r"[\W_]+")


def key_words(key: str) -> Tuple[str, ...]:
    """``"HTTP_X_API_KEY"`` -> ``("x", "api", "key")``; ``"apiKey"`` -> ``("api", "key")``."""
    words: List[str] = []
    for chunk in _SEPARATORS.split(key):
        if not chunk:
            continue
        if chunk.isascii():
            words.extend(w.lower() for w in _CAMEL.findall(chunk))
        else:
            words.append(chunk.lower())
    if len(words) > 1 and words[0] == "http":
        words = words[1:]
    return tuple(words)


class KeyMatcher:
    """Decides whether a key names a secret. Built once per set of options; cached."""

    def __init__(self, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
        removed = {key_words(k) for k in remove}
        rules = {key_words(k) for k in (*DEFAULT_KEYS, *add)} - removed
        rules.discard(())
        self.allowed: FrozenSet[Tuple[str, ...]] = frozenset(removed)
        """Keys spelled exactly as an ``unscrub_keys`` entry are never scrubbed."""
        single_words = {r[0] for r in rules if len(r) == 1}
        self.whole: FrozenSet[str] = frozenset(single_words)
        self.phrases: Tuple[Tuple[str, ...], ...] = tuple(r for r in rules if len(r) > 1)
        self.glued = _glued_forms(single_words | {"".join(r) for r in self.phrases})
        self.hint_words: Tuple[str, ...] = tuple(sorted({_stem(max(r, key=len)) for r in rules}))
        self.hints: Tuple[bytes, ...] = tuple(w.encode("ascii", "replace") for w in self.hint_words)
        """A word every key matching a rule contains: where to look for pairs in text."""
        self._cache: Dict[str, bool] = {}

    def matches(self, key: str) -> bool:
        found = self._cache.get(key)
        if found is None:
            found = self._decide(key)
            if len(self._cache) > 20_000:
                self._cache.clear()
            self._cache[key] = found
        return found

    def _decide(self, key: str) -> bool:
        squashed = _SEPARATORS.sub("", key).lower()
        if not any(hint in squashed for hint in self.hint_words):
            return False  # every rule's longest word is in any key the rule matches
        words = key_words(key)
        if not words or words in self.allowed:
            return False
        if any(word in self.whole for word in words):
            return True
        # Glued across separators too: "XAPIKey" splits as xapi+key, "pass_word"...
        joined = "".join(words)
        return any(g in joined for g in self.glued) or self._has_phrase(words)

    def _has_phrase(self, words: Tuple[str, ...]) -> bool:
        for phrase in self.phrases:
            size = len(phrase)
            if any(words[i : i + size] == phrase for i in range(len(words) - size + 1)):
                return True
        return False


def _glued_forms(words: Iterable[str]) -> Tuple[str, ...]:
    """The words (stemmed) long enough to be found glued inside a longer key."""
    return tuple(_stem(w) for w in sorted(words) if len(w) >= GLUE_MIN)


def _stem(word: str) -> str:
    """``credentials`` also matches ``credential``."""
    return word[:-1] if word.endswith("s") and len(word) > GLUE_MIN else word


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def looks_like_card(digits: str) -> bool:
    """13-19 digits, a payment card's leading digit (2-6), Luhn-valid."""
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_valid(digits)


_CREDENTIAL = re.compile(r"(?i:\b(?:bearer|basic)\s+)(?=[\w\-.~+/]{6})[\w\-.~+/]+=*")
_JWT = re.compile(r"(?<![\w-])eyJ[\w-]{2,}\.eyJ[\w-]{2,}\.[\w-]*")
"""The look-behind starts a match only where a run starts: linear on ``eyJ-eyJ-...``."""
_URL_PASSWORD = re.compile(r"((?:[a-zA-Z][\w+.\-]{0,30}:)?//[^\s/:@]*:)[^\s/@]+(?=@)")
"""user:password@ after a scheme, or in a scheme-relative ``//user:password@host``."""
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9]+(?:[ \-][0-9]+)*(?![0-9A-Za-z])")
"""Digit groups standing alone: digits glued to letters belong to an id or a digest (a
job's hex uuid held a Luhn-valid 18-digit run one time in a few hundred), not a card."""
_CARD_LENGTH_RUN = re.compile(r"[0-9][0-9 \-]{11}")
"""Where no 12 characters of digits, spaces and dashes follow a digit, no run is a card."""
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_PAIR = re.compile(
    # key=value, key: value, "key": "value", 'key': 'value'. A bare value stops at '='
    # (keeping base64 padding) so "a=b=token=x" is three pairs; an unclosed quote runs
    # to the end (a cut body). URL-encoded the same (key%3Dvalue, key%3Avalue): there a
    # bare value also stops at an encoded separator (%26 &, %3B ;, %2C ,, %20, %3D =),
    # where in a plain pair an escape belongs to the value (password=ab%26cd).
    r"""(?P<key>[\w.\-]{1,128})(?:(?P<sep>["']?[ \t]*[:=][ \t]*)"""
    r"""(?:"(?P<dq>(?:[^"\\]|\\.)*)|'(?P<sq>[^']*)"""
    r"""|(?P<bare>(?:(?i:bearer|basic|token)[ \t]+)?[^\s"'&;,<>()\[\]{}=]+=*))"""
    r"""|["']?[ \t]*%3[AaDd][ \t]*(?:"(?P<edq>(?:[^"\\]|\\.)*)"""
    r"""|(?P<ebare>(?:[^\s"'&;,<>()\[\]{}=%]|%(?!26|3[BbDd]|2[Cc]|20))+)))"""
)
_TAG = re.compile(r"<(?P<key>[\w.\-:]+)[^<>]*>(?P<value>[^<]*)(?=</(?P=key)>)")


_MAYBE_SECRET = re.compile(r"[:=<]|%3[AaDd]|[0-9][0-9 \-]{11}|(?i:bearer|basic)|eyJ")
"""Short text matching none of this holds nothing any pattern below would filter."""
SHORT_TEXT = 256


def scrub_text(text: str, keys: KeyMatcher) -> str:
    """``text`` with secret-looking values replaced by ``[Filtered]``: the values of
    ``key=value`` pairs and ``<key>value</key>`` elements with a secret key, then
    tokens, card numbers and URL passwords anywhere."""
    if len(text) < SHORT_TEXT and not _MAYBE_SECRET.search(text):
        return text  # most values: one quick search instead of every pattern
    return scrub_values(_scrub_pairs(text, keys))


def scrub_values(text: str) -> str:
    """``text`` with secret-looking values replaced, whatever the keys around them.

    Separate simple patterns, not one alternation: each is scanned at C speed.
    """
    if "earer" in text or "asic" in text or "EARER" in text or "ASIC" in text:
        text = _CREDENTIAL.sub(_keep_scheme, text)
    if "eyJ" in text:
        text = _JWT.sub(FILTERED, text)
    if "//" in text:
        text = _URL_PASSWORD.sub(r"\1" + URL_FILTERED, text)
    if _CARD_LENGTH_RUN.search(text) is None:  # code and logs: short runs of digits only
        return text
    return _DIGIT_RUN.sub(_cards_in_run, text)


def _keep_scheme(found: Match[str]) -> str:
    scheme = found.group(0).split(None, 1)[0]
    return f"{scheme} {FILTERED}"


def _cards_in_run(found: Match[str]) -> str:
    """Card numbers inside a run of digit groups ("4111 1111 1111 1111", "2024-01-01
    4111111111111111"): any consecutive groups holding 13-19 digits."""
    run = found.group(0)
    if len(run) < 13:
        return run
    groups = re.split(r"([ \-])", run)  # digits, separator, digits...
    digits = groups[0::2]
    if max(map(len, digits)) < 3:
        return run
    out: List[str] = []
    i = 0
    while i < len(digits):
        total, j, hit = 0, i, -1
        # Cards are written in groups of 3 or more digits (4-4-4-4, 4-6-5...): shorter
        # groups end a window, which keeps runs like "4 4 4 4 ..." linear.
        while (
            j < len(digits)
            and total + len(digits[j]) <= 19
            and (len(digits[j]) >= 3 or (j == i and len(digits[j]) >= 13))
        ):
            total += len(digits[j])
            if total >= 13 and looks_like_card("".join(digits[i : j + 1])):
                hit = j
            j += 1
        if hit >= 0:
            out.append(FILTERED)
            if hit + 1 < len(digits):
                out.append(groups[2 * hit + 1])
            i = hit + 1
        else:
            out.append(digits[i])
            if i + 1 < len(digits):
                out.append(groups[2 * i + 1])
            i += 1
    return "".join(out)


def _scrub_pairs(text: str, keys: KeyMatcher) -> str:
    """Filter the values of secret ``key=value`` pairs: found from where a rule word
    occurs, so text without one costs only a few C-speed searches."""
    hints = keys.hints
    lowered = text.encode("ascii", "replace").lower()  # one byte per character
    spans: List[Tuple[int, int]] = []
    for hint in hints:
        at = lowered.find(hint)
        while at >= 0:
            span = _pair_at(text, _key_start(text, at), keys)
            if span is not None:
                spans.append(span)
            at = lowered.find(hint, at + 1)
    if not spans:
        return text
    spans.sort()
    out: List[str] = []
    done = 0
    for start, end in spans:
        if start < done:
            continue
        out.append(text[done:start])
        out.append(FILTERED)
        done = end
    out.append(text[done:])
    return "".join(out)


def _key_start(text: str, at: int) -> int:
    start = at
    while start > 0 and at - start < 128 and text[start - 1] in _KEY_CHARS:
        start -= 1
    return start


def _pair_at(text: str, start: int, keys: KeyMatcher) -> Optional[Tuple[int, int]]:
    """The span of the value to filter when a secret pair or element starts at ``start``."""
    if start > 0 and text[start - 1] == "<":
        element = _TAG.match(text, start - 1)
        if element is not None and keys.matches(element.group("key")):
            return element.span("value")
        return None
    pair = _PAIR.match(text, start)
    if pair is None or not keys.matches(pair.group("key")):
        return None
    for name in ("dq", "sq", "bare", "edq", "ebare"):
        if pair.group(name) is not None:
            return pair.span(name)
    return None  # pragma: no cover - one of the value groups always matched
