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
from chalicelib.models import (
    ArticleListParams,
    AsOfParams,
    AuditParams,
    DiffParams,
    Draft,
    FeedbackRequest,
    FlagRequest,
    MarkdownRequest,
    MessageRequest,
    PopularParams,
    PublishRequest,
    RejectRequest,
    RollbackRequest,
    SearchParams,
    SuggestParams,
    UnansweredParams,
    WorklistParams,
)
from chalicelib.openapi import openapi_document
from chalicelib.settings import cors_allow_origin

app = Chalice(app_name="zhida")
BaseModelT = TypeVar("BaseModelT", bound=BaseModel)
MAX_BODY_BYTES = 16_384
_ORIGIN = cors_allow_origin(os.environ)
CORS = (
    CORSConfig(allow_origin=_ORIGIN, allow_headers=["Authorization", "If-Match"], expose_headers=["ETag"], max_age=600)
    if _ORIGIN
    else None
)


def _error_body(code: str, message: str, field: str | None = None, **details: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return {"error": {**body, **details}}


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


def _safe_json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """JSON with <, > and & escaped, so no reply can be read as markup even by a careless client."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Response(body=text, status_code=status, headers={**JSON_HEADERS, **(headers or {})})


def api(path: str, status: int = 200, **options: Any):
    """app.route, answering JSON, with every domain error in one shape instead of a 500."""

    def register(view):
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Response:
            try:
                reply = view(*args, **kwargs)
                if isinstance(reply, Draft):  # a working copy: its revision is also the ETag for If-Match
                    return _safe_json(_json(reply), status, {"ETag": f'"{reply.revision}"'})
                return _safe_json(reply, status)
            except ZhidaError as error:
                body = _error_body(error.code, error.message, error.field, **error.details)
                return _safe_json(body, error.status)

        return app.route(path, cors=CORS, **options)(guarded)

    return register


def _parse(model: type[BaseModelT], data: dict[str, Any] | None) -> BaseModelT:
    try:
        return model.model_validate(data or {})
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise InvalidInput(f"{field}: {first['msg']}" if field else first["msg"], field=field) from None


def _body(model: type[BaseModelT], optional: bool = False) -> BaseModelT:
    """The JSON object body as a model; `optional`: a step whose fields are all optional may send none."""
    raw = app.current_request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is {len(raw)} bytes; at most {MAX_BODY_BYTES} are accepted")
    if optional and not raw.strip():
        return _parse(model, {})
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


def _if_match() -> int | None:
    """The revision an edit is based on, from `If-Match: "7"` (weak tags and bare numbers too)."""
    header = app.current_request.headers.get("if-match")
    if header is None or not header.strip():
        return None
    tag = header.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise InvalidInput(
            f'If-Match must be a revision such as "7" (the draft\'s ETag), not {header!r}', field="If-Match"
        )
    return int(tag)


def _json(model: BaseModel | list[BaseModel]) -> Any:
    if isinstance(model, list):
        return [m.model_dump(mode="json", by_alias=True) for m in model]
    return model.model_dump(mode="json", by_alias=True)


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


@api("/api/articles")
def articles():
    params = _parse(ArticleListParams, app.current_request.query_params)
    return {"articles": _json(wiring.knowledge().articles(params, _caller().reader))}


@api("/api/popular")
def popular():
    params = _parse(PopularParams, app.current_request.query_params)
    return {"articles": _json(wiring.desk().popular(_caller().reader, params.limit))}


@api("/api/articles/{article_id}")
def article(article_id: str):
    as_of = _parse(AsOfParams, app.current_request.query_params).as_of
    return _json(wiring.knowledge().article(article_id, _caller().reader, as_of))


@api("/api/articles/{article_id}/flags", status=201, methods=["POST"])
def flag(article_id: str):
    return _json(wiring.desk().flag(article_id, _body(FlagRequest), _caller()))


@api("/api/feedback", status=201, methods=["POST"])
def feedback():
    return _json(wiring.desk().feedback(_body(FeedbackRequest), _caller(), _client()))


@api("/api/tasks")
def tasks():
    return {"tasks": _json(wiring.desk().tasks(_caller()))}


@api("/api/tasks/{task_id}/done", methods=["POST"])
def close_task(task_id: str):
    return _json(wiring.desk().close_task(task_id, _caller()))


@api("/api/articles/{article_id}/feedback")
def article_feedback(article_id: str):
    return _json(wiring.desk().feedback_summary(article_id, _caller()))


@api("/api/unanswered")
def unanswered():
    params = _parse(UnansweredParams, app.current_request.query_params)
    return {"queries": _json(wiring.desk().unanswered(_caller(), params.days, params.limit))}


@api("/api/categories")
def categories():
    return {"categories": _json(wiring.knowledge().categories(_caller().reader))}


# The editorial workflow: every reply that is a working copy carries its revision as the ETag.


@api("/api/articles", status=201, methods=["POST"])
def create_article():
    return wiring.editorial().create(_body(MarkdownRequest), _caller())


@api("/api/articles/{article_id}/draft")
def draft(article_id: str):
    return wiring.editorial().draft(article_id, _caller())


@api("/api/articles/{article_id}/draft", methods=["PUT"])
def save_draft(article_id: str):
    return wiring.editorial().save(article_id, _body(MarkdownRequest), _if_match(), _caller())


@api("/api/articles/{article_id}/submit", methods=["POST"])
def submit(article_id: str):
    return wiring.editorial().submit(article_id, _body(MessageRequest, optional=True).note, _if_match(), _caller())


@api("/api/articles/{article_id}/approve", methods=["POST"])
def approve(article_id: str):
    return wiring.editorial().approve(article_id, _body(MessageRequest, optional=True).note, _if_match(), _caller())


@api("/api/articles/{article_id}/reject", methods=["POST"])
def reject(article_id: str):
    return wiring.editorial().reject(article_id, _body(RejectRequest).comment, _if_match(), _caller())


@api("/api/articles/{article_id}/publish", methods=["POST"])
def publish(article_id: str):
    return wiring.editorial().publish(article_id, _body(PublishRequest, optional=True), _if_match(), _caller())


@api("/api/articles/{article_id}/archive", methods=["POST"])
def archive(article_id: str):
    return wiring.editorial().archive(article_id, _body(MessageRequest, optional=True).note, _if_match(), _caller())


@api("/api/articles/{article_id}/rollback", methods=["POST"])
def rollback(article_id: str):
    return wiring.editorial().rollback(article_id, _body(RollbackRequest), _if_match(), _caller())


@api("/api/articles/{article_id}/versions")
def versions(article_id: str):
    return {"versions": _json(wiring.editorial().versions(article_id, _caller()))}


@api("/api/articles/{article_id}/versions/{number}")
def version(article_id: str, number: str):
    if not number.isdigit():
        raise InvalidInput(f"a version is a number, not '{number}'", field="number")
    return _json(wiring.editorial().version(article_id, int(number), _caller()))


@api("/api/articles/{article_id}/diff")
def diff(article_id: str):
    params = _parse(DiffParams, app.current_request.query_params)
    return _json(wiring.editorial().diff(article_id, params.from_version, params.to_version, _caller()))


@api("/api/audit")
def audit():
    params = _parse(AuditParams, app.current_request.query_params)
    return {"entries": _json(wiring.editorial().audit(_caller(), params.article))}


@api("/api/worklist")
def worklist():
    params = _parse(WorklistParams, app.current_request.query_params)
    return {"articles": _json(wiring.editorial().worklist(params, _caller()))}


@api("/api/preview", methods=["POST"])
def preview():
    return _json(wiring.editorial().preview(_body(MarkdownRequest).markdown, _caller()))


@app.schedule("rate(1 minute)")
def maintenance(event):
    """Publish what is scheduled and keep the index snapshot fresh (no request, so no caller)."""
    wiring.maintenance()


@api("/api/health")
def health():
    return wiring.knowledge().health().model_dump()


@api("/api/openapi.json")
def openapi():
    return openapi_document()


from chalicelib.pages import pages  # noqa: E402  (the pages go last, after every API route)

app.register_blueprint(pages)
