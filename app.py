"""HTTP routes: parse and validate, make one service call, return JSON. Nothing else lives here."""

import functools
import json
import os
import re
import threading
from typing import Any, TypeVar

from chalice import Chalice, CORSConfig, Response
from pydantic import BaseModel, ValidationError

from chalicelib import wiring
from chalicelib.access import ANONYMOUS, Action, Principal
from chalicelib.directory import CODE_PATTERN, DepartmentFields
from chalicelib.errors import InvalidInput, PayloadTooLarge, PreconditionRequired, ZhidaError
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


class _Chalice(Chalice):
    """Chalice with the current request kept per thread: Lambda serves one request at a time, but the local
    dev server is threaded, and two requests at once must never read each other's headers or body."""

    _requests = threading.local()

    @property  # type: ignore[override]
    def current_request(self) -> Any:
        return getattr(self._requests, "value", None)

    @current_request.setter
    def current_request(self, request: Any) -> None:
        self._requests.value = request


app = _Chalice(app_name="zhida")
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


def api(path: str, status: int = 200, needs: Action | None = Action.READ, if_match: bool = False, **options: Any):
    """app.route, answering JSON, with every domain error in one shape instead of a 500.

    Checks come in a fixed order before the view reads anything: who is calling and whether their role may
    do this at all (401/403, `needs`; None: a route for anyone that never reads the key), then whether an
    edit says which revision it is based on (428, `if_match`); only then the body. The view gets the caller
    as `caller`.
    """

    def register(view):
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Response:
            try:
                caller = ANONYMOUS if needs is None else _caller()
                if needs is not None:
                    caller.require(needs)
                if if_match and _if_match() is None:
                    raise PreconditionRequired(
                        "send If-Match with the revision your edit is based on (the ETag of the draft you loaded)",
                        field="If-Match",
                    )
                reply = view(*args, caller=caller, **kwargs)
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


NO_REVISION = -1  # an If-Match that names no revision we ever issued: it matches none (409 with the current one)


def _if_match() -> int | None:
    """The revision an edit is based on, from `If-Match: "7"` (weak tags and bare numbers too)."""
    header = app.current_request.headers.get("if-match")
    if header is None or not header.strip():
        return None
    tag = header.strip().removeprefix("W/").strip('"')
    return int(tag) if re.fullmatch(r"[0-9]{1,12}", tag) else NO_REVISION


def _json(model: BaseModel | list[BaseModel]) -> Any:
    if isinstance(model, list):
        return [m.model_dump(mode="json", by_alias=True) for m in model]
    return model.model_dump(mode="json", by_alias=True)


@api("/api/search")
def search(caller: Principal):
    params = _parse(SearchParams, app.current_request.query_params)
    result = wiring.knowledge().search(params, caller.reader)
    wiring.desk().log_search(params.q, result, caller, _client())
    return _json(result)


@api("/api/suggest")
def suggest(caller: Principal):
    params = _parse(SuggestParams, app.current_request.query_params)
    return _json(wiring.knowledge().suggest(params, caller.reader))


@api("/api/articles")
def articles(caller: Principal):
    params = _parse(ArticleListParams, app.current_request.query_params)
    return {"articles": _json(wiring.knowledge().articles(params, caller.reader))}


@api("/api/popular")
def popular(caller: Principal):
    params = _parse(PopularParams, app.current_request.query_params)
    return {"articles": _json(wiring.desk().popular(caller.reader, params.limit))}


@api("/api/articles/{article_id}")
def article(article_id: str, caller: Principal):
    as_of = _parse(AsOfParams, app.current_request.query_params).as_of
    return _json(wiring.knowledge().article(article_id, caller.reader, as_of))


@api("/api/articles/{article_id}/flags", status=201, methods=["POST"], needs=Action.FLAG)
def flag(article_id: str, caller: Principal):
    return _json(wiring.desk().flag(article_id, _body(FlagRequest), caller))


@api("/api/feedback", status=201, methods=["POST"], needs=Action.FEEDBACK)
def feedback(caller: Principal):
    return _json(wiring.desk().feedback(_body(FeedbackRequest), caller, _client()))


@api("/api/tasks", needs=Action.VIEW_TASKS)
def tasks(caller: Principal):
    return {"tasks": _json(wiring.desk().tasks(caller))}


@api("/api/tasks/{task_id}/done", methods=["POST"], needs=Action.VIEW_TASKS)
def close_task(task_id: str, caller: Principal):
    return _json(wiring.desk().close_task(task_id, caller))


@api("/api/articles/{article_id}/feedback", needs=Action.VIEW_TASKS)
def article_feedback(article_id: str, caller: Principal):
    return _json(wiring.desk().feedback_summary(article_id, caller))


@api("/api/unanswered", needs=Action.VIEW_TASKS)
def unanswered(caller: Principal):
    params = _parse(UnansweredParams, app.current_request.query_params)
    return {"queries": _json(wiring.desk().unanswered(caller, params.days, params.limit))}


