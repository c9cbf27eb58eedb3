"""The web adapter: pages and the JSON API over the service packages."""

from guestgraph.web._app import create_app

__all__ = ["create_app"]
