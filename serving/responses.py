"""Answers: JSON (or CSV on `Accept: text/csv` / `?format=csv`), with an ETag (304 on `If-None-Match`)
and the data's as-of time in the body and in `X-Data-As-Of`."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from fastapi import Request
from fastapi.responses import Response

from serving.errors import ApiError


def plain(value):
    """A value as JSON carries it: dates in ISO form, times with their UTC offset (a time without a
    zone is UTC, as the run log stores it), decimals as numbers: whole ones (PostgreSQL's sum of
    integers) as integers, as DuckDB returns them."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC).isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None  # JSON has no NaN or Infinity
        return int(value) if value.as_tuple().exponent >= 0 else float(value)
    return value


def records(columns: list[str], rows: list[tuple]) -> list[dict]:
    return [dict(zip(columns, map(plain, row), strict=True)) for row in rows]


def wants_csv(request: Request) -> bool:
    asked = request.query_params.get("format")
    return asked == "csv" or (asked is None and "text/csv" in request.headers.get("accept", ""))


# A text cell a spreadsheet would run as a formula: written with a leading apostrophe (OWASP's advice
# for CSV injection). Numbers are no text: a negative one stays as it is.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    value = _finite(value)  # NaN and ±Infinity: an empty cell, as null is (JSON's null)
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return plain(value)


def _csv(columns: list[str], rows: list[tuple]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(columns)
    writer.writerows([[_csv_cell(v) for v in row] for row in rows])
    return text.getvalue().encode("utf-8")


def _json(document: dict) -> bytes:
    return json.dumps(_finite(document), ensure_ascii=False, default=plain, separators=(",", ":")).encode("utf-8")


def _finite(value):
    """`value` with NaN and ±Infinity (a DOUBLE column may hold them; JSON has no such number) as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(inner) for inner in value]
    return value


@dataclass(frozen=True)
class Answer:
    """A rendered answer: the same for every request of the same URL and format while the data stands."""

    body: bytes
    media_type: str
    headers: dict[str, str]


def _answer(body: bytes, media_type: str, as_of: dict, headers: dict | None = None) -> Answer:
    common = {
        "ETag": f'"{hashlib.sha256(body).hexdigest()[:32]}"',
        "Cache-Control": "private, no-cache",
        "Vary": "Accept, X-API-Key, Cookie",
        **(headers or {}),
    }
    if as_of.get("stock_as_of"):
        common["X-Data-As-Of"] = plain(as_of["stock_as_of"])
    return Answer(body, media_type, common)


def send(request: Request, answer: Answer) -> Response:
    """The answer, or 304 when the client holds it already (`If-None-Match`)."""
    held = [tag.strip().removeprefix("W/") for tag in request.headers.get("if-none-match", "").split(",")]
    if answer.headers["ETag"] in held or "*" in held:  # the weak comparison RFC 9110 asks for here
        return Response(status_code=304, headers=answer.headers)
    return Response(answer.body, media_type=answer.media_type, headers=answer.headers)


def table(request: Request, columns: list[str], rows: list[tuple], as_of: dict, extra: dict, filename: str) -> Answer:
    """Rows as `{"as_of", "data", **extra}` JSON, or as a CSV file named `filename`."""
    if wants_csv(request):
        disposition = {"Content-Disposition": f'attachment; filename="{filename}.csv"'}
        return _answer(_csv(columns, rows), "text/csv; charset=utf-8", as_of, disposition)
    document = {"as_of": as_of, **extra, "data": records(columns, rows)}
    return _answer(_json(document), "application/json", as_of)


def document(request: Request, content: dict, as_of: dict) -> Response:
    """A nested answer (a product, the health report): JSON only."""
    if wants_csv(request):
        raise ApiError(406, "this answer is a document, not a table: ask for JSON")
    return send(request, _answer(_json({"as_of": as_of, **content}), "application/json", as_of))
