"""Event ids: valid UUID4s, unique, and without side effects on the app's ``random``."""

from __future__ import annotations

import os
import random
import sys
import uuid

import pytest

from errorwire.core.event import new_event_id


def test_ids_are_uuid4_and_do_not_repeat() -> None:
    ids = [new_event_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    for text in ids[:100]:
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert parsed.hex == text


def test_the_apps_seeded_random_sequence_is_left_alone() -> None:
    random.seed(1234)
    expected = [random.random() for _ in range(3)]
    random.seed(1234)
    new_event_id()
    assert [random.random() for _ in range(3)] == expected


@pytest.mark.skipif(sys.platform == "win32" or not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_does_not_repeat_its_parents_ids() -> None:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.write(write_end, new_event_id().encode())
        os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    child = os.read(read_end, 64).decode()
    os.close(read_end)
    assert len(child) == 32
    assert child != new_event_id()
