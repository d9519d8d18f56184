"""core/multipart.py: whatever the chunking, the scanner sees what the form held."""

from __future__ import annotations

from typing import Dict, List, Tuple

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from errorwire.core.multipart import MultipartScanner, boundary_of

names = st.text(alphabet="abcdefghij_", min_size=1, max_size=8)
values = st.text(min_size=0, max_size=40).filter(lambda s: "\r" not in s)


def encode(fields: Dict[str, str], files: List[Tuple[str, str, bytes]]) -> Tuple[str, bytes]:
    request = httpx.Request(
        "POST",
        "http://x/",
        data=fields,
        files=[
            (field, (filename, content, "application/octet-stream"))
            for field, filename, content in files
        ],
    )
    return request.headers["content-type"], request.read()


@settings(max_examples=150, deadline=None)
@given(
    fields=st.dictionaries(names, values, max_size=4),
    files=st.lists(
        st.tuples(
            names, st.sampled_from(["a.txt", "naïve.pdf", "x y.bin"]), st.binary(max_size=3000)
        ),
        min_size=1,  # without a file httpx sends the fields urlencoded
        max_size=3,
    ),
    chunk=st.integers(min_value=1, max_value=700),
)
def test_fields_and_file_sizes_survive_any_chunking(
    fields: Dict[str, str], files: List[Tuple[str, str, bytes]], chunk: int
) -> None:
    content_type, body = encode(fields, files)
    boundary = boundary_of(content_type)
    assert boundary is not None
    scanner = MultipartScanner(boundary, value_limit=10_000)
    for start in range(0, len(body), chunk):
        scanner.feed(body[start : start + chunk])
    assert scanner.fields() == fields
    assert [(f.field, f.filename, f.size) for f in scanner.files()] == [
        (field, filename, len(content)) for field, filename, content in files
    ]
    assert not scanner.broken


def test_values_are_capped_and_file_contents_never_kept() -> None:
    content_type, body = encode({"note": "x" * 500}, [("doc", "a.txt", b"SECRET" * 1000)])
    boundary = boundary_of(content_type)
    assert boundary is not None
    scanner = MultipartScanner(boundary, value_limit=100)
    scanner.feed(body)
    assert scanner.fields() == {"note": "x" * 100}
    assert scanner.files()[0].size == 6000
    kept = [bytes(part.value) for part in scanner._parts] + [scanner._buffer]
    assert all(b"SECRET" not in chunk for chunk in kept)


def test_an_unfinished_upload_has_no_size_yet() -> None:
    content_type, body = encode({}, [("doc", "big.iso", b"\0" * 5000)])
    boundary = boundary_of(content_type)
    assert boundary is not None
    scanner = MultipartScanner(boundary, value_limit=100)
    scanner.feed(body[:2000])  # the app stopped reading (or failed) mid-file
    assert [(f.filename, f.size) for f in scanner.files()] == [("big.iso", None)]


def test_garbage_never_raises_and_headers_are_bounded() -> None:
    scanner = MultipartScanner(b"xyz", value_limit=100)
    scanner.feed(b"--xyz\r\n" + b"A" * 20_000)  # headers that never end
    assert scanner.broken
    scanner.feed(b"more")
    assert scanner.fields() == {} and scanner.files() == []


def test_boundary_of_other_content_types_is_none() -> None:
    assert boundary_of("application/json") is None
    assert boundary_of(None) is None
    assert boundary_of('multipart/form-data; boundary="a;b"') == b"a;b"
