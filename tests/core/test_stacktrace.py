"""Real exceptions -> ExceptionInfo/Frame: order, places, columns, chains, groups, bounds, keys."""

from __future__ import annotations

import dis
import json
import os
import sys
import sysconfig
import traceback
from pathlib import Path
from typing import Callable, List, Optional

import pytest
import yaml

from errorwire.core import stacktrace
from errorwire.core.event import ExceptionInfo, Frame
from errorwire.core.stacktrace import (
    MAX_CHAIN,
    MAX_FRAMES,
    add_source_context,
    extract_chain,
    extract_frames,
    grouping_key,
)
from tests.helpers import recursion_error
from tests.source_file import ROOT, SourceFile

THIS = SourceFile.of(__file__)
THIS_FILE, RELATIVE, SOURCE, line_of = THIS.path, THIS.relative, THIS.lines, THIS.line_of
HAS_POSITIONS = sys.version_info >= (3, 11)


def raised(action: Callable[[], object]) -> BaseException:
    try:
        action()  # mark: raised-call
    except BaseException as exc:
        return exc
    raise AssertionError("expected an exception")


def chain_of(exc: BaseException, with_source: bool = False) -> List[ExceptionInfo]:
    chain = extract_chain(exc, ROOT)
    if with_source:
        for info in chain:
            add_source_context(info.frames)
    return chain


# -- code that fails, at marked lines -----------------------------------------------------


class PaymentFailed(Exception):
    pass


class Checkout:
    def pay(self, amount: int) -> None:
        self._charge(amount)  # mark: pay

    def _charge(self, amount: int) -> None:
        raise ValueError(f"card declined for {amount}")  # mark: charge


def lookup_missing() -> object:
    return {"present": 1}["missing"]  # mark: lookup


def wrap_with_cause() -> None:
    try:
        lookup_missing()  # mark: wrap-call
    except KeyError as exc:
        raise PaymentFailed("could not pay") from exc  # mark: wrap-raise


def fail_while_handling() -> None:
    try:
        lookup_missing()
    except KeyError:
        raise PaymentFailed("while handling")  # noqa: B904 - implicit context is the point


def fail_from_none() -> None:
    try:
        lookup_missing()
    except KeyError:
        raise PaymentFailed("suppressed") from None


def cause_beats_context() -> None:
    try:
        lookup_missing()
    except KeyError:
        raise PaymentFailed("explicit") from ValueError("the cause")


