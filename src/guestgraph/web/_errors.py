"""One place that turns errors into responses: JSON under /api, an error page elsewhere."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from guestgraph.access import NotSignedIn, SecondFactorRequired
from guestgraph.errors import GuestgraphError
from guestgraph.web._render import render
from guestgraph.web._requestlog import route_of

log = logging.getLogger(__name__)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or request.url.path == "/healthz"


def _respond(request: Request, status: int, body: dict[str, object]) -> Response:
    if _wants_json(request):
        return JSONResponse(body, status_code=status)
    return render(request, "error.html", {"status": status, "error": body}, status_code=status)


async def on_guestgraph_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GuestgraphError)
    if isinstance(exc, NotSignedIn) and not _wants_json(request):
        if isinstance(exc, SecondFactorRequired):
            return RedirectResponse("/login/verify", status_code=303)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        login = f"/login?next={quote(target, safe='')}"
        if request.headers.get("HX-Request"):  # a fragment request: send the whole page to sign-in
            return Response(status_code=200, headers={"HX-Redirect": login})
        return RedirectResponse(login, status_code=303)
    if exc.status >= 500:
        log.error("%s on %s %s", exc.code, request.method, route_of(request.scope), exc_info=exc)
    return _respond(request, exc.status, exc.to_dict())


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = "not_found" if exc.status_code == 404 else "http_error"
    detail = "No such page or resource." if exc.status_code == 404 else str(exc.detail)
    return _respond(request, exc.status_code, {"error": code, "message": detail})


async def on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]
    first = problems[0] if problems else {"field": "?", "message": "invalid"}
    body: dict[str, object] = {
        "error": "invalid_input",
        "message": f"{first['field']}: {first['message']}",
        "problems": problems,
    }
    return _respond(request, 422, body)


async def on_data_error(request: Request, exc: Exception) -> Response:
    """The database refused a value the request carried (PostgreSQL: a NUL character in a text, a
    number out of its column's range): the client's input, not our failure, so 422, not 500."""
    log.warning(
        "Value refused by the database on %s %s rid=%s: %s",
        request.method,
        route_of(request.scope),
        getattr(request.state, "request_id", None),
        type(getattr(exc, "orig", exc)).__name__,
    )
    body: dict[str, object] = {
        "error": "invalid_input",
        "message": "A value in the request cannot be stored or compared (for example a NUL character "
        "in a text, or a number too large); correct it and send it again.",
        "problems": [],
    }
    return _respond(request, 422, body)


async def on_unexpected_error(request: Request, exc: Exception) -> Response:
    log.error(
        "Unhandled %s on %s %s rid=%s",
        type(exc).__name__,
        request.method,
        route_of(request.scope),
        getattr(request.state, "request_id", None),
        exc_info=exc,
    )
    request_id = getattr(request.state, "request_id", None)
    body: dict[str, object] = {
        "error": "internal_error",
        "message": "Something went wrong on our side; the error has been logged.",
        "request_id": request_id,
    }
    return _respond(request, 500, body)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(GuestgraphError, on_guestgraph_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(DataError, on_data_error)
    app.add_exception_handler(Exception, on_unexpected_error)
