"""Requests marked per thread, for an integration whose requests are served whole on one
thread (Django's sync middleware under a WSGI server): ``marks[_thread.get_ident()]`` holds the
request's mark during the request, then what was there before (a request the thread
serves inside another's view) or nothing; ``find`` is the request finder the integration
adds (``context.add_request_finder``), consulted when the context marks nothing.

Cheaper per request than ``context.enter_request``: setting a context var copies nodes of
the context's hash tree, and resetting it copies them again; a ``threading.local`` cost
more too, in its attribute protocol. About 2,000 CPU instructions per Django request
(benchmarks/instructions.py).

What a thread mark does not do: another thread never sees it, not even one running in a
copy of the request's context (``async_to_sync``, an executor given ``ctx.run``); code
there reports outside the request, as under Rollbar's Django middleware. Never the
reverse: no thread sees a request of another thread, earlier or later.

The thread's id is ``_thread.get_ident()`` looked up at each call, never a reference kept
from import: gevent's and eventlet's monkey-patching replace it with the greenlet's id
(their servers serve many requests on one thread, one greenlet each), also when errorwire
was imported before the patch.
"""

from __future__ import annotations

import _thread
from typing import Dict, Optional

from errorwire.core.context import InRequest, Marked, as_in_request

marks: Dict[int, Marked] = {}
"""The marked request of each thread serving one, by the thread's id."""


def find() -> Optional[InRequest]:
    """The request marked for this thread, if any (a request finder)."""
    mark = marks.get(_thread.get_ident())
    return None if mark is None else as_in_request(mark)