class BrokenStr(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no text for you")


def recurse(depth: int) -> int:
    return recurse(depth + 1) + 1  # mark: recurse


# -- frames -------------------------------------------------------------------------------


def test_frames_are_oldest_first_with_places_and_qualified_names() -> None:
    exc = raised(lambda: Checkout().pay(12))  # mark: test-call
    info = chain_of(exc)[0]

    assert info.type_name == "ValueError"
    assert info.module is None
    assert info.message == "card declined for 12"
    assert [f.lineno for f in info.frames] == [
        line_of("raised-call"),
        line_of("test-call"),
        line_of("pay"),
        line_of("charge"),
    ]
    functions = [f.function for f in info.frames]
    assert functions[2:] == ["Checkout.pay", "Checkout._charge"]
    assert functions[1] is not None and functions[1].endswith("<lambda>")
    for frame in info.frames:
        assert frame.filename == RELATIVE
        assert frame.abs_path == THIS_FILE
        assert frame.module == __name__
        assert frame.in_project is True
    # Python's own traceback agrees on the lines, in the same order.
    assert [f.lineno for f in info.frames] == [
        s.lineno for s in traceback.extract_tb(exc.__traceback__)
    ]


@pytest.mark.parametrize(
    "action",
    [wrap_with_cause, fail_while_handling, lambda: recurse(0)],
    ids=["cause", "context", "deep"],
)
def test_a_lazy_chain_builds_the_same_frames_and_key_as_an_eager_one(
    action: Callable[[], object],
) -> None:
    exc = raised(action)
    eager = extract_chain(exc, ROOT)
    lazy = extract_chain(exc, ROOT, lazy=True)
    assert all(info.frames == [] and info.frame_entries for info in lazy)
    assert grouping_key(lazy) == grouping_key(eager)  # the request thread groups unbuilt frames
    stacktrace.build_frames(lazy)
    assert lazy == eager
    assert [f.code_location for i in lazy for f in i.frames] == [
        f.code_location for i in eager for f in i.frames
    ]
    assert all(info.frame_entries is None for info in lazy)
    assert sum(info.frames_omitted for info in lazy) == sum(i.frames_omitted for i in eager)


def test_source_context_holds_the_line_and_five_around_it() -> None:
    info = chain_of(raised(lambda: Checkout().pay(1)), with_source=True)[0]
    charge = info.frames[-1]
    index = line_of("charge") - 1

    assert charge.code == SOURCE[index]
    assert charge.pre_context == SOURCE[index - 5 : index]
    assert charge.post_context == SOURCE[index + 1 : index + 6]
    assert "raise ValueError" in charge.code


def test_source_context_near_the_top_of_a_file_is_short(tmp_path: Path) -> None:
    path = tmp_path / "top.py"
    path.write_text("def boom():\n    raise KeyError('k')\n", encoding="utf-8")
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    info = extract_chain(raised(namespace["boom"]), str(tmp_path))[0]
    add_source_context(info.frames)

    boom = info.frames[-1]
    assert boom.filename == "top.py"
    assert boom.code == "    raise KeyError('k')"
    assert boom.pre_context == ["def boom():"]
    assert boom.post_context == []


def test_code_without_a_file_gets_no_source_and_is_not_in_project() -> None:
    namespace: dict = {}
    exec("def boom():\n    raise KeyError('k')\n", namespace)
    info = chain_of(raised(namespace["boom"]), with_source=True)[0]

    boom = info.frames[-1]
    assert boom.filename == "<string>"
    assert boom.lineno == 2
    assert boom.code is None
    assert boom.in_project is False


def test_stdlib_frames_are_not_in_project() -> None:
    exc = raised(lambda: json.loads("{not json"))
    info = chain_of(exc)[0]

    assert info.type_name == "json.decoder.JSONDecodeError"
    assert info.module == "json.decoder"
    assert info.frames[0].in_project is True  # raised() in this file
    library = [f for f in info.frames if f.filename.startswith("json/")]
    assert [f.filename for f in library] == [
        "json/__init__.py",
        "json/decoder.py",
        "json/decoder.py",
    ]
    stdlib = os.path.realpath(sysconfig.get_paths()["stdlib"])
    for frame in library:
        assert frame.in_project is False
        assert frame.abs_path is not None and frame.abs_path.startswith(stdlib + os.sep)
        assert frame.module is not None and frame.module.startswith("json")


def test_site_packages_frames_are_not_in_project() -> None:
    exc = raised(lambda: yaml.safe_load("key: [unclosed"))
    info = chain_of(exc)[0]

    library = info.frames[2:]
    assert library, "yaml raised from its own frames"
    for frame in library:
        assert frame.in_project is False
        assert frame.filename.startswith("yaml/"), frame.filename
        assert frame.module is not None and frame.module.startswith("yaml")
        assert frame.abs_path is not None and frame.abs_path.endswith(frame.filename)


def test_project_root_decides_in_project() -> None:
    exc = raised(lambda: Checkout().pay(1))
    elsewhere = extract_chain(exc, "/nonexistent-root")[0]
    assert all(f.in_project is False for f in elsewhere.frames)
    assert elsewhere.frames[-1].filename == THIS_FILE  # outside the root: the full path


# -- columns (3.11+) ----------------------------------------------------------------------


@pytest.mark.skipif(not HAS_POSITIONS, reason="co_positions is 3.11+")
def test_columns_match_pythons_own_traceback() -> None:
    exc = raised(lambda: Checkout().pay(3))
    info = chain_of(exc, with_source=True)[0]
    python = traceback.extract_tb(exc.__traceback__)

    assert [(f.colno, f.end_colno, f.end_lineno) for f in info.frames] == [
        (s.colno + 1, s.end_colno + 1, s.end_lineno)
        for s in python  # type: ignore[attr-defined,operator]
    ]
    charge = info.frames[-1]
    assert charge.code is not None
    assert charge.colno == charge.code.index("raise") + 1
    assert charge.end_colno == len(charge.code) - len("  # mark: charge") + 1


@pytest.mark.skipif(not HAS_POSITIONS, reason="co_positions is 3.11+")
def test_columns_are_left_out_before_the_worker_decodes_them() -> None:
    info = chain_of(raised(lambda: Checkout().pay(3)))[0]
    assert info.frames[-1].colno is None
    assert info.frames[-1].code_location is not None
    add_source_context(info.frames)
    assert info.frames[-1].colno is not None
    assert info.frames[-1].code_location is None


@pytest.mark.skipif(not HAS_POSITIONS, reason="co_positions is 3.11+")
def test_columns_of_an_instruction_behind_extended_arg(tmp_path: Path) -> None:
    # 300 global names push the failing LOAD_ATTR's name index past 255: it needs
    # EXTENDED_ARG, and 3.11+ adds inline cache entries after it.
    names = "; ".join(f"g{i}" for i in range(300))
    source = (
        "def boom(obj):\n"
        "    if obj is None:\n"
        f"        {names}\n"
        "    return 1 + obj.missing_attribute * 2\n"
    )
    path = tmp_path / "extended.py"
    path.write_text(source, encoding="utf-8")
    namespace: dict = {}
    exec(compile(source, str(path), "exec"), namespace)
    exc = raised(lambda: namespace["boom"](object()))
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    assert tb is not None
    failing = [i for i in dis.get_instructions(tb.tb_frame.f_code) if i.offset == tb.tb_lasti]
    assert failing and failing[0].arg is not None and failing[0].arg > 255

    info = extract_chain(exc, str(tmp_path))[0]
    add_source_context(info.frames)
    frame = info.frames[-1]
    python = traceback.extract_tb(exc.__traceback__)[-1]
    assert frame.colno == python.colno + 1  # type: ignore[attr-defined,operator]
    line = source.splitlines()[3]
    assert frame.colno == line.index("obj.missing_attribute") + 1
    assert frame.end_colno == line.index(" * 2") + 1


@pytest.mark.skipif(not HAS_POSITIONS, reason="co_positions is 3.11+")
def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    source = 'def boom(obj):\n    label = "Größe ✓"; return obj.missing\n'
    path = tmp_path / "accents.py"
    path.write_text(source, encoding="utf-8")
    namespace: dict = {}
    exec(compile(source, str(path), "exec"), namespace)
    info = extract_chain(raised(lambda: namespace["boom"](object())), str(tmp_path))[0]
    add_source_context(info.frames)

    line = source.splitlines()[1]
    assert info.frames[-1].colno == line.index("obj.missing") + 1
    assert info.frames[-1].end_colno == len(line) + 1


# -- messages -----------------------------------------------------------------------------


def test_exception_whose_str_raises_has_no_message() -> None:
    info = chain_of(raised(lambda: (_ for _ in ()).throw(BrokenStr("hidden"))))[0]
    assert info.type_name == f"{__name__}.BrokenStr"
    assert info.message is None


def test_non_ascii_messages_are_kept_as_they_are() -> None:
    text = "Zahlung für Größe ✓ fehlgeschlagen: 支付失败 😀"
    info = chain_of(raised(lambda: _raise(ValueError(text))))[0]
    assert info.message == text


def _raise(exc: BaseException) -> None:
    raise exc


# -- chains -------------------------------------------------------------------------------


def test_raise_from_gives_outermost_first_with_cause() -> None:
    chain = chain_of(raised(wrap_with_cause))

    assert [(i.type_name, i.relation, i.parent) for i in chain] == [
        (f"{__name__}.PaymentFailed", None, None),
        ("KeyError", "cause", 0),
    ]
    assert chain[0].message == "could not pay"
    assert chain[1].message == "'missing'"
    assert chain[0].frames[-1].lineno == line_of("wrap-raise")
    # The cause's traceback runs from where it was caught down to where it was raised.
    assert [f.lineno for f in chain[1].frames] == [line_of("wrap-call"), line_of("lookup")]
    assert chain[1].frames[-1].function == "lookup_missing"


def test_implicit_context_is_followed() -> None:
    chain = chain_of(raised(fail_while_handling))
    assert [(i.short_type, i.relation, i.parent) for i in chain] == [
        ("PaymentFailed", None, None),
        ("KeyError", "context", 0),
    ]


def test_from_none_suppresses_the_context() -> None:
    chain = chain_of(raised(fail_from_none))
    assert [i.short_type for i in chain] == ["PaymentFailed"]


def test_an_explicit_cause_replaces_the_context() -> None:
    chain = chain_of(raised(cause_beats_context))
    assert [(i.short_type, i.relation, i.message) for i in chain] == [
        ("PaymentFailed", None, "explicit"),
        ("ValueError", "cause", "the cause"),
    ]
    assert chain[1].frames == []  # never raised: no traceback, nothing guessed


def test_a_context_cycle_is_cut() -> None:
    first = raised(lambda: _raise(KeyError("first")))
    second = raised(lambda: _raise(ValueError("second")))
    first.__context__ = second
    second.__context__ = first

    chain = chain_of(first)
    assert [(i.short_type, i.relation) for i in chain] == [
        ("KeyError", None),
        ("ValueError", "context"),
    ]


def test_an_exception_that_is_its_own_cause_appears_once() -> None:
    exc = raised(lambda: _raise(ValueError("me")))
    exc.__cause__ = exc
    assert [i.short_type for i in chain_of(exc)] == ["ValueError"]


def test_a_very_deep_chain_is_bounded() -> None:
    previous: Optional[BaseException] = None
    for number in range(5000):
        try:
            raise ValueError(str(number)) from previous
        except ValueError as exc:
            previous = exc
    assert previous is not None

    chain = chain_of(previous)
    assert len(chain) == MAX_CHAIN
    assert [i.message for i in chain[:3]] == ["4999", "4998", "4997"]
    assert all(i.parent == n for n, i in enumerate(chain[1:]))


@pytest.mark.skipif(sys.version_info < (3, 11), reason="ExceptionGroup is 3.11+")
def test_exception_group_members_nested_groups_and_the_groups_cause() -> None:
    value_error = raised(lambda: _raise(ValueError("bad amount")))
    key_error = raised(lookup_missing)
    type_error = raised(lambda: _raise(TypeError("bad type")))

    def fail() -> None:
        inner = ExceptionGroup("inner", [key_error, type_error])  # noqa: F821 - 3.11+
        try:
            _raise(RuntimeError("why the group was raised"))
        except RuntimeError as cause:
            raise ExceptionGroup("outer", [value_error, inner]) from cause  # noqa: F821

    chain = chain_of(raised(fail))
    assert [(i.short_type, i.relation, i.parent) for i in chain] == [
        ("ExceptionGroup", None, None),
        ("ValueError", "group", 0),
        ("ExceptionGroup", "group", 0),
        ("KeyError", "group", 2),
        ("TypeError", "group", 2),
        ("RuntimeError", "cause", 0),
    ]
    assert chain[0].message == "outer (2 sub-exceptions)"
    assert chain[3].frames[-1].lineno == line_of("lookup")
    assert chain[2].frames == []  # the inner group was never raised itself


@pytest.mark.skipif(sys.version_info < (3, 11), reason="ExceptionGroup is 3.11+")
def test_a_huge_exception_group_is_bounded() -> None:
    members = [ValueError(str(n)) for n in range(10_000)]
    chain = chain_of(raised(lambda: _raise(ExceptionGroup("many", members))))  # noqa: F821
    assert len(chain) == MAX_CHAIN
    assert [i.message for i in chain[1:4]] == ["0", "1", "2"]


def test_extraction_does_not_recurse() -> None:
    # A chain nested as deep as it may be kept, extracted with almost no stack left.
    previous: Optional[BaseException] = None
    for number in range(MAX_CHAIN * 4):
        try:
            raise ValueError(str(number)) from previous
        except ValueError as exc:
            previous = exc
    assert previous is not None
    stacktrace.classify_path.cache_clear()

    def at_the_limit() -> List[ExceptionInfo]:
        depth = len(traceback.extract_stack())
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(depth + 40)
        try:
            return extract_chain(previous, ROOT)  # type: ignore[arg-type]
        finally:
            sys.setrecursionlimit(old)

    assert len(at_the_limit()) == MAX_CHAIN


# -- bounds -------------------------------------------------------------------------------


def test_3000_deep_recursion_error_keeps_both_ends() -> None:
    exc = recursion_error(recurse)
    python = traceback.extract_tb(exc.__traceback__)
    assert len(python) >= 3000

    info = chain_of(exc, with_source=True)[0]
    assert info.type_name == "RecursionError"
    assert len(info.frames) == MAX_FRAMES
    assert info.frames_omitted == len(python) - MAX_FRAMES
    expected = [(s.name, s.lineno) for s in python]
    got = [(f.function, f.lineno) for f in info.frames]
    half = MAX_FRAMES // 2
    assert [line for _name, line in got[:half]] == [line for _name, line in expected[:half]]
    assert [line for _name, line in got[half:]] == [line for _name, line in expected[-half:]]
    assert got[-1] == ("recurse", line_of("recurse"))
    assert info.frames[-1].code == SOURCE[line_of("recurse") - 1]


def test_frame_limit_keeps_outermost_and_innermost() -> None:
    exc = raised(lambda: _countdown(30))
    frames, omitted = extract_frames(exc.__traceback__, ROOT, limit=10)
    python = traceback.extract_tb(exc.__traceback__)

    assert omitted == len(python) - 10
    assert [f.lineno for f in frames] == [s.lineno for s in python[:5] + python[-5:]]


def _countdown(n: int) -> None:
    if n == 0:
        raise KeyError("bottom")
    _countdown(n - 1)


# -- grouping key -------------------------------------------------------------------------


def _key(exc: BaseException, root: str = ROOT) -> str:
    return grouping_key(extract_chain(exc, root))


def test_grouping_key_ignores_the_message_but_not_the_class() -> None:
    one = _key(raised(lambda: Checkout()._charge(1)))
    two = _key(raised(lambda: Checkout()._charge(2)))
    other_class = _key(raised(lambda: _raise(ValueError("card declined for 1"))))
    assert one == two
    assert one != other_class
    assert len(one) == 40


def _load_module(folder: Path, blank_lines: int) -> dict:
    path = folder / "shop.py"
    path.write_text(
        "\n" * blank_lines + "def charge():\n    raise ValueError('declined')\n", encoding="utf-8"
    )
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace


def test_grouping_key_survives_line_drift_and_a_moved_checkout(tmp_path: Path) -> None:
    old, new = tmp_path / "release1", tmp_path / "release2"
    old.mkdir()
    new.mkdir()
    before = raised(_load_module(old, 0)["charge"])
    after = raised(_load_module(new, 12)["charge"])
    before_info = extract_chain(before, str(old))[0]
    after_info = extract_chain(after, str(new))[0]
    assert before_info.frames[-1].lineno != after_info.frames[-1].lineno
    # raised() lives in this file, outside both roots; shop.py is the in-project frame.
    assert [f.filename for f in before_info.frames if f.in_project] == ["shop.py"]
    assert grouping_key([before_info]) == grouping_key([after_info])


def test_grouping_key_uses_the_root_cause_of_a_wrapped_error() -> None:
    def wrap(action: Callable[[], object]) -> None:
        try:
            action()
        except Exception as exc:
            raise PaymentFailed("wrapped") from exc

    from_lookup = _key(raised(lambda: wrap(lookup_missing)))
    from_charge = _key(raised(lambda: wrap(lambda: Checkout()._charge(1))))
    # The outermost exceptions are the same class raised at the same place:
    # only the root causes tell these two failures apart.
    assert from_lookup != from_charge
    assert from_lookup == _key(raised(lambda: wrap(lookup_missing)))


def test_grouping_key_falls_back_to_the_wrapper_when_the_cause_has_no_project_frames() -> None:
    def wrap() -> None:
        raise PaymentFailed("wrapped") from ValueError("never raised")

    chain = chain_of(raised(wrap))
    assert chain[1].frames == []
    alone = [ExceptionInfo(type_name=chain[0].type_name, message=None, frames=chain[0].frames)]
    assert grouping_key(chain) == grouping_key(alone)


def test_grouping_key_without_project_frames_uses_the_innermost_library_frames() -> None:
    exc = raised(lambda: json.loads("{"))
    outside = extract_chain(exc, "/nonexistent-root")
    assert not any(f.in_project for f in outside[0].frames)
    again = extract_chain(raised(lambda: json.loads("[")), "/nonexistent-root")
    assert grouping_key(outside) == grouping_key(again)
    assert grouping_key(outside) != grouping_key(chain_of(raised(lambda: _raise(KeyError()))))


def test_grouping_key_of_nothing_is_stable() -> None:
    assert grouping_key([]) == grouping_key([])


def test_frame_dataclass_stays_plain_data() -> None:
    info = chain_of(raised(lambda: Checkout().pay(1)))[0]
    for frame in info.frames:
        assert isinstance(frame, Frame)
        assert not hasattr(frame, "tb_frame")
        if frame.code_location is not None:
            assert not isinstance(frame.code_location[0], type(sys._getframe()))


# -- hostile exception objects --------------------------------------------------------------


class LyingException(Exception):
    """Overrides every attribute a naive walker reads."""

    @property  # type: ignore[override]
    def __cause__(self) -> BaseException:
        raise RuntimeError("no cause for you")

    @property  # type: ignore[override]
    def __traceback__(self) -> object:
        return "not a traceback"

    def __str__(self) -> str:
        return 42  # type: ignore[return-value]


def test_hostile_exception_attributes_do_not_derail_extraction() -> None:
    def fail() -> None:
        try:
            lookup_missing()
        except KeyError:
            raise LyingException("x")  # noqa: B904  # mark: lying-raise

    LyingException.__module__ = None  # type: ignore[assignment]
    try:
        chain = chain_of(raised(fail))
    finally:
        LyingException.__module__ = __name__
    assert [(i.type_name, i.relation) for i in chain] == [
        ("LyingException", None),
        ("KeyError", "context"),
    ]
    assert chain[0].message is None  # str() raised TypeError: left out
    assert chain[0].frames[-1].lineno == line_of("lying-raise")
    assert chain[1].frames[-1].function == "lookup_missing"


def test_method_names_without_co_qualname_come_from_the_defining_class() -> None:
    # The pre-3.11 fallback, exercised directly on whatever Python runs the tests.
    class Base:
        def run(self) -> None:
            raise ValueError("base")

        @classmethod
        def build(cls) -> None:
            raise ValueError("build")

    class Child(Base):
        pass

    def plain(self: object) -> None:
        raise ValueError("plain")

    for action, expected in [
        (lambda: Child().run(), "Base.run"),
        (lambda: Child.build(), "Base.build"),
        (lambda: plain(Child()), None),
    ]:
        tb = raised(action).__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        assert tb is not None
        code = tb.tb_frame.f_code
        name = stacktrace._method_qualname(code, tb.tb_frame)
        if expected is None:
            assert name is None
        else:
            assert name is not None and name.endswith(".<locals>." + expected)
            assert name == getattr(code, "co_qualname", name)  # what 3.11+ says itself


def test_groups_of_the_exceptiongroup_backport_are_followed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Before 3.11 anyio (under Starlette/FastAPI) raises exceptiongroup.ExceptionGroup;
    # simulate that interpreter by hiding the builtin type and providing a backport module.
    class BackportGroup(Exception):
        def __init__(self, message: str, exceptions: List[BaseException]) -> None:
            super().__init__(message)
            self.exceptions = tuple(exceptions)

    backport = type(sys)("exceptiongroup")
    backport.BaseExceptionGroup = BackportGroup  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "exceptiongroup", backport)
    monkeypatch.setattr(stacktrace, "_GROUP_MEMBERS", None)
    members = [raised(lookup_missing), raised(lambda: _raise(ValueError("v")))]

    chain = chain_of(raised(lambda: _raise(BackportGroup("task group", members))))
    assert [(i.short_type, i.relation, i.parent) for i in chain] == [
        ("BackportGroup", None, None),
        ("KeyError", "group", 0),
        ("ValueError", "group", 0),
    ]
