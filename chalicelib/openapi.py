"""The OpenAPI 3 description of the HTTP API, built from the same pydantic models the routes validate with."""

from functools import cache
from typing import Any

from pydantic.json_schema import models_json_schema

from chalicelib.directory import Department, DepartmentFields
from chalicelib.models import (
    Accepted,
    ArticleListParams,
    ArticleSummary,
    ArticleView,
    AsOfParams,
    AuditEntry,
    AuditParams,
    Category,
    Diff,
    DiffParams,
    Draft,
    FeedbackRequest,
    FeedbackSummary,
    FlagRequest,
    Health,
    MarkdownRequest,
    Me,
    MessageRequest,
    PopularArticle,
    PopularParams,
    Preview,
    PublishRequest,
    RejectRequest,
    RollbackRequest,
    SearchParams,
    SearchResult,
    SuggestParams,
    SuggestResult,
    Task,
    UnansweredParams,
    UnansweredQuery,
    Version,
    VersionInfo,
    WorklistParams,
)

_REF = "#/components/schemas/{model}"
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string"},
                "revision": {"type": ["integer", "null"], "description": "409: the current revision"},
                "problems": {
                    "type": "array",
                    "description": "409 has_problems: every lint problem of the latest version, by line",
                    "items": {
                        "type": "object",
                        "properties": {"line": {"type": "integer"}, "message": {"type": "string"}},
                    },
                },
            },
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
        409: "the article's state or revision does not allow it; nothing was written",
        415: "not JSON",
        428: "If-Match is required",
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
_KEY = [{"apiKey": []}]
_ETAG = {"ETag": {"description": "the revision, for If-Match", "schema": {"type": "string"}}}
_IF_MATCH = {"name": "If-Match", "in": "header", "schema": {"type": "string"}, "description": 'revision, e.g. "7"'}


def _listing(key: str, model: str) -> dict[str, Any]:
    return {"type": "object", "properties": {key: {"type": "array", "items": _ref(model)}}}


def _editorial(
    summary: str,
    reply: dict[str, Any],
    parameters: list[dict[str, Any]],
    body: str | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (401, 403, 404),
) -> dict[str, Any]:
    """One operation of the editorial API: key required; a working-copy reply carries an ETag."""
    response = _json(reply, "Created" if status == 201 else "OK")
    if reply == _ref("Draft"):
        response["headers"] = _ETAG
    operation: dict[str, Any] = {
        "summary": summary,
        "security": _KEY,
        "parameters": parameters,
        "responses": {str(status): response, **_errors(*errors)},
    }
    if body is not None:
        operation["requestBody"] = _body(body)
    return operation


