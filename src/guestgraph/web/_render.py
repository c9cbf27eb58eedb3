"""Rendering pages with the request's language."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import segno
from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.responses import Response

from guestgraph.web._auth import csrf_token, pre_cookie, set_cookie
from guestgraph.web._i18n import HTML_LANG, LOCALE_COOKIE, LOCALES, gettext_for, pick_locale
from guestgraph.web._nav import NAV


def request_locale(request: Request) -> str:
    settings = request.app.state.settings
    return pick_locale(
        request.cookies.get(LOCALE_COOKIE), request.query_params.get("lang"), settings.default_locale
    )


def render(
    request: Request, template: str, context: Mapping[str, Any], *, status_code: int = 200
) -> Response:
    locale = request_locale(request)
    templates: Jinja2Templates = request.app.state.templates
    translations = request.app.state.translations.get(locale, request.app.state.translations["en"])
    full = {
        "locale": locale,
        "html_lang": HTML_LANG[locale],
        "locales": LOCALES,
        "_": gettext_for(translations),
        "zh": locale == "zh_CN",
        "nav": NAV,
        "active": "",
        "user": getattr(request.state, "principal", None),
        "csrf_token": csrf_token(request),
        **context,
    }
    response = templates.TemplateResponse(request, template, full, status_code=status_code)
    fresh = getattr(request.state, "pre_cookie", None)
    if fresh is not None:  # first visit: bind the form token to a new pre-sign-in cookie
        settings = request.app.state.settings
        set_cookie(response, settings, pre_cookie(settings), fresh, max_age=3600)
    return response


def qr_svg(text: str, *, title: str) -> Markup:
    """`text` as a QR code, inline SVG (segno builds the markup itself; `text` cannot inject into it)."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=5, xmldecl=False, svgns=True, title=title)
    return Markup(out.getvalue().decode("utf-8"))  # noqa: S704  # nosec B704
