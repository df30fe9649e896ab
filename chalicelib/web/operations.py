"""One record per HTTP operation: what it takes, what it answers, who may call it. Pure.

Each route module (web/routes/) declares its routes with their records; the guard in http_api.py
enforces them and the OpenAPI document (openapi.py) is derived from them, so the two never drift apart.
The query and body models come from the view's signature (http_api.JsonApi), never named twice.
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from chalicelib.people.access import Action

ARTICLE = "/api/articles/{article_id}"  # one article's routes hang under it
SLUG = {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 80}


class IfMatch(StrEnum):
    """Whether an edit says which revision it is based on."""

    NONE = "none"
    OPTIONAL = "optional"  # transitions: without it, the current revision
    REQUIRED = "required"  # saves and rollbacks: 428 without it, before the body is read


@dataclass(frozen=True)
class Listing:
    """A reply that is one JSON object holding a list: {"articles": [...]}; a paged one (the service answers a
    paging.Page) also holds where the next page starts: {"tasks": [...], "next": "…" or null}."""

    key: str
    model: type[BaseModel]
    paged: bool = False


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    reply: type[BaseModel] | Listing | None  # None: any JSON object (the OpenAPI document itself)
    needs: Action | None = Action.READ  # None: open to anyone; the Authorization header is never read
    query: type[BaseModel] | None = None  # filled from the view's signature
    body: type[BaseModel] | None = None  # filled from the view's signature
    body_optional: bool = False  # every field optional: the body may be left out
    if_match: IfMatch = IfMatch.NONE
    etag: bool = False  # the reply is a working copy: its revision goes out as the ETag, for the next If-Match
    status: int = 200
    errors: tuple[int, ...] = ()  # beyond those the record implies (see `statuses`)
    path_schemas: dict[str, dict[str, Any]] = field(default_factory=dict)  # path parameter -> JSON schema

    @property
    def anonymous_allowed(self) -> bool:
        return self.needs in (None, Action.READ, Action.FEEDBACK)

    @property
    def path_parameters(self) -> list[str]:
        return [part[1:-1] for part in self.path.split("/") if part.startswith("{")]

    @property
    def statuses(self) -> list[int]:
        """Every status the operation may answer: its own, what its record implies, and its extras."""
        implied = set(self.errors)
        if self.needs is not None:
            implied |= {401, 429}  # 401: a malformed, unknown or revoked key; 429: too many unknown ones from a client
        if not self.anonymous_allowed:
            implied.add(403)
        if self.query is not None or self.path_parameters:
            implied.add(400)
        if self.body is not None:
            implied |= {400, 413, 415}
        if self.if_match is IfMatch.REQUIRED:
            implied.add(428)
        if self.if_match is not IfMatch.NONE:
            implied.add(409)
        if self.reply is not None:
            implied.add(503)  # the table did not answer in time: retry

        return [self.status, *sorted(implied)]
