"""The JSON API's plumbing on Chalice: each route's operation record enforced in one order, one error shape."""

import inspect
import json
import logging
import os
import re
import typing
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from chalice import Blueprint, CORSConfig, Response
from chalice.app import Request
from pydantic import BaseModel, ValidationError

from chalicelib import observability
from chalicelib.errors import InvalidInput, PayloadTooLarge, PreconditionRequired, ZhidaError, aws_error_code
from chalicelib.knowledge.models.editing import MARKDOWN_MAX_CHARS
from chalicelib.people.access import ANONYMOUS
from chalicelib.settings import cors_allow_origin
from chalicelib.web import callers
from chalicelib.web.operations import SLUG, IfMatch, Listing, Operation

log = logging.getLogger(__name__)
ModelT = TypeVar("ModelT", bound=BaseModel)
# The largest valid body is an article: its Markdown in Chinese, each character 6 bytes as a \uXXXX escape
# (clients that send ASCII-only JSON), plus its message and the JSON around them.
MAX_BODY_BYTES = 6 * MARKDOWN_MAX_CHARS + 8_192
# What DynamoDB answers when it is busy or briefly unwell: the caller may simply retry (503). Connection
# failures and timeouts (botocore's own errors) count too.
RETRYABLE = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
}
NO_REVISION = -1  # an If-Match that names no revision we ever issued: it matches none (409 with the current one)

# A JSON reply is data, never a page: forbid a browser from running or framing anything it might contain.
JSON_HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


def cors(environ: typing.Mapping[str, str]) -> CORSConfig | None:
    """CORS for the API when the stage names an origin to allow (the pages are served from the same one)."""
    origin = cors_allow_origin(environ)
    if not origin:
        return None
    return CORSConfig(
        allow_origin=origin, allow_headers=["Authorization", "If-Match"], expose_headers=["ETag"], max_age=600
    )


CORS = cors(os.environ)
# What a view may ask for by naming a parameter, beyond its path parameters, `query` and `body`.
_FROM_REQUEST: dict[str, Callable[[Request], Any]] = {
    "if_match": lambda request: if_match(request),
    "client": lambda request: callers.client_of(request),
}


class JsonApi:
    """Registers a blueprint's routes from their operation records; `operations` is what the OpenAPI document lists.

    A view names what it takes in its signature: `caller`, its path parameters, `query` and `body` (their
    pydantic models are read from the annotations, so a record never names them), `if_match` and `client`.
    """

    def __init__(self, routes: Blueprint) -> None:
        self._routes = routes
        self.operations: list[Operation] = []

    def route(self, record: Operation):
        """Checks run in a fixed order before the view: who calls and whether their role may do this at all
        (401/403; 429 after too many unknown keys), whether an edit names its revision (428), then the path
        parameters, query and body (400/413).
        """

        def register(view: Callable[..., Any]):
            operation = _with_models(record, view)
            self.operations.append(operation)
            wanted = [name for name in inspect.signature(view).parameters if name in _FROM_REQUEST]

            def guarded(**path: str) -> Response:
                request = self._routes.current_request
                assert request is not None  # chalice sets it before any view runs
                try:
                    caller = ANONYMOUS if operation.needs is None else callers.caller_of(request)
                    observability.note(role=caller.role.value)
                    if operation.needs is not None:
                        caller.require(operation.needs)
                    if operation.if_match is IfMatch.REQUIRED and if_match(request) is None:
                        raise PreconditionRequired.if_match()
                    check_path(operation, path)
                    inputs: dict[str, Any] = {"caller": caller}
                    if operation.query is not None:
                        inputs["query"] = parse(operation.query, dict(request.query_params or {}))
                    if operation.body is not None:
                        inputs["body"] = body(request, operation.body, operation.body_optional)
                    inputs.update((name, _FROM_REQUEST[name](request)) for name in wanted)
                    return _reply(operation, view(**path, **inputs))
                except ZhidaError as error:
                    headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
                    described = error_body(error.code, error.message, error.field, **error.details)
                    return safe_json(described, error.status, headers)
                except (BotoCoreError, ClientError) as error:
                    code = aws_error_code(error)
                    if isinstance(error, ClientError) and code not in RETRYABLE:
                        raise  # a request the table refused is our bug, not a moment's unavailability
                    log.error("%s %s: the table did not answer: %s", operation.method, operation.path, code)
                    unavailable = error_body(
                        "unavailable", "the knowledge base is briefly unavailable; please try again"
                    )
                    return safe_json(unavailable, 503, {"Retry-After": "1"})

            guarded.__name__ = view.__name__
            guarded.__doc__ = view.__doc__
            return self._routes.route(operation.path, methods=[operation.method], cors=CORS)(guarded)

        return register


