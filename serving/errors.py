"""The one error shape of the API: `{"error": {"status", "code", "message", "fields": [{"field", "message"}]}}`."""

from __future__ import annotations

import logging

import duckdb
import psycopg2.errors
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from loaders import cli
from serving.queries import BadRequest, NotBuilt

log = logging.getLogger("serve")

CODES = {400: "bad_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed", 406: "not_acceptable"}
CODES |= {409: "conflict", 422: "invalid_request", 429: "rate_limited", 500: "internal_error", 503: "unavailable"}
RETRY_AFTER_SECONDS = 5  # a 503 of a database down or busy


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def error_response(
    status: int, message: str, fields: list[dict] | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"status": status, "code": CODES.get(status, "error"), "message": message, "fields": fields or []}
    return JSONResponse({"error": body}, status_code=status, headers=headers)


async def on_api_error(_request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status, exc.message, headers=exc.headers)


async def on_bad_request(_request: Request, exc: BadRequest) -> JSONResponse:
    return error_response(409 if exc.conflict else 422, str(exc), [{"field": exc.field, "message": str(exc)}])


async def on_validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    fields = [
        {"field": ".".join(str(part) for part in error["loc"][1:]) or str(error["loc"][0]), "message": error["msg"]}
        for error in exc.errors()
    ]
    names = ", ".join(field["field"] for field in fields)
    return error_response(422, f"invalid {names}", fields)


async def on_http_error(_request: Request, exc: HTTPException) -> JSONResponse:
    return error_response(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))


async def on_not_built(request: Request, exc: Exception) -> JSONResponse:
    """A relation or column the snapshot lacks: no build has made the marts yet (a first run that
    failed), or marts of another version of the project (a build after an update makes them anew)."""
    first_line = cli.first_line(exc)
    log.warning("%s %s: %s", request.method, request.url.path, first_line)
    return error_response(
        503,
        f"the marts are not built yet, or not by this version of the project ({first_line}): run `make run`; "
        "`make health` says why",
    )


async def on_database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """PostgreSQL down or restarting, or a query cancelled after the reader's statement timeout (it
    waited behind a build swapping the table it reads): the next try may well succeed."""
    first_line = cli.first_line(exc)
    log.warning("%s %s: %s", request.method, request.url.path, first_line)
    return error_response(
        503,
        f"the database is unavailable or busy ({first_line}): try again shortly",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def on_not_allowed(request: Request, exc: Exception) -> JSONResponse:
    """The serving role may not read a relation: a grant missing, or a table dbt rebuilt (a new table)
    after the grants, without default privileges for its owner (docs/serving.md, "A read-only role")."""
    first_line = cli.first_line(exc)
    log.warning("%s %s: %s", request.method, request.url.path, first_line)
    return error_response(
        503,
        f"the serving role may not read what this asks for ({first_line}): GRANT USAGE ON SCHEMA and SELECT ON "
        "ALL TABLES IN SCHEMA marts, monitoring, staging, quality and ops to it, and ALTER DEFAULT PRIVILEGES "
        "of the role dbt builds as to grant it SELECT on the tables to come (docs/serving.md)",
    )


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    """A bug or a broken database: logged with its traceback, answered without details."""
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal error: the server log has the details")


HANDLERS = {
    duckdb.CatalogException: on_not_built,
    duckdb.BinderException: on_not_built,  # a column the snapshot lacks: marts of another version
    psycopg2.errors.UndefinedTable: on_not_built,
    psycopg2.errors.UndefinedColumn: on_not_built,
    psycopg2.errors.InsufficientPrivilege: on_not_allowed,
    psycopg2.OperationalError: on_database_unavailable,  # QueryCanceledError too
    NotBuilt: on_not_built,
    ApiError: on_api_error,
    BadRequest: on_bad_request,
    RequestValidationError: on_validation_error,
    HTTPException: on_http_error,
    Exception: on_unexpected,
}
