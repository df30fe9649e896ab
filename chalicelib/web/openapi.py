"""The OpenAPI 3.1 document, derived from the operation records and the pydantic models they name."""

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.knowledge.models.editing import Draft
from chalicelib.web.operations import SLUG, IfMatch, Listing, Operation

_REF = "#/components/schemas/{model}"
_PROBLEMS = {
    "type": "array",
    "description": "409 has_problems: every lint problem of the latest version, by line",
    "items": {"type": "object", "properties": {"line": {"type": "integer"}, "message": {"type": "string"}}},
}
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
                "problems": _PROBLEMS,
            },
        }
    },
}
_REASONS = {
    400: "invalid input; `field` names it",
    401: "no valid API key",
    403: "the role or department may not",
    404: "not found",
    409: "the state or revision does not allow it; nothing was written",
    413: "body too large",
    415: "not JSON",
    428: "If-Match is required",
    429: "too many ratings, or too many unknown keys from this client (then Retry-After says when to retry)",
    503: "the table did not answer; retry after Retry-After seconds",
}
_ETAG = {"ETag": {"description": "the revision, for If-Match", "schema": {"type": "string"}}}
_IF_MATCH = {"name": "If-Match", "in": "header", "schema": {"type": "string"}, "description": 'revision, e.g. "7"'}


def openapi_document(
    operations: Iterable[Operation], pages: Iterable[tuple[str, str, dict[str, list[str]]]] = ()
) -> dict[str, Any]:
    """Every operation, and the pages (path, summary, content types by status), as one document."""
    operations = list(operations)
    _, definitions = models_json_schema([(m, "serialization") for m in _models(operations)], ref_template=_REF)
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation)
    for path, summary, replies in pages:
        parameters = [_path_parameter(name, {"type": "string"}) for name in _names(path)]
        responses = {
            status: {
                "description": "the page" if status == "200" else "no such page",
                "content": {kind: {"schema": {"type": "string"}} for kind in kinds},
            }
            for status, kinds in replies.items()
        }
        paths.setdefault(path, {})["get"] = {"summary": summary, "parameters": parameters, "responses": responses}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Zhida 知答",
            "version": "1.0",
            "description": "Knowledge base and FAQ search for citizen service hotlines.",
        },
        "components": {
            "schemas": {**definitions.get("$defs", {}), "Error": _ERROR},
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer", "description": "Zhida API key"}},
        },
        "paths": paths,
    }


def _operation(operation: Operation) -> dict[str, Any]:
    parameters = [_path_parameter(name, operation.path_schemas.get(name, SLUG)) for name in operation.path_parameters]
    if operation.query is not None:
        parameters += _query_parameters(operation.query)
    if operation.if_match is not IfMatch.NONE:
        parameters.append({**_IF_MATCH, "required": operation.if_match is IfMatch.REQUIRED})
    success: dict[str, Any] = {
        "description": "Created" if operation.status == 201 else "OK",
        "content": {"application/json": {"schema": _reply_schema(operation.reply)}},
    }
    if operation.reply is Draft:
        success["headers"] = _ETAG
    responses = {str(operation.status): success}
    for status in operation.statuses[1:]:
        responses[str(status)] = {
            "description": _REASONS[status],
            "content": {"application/json": {"schema": {"$ref": _REF.format(model="Error")}}},
        }
    described: dict[str, Any] = {"summary": operation.summary, "parameters": parameters, "responses": responses}
    if operation.needs is not None:
        described["security"] = [{}, {"apiKey": []}] if operation.anonymous_allowed else [{"apiKey": []}]
    if operation.body is not None:
        body_schema = {"$ref": _REF.format(model=operation.body.__name__)}
        described["requestBody"] = {
            "required": not operation.body_optional,
            "content": {"application/json": {"schema": body_schema}},
        }
    return described


def _reply_schema(reply: type[BaseModel] | Listing | None) -> dict[str, Any]:
    if reply is None:
        return {"type": "object"}
    if isinstance(reply, Listing):
        items = {"$ref": _REF.format(model=reply.model.__name__)}
        listed: dict[str, Any] = {reply.key: {"type": "array", "items": items}}
        if reply.paged:
            listed["next"] = {"type": ["string", "null"], "description": "`after` for the next page; null: the last"}
        return {"type": "object", "required": list(listed), "properties": listed}
    return {"$ref": _REF.format(model=reply.__name__)}


def _models(operations: list[Operation]) -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for operation in operations:
        reply = operation.reply.model if isinstance(operation.reply, Listing) else operation.reply
        for model in (reply, operation.body, operation.query):
            if model is not None:
                found.setdefault(model.__name__, model)
    return list(found.values())


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(by_alias=True, ref_template=_REF)  # enums live in components
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema["properties"].items()
    ]


def _path_parameter(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]
