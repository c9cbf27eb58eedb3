"""A page of results, the shape every list in the product returns (UI and API alike)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import Generic, TypeVar

from guestgraph.errors import InvalidInput

T = TypeVar("T")
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    size: int = 50

    def __post_init__(self) -> None:
        if self.page < 1:
            raise InvalidInput(f"page must be 1 or more, got {self.page}.", hint="Ask for page=1 first.")
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise InvalidInput(
                f"page size must be between 1 and {MAX_PAGE_SIZE}, got {self.size}.",
                hint=f"Use size={MAX_PAGE_SIZE} or fewer and walk the pages.",
            )

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1