@cache
def openapi_document() -> dict[str, Any]:
    models = [
        SearchResult,
        SuggestResult,
        ArticleView,
        ArticleSummary,
        PopularArticle,
        Category,
        FeedbackRequest,
        FeedbackSummary,
        UnansweredQuery,
        FlagRequest,
        Accepted,
        Task,
        Draft,
        VersionInfo,
        Version,
        Diff,
        AuditEntry,
        Preview,
        MarkdownRequest,
        MessageRequest,
        RejectRequest,
        PublishRequest,
        RollbackRequest,
        Health,
        Me,
        Department,
        DepartmentFields,
    ]
    _, definitions = models_json_schema([(m, "serialization") for m in models], ref_template=_REF)
    schemas = {**definitions["$defs"], "Error": _ERROR}
    article_id = {
        "name": "article_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 80},
    }
    number = {"name": "number", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
    write = (400, 401, 403, 404, 409, 413, 415)
    step = {
        "submit": ("Submit the working copy for review (editors)", "MessageRequest"),
        "approve": ("Approve it (reviewers; never one's own change)", "MessageRequest"),
        "reject": ("Send it back to draft with a comment (reviewers)", "RejectRequest"),
        "publish": ("Publish the approved version now or at `at` (reviewers)", "PublishRequest"),
        "archive": ("Take it out of search (reviewers)", "MessageRequest"),
    }
    editorial_paths = {
        f"/api/articles/{{article_id}}/{name}": {
            "post": _editorial(summary, _ref("Draft"), [article_id, _IF_MATCH], body, errors=write)
        }
        for name, (summary, body) in step.items()
    }
    editorial_paths |= {
        "/api/articles/{article_id}/draft": {
            "get": _editorial("The working copy (editors of its department)", _ref("Draft"), [article_id]),
            "put": _editorial(
                "Save a new version (If-Match required)",
                _ref("Draft"),
                [article_id, _IF_MATCH],
                "MarkdownRequest",
                errors=(*write, 428),
            ),
        },
        "/api/articles/{article_id}/rollback": {
            "post": _editorial(
                "A new version copying an old one (If-Match required)",
                _ref("Draft"),
                [article_id, _IF_MATCH],
                "RollbackRequest",
                errors=(*write, 428),
            )
        },
        "/api/articles/{article_id}/versions": {
            "get": _editorial("Every version, newest first", _listing("versions", "VersionInfo"), [article_id])
        },
        "/api/articles/{article_id}/versions/{number}": {
            "get": _editorial(
                "One version with its Markdown", _ref("Version"), [article_id, number], errors=(400, 401, 403, 404)
            )
        },
        "/api/articles/{article_id}/diff": {
            "get": _editorial(
                "Line diff between two versions",
                _ref("Diff"),
                [article_id, *_query_parameters(DiffParams)],
                errors=(400, 401, 403, 404),
            )
        },
        "/api/audit": {
            "get": _editorial(
                "Audit entries, newest first (the caller's departments)",
                _listing("entries", "AuditEntry"),
                _query_parameters(AuditParams),
                errors=(400, 401, 403, 404),
            )
        },
        "/api/worklist": {
            "get": _editorial(
                "Working copies by state, department and staleness",
                _listing("articles", "Draft"),
                _query_parameters(WorklistParams),
                errors=(400, 401, 403),
            )
        },
        "/api/preview": {
            "post": _editorial(
                "Lint and render Markdown without saving",
                _ref("Preview"),
                [],
                "MarkdownRequest",
                errors=(400, 401, 403, 413, 415),
            )
        },
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
            "/api/articles": {
                "get": {
                    "summary": "Every article the caller may see, optionally in one category",
                    "security": _AUTH,
                    "parameters": _query_parameters(ArticleListParams),
                    "responses": {"200": _json(_listing("articles", "ArticleSummary")), **_errors(400, 401)},
                },
                "post": _editorial(
                    "Create an article as a draft (editors)", _ref("Draft"), [], "MarkdownRequest", 201, write
                ),
            },
            "/api/popular": {
                "get": {
                    "summary": "Hot questions: the articles that answered most searches in the last 7 days",
                    "security": _AUTH,
                    "parameters": _query_parameters(PopularParams),
                    "responses": {"200": _json(_listing("articles", "PopularArticle")), **_errors(400, 401)},
                }
            },
            "/api/articles/{article_id}": {
                "get": {
                    "summary": "One article, as the caller may see it (as_of: as published then)",
                    "security": _AUTH,
                    "parameters": [article_id, *_query_parameters(AsOfParams)],
                    "responses": {"200": _json(_ref("ArticleView")), **_errors(400, 401, 404)},
                }
            },
            **editorial_paths,
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
            "/api/tasks/{task_id}/done": {
                "post": {
                    "summary": "Mark a task as dealt with (editors and reviewers of its department)",
                    "security": [{"apiKey": []}],
                    "parameters": [{"name": "task_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": _json(_ref("Task")), **_errors(401, 403, 404)},
                }
            },
            "/api/articles/{article_id}/feedback": {
                "get": {
                    "summary": "好差评 counts and the latest comments on one article (its department's editors)",
                    "security": [{"apiKey": []}],
                    "parameters": [article_id],
                    "responses": {"200": _json(_ref("FeedbackSummary")), **_errors(401, 403, 404)},
                }
            },
            "/api/unanswered": {
                "get": {
                    "summary": "Questions nothing answered, most asked first (editors, reviewers, admins)",
                    "security": [{"apiKey": []}],
                    "parameters": _query_parameters(UnansweredParams),
                    "responses": {"200": _json(_listing("queries", "UnansweredQuery")), **_errors(400, 401, 403)},
                }
            },
            "/api/me": {
                "get": {
                    "summary": "Who the key belongs to: principal id, name, role, department codes",
                    "security": _AUTH,
                    "responses": {"200": _json(_ref("Me")), **_errors(401)},
                }
            },
            "/api/departments": {
                "get": {
                    "summary": "The department directory (派单目录): name, phone, hours, what each handles",
                    "security": _AUTH,
                    "responses": {"200": _json(_listing("departments", "Department")), **_errors(401)},
                }
            },
            "/api/departments/{code}": {
                "put": {
                    "summary": "Add or change a department (admins); articles name it by code, so none changes",
                    "security": _KEY,
                    "parameters": [
                        {
                            "name": "code",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 60},
                        }
                    ],
                    "requestBody": _body("DepartmentFields"),
                    "responses": {"200": _json(_ref("Department")), **_errors(400, 401, 403, 409, 413, 415)},
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
                    "summary": "Liveness, the index generation, and whether search matches by meaning",
                    "responses": {"200": _json(_ref("Health"))},
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
