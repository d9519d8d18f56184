"""Fit an encoded payload under a vendor's byte cap, losing the least useful data first.

Steps, each tried only when the ones before it were not enough:

0. frame variables (``include_locals``) dropped, then put back as far as they fit
   when the rest fits whole (cap_locals.py);
1. long strings cut with a marker (anywhere);
2. raw bodies and ``rawData`` cut, JSON bodies trimmed;
3. source context dropped from frames;
4. frame lists cut in the middle (outermost and innermost frames kept, a marker
   frame between them);
5. custom data, request maps and breadcrumbs trimmed (the newest crumbs kept),
   sharing what is left of the budget;
6. a minimal payload: exception class, message, innermost frames.

Sizes are computed while copying (cap_fit.Fitter), never by re-encoding the whole
payload per removed item; every step reads at most about ``max_bytes`` of each
part, so a 10 MB payload costs little more than a 200 KB one. The payload given
is never mutated: the transport may cap it again with a smaller limit (HTTP 413).
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Set, Tuple

from errorwire.core.safety import log_once, swallow
from errorwire.vendors.base import Vendor, to_json
from errorwire.vendors.cap_fit import MARK_RESERVE, NOTHING, PLACEHOLDER, Fitter
from errorwire.vendors.cap_layout import Layout, Path, Section, exists, get
from errorwire.vendors.cap_locals import cut_locals
from errorwire.vendors.cap_minimal import minimal_payload

BODY_CHARS = 1024
"""Raw bodies are cut to this many characters at step 2."""
BODY_BYTES = 2048
"""Parsed JSON bodies are trimmed to this many bytes at step 2."""
SHORT_STR = 1024
"""At step 5, when trimming data was not enough, skeleton strings (exception messages)
are cut to this."""
INNER_PER_OUTER = 3
"""Frames kept from the innermost end for each one from the outermost end."""

BODIES = ("text", "body")
"""Section kinds cut at step 2."""
LATE = ("data", "tail")
"""Section kinds trimmed only at step 5."""


class Fitted(NamedTuple):
    """One part of the payload as fitted to a budget."""

    copy: Any
    """The fitted copy (NOTHING when not even an empty one fits)."""
    size: int
    """Its JSON size in bytes."""
    cut: bool
    """Whether it had to be cut to fit the budget."""


def cap(vendor: Vendor, payload: Dict[str, Any], max_bytes: int, small: bool = False) -> bytes:
    """The payload as JSON bytes of at most ``max_bytes``, shrunk in steps when over.

    ``small``: the caller knows the payload is far under ``max_bytes`` (another vendor's
    payload of the same event was), so it is encoded without walking it first; the
    encoded size is checked all the same."""
    if small or _may_fit(payload, max_bytes):  # the common case, encoded once at C speed
        whole = _json_within(payload, max_bytes)
        if whole is not None:
            return whole
    fast = Fitter(max_bytes)
    copy, _size = fast.fit(payload, max_bytes)
    if copy is not NOTHING and not fast.budget_cuts:
        whole = _json_within(copy, max_bytes)
        if whole is not None:
            return whole
    with swallow(f"cap {vendor.NAME} locals"):  # 0: frame variables, before anything else
        payload, body = cut_locals(vendor.LAYOUT, payload, max_bytes, _may_fit)
        if body is not None:
            return body
    with swallow(f"cap {vendor.NAME}"):  # a bug here must still leave the minimal payload
        shrunk = _Shrinker(vendor.LAYOUT, payload, max_bytes).run()
        if shrunk is not None:
            return shrunk
    return to_json(minimal_payload(vendor.minimal, payload, max_bytes))


def _json_within(payload: Any, max_bytes: int) -> Optional[bytes]:
    """The payload's JSON when it is at most ``max_bytes``; None when over or unencodable."""
    try:
        whole = to_json(payload)
    except (TypeError, ValueError, RecursionError):  # NaN, cycles, lone surrogates...
        return None
    return whole if len(whole) <= max_bytes else None


