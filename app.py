"""HTTP routes: parse and validate, make one service call, return JSON. Nothing else lives here."""

import functools
import json
import os
from typing import Any, TypeVar

from chalice import Chalice, CORSConfig, Response
from pydantic import BaseModel, ValidationError

from chalicelib import wiring
from chalicelib.access import Principal
from chalicelib.errors import InvalidInput, PayloadTooLarge, ZhidaError
from chalicelib.feedback import client_id
from chalicelib.models import FeedbackRequest, FlagRequest, SearchParams, SuggestParams
from chalicelib.openapi import openapi_document
from chalicelib.settings import cors_allow_origin

app = Chalice(app_name="zhida")
BaseModelT = TypeVar("BaseModelT", bound=BaseModel)
MAX_BODY_BYTES = 16_384
_ORIGIN = cors_allow_origin(os.environ)
CORS = CORSConfig(allow_origin=_ORIGIN, allow_headers=["Authorization"], max_age=600) if _ORIGIN else None


def _error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return {"error": body}


@app.middleware("http")
def uniform_errors(event, get_response):
    """Chalice's own errors (wrong method, wrong content type, bad JSON) get the same shape as ours."""
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
        code = "".join("_" + c.lower() if c.isupper() else c for c in body["Code"]).strip("_").removesuffix("_error")
        response.body = _error_body(code, body.get("Message", ""))
    return response


# A JSON reply is data, never a page: forbid a browser from running or framing anything it might contain.
JSON_HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


def _safe_json(body: Any, status: int = 200) -> Response:
    """JSON with <, > and & escaped, so no reply can be read as markup even by a careless client."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Response(body=text, status_code=status, headers=JSON_HEADERS)


def api(path: str, status: int = 200, **options: Any):
    """app.route, answering JSON, with every domain error in one shape instead of a 500."""

    def register(view):
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Response:
            try:
                return _safe_json(view(*args, **kwargs), status)
            except ZhidaError as error:
                return _safe_json(_error_body(error.code, error.message, error.field), error.status)

        return app.route(path, cors=CORS, **options)(guarded)

    return register


def _parse(model: type[BaseModelT], data: dict[str, Any] | None) -> BaseModelT:
    try:
        return model.model_validate(data or {})
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise InvalidInput(f"{field}: {first['msg']}" if field else first["msg"], field=field) from None


def _body(model: type[BaseModelT]) -> BaseModelT:
    raw = app.current_request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is {len(raw)} bytes; at most {MAX_BODY_BYTES} are accepted")
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as problem:
        raise InvalidInput(f"the body is not valid JSON: {problem}") from None
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object")
    return _parse(model, data)


def _caller() -> Principal:
    return wiring.keys().principal(app.current_request.headers.get("authorization"))


def _client() -> str:
    identity = (app.current_request.context or {}).get("identity") or {}
    return client_id(identity.get("sourceIp") or "unknown", wiring.settings().client_salt)


def _json(model: BaseModel | list[BaseModel]) -> Any:
    if isinstance(model, list):
        return [m.model_dump(mode="json") for m in model]
    return model.model_dump(mode="json")


@api("/api/search")
def search():
    params = _parse(SearchParams, app.current_request.query_params)
    caller = _caller()
    result = wiring.knowledge().search(params, caller.reader)
    wiring.desk().log_search(params.q, result, caller, _client())
    return _json(result)


@api("/api/suggest")
def suggest():
    params = _parse(SuggestParams, app.current_request.query_params)
    return _json(wiring.knowledge().suggest(params, _caller().reader))


@api("/api/articles/{article_id}")
def article(article_id: str):
    return _json(wiring.knowledge().article(article_id, _caller().reader))


@api("/api/articles/{article_id}/flags", status=201, methods=["POST"])
def flag(article_id: str):
    return _json(wiring.desk().flag(article_id, _body(FlagRequest), _caller()))


@api("/api/feedback", status=201, methods=["POST"])
def feedback():
    return _json(wiring.desk().feedback(_body(FeedbackRequest), _caller(), _client()))


@api("/api/tasks")
def tasks():
    return {"tasks": _json(wiring.desk().tasks(_caller()))}


@api("/api/categories")
def categories():
    return {"categories": _json(wiring.knowledge().categories(_caller().reader))}


@api("/api/health")
def health():
    return {"status": "ok", "generation": wiring.knowledge().generation()}


@api("/api/openapi.json")
def openapi():
    return openapi_document()