@api("/api/categories")
def categories(caller: Principal):
    return {"categories": _json(wiring.knowledge().categories(caller.reader))}


@api("/api/me")
def me(caller: Principal):
    return _json(wiring.directory().me(caller))


# The department directory (派单目录): everyone may read it (agents dispatch by it); admins keep it.


@api("/api/departments")
def departments(caller: Principal):
    return {"departments": _json(wiring.directory().departments())}


@api("/api/departments/{code}", methods=["PUT"], needs=Action.MANAGE)
def save_department(code: str, caller: Principal):
    if not re.fullmatch(CODE_PATTERN, code) or len(code) > 60:
        raise InvalidInput(f"a department code is lowercase letters, digits and hyphens, not '{code}'", field="code")
    return _json(wiring.directory().save(code, _body(DepartmentFields), caller))


# The editorial workflow: every reply that is a working copy carries its revision as the ETag.


@api("/api/articles", status=201, methods=["POST"], needs=Action.EDIT)
def create_article(caller: Principal):
    return wiring.editorial().create(_body(MarkdownRequest), caller)


@api("/api/articles/{article_id}/draft", needs=Action.EDIT)
def draft(article_id: str, caller: Principal):
    return wiring.editorial().draft(article_id, caller)


@api("/api/articles/{article_id}/draft", methods=["PUT"], needs=Action.EDIT, if_match=True)
def save_draft(article_id: str, caller: Principal):
    return wiring.editorial().save(article_id, _body(MarkdownRequest), _if_match(), caller)


@api("/api/articles/{article_id}/submit", methods=["POST"], needs=Action.EDIT)
def submit(article_id: str, caller: Principal):
    return wiring.editorial().submit(article_id, _body(MessageRequest, optional=True).note, _if_match(), caller)


@api("/api/articles/{article_id}/approve", methods=["POST"], needs=Action.REVIEW)
def approve(article_id: str, caller: Principal):
    return wiring.editorial().approve(article_id, _body(MessageRequest, optional=True).note, _if_match(), caller)


@api("/api/articles/{article_id}/reject", methods=["POST"], needs=Action.REVIEW)
def reject(article_id: str, caller: Principal):
    return wiring.editorial().reject(article_id, _body(RejectRequest).comment, _if_match(), caller)


@api("/api/articles/{article_id}/publish", methods=["POST"], needs=Action.REVIEW)
def publish(article_id: str, caller: Principal):
    return wiring.editorial().publish(article_id, _body(PublishRequest, optional=True), _if_match(), caller)


@api("/api/articles/{article_id}/archive", methods=["POST"], needs=Action.REVIEW)
def archive(article_id: str, caller: Principal):
    return wiring.editorial().archive(article_id, _body(MessageRequest, optional=True).note, _if_match(), caller)


@api("/api/articles/{article_id}/rollback", methods=["POST"], needs=Action.EDIT, if_match=True)
def rollback(article_id: str, caller: Principal):
    return wiring.editorial().rollback(article_id, _body(RollbackRequest), _if_match(), caller)


@api("/api/articles/{article_id}/versions", needs=Action.EDIT)
def versions(article_id: str, caller: Principal):
    return {"versions": _json(wiring.editorial().versions(article_id, caller))}


@api("/api/articles/{article_id}/versions/{number}", needs=Action.EDIT)
def version(article_id: str, number: str, caller: Principal):
    if not re.fullmatch(r"[0-9]{1,9}", number):
        raise InvalidInput(f"a version is a number, not '{number}'", field="number")
    return _json(wiring.editorial().version(article_id, int(number), caller))


@api("/api/articles/{article_id}/diff", needs=Action.EDIT)
def diff(article_id: str, caller: Principal):
    params = _parse(DiffParams, app.current_request.query_params)
    return _json(wiring.editorial().diff(article_id, params.from_version, params.to_version, caller))


@api("/api/audit", needs=Action.EDIT)
def audit(caller: Principal):
    params = _parse(AuditParams, app.current_request.query_params)
    return {"entries": _json(wiring.editorial().audit(caller, params.article))}


@api("/api/worklist", needs=Action.EDIT)
def worklist(caller: Principal):
    params = _parse(WorklistParams, app.current_request.query_params)
    return {"articles": _json(wiring.editorial().worklist(params, caller))}


@api("/api/preview", methods=["POST"], needs=Action.EDIT)
def preview(caller: Principal):
    return _json(wiring.editorial().preview(_body(MarkdownRequest).markdown, caller))


@app.schedule("rate(1 minute)")
def maintenance(event):
    """Publish what is scheduled and keep the index snapshot fresh (no request, so no caller)."""
    wiring.maintenance()


@api("/api/health", needs=None)
def health(caller: Principal):
    return wiring.knowledge().health().model_dump()


@api("/api/openapi.json", needs=None)
def openapi(caller: Principal):
    return openapi_document()


from chalicelib.pages import pages  # noqa: E402  (the pages go last, after every API route)

app.register_blueprint(pages)
