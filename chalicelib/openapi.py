"""The OpenAPI 3 description of the HTTP API, built from the same pydantic models the routes validate with."""

from functools import cache
from typing import Any

from pydantic.json_schema import models_json_schema

from chalicelib.models import (
    Accepted,
    ArticleView,
    Category,
    FeedbackRequest,
    FlagRequest,
    SearchParams,
    SearchResult,
    SuggestParams,
    SuggestResult,
    Task,
)

_REF = "#/components/schemas/{model}"
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}},
        }
    },
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(model=name)}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    reasons = {
        400: "invalid input",
        401: "no valid API key",
        403: "role or department may not",
        404: "not found",
        413: "body too large",
        415: "not JSON",
        429: "rate limited",
    }
    return {str(s): _json(_ref("Error"), reasons[s]) for s in statuses}


def _query_parameters(model: type) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema["properties"].items()
    ]


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


_AUTH = [{}, {"apiKey": []}]  # anonymous allowed; a key widens what is visible


@cache
def openapi_document() -> dict[str, Any]:
    models = [SearchResult, SuggestResult, ArticleView, Category, FeedbackRequest, FlagRequest, Accepted, Task]
    _, definitions = models_json_schema([(m, "serialization") for m in models], ref_template=_REF)
    schemas = {**definitions["$defs"], "Error": _ERROR}
    article_id = {
        "name": "article_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 80},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Zhida 知答",
            "version": "1.0",
            "description": "Knowledge base and FAQ search for citizen service hotlines.",
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer", "description": "Zhida API key"}},
        },
        "paths": {
            "/api/search": {
                "get": {
                    "summary": "Search the knowledge base",
                    "security": _AUTH,
                    "parameters": _query_parameters(SearchParams),
                    "responses": {"200": _json(_ref("SearchResult")), **_errors(400, 401)},
                }
            },
            "/api/suggest": {
                "get": {
                    "summary": "Autocomplete from titles and phrasings",
                    "security": _AUTH,
                    "parameters": _query_parameters(SuggestParams),
                    "responses": {"200": _json(_ref("SuggestResult")), **_errors(400, 401)},
                }
            },
            "/api/articles/{article_id}": {
                "get": {
                    "summary": "One article, as the caller may see it",
                    "security": _AUTH,
                    "parameters": [article_id],
                    "responses": {"200": _json(_ref("ArticleView")), **_errors(401, 404)},
                }
            },
            "/api/articles/{article_id}/flags": {
                "post": {
                    "summary": "Flag an answer as outdated or wrong (agents and up)",
                    "security": [{"apiKey": []}],
                    "parameters": [article_id],
                    "requestBody": _body("FlagRequest"),
                    "responses": {"201": _json(_ref("Accepted"), "Created"), **_errors(400, 401, 403, 404, 413, 415)},
                }
            },
            "/api/feedback": {
                "post": {
                    "summary": "Rate an answer (好差评)",
                    "security": _AUTH,
                    "requestBody": _body("FeedbackRequest"),
                    "responses": {"201": _json(_ref("Accepted"), "Created"), **_errors(400, 401, 404, 413, 415, 429)},
                }
            },
            "/api/tasks": {
                "get": {
                    "summary": "Tasks raised by flags, for the caller's departments",
                    "security": [{"apiKey": []}],
                    "responses": {
                        "200": _json(
                            {"type": "object", "properties": {"tasks": {"type": "array", "items": _ref("Task")}}}
                        ),
                        **_errors(401, 403),
                    },
                }
            },
            "/api/categories": {
                "get": {
                    "summary": "Categories with the number of articles the caller may see",
                    "security": _AUTH,
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {"categories": {"type": "array", "items": _ref("Category")}},
                            }
                        ),
                        **_errors(401),
                    },
                }
            },
            "/api/health": {
                "get": {
                    "summary": "Liveness and the index generation",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {"status": {"type": "string"}, "generation": {"type": "integer"}},
                            }
                        )
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": _json({"type": "object"})},
                }
            },
        },
    }
