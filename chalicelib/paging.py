"""Long lists in pages: a reader asks for `limit` items after the `next` of the page before. Pure.

A list is ordered by a cursor string of each item (newest first), so a page starts where the last one ended
even when items were added meanwhile: new ones land before it, not inside it.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")
PAGE_SIZE = 100


class PageParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    limit: int = Field(default=PAGE_SIZE, ge=1, le=500, description="items in this page")
    after: str | None = Field(
        default=None, min_length=1, max_length=200, description="the `next` of the page before; none: the first page"
    )


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next: str | None  # None: this is the last page


def page_of(items: Sequence[T], cursor: Callable[[T], str], params: PageParams) -> Page[T]:
    """The page of items (in descending cursor order) after `params.after`."""
    ordered = sorted(items, key=cursor, reverse=True)
    if params.after is not None:
        ordered = [item for item in ordered if cursor(item) < params.after]
    chosen = ordered[: params.limit]
    more = len(ordered) > params.limit
    return Page(chosen, cursor(chosen[-1]) if more and chosen else None)