def _may_fit(payload: Any, max_bytes: int) -> bool:
    """False as soon as the strings alone pass ``max_bytes``: a lower bound of the
    encoded size, read without encoding, so a huge payload is never encoded whole."""
    budget = max_bytes
    stack = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            budget -= len(item) + 3
        elif isinstance(item, dict):
            budget -= 2 + len(item)
            for key, value in item.items():
                budget -= len(key) + 3 if isinstance(key, str) else 8
                stack.append(value)
        elif isinstance(item, (list, tuple)):
            budget -= 2 + len(item)
            stack.extend(item)
        else:
            budget -= 4
        if budget < 0:
            return False
    return True


class _Shrinker:
    def __init__(self, layout: Layout, payload: Dict[str, Any], max_bytes: int) -> None:
        self.layout = layout
        self.max_bytes = max_bytes
        self.long = max(1024, max_bytes // 16)
        sections = [s for s in layout.sections(payload) if exists(payload, s.path)]
        # Children before parents, so a parent's value holds its child's placeholder.
        sections.sort(key=lambda s: len(s.path), reverse=True)
        self.values: Dict[Section, Any] = {}
        self.holders: Set[int] = set()
        root: Any = payload
        for section in sections:
            self.values[section] = get(root, section.path)
            root = _replace(root, section.path, self.holders)
        self.skeleton = root
        self.sections = sections[::-1]  # parents first: the order to put them back

    # -- the steps -------------------------------------------------------------------

    def run(self) -> Optional[bytes]:
        """Steps 1 to 5 in turn (the module docstring); None when none fits."""
        skeleton = self._skeleton(self.long)
        state = self._measure(skeleton)
        self.need: Dict[Section, int] = {}
        """What each data section takes whole; the whole budget while not known."""
        steps = (
            (None, ()),  # 1: long strings only (every Fitter cuts them)
            (self._cut_bodies, BODIES),  # 2
            (self._strip_context, BODIES),  # 3
            (self._cut_frames, (*BODIES, "frames")),  # 4: the middle of deep stacks
        )
        for step, cut_ok in steps:
            if step is not None:
                step(skeleton, state)
            body = self._try_whole_data(skeleton, state, cut_ok=cut_ok)
            if body is not None:
                return body
        return self._share_late(state)  # 5

    def _measure(self, skeleton: Fitted) -> Dict[Section, Fitted]:
        """Frames as they are; bodies get only what the rest leaves (cut at step 2
        whatever they measure now)."""
        state = {
            s: self._fit(s, self.long, self.max_bytes) for s in self.sections if s.kind == "frames"
        }
        room = self.max_bytes - self._total(skeleton, state)
        for s in self.sections:
            if s.kind in BODIES:
                state[s] = self._fit(s, self.long, max(2, room))
                room -= state[s].size - 1
        return state

    def _cut_bodies(self, skeleton: Fitted, state: Dict[Section, Fitted]) -> None:
        for s in self.sections:
            if s.kind == "text":
                state[s] = self._fit(s, BODY_CHARS, self.max_bytes)
            elif s.kind == "body":
                state[s] = self._fit(s, self.long, BODY_BYTES)

    def _strip_context(self, skeleton: Fitted, state: Dict[Section, Fitted]) -> None:
        for s in self._frame_sections():
            state[s] = self._frames(s, self.max_bytes, strip=True, cut=False)

    def _share_late(self, state: Dict[Section, Fitted]) -> Optional[bytes]:
        """Data and breadcrumbs share the rest; then also with shorter messages."""
        for max_str in (self.long, SHORT_STR):
            skeleton = self._skeleton(max_str)
            shared = dict(state)
            if not skeleton.cut and self._share_data(skeleton, shared):
                body = self._try(skeleton, shared, cut_ok=(*BODIES, "frames", *LATE))
                if body is not None:
                    return body
        return None

    def _frame_sections(self) -> List[Section]:
        return [s for s in self.sections if s.kind == "frames"]

    def _try_whole_data(
        self, skeleton: Fitted, state: Dict[Section, Fitted], cut_ok: Tuple[str, ...]
    ) -> Optional[bytes]:
        """Before step 5 data is kept whole or not at all. It is measured against what
        the other parts leave, all sections together: a pile of large sections costs one
        budget of reading, not one each. Known sizes are not measured again."""
        others = {s: fitted for s, fitted in state.items() if s.kind not in LATE}
        room = self.max_bytes - self._total(skeleton, others)
        for s in self.sections:
            if s.kind not in LATE:
                continue
            if s not in self.need or self.need[s] == self.max_bytes:
                state[s] = self._fit(s, self.long, max(2, room))
                self.need[s] = self.max_bytes if state[s].cut else state[s].size
            room -= state[s].size - 1
        return self._try(skeleton, state, cut_ok)

    def _cut_frames(self, skeleton: Fitted, state: Dict[Section, Fitted]) -> None:
        frames = self._frame_sections()
        if not frames:
            return
        others = self._total(skeleton, state) - sum(state[s].size - 1 for s in frames)
        others += sum(self.need[s] - state[s].size for s in self.need)
        budget = max(self.max_bytes - others, self.max_bytes // 4)
        need = sum(state[s].size for s in frames) or 1
        for s in frames:
            share = max(2, budget * state[s].size // need)
            state[s] = self._frames(s, share, strip=True, cut=True)

    def _share_data(self, skeleton: Fitted, state: Dict[Section, Fitted]) -> bool:
        """Water-fill what the rest leaves among data sections: small ones stay whole."""
        shared = [s for s in self.sections if s.kind in LATE]
        fixed = skeleton.size + sum(state[s].size - 1 for s in self.sections if s not in shared)
        pool = self.max_bytes - fixed + len(shared)
        shared.sort(key=lambda s: self.need[s])
        for left, s in zip(range(len(shared), 0, -1), shared):
            give = min(self.need[s] + MARK_RESERVE, pool // left)
            if give < 2:
                return False
            state[s] = self._fit(s, self.long, give)
            if state[s].copy is NOTHING:
                return False
            pool -= state[s].size
        return True

    # -- measuring -------------------------------------------------------------------

    def _skeleton(self, max_str: int) -> Fitted:
        fitter = Fitter(max_str, holders=self.holders)
        copy, size = fitter.fit(self.skeleton, self.max_bytes)
        return Fitted(copy, size, copy is NOTHING or fitter.budget_cuts > 0)

    def _fit(self, section: Section, max_str: int, budget: int) -> Fitted:
        if section.kind == "frames":
            return self._frames(section, budget, strip=False, cut=False)
        if budget < 2:
            return Fitted(NOTHING, 0, True)
        return self._fit_value(section, self.values[section], max_str, budget)

    def _fit_value(self, section: Section, value: Any, max_str: int, budget: int) -> Fitted:
        fitter = Fitter(max_str, holders=self.holders)
        key = section.path[-1]
        copy, size = fitter.fit(value, budget, key if isinstance(key, str) else None)
        return Fitted(copy, size, copy is NOTHING or fitter.budget_cuts > 0)

    def _frames(self, section: Section, budget: int, *, strip: bool, cut: bool) -> Fitted:
        """Whole frames only; with ``cut``, from both ends (innermost favoured) to fit."""
        frames = self.values[section]
        if not isinstance(frames, list):
            return self._fit_value(section, frames, self.long, budget)
        count = len(frames)
        reserve = (len(to_json(self.layout.omitted_frame(count))) + 1) if cut else 0
        order = _frame_order(count, section.innermost_first) if cut else range(count)
        kept, size = self._whole_frames(frames, order, budget - reserve, strip)
        if len(kept) == count:
            return Fitted([kept[i] for i in range(count)], size, False)
        if not cut:
            return Fitted(frames, self.max_bytes + 1, True)
        return self._with_omitted_marker(kept, count, size)

    def _whole_frames(
        self, frames: List[Any], order: Iterable[int], budget: int, strip: bool
    ) -> Tuple[Dict[int, Any], int]:
        """Frames taken in ``order`` while each fits whole: {index: copy}, JSON size."""
        fitter = Fitter(self.long)
        kept: Dict[int, Any] = {}
        size = 2
        for index in order:
            frame = frames[index]
            if strip and isinstance(frame, dict):
                frame = self._strip(frame)
            before = fitter.budget_cuts
            room = budget - size - (1 if kept else 0)
            copy, frame_size = fitter.fit(frame, room) if room > 0 else (NOTHING, 0)
            if copy is NOTHING or fitter.budget_cuts != before:
                break
            kept[index] = copy
            size += frame_size + (1 if len(kept) > 1 else 0)
        return kept, size

    def _with_omitted_marker(self, kept: Dict[int, Any], count: int, size: int) -> Fitted:
        """The kept outer and inner frames with a marker frame saying how many are cut."""
        ordered = sorted(kept)
        outer = [i for n, i in enumerate(ordered) if i == n]
        inner = ordered[len(outer) :]
        marker = self.layout.omitted_frame(count - len(kept))
        result = [kept[i] for i in outer] + [marker] + [kept[i] for i in inner]
        return Fitted(result, size + len(to_json(marker)) + (1 if kept else 0), True)

    def _strip(self, frame: Dict[str, Any]) -> Dict[str, Any]:
        stripped = {k: v for k, v in frame.items() if k not in self.layout.context_keys}
        code = frame.get("code")
        if self.layout.keep_code_line and isinstance(code, dict):
            line = str(frame.get("lineNumber"))
            if line in code:
                stripped["code"] = {line: code[line]}
        return stripped

    def _total(self, skeleton: Fitted, state: Dict[Section, Fitted]) -> int:
        return skeleton.size + sum(fitted.size - 1 for fitted in state.values())

    def _try(
        self, skeleton: Fitted, state: Dict[Section, Fitted], cut_ok: Tuple[str, ...]
    ) -> Optional[bytes]:
        if skeleton.cut or skeleton.copy is NOTHING:
            return None
        for s in self.sections:
            copy, _size, was_cut = state[s]
            if copy is NOTHING or (was_cut and s.kind not in cut_ok):
                return None
        if self._total(skeleton, state) > self.max_bytes:
            return None
        root = skeleton.copy
        for s in self.sections:
            get(root, s.path[:-1])[s.path[-1]] = state[s].copy
        body = to_json(root)
        if len(body) > self.max_bytes:  # pragma: no cover - sizes are exact; never trust it blindly
            log_once("cap-size-mismatch", "errorwire: cap measured %s wrongly", s.path)
            return None
        return body


def _replace(node: Any, path: Path, holders: Set[int]) -> Any:
    """A copy of ``node`` with PLACEHOLDER at ``path``; containers on the way copied."""
    if not path:
        return PLACEHOLDER
    copy: Any = dict(node) if isinstance(node, dict) else list(node)
    copy[path[0]] = _replace(node[path[0]], path[1:], holders)
    if len(path) == 1:
        holders.add(id(copy))
    return copy


def _frame_order(count: int, innermost_first: bool) -> List[int]:
    """Indexes from both ends, INNER_PER_OUTER innermost ones for each outermost one."""
    inner = list(range(count)) if innermost_first else list(range(count - 1, -1, -1))
    order: List[int] = []
    low, high = 0, count - 1  # positions in ``inner`` still unused, from each end
    step = 0
    while low <= high:
        if step % (INNER_PER_OUTER + 1) < INNER_PER_OUTER:
            order.append(inner[low])
            low += 1
        else:
            order.append(inner[high])
            high -= 1
        step += 1
    return order
