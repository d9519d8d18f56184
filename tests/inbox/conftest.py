from __future__ import annotations

from typing import Iterator

import pytest

pytest.importorskip("uvicorn", reason="the inbox needs the errorwire[inbox] extra")
pytest.importorskip("starlette", reason="the inbox needs the errorwire[inbox] extra")
pytest.importorskip("httpx")

from inbox_http import Poster

from errorwire.inbox import RunningInbox, start_inbox


@pytest.fixture
def inbox() -> Iterator[RunningInbox]:
    with start_inbox() as running:
        yield running


@pytest.fixture
def post(inbox: RunningInbox) -> Iterator[Poster]:
    poster = Poster(inbox)
    yield poster
    poster.http.close()
