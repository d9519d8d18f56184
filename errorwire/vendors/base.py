"""What every vendor module provides (``Vendor``), and the notifier identity they all send.

A vendor is one module (rollbar.py, raygun.py, bugsnag.py) holding everything
about its wire format: the encoder, what the size cap may cut and in which order
(``LAYOUT``), and the smallest payload it still accepts (``minimal``). The cap
engine (cap.py) and the transport are generic: they reach a vendor only through
this protocol, which mypy checks each module against (vendors/__init__.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Protocol, Tuple

from errorwire import __about__
from errorwire.core.config import VendorSettings
from errorwire.core.event import Event
from errorwire.core.outcomes import DropReason
from errorwire.vendors.cap_layout import Layout

try:
    import orjson as _orjson
except ImportError:  # optional: json encodes the same payloads
    _orjson = None  # type: ignore[assignment]
_ORJSON_OPTIONS = 0
_ORJSON_SMALL_FLOAT = re.compile(rb"[:,\[]-?[0-9]+(?:\.[0-9]+)?e-|[:,\[]-?0\.0000")
"""A float orjson writes unlike ``repr`` (``0.00001``, ``1e-7``): all are under 1e-4. A
string that looks like one only costs the json encoding."""
if _orjson is not None:  # keys as json writes them; datetimes and dataclasses via str()
    _ORJSON_OPTIONS = (
        _orjson.OPT_NON_STR_KEYS
        | _orjson.OPT_PASSTHROUGH_DATETIME
        | _orjson.OPT_PASSTHROUGH_DATACLASS
    )

NOTIFIER_NAME = "errorwire"
NOTIFIER_VERSION = __about__.__version__
NOTIFIER_URL = "https://github.com/errorwire/errorwire"


class Vendor(Protocol):
    NAME: str
    DEFAULT_ENDPOINT: str
    """Its ingestion URL, unless the settings give ``endpoint``."""
    LOCAL_PATH: str
    """The path a local stand-in (the inbox, the test receiver) takes its reports on."""
    ENV_KEY: str
    """The environment variable ``init()`` reads its key from."""
    ENV_ENDPOINT: str
    SUCCESS_STATUS: int
    """What its API answers to a report it accepted."""
    KEY_HEADER: str
    """The header a request proves its key with."""
    KEY_FIELD: Optional[str]
    """The payload field that may carry the key instead of the header (None: header only)."""
    MISSING_KEY: Tuple[int, str]
    """Its answer (status, message) to a request without a key."""
    LAYOUT: Layout
    """Where its payload keeps what the cap may shrink, and in which way."""

    def refusal(self, event: Event, settings: Any) -> Optional[DropReason]:
        """Why its settings refuse ``event``, or None to send it."""

    def encode(self, event: Event, settings: Any) -> Dict[str, Any]:
        """The vendor's JSON payload, as its document describes it. Never raises for
        any event: a field that cannot be computed is left out."""

    def headers(self, settings: Any) -> Dict[str, str]:
        """The HTTP headers its ingestion API wants (besides Content-Type)."""

    def attempt_headers(self) -> Dict[str, str]:
        """Headers made anew for each delivery attempt (Bugsnag-Sent-At)."""

    def minimal(self, payload: Dict[str, Any], frames: int, chars: int) -> Dict[str, Any]:
        """The cap's last resort: ``payload``'s exception with its ``frames`` innermost
        frames and its message cut to ``chars``, plus the identifying fields."""


def to_json(payload: Dict[str, Any]) -> bytes:
    """The one JSON encoding used for size checks and for the wire: compact UTF-8.

    With ``orjson`` installed (``errorwire[orjson]``) the bytes ``json`` writes, about 8x
    faster. Where the two differ, ``json`` writes them: floats under 1e-4 (``1e-05``, not
    ``0.00001``: the cap sizes floats as ``repr``), and what orjson refuses (ints past 64
    bits, deep nesting, lone surrogates), which ``json`` encodes or refuses as always.
    One difference is left: an ``Enum`` a ``before_send`` hook puts in is written as its
    value, not ``str()`` (the encoders' own fields are plain values)."""
    if _orjson is not None:
        try:
            body: bytes = _orjson.dumps(payload, default=str, option=_ORJSON_OPTIONS)
        except TypeError:
            pass
        else:
            if not _may_hold_small_float(body):
                return body
    return json.dumps(
        payload, separators=(",", ":"), ensure_ascii=False, default=str, allow_nan=False
    ).encode("utf-8")


def _may_hold_small_float(body: bytes) -> bool:
    """Whether orjson may have written a float unlike ``json`` in ``body``. Each such float
    holds ``0.0000`` or a digit before ``e-``: two substring searches at C speed rule most
    bodies out, where the pattern's scan of every byte cost several times orjson's encoding."""
    if b"0.0000" not in body:
        at = body.find(b"e-")
        while at >= 0 and not (at > 0 and 48 <= body[at - 1] <= 57):  # an ASCII digit
            at = body.find(b"e-", at + 2)
        if at < 0:
            return False
    return _ORJSON_SMALL_FLOAT.search(body) is not None


@dataclass
class Outgoing:
    """One encoded, capped payload for one vendor, ready for the transport."""

    vendor: VendorSettings
    payload: Dict[str, Any]
    body: bytes
    headers: Dict[str, str] = field(default_factory=dict)
    event_id: str = ""

    @property
    def vendor_name(self) -> str:
        return self.vendor.name