def _with_models(record: Operation, view: Callable[..., Any]) -> Operation:
    """The record with the query and body models the view's signature names."""
    hints = typing.get_type_hints(view)
    models = {name: hints.get(name) for name in ("query", "body")}
    for name, model in models.items():
        if model is not None and not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise TypeError(f"{view.__name__}: `{name}` must be annotated with a pydantic model, not {model!r}")
    return replace(record, query=models["query"], body=models["body"])


def _reply(operation: Operation, reply: Any) -> Response:
    if isinstance(operation.reply, Listing) and operation.reply.paged:
        return safe_json({operation.reply.key: as_json(reply.items), "next": reply.next}, operation.status)
    if isinstance(operation.reply, Listing):
        return safe_json({operation.reply.key: as_json(reply)}, operation.status)
    headers = {"ETag": f'"{reply.revision}"'} if operation.etag else None  # the revision, for If-Match
    return safe_json(as_json(reply), operation.status, headers)


def error_body(code: str, message: str, field: str | None = None, **details: Any) -> dict[str, Any]:
    described: dict[str, Any] = {"code": code, "message": message}
    if field:
        described["field"] = field
    return {"error": {**described, **details}}


def safe_json(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """JSON with <, > and & escaped, so no reply can be read as markup even by a careless client."""
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Response(body=text, status_code=status, headers={**JSON_HEADERS, **(headers or {})})


def as_json(reply: Any) -> Any:
    if isinstance(reply, list):
        return [as_json(item) for item in reply]
    if isinstance(reply, BaseModel):
        return reply.model_dump(mode="json", by_alias=True)
    return reply


def check_path(operation: Operation, path: dict[str, str]) -> None:
    """400 for a path parameter unlike its documented schema: an id reaches a table key only if it is short."""
    for name, value in path.items():
        schema = operation.path_schemas.get(name, SLUG)
        pattern, longest = schema.get("pattern"), schema.get("maxLength")
        if (longest is not None and len(value) > longest) or (pattern is not None and not re.fullmatch(pattern, value)):
            rules = ([f"at most {longest} characters"] if longest is not None else []) + (
                [f"matching {pattern}"] if pattern is not None else []
            )
            raise InvalidInput(f"{name} must be {' and '.join(rules)}", field=name)


def parse(model: type[ModelT], data: dict[str, Any] | None, json_body: str | bytes | None = None) -> ModelT:
    """The model of a query's or a body's values; a JSON body (`json_body`) is read strictly, as the schema
    says: `"helpful": "yes"` is no boolean and `"position": true` no integer (dates stay ISO strings)."""
    try:
        if json_body is not None:
            return model.model_validate_json(json_body, strict=True)
        return model.model_validate(data or {})
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise InvalidInput(f"{field}: {first['msg']}" if field else first["msg"], field=field) from None


def body(request: Request, model: type[ModelT], optional: bool = False) -> ModelT:
    """The JSON object body as a model; `optional`: a step whose fields are all optional may send none."""
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is {len(raw)} bytes; at most {MAX_BODY_BYTES} are accepted")
    if optional and not raw.strip():
        return parse(model, {})
    try:
        data = json.loads(raw or b"null", object_pairs_hook=_once_each)
    except (ValueError, UnicodeDecodeError) as problem:
        raise InvalidInput(f"the body is not valid JSON: {problem}") from None
    except RecursionError:
        raise InvalidInput("the body is nested too deeply to be a request") from None
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object")
    return parse(model, data, json_body=raw)


def _once_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose names are unique: with a name twice, which value was meant cannot be known."""
    found: dict[str, Any] = {}
    for name, value in pairs:
        if name in found:
            raise InvalidInput(f"{name}: given twice in one object", field=name)
        found[name] = value
    return found


def if_match(request: Request) -> int | None:
    """The revision an edit is based on, from `If-Match: "7"` (weak tags and bare numbers too)."""
    header = request.headers.get("if-match")
    if header is None or not header.strip():
        return None
    tag = header.strip().removeprefix("W/").strip('"')
    return int(tag) if re.fullmatch(r"[0-9]{1,12}", tag) else NO_REVISION
