"""Bounded, exactly measured copies of JSON data: the tool cap.py shrinks payloads with.

``Fitter.fit(value, budget)`` returns a copy of ``value`` whose compact JSON
(``base.to_json``) takes at most ``budget`` bytes, and that size, computed as it
copies. Strings past ``max_str`` characters (or past the budget) are cut with a
marker; containers past the budget keep their first items (a list under a
``tail_keys`` key, like breadcrumbs, its last ones) plus a marker of how many
were left out. Work is bounded by the budget, not by the size of ``value``: it
stops reading a container once the budget is spent.

The copy holds only JSON types, ``str`` keys, finite floats and UTF-8-encodable
strings, so encoding it cannot fail.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from json.encoder import encode_basestring
from typing import Any, Dict, FrozenSet, List, Optional, Set, Tuple

from errorwire.core.text import utf8_clean

MAX_DEPTH = 64
TOO_DEEP = "[nested too deep]"
TRUNCATED_KEY = "[truncated]"
MARK_RESERVE = 40
"""Bytes a container keeps free for its own cut marker (``,"[truncated]":"N more entries"``)."""
KEY_CACHE = 4096
"""Distinct keys whose JSON size is remembered: payloads repeat the same few keys."""
NO_MARKER_KEYS = frozenset({"url", "clientUrl", "referer"})
"""URIs are cut plainly: a marker inside one would no longer be a URI."""
DROP_IF_CUT_KEYS = frozenset({"email"})
"""Cutting an address would make an invalid one: the field is left out instead."""


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


PLACEHOLDER = _Sentinel("PLACEHOLDER")
"""Stands where a section was taken out; kept whatever the budget, measured as 1 byte."""
NOTHING = _Sentinel("NOTHING")
"""``fit`` result when not even the smallest form of the value fits the budget."""
_DROP = _Sentinel("DROP")


def str_size(text: str) -> int:
    encoded = encode_basestring(text)
    return len(encoded) if encoded.isascii() else len(encoded.encode("utf-8"))


def cut_marker(left_out: int) -> str:
    return f"…[{left_out} more chars]"


class Fitter:
    def __init__(
        self,
        max_str: int,
        *,
        tail_keys: FrozenSet[str] = frozenset({"breadcrumbs"}),
        holders: Optional[Set[int]] = None,
    ) -> None:
        self.max_str = max_str
        self.tail_keys = tail_keys
        self.holders = holders or set()
        """ids of the containers holding a PLACEHOLDER."""
        self.budget_cuts = 0
        """How many times something was cut for the budget (not for ``max_str``)."""
        self._key_sizes: Dict[str, Tuple[str, int]] = {}

    def fit(self, value: Any, budget: int, key: Optional[str] = None, depth: int = 0) -> Any:
        """``(copy, size)``; ``(NOTHING, 0)`` when nothing of ``value`` fits ``budget``."""
        kind = type(value)
        if kind is str:
            return self._str(value, budget, key)
        if value is None or kind is bool:
            return self._scalar(value, 4 if value is None or value else 5, budget)
        if kind is int:
            try:
                return self._scalar(value, len(str(value)), budget)
            except ValueError:  # more digits than int -> str allows
                return self._str("[integer too large]", budget, key)
        if kind is float:
            if not math.isfinite(value):
                return self._str(repr(value), budget, key)
            return self._scalar(value, len(float.__repr__(value)), budget)
        if value is PLACEHOLDER:
            return value, 1
        if depth >= MAX_DEPTH:
            return self._str(TOO_DEEP, budget, key)
        if isinstance(value, dict):
            return self._dict(value, budget, depth)
        if isinstance(value, (list, tuple)):
            if key in self.tail_keys:
                return self._tail(value, budget, depth)
            return self._list(value, budget, depth)
        return self._other(value, budget, key, depth)

    def _scalar(self, value: Any, size: int, budget: int) -> Tuple[Any, int]:
        if size > budget:
            self.budget_cuts += 1
            return NOTHING, 0
        return value, size

    def _other(self, value: Any, budget: int, key: Optional[str], depth: int) -> Any:
        """What a before_send hook may leave: mappings, sets, bytes, objects (as text)."""
        if isinstance(value, Mapping):
            return self._dict(dict(value.items()), budget, depth)
        if isinstance(value, (set, frozenset)):
            return self._list(list(value), budget, depth)
        if isinstance(value, (bytes, bytearray)):
            return self._str(bytes(value).decode("utf-8", "replace"), budget, key)
        if isinstance(value, str):
            return self._str(str.__str__(value), budget, key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self.fit(float(value) if isinstance(value, float) else int(value), budget, key)
        try:
            text = str(value)
        except Exception:  # a broken __str__: the value is left out, not guessed
            text = f"<{type(value).__name__} object>"
        return self._str(text, budget, key)

    def _str(self, text: str, budget: int, key: Optional[str]) -> Any:
        length = len(text)
        if length <= self.max_str and length <= budget:
            encoded = encode_basestring(text)
            if encoded.isascii():
                size = len(encoded)
            else:
                text = utf8_clean(text)
                size = str_size(text)
            if size <= budget:
                return text, size
        text = utf8_clean(text)
        by_budget = length <= self.max_str
        if key in DROP_IF_CUT_KEYS:
            self.budget_cuts += by_budget
            return _DROP, 0
        plain = key in NO_MARKER_KEYS
        keep = min(length - 1, self.max_str)
        while keep >= 0:
            cut = text[:keep]
            if plain:
                cut = _whole_escapes(cut)
            else:
                marker = cut_marker(length - keep)
                if keep + len(marker) >= length:  # the marker must not lengthen it
                    keep = length - len(marker) - 1
                    continue
                cut += marker
            size = str_size(cut)
            if size <= budget:
                self.budget_cuts += by_budget
                return cut, size
            by_budget = True
            keep = min(keep - 1, keep * budget // size - 1)
        self.budget_cuts += 1
        return NOTHING, 0

    def _dict(self, value: Dict[Any, Any], budget: int, depth: int) -> Any:
        out: Dict[str, Any] = {}
        sizes: List[int] = []
        holds = id(value) in self.holders
        size = 2 + (self._placeholders(value, out) if holds else 0)
        if size > budget:
            self.budget_cuts += 1
            return NOTHING, 0
        seen = 0
        cut = False
        # Room kept for the "[truncated]" marker, so a cut never pops a large entry for it.
        reserve = MARK_RESERVE if budget >= 4 * MARK_RESERVE else 0
        for raw_key, item in value.items():
            seen += 1
            if holds and item is PLACEHOLDER:
                continue
            name, key_size = self._key_of(raw_key)
            if name in out:
                continue
            room = budget - size - (1 if out else 0) - key_size - 1 - reserve
            fitted, item_size = self._item(item, room, name, depth)
            if fitted is _DROP:
                continue
            if fitted is NOTHING:
                cut = True
                break
            entry = (1 if out else 0) + key_size + 1 + item_size
            out[name] = fitted
            sizes.append(entry)
            size += entry
        if cut:
            self.budget_cuts += 1
            size = self._mark(out, sizes, size, budget, len(value) - seen + 1)
        return out, size

    def _placeholders(self, value: Dict[Any, Any], out: Dict[str, Any]) -> int:
        """Put ``value``'s placeholders into ``out`` first (what the cap puts back later);
        the bytes they take."""
        size = 0
        for name, item in value.items():
            if item is PLACEHOLDER:
                size += str_size(name) + 2 + (1 if out else 0)
                out[name] = PLACEHOLDER
        return size

    def _key_of(self, raw_key: Any) -> Tuple[str, int]:
        """A dict key as a JSON string key, and its size; the sizes of str keys cached
        (payloads repeat the same few keys in every frame and crumb)."""
        cacheable = type(raw_key) is str
        known = self._key_sizes.get(raw_key) if cacheable else None
        if known is None:
            name = self._key(raw_key)
            known = (name, str_size(name))
            if cacheable and len(self._key_sizes) < KEY_CACHE:
                self._key_sizes[raw_key] = known
        return known

    def _item(self, item: Any, room: int, key: Optional[str], depth: int) -> Tuple[Any, int]:
        """A container's item fitted to ``room``. The common leaf, a short ASCII string,
        is measured here rather than in ``fit()`` (no type dispatch, no cut logic)."""
        if type(item) is str and len(item) <= self.max_str and len(item) < room:
            encoded = encode_basestring(item)
            if encoded.isascii() and len(encoded) <= room:
                return item, len(encoded)
            return self.fit(item, room, key, depth + 1)  # type: ignore[no-any-return]
        if room > 0:
            return self.fit(item, room, key, depth + 1)  # type: ignore[no-any-return]
        return NOTHING, 0

    def _mark(
        self, out: Dict[str, Any], sizes: List[int], size: int, budget: int, left: int
    ) -> int:
        """Make room for, and add, the ``"[truncated]": "N more entries"`` marker.

        ``sizes`` are those of the entries that are not placeholders, in order.
        """
        if TRUNCATED_KEY in out:
            return size
        names = [name for name, item in out.items() if item is not PLACEHOLDER]
        while True:
            note = f"{left} more entries"
            entry = (1 if out else 0) + str_size(TRUNCATED_KEY) + 1 + str_size(note)
            if size + entry <= budget:
                out[TRUNCATED_KEY] = note
                return size + entry
            if not names:
                return size
            out.pop(names.pop())
            size -= sizes.pop()
            left += 1

    def _list(self, value: Any, budget: int, depth: int) -> Any:
        out: List[Any] = []
        sizes: List[int] = []
        size = 2
        if budget < size:
            self.budget_cuts += 1
            return NOTHING, 0
        reserve = MARK_RESERVE if budget >= 4 * MARK_RESERVE else 0
        for item in value:
            room = budget - size - (1 if out else 0) - reserve
            fitted, item_size = self._item(item, room, None, depth)
            if fitted is NOTHING or fitted is _DROP:
                break
            out.append(fitted)
            item_size += 1 if len(out) > 1 else 0
            sizes.append(item_size)
            size += item_size
        if len(out) == len(value):
            return out, size
        self.budget_cuts += 1
        while True:
            note = f"[{len(value) - len(out)} more items]"
            entry = (1 if out else 0) + str_size(note)
            if size + entry <= budget:
                out.append(note)
                return out, size + entry
            if not out:
                return out, size
            out.pop()
            size -= sizes.pop()

    def _tail(self, value: Any, budget: int, depth: int) -> Any:
        """The newest whole items (breadcrumbs), in their order; none cut inside."""
        kept: List[Any] = []
        size = 2
        if budget < size:
            self.budget_cuts += 1
            return NOTHING, 0
        for item in reversed(value):
            room = budget - size - (1 if kept else 0)
            before = self.budget_cuts
            fitted, item_size = self.fit(item, room, None, depth + 1) if room > 0 else (NOTHING, 0)
            if fitted is NOTHING or fitted is _DROP or self.budget_cuts != before:
                self.budget_cuts = before + 1
                break
            kept.append(fitted)
            size += item_size + (1 if len(kept) > 1 else 0)
        kept.reverse()
        return kept, size

    def _key(self, key: Any) -> str:
        """A key as ``json.dumps`` would write it, cut to ``max_str``."""
        if type(key) is str:
            name = key
        elif key is None or isinstance(key, bool):
            name = "null" if key is None else ("true" if key else "false")
        elif isinstance(key, (int, float)):
            name = repr(float(key)) if isinstance(key, float) else str(int(key))
        else:
            fitted, _ = self._other(key, 1 << 30, None, MAX_DEPTH)
            name = fitted if isinstance(fitted, str) else "<key>"
        name = utf8_clean(name)
        if len(name) > self.max_str:
            name = name[: self.max_str] + cut_marker(len(name) - self.max_str)
        return name


def _whole_escapes(text: str) -> str:
    """Cut a URI without leaving half a ``%XX`` escape at its end."""
    tail = text[-2:]
    if tail.endswith("%"):
        return text[:-1]
    if tail.startswith("%"):
        return text[:-2]
    return text
