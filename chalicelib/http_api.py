"""The JSON API's plumbing on Chalice: each route's operation record enforced in one order, one error shape."""

import json
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from chalice import Chalice, CORSConfig, Response
from chalice.app import Request
from pydantic import BaseModel, ValidationError

from chalicelib import observability
from chalicelib.access import ANONYMOUS, Principal
from chalicelib.errors import InvalidInput, PayloadTooLarge, PreconditionRequired, ZhidaError, aws_error_code
from chalicelib.models.editing import MARKDOWN_MAX_CHARS, Draft
from chalicelib.operations import SLUG, IfMatch, Listing, Operation

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


class JsonApi:
    """Registers routes from their operation records; `operations` is what the OpenAPI document lists."""

    def __init__(self, app: Chalice, caller: Callable[[Request], Principal], cors: CORSConfig | None) -> None:
        self._app = app
        self._caller = caller
        self._cors = cors
        self.operations: list[Operation] = []

    def route(self, operation: Operation):
        """The view gets its path parameters, `caller`, and `query`/`body` where the record has them.

        Checks run in a fixed order before the view: who calls and whether their role may do this at all
        (401/403; 429 after too many unknown keys), whether an edit names its revision (428), then the path
        parameters, query and body (400/413).
        """
        self.operations.append(operation)

        def register(view: Callable[..., Any]):
            def guarded(**path: str) -> Response:
                request = self._app.current_request
                assert request is not None  # chalice sets it before any view runs
                try:
                    caller = ANONYMOUS if operation.needs is None else self._caller(request)
                    observability.note(role=caller.role.value)
                    if operation.needs is not None:
                        caller.require(operation.needs)
                    if operation.if_match is IfMatch.REQUIRED and if_match(request) is None:
                        raise PreconditionRequired(
                            "send If-Match with the revision your edit is based on (the ETag of the draft you loaded)",
                            field="If-Match",
                        )
                    check_path(operation, path)
                    inputs: dict[str, Any] = {"caller": caller}
                    if operation.query is not None:
                        inputs["query"] = parse(operation.query, dict(request.query_params or {}))
                    if operation.body is not None:
                        inputs["body"] = body(request, operation.body, operation.body_optional)
                    return self._reply(operation, view(**path, **inputs))
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
            methods = [operation.method]
            return self._app.route(operation.path, methods=methods, cors=self._cors)(guarded)

        return register

    @staticmethod
    def _reply(operation: Operation, reply: Any) -> Response:
        if isinstance(operation.reply, Listing):
            return safe_json({operation.reply.key: as_json(reply)}, operation.status)
        headers = {"ETag": f'"{reply.revision}"'} if isinstance(reply, Draft) else None  # the revision, for If-Match
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


def parse(model: type[ModelT], data: dict[str, Any] | None) -> ModelT:
    try:
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
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as problem:
        raise InvalidInput(f"the body is not valid JSON: {problem}") from None
    except RecursionError:
        raise InvalidInput("the body is nested too deeply to be a request") from None
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object")
    return parse(model, data)


def if_match(request: Request) -> int | None:
    """The revision an edit is based on, from `If-Match: "7"` (weak tags and bare numbers too)."""
    header = request.headers.get("if-match")
    if header is None or not header.strip():
        return None
    tag = header.strip().removeprefix("W/").strip('"')
    return int(tag) if re.fullmatch(r"[0-9]{1,12}", tag) else NO_REVISION
