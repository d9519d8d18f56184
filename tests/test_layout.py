"""The test folders never stand in for the frameworks they are named after: with Django
not installed, ``import django`` must fail (and ``pytest.importorskip`` skip), not find
tests/integrations/django as a namespace package."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
FRAMEWORK_FOLDERS = sorted(p.name for p in (TESTS / "integrations").iterdir() if p.is_dir())


@pytest.mark.parametrize("name", [n for n in FRAMEWORK_FOLDERS if not n.startswith("__")])
def test_a_test_folder_is_not_importable_as_its_framework(name: str) -> None:
    spec = importlib.util.find_spec(name)
    if spec is None:
        return
    places = [spec.origin or "", *(spec.submodule_search_locations or [])]
    assert not any(Path(place).resolve().is_relative_to(TESTS) for place in places if place), (
        name,
        places,
    )
