"""Keep a load's peak memory flat in the size of the data: rows go to dlt in small lists, and
report files and large pages go to disk and are read back a little at a time.

Why small lists: dlt writes every list a resource yields as one line of its extract file, however
long, and its normalize step reads that line back whole; a page of 40,000 rows is then held whole
twice more. Why files: a report must be checked in full before its first row is loaded (a stock
snapshot is all or nothing), which, in memory, means holding all of it; and a WB statistics page
(up to 80,000 rows), parsed whole, is held whole.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import ijson
import requests

from loaders.http import ApiClient, ApiUnavailableError

T = TypeVar("T")

ROWS_PER_ITEM = 1000  # the most rows handed to dlt in one list
DOWNLOAD_CHUNK_BYTES = 1 << 16
# A JSON file is read this many bytes at a time.
READ_CHARS = 1 << 16
EXACT_PARSER = ijson.get_backend("python")
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def batches(rows: Iterable[T], size: int = ROWS_PER_ITEM) -> Iterator[list[T]]:
    """`rows` in lists of at most `size` (no empty list)."""
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


class _StreamingSession(requests.Session):
    """A session whose answers are read as they are consumed, not whole on arrival."""

    def request(self, method, url, **kwargs):  # type: ignore[override]
        kwargs.setdefault("stream", True)
        return super().request(method, url, **kwargs)


def streaming(client: ApiClient) -> ApiClient:
    """A copy of `client` (same account, headers, retries and request counts) whose downloads stream."""
    return dataclasses.replace(client, session=_StreamingSession())


@dataclass
class Download:
    """A report file on disk: the HTTP status, its size and, if it is not UTF-8 text, why."""

    path: Path
    status: int = 0
    size: int = 0
    not_utf8: str = ""


class ReportFiles:
    """A temporary directory for the report files (or pages) of one run, removed (files and all) on
    `close`."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="report-files-"))
        self._count = 0

    def download(
        self, client: ApiClient, url: str, params: dict[str, Any] | None = None, body: dict[str, Any] | None = None
    ) -> Download:
        """GET `url` (with query `params`; POST with a JSON `body`) with `client` (see `streaming`)
        into a new file, checking on the way that it is UTF-8 text. A download that breaks off
        midway is an ApiUnavailableError, like one that kept failing."""
        self._count += 1
        found = Download(self.directory / f"report-{self._count}")
        decoder = codecs.getincrementaldecoder("utf-8")()
        with client.fetch(url, params, body) as response, found.path.open("wb") as file:
            found.status = response.status_code
            try:
                for chunk in response.iter_content(DOWNLOAD_CHUNK_BYTES):
                    file.write(chunk)
                    found.not_utf8 = found.not_utf8 or _utf8_problem(decoder, chunk, found.size)
                    found.size += len(chunk)
            except requests.RequestException as exc:
                raise ApiUnavailableError(
                    client.marketplace, client.account, url, f"the download broke off ({type(exc).__name__})"
                ) from exc
        found.not_utf8 = found.not_utf8 or _utf8_problem(decoder, b"", found.size, final=True)
        return found

    def close(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> ReportFiles:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _utf8_problem(decoder: codecs.IncrementalDecoder, chunk: bytes, offset: int, final: bool = False) -> str:
    """Why `chunk` (the bytes after the first `offset` of a file) is not UTF-8, naming the byte
    counted from the file's start; "" if it is."""
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError as exc:
        pending = len(exc.object) - len(chunk)  # bytes of an unfinished character before `chunk`
        return f"the file is not UTF-8 text ({exc.reason} at byte {offset - pending + exc.start})"
    return ""


class NotAnArrayError(ValueError):
    """The file holds JSON text that is not an array where one was expected: `value` is the whole
    document, read whole (WB sends an array, or an error object, or null)."""

    def __init__(self, value: Any) -> None:
        super().__init__(f"not a JSON array but {type(value).__name__}")
        self.value = value


def json_array(path: Path, at: tuple[str, ...] = ()) -> Iterator[Any]:
    """The elements of the JSON array in the UTF-8 file `path` (a leading byte-order mark skipped),
    parsed by ijson READ_CHARS bytes at a time; `at` names the members of the objects the array is
    nested in (("data", "items") for {"data": {"items": [...]}}). Raises NotAnArrayError if there is
    no array there, and ValueError where the file is not complete JSON (naming the byte reached)."""
    prefix = ".".join(at)
    items = f"{prefix}.item" if prefix else "item"
    # yajl turns half of a character (a lone surrogate escape) into "?" or fails on it: a file with a
    # surrogate escape is read by ijson's own parser, which keeps it as Python's json does
    # (loaders/storable.py then makes it U+FFFD and says so).
    parser = EXACT_PARSER if _has_surrogate_escape(path) else ijson
    with path.open("rb") as file:
        if not _array_at(parser, _after_bom(file), prefix):
            file.seek(0)
            raise NotAnArrayError(json.loads(file.read().decode("utf-8-sig")))
        read = 0
        try:
            for item in parser.items(_after_bom(file), items, use_float=True, buf_size=READ_CHARS):
                yield item
                read += 1
        except ijson.JSONError as exc:
            if INTEGER_OVERFLOW not in str(exc):
                raise _not_json(exc, file) from None
        else:
            return
        # The fast numbers (use_float) stop at an integer beyond 64 bits: the rest of the array is
        # read with exact numbers, its decimals made floats as the fast ones were.
        try:
            for item in islice(parser.items(_after_bom(file), items, buf_size=READ_CHARS), read, None):
                yield _floats(item)
        except ijson.JSONError as exc:
            raise _not_json(exc, file) from None


INTEGER_OVERFLOW = "integer overflow"  # yajl's words


def _not_json(exc: Exception, file: BinaryIO) -> ValueError:
    return ValueError(f"{str(exc).splitlines()[0]}: near byte {file.tell()}")


def _floats(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _floats(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_floats(inner) for inner in value]
    return float(value) if isinstance(value, Decimal) else value


def _after_bom(file: BinaryIO) -> BinaryIO:
    """`file` from its start, past a UTF-8 byte-order mark if it has one."""
    file.seek(0)
    if file.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
        file.seek(0)
    return file


def _has_surrogate_escape(path: Path) -> bool:
    """Whether the file holds a surrogate escape (\\ud800 to \\udfff), read a chunk at a time."""
    tail = b""
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            if SURROGATE_ESCAPE.search(tail + chunk):
                return True
            tail = chunk[-5:]
    return False


def _array_at(parser: Any, file: BinaryIO, prefix: str) -> bool:
    """Whether the value at `prefix` is an array, read only up to its start (a document that is not
    JSON counts as having none: json.loads then says why)."""
    try:
        for path, event, _ in parser.parse(file, buf_size=READ_CHARS):
            if path == prefix:
                return event == "start_array"
    except ijson.JSONError:
        return False
    return False
