"""Rendering pages with the request's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

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
        **context,
    }
    return templates.TemplateResponse(request, template, full, status_code=status_code)
