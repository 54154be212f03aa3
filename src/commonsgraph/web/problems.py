"""Errors as RFC 9457 problem details (`application/problem+json`), translated once.

Our own errors map to 4xx with their message; anything else is logged and answered with a bare
500 that leaks nothing. The log is `safetext`'s: credentials redacted, control characters (a
`%0a` in a path) escaped, so that no request can forge a log line.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from commonsgraph import safetext
from commonsgraph.errors import (
    CommonsGraphError,
    Conflict,
    DataSyntaxError,
    InputError,
    NotAcceptable,
    NotAllowed,
    NotFound,
    Overloaded,
    PartnerError,
    QueryMemoryExceeded,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    ServiceCallError,
    StoreError,
    TooLarge,
    UnknownFormat,
)

logger = safetext.logger("commonsgraph")

PROBLEM = "application/problem+json"
TYPES = "https://w3id.org/commonsgraph/problems/"


HTTP_PROBLEMS = {
    401: ("Unauthorized", "unauthorized"),
    403: ("Forbidden", "forbidden"),
    404: ("Not found", "not-found"),
    405: ("Method not allowed", "method-not-allowed"),
    406: ("Not acceptable", "not-acceptable"),
}


def problem(status: int, title: str, detail: str, kind: str, **extra: object) -> JSONResponse:
    body: dict[str, object] = {
        "type": TYPES + kind,
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update({key: value for key, value in extra.items() if value is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _status(error: CommonsGraphError) -> tuple[int, str, str]:
    if isinstance(error, ServiceCallError):
        return 502, "Partner endpoint failed", "partner-endpoint-failed"
    if isinstance(error, PartnerError):
        return 502, "Partner failed", "partner-failed"
    if isinstance(error, QueryTimeout):
        return 503, "Query timed out", "query-timeout"
    if isinstance(error, Overloaded):
        return 503, "Too many queries", "overloaded"
    if isinstance(error, NotAllowed):
        return 403, "Not allowed", "not-allowed"
    if isinstance(error, TooLarge):
        return 413, "Request too large", "request-too-large"
    if isinstance(error, ResultTooLarge):
        return 422, "Results too large", "results-too-large"
    if isinstance(error, QueryMemoryExceeded):
        return 422, "Query needs too much memory", "query-memory-limit"
    if isinstance(error, QuerySyntaxError):
        return 400, "Malformed query", "query-syntax"
    if isinstance(error, DataSyntaxError):
        return 400, "Malformed data", "data-syntax"
    if isinstance(error, UnknownFormat):
        return 415, "Unsupported format", "unsupported-format"
    if isinstance(error, NotAcceptable):
        return 406, "Not acceptable", "not-acceptable"
    if isinstance(error, InputError):
        return 400, "Bad request", "bad-request"
    if isinstance(error, NotFound):
        return 404, "Not found", "not-found"
    if isinstance(error, Conflict):
        return 409, "Conflict", "conflict"
    if isinstance(error, StoreError):
        return 503, "Store unavailable", "store-unavailable"
    return 500, "Internal error", "internal"


def error_response(error: CommonsGraphError, method: str, path: str) -> JSONResponse:
    """The problem that answers one of our errors (server-side ones are logged, and their
    details kept from the client)."""
    status, title, kind = _status(error)
    if isinstance(error, QueryTimeout | Overloaded):
        response = problem(status, title, str(error), kind)
        if isinstance(error, Overloaded):
            response.headers["Retry-After"] = str(error.retry_after)
        return response
    if isinstance(error, ServiceCallError):  # the caller named the endpoint: nothing leaks
        return problem(status, title, str(error), kind, endpoint=error.endpoint)
    if status >= 500:
        logger.error("%s on %s %s: %s", type(error).__name__, method, path, error)
        return problem(status, title, "the service could not complete the request", kind)
    line = getattr(error, "line", None)
    column = getattr(error, "column", None)
    parameter = getattr(error, "parameter", None)
    suggestions = getattr(error, "suggestions", None)
    return problem(
        status,
        title,
        str(error),
        kind,
        line=line,
        column=column,
        parameter=parameter,
        suggestions=suggestions,
    )


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem."""

    @app.exception_handler(CommonsGraphError)
    async def ours(request: Request, error: CommonsGraphError) -> JSONResponse:
        return error_response(error, request.method, request.url.path)

    @app.exception_handler(HTTPException)
    async def http(request: Request, error: HTTPException) -> JSONResponse:
        title, kind = HTTP_PROBLEMS.get(error.status_code, ("HTTP error", "http-error"))
        response = problem(error.status_code, title, str(error.detail), kind)
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(p) for p in item.get('loc', ()))}: {item.get('msg', 'invalid')}"
            for item in error.errors()
        ]
        return problem(400, "Bad request", "; ".join(problems), "bad-request")

    @app.exception_handler(Exception)
    async def internal(request: Request, error: Exception) -> JSONResponse:
        return unexpected(request.method, request.url.path)


def unexpected(method: str, path: str) -> JSONResponse:
    """The problem that answers an error we did not expect (logged with its traceback; the
    client learns nothing of it). Call it from an `except` block."""
    logger.exception("unexpected error on %s %s", method, path)
    return problem(500, "Internal error", "the service could not complete the request", "internal")
