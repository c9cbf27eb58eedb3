"""The web app as several server processes build it: each uvicorn worker calls `app_from_environment`
(uvicorn's factory mode), reading its settings from the environment like `guestgraph serve` did."""

from __future__ import annotations

from fastapi import FastAPI

from guestgraph.config import load_settings
from guestgraph.web._app import create_app
from guestgraph.web._requestlog import configure_logging

FACTORY = "guestgraph.web._serve:app_from_environment"


def app_from_environment() -> FastAPI:
    """One worker's app: settings from the environment, its own engine, key cache and log handler."""
    configure_logging()
    return create_app(load_settings())
