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
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import requests

from loaders.http import ApiClient, ApiUnavailableError

T = TypeVar("T")

ROWS_PER_ITEM = 1000  # the most rows handed to dlt in one list
DOWNLOAD_CHUNK_BYTES = 1 << 16
# A JSON file is read this many characters at a time; one element may take at most MAX_ROW_CHARS.
READ_CHARS = 1 << 16
MAX_ROW_CHARS = 1 << 22


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
    read READ_CHARS at a time; `at` names the members of the objects the array is nested in
    (("data", "items") for {"data": {"items": [...]}}). Raises NotAnArrayError if there is no array
    there, and ValueError where the file is not complete JSON (naming the character counted from
    the file's start)."""
    with path.open(encoding="utf-8-sig") as file:
        yield from _ArrayReader(file).elements(at)


class _ArrayReader:
    """A JSON array read off a text file: `buffer[position:]` is what is read and not yet parsed,
    `offset` the number of characters of the file before `buffer`."""

    DECODER = json.JSONDecoder()
    WHITESPACE = " \t\n\r"
    # What may follow a complete value; anything else may mean a number goes on in the next chunk.
    AFTER_VALUE = (",", "]", "}", ":")

    def __init__(self, file) -> None:
        self.file, self.buffer, self.position, self.offset = file, "", 0, 0

    def elements(self, at: tuple[str, ...] = ()) -> Iterator[Any]:
        for key in at:
            if self._next_char() != "{" or not self._find_member(key):
                self._not_an_array()
        if self._next_char() != "[":
            self._not_an_array()
        self.position += 1
        if self._next_char() == "]":
            self.position += 1
        else:
            while True:
                yield self._value()
                char = self._next_char()
                self.position += 1
                if char == "]":
                    break
                if char != ",":
                    raise self._error("Expecting ',' delimiter", self.position - 1)
        for _ in at:
            self._rest_of_object()
        if self._next_char():
            raise self._error("Extra data", self.position)

    def _find_member(self, key: str) -> bool:
        """From an object's "{" to the value of its member `key` (True), or past its "}" (False)."""
        self.position += 1
        while self._next_char() != "}":
            name = self._value()
            if self._next_char() != ":":
                raise self._error("Expecting ':' delimiter", self.position)
            self.position += 1
            if name == key:
                return True
            self._value()
            if self._next_char() == ",":
                self.position += 1
            elif self._next_char() != "}":
                raise self._error("Expecting ',' delimiter", self.position)
        self.position += 1
        return False

    def _rest_of_object(self) -> None:
        """The members after the array, up to and past the "}" of the object that holds it."""
        while True:
            char = self._next_char()
            self.position += 1
            if char == "}":
                return
            if char != ",":
                raise self._error("Expecting ',' delimiter", self.position - 1)
            self._value()
            if self._next_char() != ":":
                raise self._error("Expecting ':' delimiter", self.position)
            self.position += 1
            self._value()

    def _not_an_array(self) -> None:
        self.file.seek(0)
        raise NotAnArrayError(json.load(self.file))

    def _value(self) -> Any:
        self._next_char()
        while True:
            try:
                value, end = self.DECODER.raw_decode(self.buffer, self.position)
            except json.JSONDecodeError as exc:
                if self._read_more():
                    continue  # the value may go on in the next chunk
                raise self._error(exc.msg, exc.pos) from None
            after = self.buffer[end:].lstrip(self.WHITESPACE)[:1]
            if after in self.AFTER_VALUE or not self._read_more():  # else a number may go on ("-3" of "-3.5")
                self.position = end
                return value

    def _read_more(self) -> bool:
        return len(self.buffer) - self.position < MAX_ROW_CHARS and self._read()

    def _next_char(self) -> str:
        """The next character that is not white space ("" at the end of the file), not consumed."""
        while True:
            while self.position < len(self.buffer) and self.buffer[self.position] in self.WHITESPACE:
                self.position += 1
            if self.position < len(self.buffer):
                return self.buffer[self.position]
            if not self._read():
                return ""

    def _read(self) -> bool:
        chunk = self.file.read(READ_CHARS)
        if chunk:
            self.offset += self.position
            self.buffer, self.position = self.buffer[self.position :] + chunk, 0
        return bool(chunk)

    def _error(self, message: str, position: int) -> ValueError:
        return ValueError(f"{message}: char {self.offset + position}")
