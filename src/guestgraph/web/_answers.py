"""Shapes shared by the API's answers (AC-04: an answer holds only the keys its model declares)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Generic, TypeVar, get_args, get_origin, get_type_hints

from pydantic import BaseModel, Field, create_model

from guestgraph.errors import ConfigurationError
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


def out_model(
    name: str,
    source: type,
    *,
    module: str,
    base: type[BaseModel] = BaseModel,
    describe: Mapping[str, str] | None = None,
    nested: Mapping[type, type[BaseModel]] | None = None,
    added: Mapping[str, Any] | None = None,
) -> type[BaseModel]:
    """The answer model `name` of the dataclass `source`, declared once: its fields (names, types and
    order; all required, as in the dataclass) less those `base` has, with `describe`'s descriptions, a
    dataclass inside a field's type answered by its model in `nested`, then the `added` fields the route
    computes (name: (type, FieldInfo)). The schema is the one a field-by-field copy gave, under `name`."""
    hints = get_type_hints(source)
    notes, swap = describe or {}, nested or {}
    fields: dict[str, Any] = {
        f.name: (_swapped(hints[f.name], swap), Field(description=notes.get(f.name)))
        for f in dataclasses.fields(source)
        if f.name not in base.model_fields
    }
    unknown = sorted(set(notes) - set(fields))
    if unknown:  # a description of a field the dataclass no longer has would silently vanish
        raise ConfigurationError(
            f"Answer model {name}: {', '.join(unknown)} described but not fields of {source.__name__}.",
            hint=f"Remove the descriptions or restore the fields in {source.__module__}.{source.__name__}.",
        )
    model: type[BaseModel] = create_model(name, __base__=base, __module__=module, **fields, **(added or {}))
    return model


def _swapped(hint: Any, nested: Mapping[type, type[BaseModel]]) -> Any:
    """`hint` with each dataclass of `nested` replaced by its model, also as a list's items."""
    if hint in nested:
        return nested[hint]
    args = get_args(hint)
    if get_origin(hint) is list and len(args) == 1:
        return list[_swapped(args[0], nested)]  # type: ignore[misc]
    return hint
