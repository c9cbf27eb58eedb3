"""Shapes shared by the API's answers (AC-04: an answer holds only the keys its model declares)."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

from guestgraph.paging import Page

T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    """One page of a list: the items, how many in all, and where this page is."""

    items: list[T]
    total: int
    page: int
    size: int
    pages: int


def page_out(page: Page[T]) -> dict[str, object]:
    return {
        "items": list(page.items),
        "total": page.total,
        "page": page.page,
        "size": page.size,
        "pages": page.pages,
    }
