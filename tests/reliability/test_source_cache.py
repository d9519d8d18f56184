"""Source lines of errors from many files (generated modules, a large code base) do not
grow the process: errorwire keeps them in its own bounded cache, never in linecache."""

from __future__ import annotations

import linecache
import os
import time
from pathlib import Path
from typing import Callable, List

import errorwire
from errorwire.core import source_cache
from errorwire.core.event import Frame
from errorwire.core.source_context import add_source_context
from tests.receiver import Receiver

FILES = 3000


def generated(folder: Path, index: int) -> Path:
    path = folder / f"generated_{index}.py"
    path.write_text(
        f"# generated module {index}\n\ndef fail():\n    raise ValueError('from file {index}')\n"
    )
    return path


def test_reading_3000_files_keeps_memory_flat(tmp_path: Path) -> None:
    before = set(linecache.cache)
    for index in range(FILES):
        path = str(generated(tmp_path, index))
        frames = [Frame(filename=os.path.basename(path), abs_path=path, lineno=4)]
        add_source_context(frames)
        assert frames[0].code == f"    raise ValueError('from file {index}')"
        assert frames[0].pre_context[-1] == "def fail():"
    assert set(linecache.cache) - before == set()
    assert source_cache.cached_files() <= source_cache.MAX_FILES


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "changing.py"
    path.write_text("a = 1\n")
    frames = [Frame(filename="changing.py", abs_path=str(path), lineno=1)]
    add_source_context(frames)
    assert frames[0].code == "a = 1"
    path.write_text("b = 22\n")
    later = time.time() + 5
    os.utime(path, (later, later))
    source_cache.forget_checks()
    frames = [Frame(filename="changing.py", abs_path=str(path), lineno=1)]
    add_source_context(frames)
    assert frames[0].code == "b = 22"


def test_source_only_linecache_knows_is_still_used() -> None:
    name = "<generated-by-a-template-engine>"
    linecache.cache[name] = (12, None, ["line one\n", "line two\n"], name)
    try:
        frames = [Frame(filename=name, abs_path=name, lineno=2)]
        add_source_context(frames)
        assert frames[0].code == "line two"
    finally:
        linecache.cache.pop(name, None)


def test_reports_of_generated_modules_carry_their_source(
    tmp_path: Path, receiver: Receiver, all_vendors: dict
) -> None:
    errorwire.init(rollbar=all_vendors["rollbar"], project_root=str(tmp_path))
    failures: List[Callable[[], None]] = []
    for index in range(3):
        path = generated(tmp_path, index)
        namespace: dict = {}
        exec(compile(path.read_text(), str(path), "exec"), namespace)
        failures.append(namespace["fail"])
    before = set(linecache.cache)
    for fail in failures:
        try:
            fail()
        except ValueError:
            errorwire.capture_exception()
    assert errorwire.flush(timeout=5.0)
    bodies = [item.json() for item in receiver.wait_for(3)]
    codes = sorted(b["data"]["body"]["trace"]["frames"][-1]["code"] for b in bodies)
    assert codes == [f"    raise ValueError('from file {i}')" for i in range(3)]
    assert set(linecache.cache) - before == set()
