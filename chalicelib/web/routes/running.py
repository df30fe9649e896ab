"""Running: liveness and the OpenAPI document, derived from every route module's records."""

import functools
from typing import Any

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.knowledge.models.reading import Health
from chalicelib.people.access import Principal
from chalicelib.web.http_api import JsonApi
from chalicelib.web.openapi import openapi_document
from chalicelib.web.operations import Operation
from chalicelib.web.pages import PAGES
from chalicelib.web.routes import desk, editing, people, reading, signin

routes = Blueprint(__name__)
api = JsonApi(routes)


@api.route(
    Operation(
        "GET",
        "/api/health",
        "Liveness, the index generation, and whether search matches by meaning",
        Health,
        needs=None,
    )
)
def health(caller: Principal):
    return wiring.knowledge().health()


@api.route(Operation("GET", "/api/openapi.json", "This document", None, needs=None))
def openapi(caller: Principal):
    return document()


@functools.cache
def document() -> dict[str, Any]:
    """The OpenAPI document: every operation of every route module, and the pages."""
    operations = [
        *reading.api.operations,
        *desk.api.operations,
        *people.api.operations,
        *signin.api.operations,
        *editing.api.operations,
    ]
    return openapi_document([*operations, *api.operations], PAGES)
