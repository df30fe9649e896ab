"""HTTP routes: each one its operation record and one service call. Nothing else lives here."""

import functools
import os

from chalice import Chalice, CORSConfig
from chalice.app import Request

from chalicelib import observability, wiring
from chalicelib.access import Action, Principal
from chalicelib.directory import CODE_PATTERN, Department, DepartmentFields
from chalicelib.feedback import client_id
from chalicelib.http_api import JsonApi, error_body, if_match
from chalicelib.models.desk import (
    FEEDBACK_ID_PATTERN,
    Accepted,
    ClickRequest,
    CommentRequest,
    FeedbackRequest,
    FeedbackSummary,
    FlagRequest,
    Task,
    UnansweredParams,
    UnansweredQuery,
)
from chalicelib.models.editing import (
    AuditEntry,
    AuditParams,
    Diff,
    DiffParams,
    Draft,
    MarkdownRequest,
    MessageRequest,
    Preview,
    PublishRequest,
    RejectRequest,
    RollbackRequest,
    Version,
    VersionInfo,
    WorklistParams,
)
from chalicelib.models.people import Me
from chalicelib.models.reading import (
    ArticleListParams,
    ArticleSummary,
    ArticleView,
    AsOfParams,
    Category,
    Health,
    PopularArticle,
    PopularParams,
    SearchParams,
    SearchResult,
    SuggestParams,
    SuggestResult,
)
from chalicelib.models.reports import Report, ReportParams
from chalicelib.openapi import openapi_document
from chalicelib.operations import IfMatch, Listing, Operation
from chalicelib.settings import cors_allow_origin

app = Chalice(app_name="zhida")
observability.json_logs_for("chalicelib")
_ORIGIN = cors_allow_origin(os.environ)
CORS = (
    CORSConfig(allow_origin=_ORIGIN, allow_headers=["Authorization", "If-Match"], expose_headers=["ETag"], max_age=600)
    if _ORIGIN
    else None
)


def _caller(request: Request) -> Principal:
    return wiring.keys().principal(request.headers.get("authorization"), _client(request))


def _request() -> Request:
    request = app.current_request
    assert request is not None  # chalice sets it before any view runs
    return request


def _client(request: Request) -> str:
    """The caller's pseudonym (never its IP), for the query log and the per-client limits."""
    identity = (request.context or {}).get("identity") or {}
    return client_id(identity.get("sourceIp") or "unknown", wiring.settings().client_salt)


def _if_match() -> int | None:
    return if_match(_request())


api = JsonApi(app, _caller, CORS)
ARTICLE = "/api/articles/{article_id}"
VERSION_NUMBER = {"type": "string", "pattern": "^[0-9]{1,9}$"}


@app.middleware("http")
def observe(event, get_response):
    """One JSON log line and one metrics record per request (chalicelib/observability.py)."""
    context = event.context or {}
    return observability.observed(
        lambda: get_response(event), context.get("resourcePath", "unknown"), event.method, context.get("requestId")
    )


@app.middleware("http")
def uniform_errors(event, get_response):
    """Chalice's own errors (wrong method, wrong content type, bad JSON) get the same shape as ours."""
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
        code = "".join("_" + c.lower() if c.isupper() else c for c in body["Code"]).strip("_").removesuffix("_error")
        response.body = error_body(code, body.get("Message", ""))
    return response


# Reading


@api.route(Operation("GET", "/api/search", "Search the knowledge base", SearchResult, query=SearchParams))
def search(caller: Principal, query: SearchParams):
    result = wiring.knowledge().search(query, caller.reader)
    if query.settled:  # as-you-type searches are never logged or counted
        wiring.desk().log_search(query.q, result, caller, _client(_request()))
    return result


@api.route(
    Operation("GET", "/api/suggest", "Autocomplete from titles and phrasings", SuggestResult, query=SuggestParams)
)
def suggest(caller: Principal, query: SuggestParams):
    return wiring.knowledge().suggest(query, caller.reader)


@api.route(
    Operation(
        "GET",
        "/api/articles",
        "Every article the caller may see, optionally in one category",
        Listing("articles", ArticleSummary),
        query=ArticleListParams,
    )
)
def articles(caller: Principal, query: ArticleListParams):
    return wiring.knowledge().articles(query, caller.reader)


@api.route(
    Operation(
        "GET",
        "/api/popular",
        "Hot questions: the articles that answered most searches in the last 7 days",
        Listing("articles", PopularArticle),
        query=PopularParams,
    )
)
def popular(caller: Principal, query: PopularParams):
    return wiring.desk().popular(caller.reader, query.limit)


@api.route(
    Operation(
        "GET",
        ARTICLE,
        "One article, as the caller may see it (as_of: as published then)",
        ArticleView,
        query=AsOfParams,
        errors=(404,),
    )
)
def article(article_id: str, caller: Principal, query: AsOfParams):
    return wiring.knowledge().article(article_id, caller.reader, query.as_of)


@api.route(
    Operation(
        "GET",
        "/api/categories",
        "Categories with the number of articles the caller may see",
        Listing("categories", Category),
    )
)
def categories(caller: Principal):
    return wiring.knowledge().categories(caller.reader)


@api.route(Operation("GET", "/api/me", "Who the key belongs to: principal id, name, role, department codes", Me))
def me(caller: Principal):
    return wiring.directory().me(caller)


# What readers say: 好差评, flags that become tasks, and the gaps nothing answered


@api.route(
    Operation(
        "POST",
        "/api/feedback",
        "Rate an answer (好差评)",
        Accepted,
        needs=Action.FEEDBACK,
        body=FeedbackRequest,
        status=201,
        errors=(404, 429),
    )
)
def feedback(caller: Principal, body: FeedbackRequest):
    return wiring.desk().feedback(body, caller, _client(_request()))


@api.route(
    Operation(
        "POST",
        "/api/feedback/{feedback_id}/comment",
        "Add the optional comment to one's own 好差评, within 30 minutes of the vote (never a second vote)",
        Accepted,
        needs=Action.FEEDBACK,
        body=CommentRequest,
        errors=(403, 404, 409),
        path_schemas={"feedback_id": {"type": "string", "pattern": FEEDBACK_ID_PATTERN, "maxLength": 113}},
    )
)
def feedback_comment(feedback_id: str, caller: Principal, body: CommentRequest):
    return wiring.desk().comment(feedback_id, body, caller, _client(_request()))


@api.route(
    Operation(
        "POST",
        "/api/clicks",
        "Record which hit of a search was opened (settles the search if the page had not)",
        Accepted,
        needs=Action.FEEDBACK,
        body=ClickRequest,
        status=202,
        errors=(404, 429),
    )
)
def click(caller: Principal, body: ClickRequest):
    return wiring.desk().click(body, caller, _client(_request()))


@api.route(
    Operation(
        "POST",
        f"{ARTICLE}/flags",
        "Flag an answer as outdated or wrong (agents and up)",
        Accepted,
        needs=Action.FLAG,
        body=FlagRequest,
        status=201,
        errors=(404,),
    )
)
def flag(article_id: str, caller: Principal, body: FlagRequest):
    return wiring.desk().flag(article_id, body, caller)


@api.route(
    Operation(
        "GET",
        "/api/tasks",
        "Tasks raised by flags, for the caller's departments",
        Listing("tasks", Task),
        needs=Action.VIEW_TASKS,
    )
)
def tasks(caller: Principal):
    return wiring.desk().tasks(caller)


@api.route(
    Operation(
        "POST",
        "/api/tasks/{task_id}/done",
        "Mark a task as dealt with (editors and reviewers of its department)",
        Task,
        needs=Action.VIEW_TASKS,
        errors=(404,),
        path_schemas={"task_id": {"type": "string", "maxLength": 64}},
    )
)
def close_task(task_id: str, caller: Principal):
    return wiring.desk().close_task(task_id, caller)


@api.route(
    Operation(
        "GET",
        f"{ARTICLE}/feedback",
        "好差评 counts and the latest comments on one article (its department's editors)",
        FeedbackSummary,
        needs=Action.VIEW_TASKS,
        errors=(404,),
    )
)
def article_feedback(article_id: str, caller: Principal):
    return wiring.desk().feedback_summary(article_id, caller)


@api.route(
    Operation(
        "GET",
        "/api/unanswered",
        "Questions nothing answered well (no good hit, or rated 没帮助), most asked first (editors and up)",
        Listing("queries", UnansweredQuery),
        needs=Action.VIEW_TASKS,
        query=UnansweredParams,
    )
)
def unanswered(caller: Principal, query: UnansweredParams):
    return wiring.desk().unanswered(caller, query.days, query.limit)


@api.route(
    Operation(
        "GET",
        "/api/reports",
        "A day's, week's or month's searches, gaps, articles and surges (Beijing time; editors: their departments)",
        Report,
        needs=Action.VIEW_TASKS,
        query=ReportParams,
    )
)
def reports(caller: Principal, query: ReportParams):
    return wiring.reports().report(query, caller)


# The department directory (派单目录): everyone may read it (agents dispatch by it); admins keep it.


@api.route(
    Operation(
        "GET",
        "/api/departments",
        "The department directory (派单目录): name, phone, hours, what each handles",
        Listing("departments", Department),
    )
)
def departments(caller: Principal):
    return wiring.directory().departments()


@api.route(
    Operation(
        "PUT",
        "/api/departments/{code}",
        "Add or change a department (admins); articles name it by code, so none changes",
        Department,
        needs=Action.MANAGE,
        body=DepartmentFields,
        errors=(409,),
        path_schemas={"code": {"type": "string", "pattern": CODE_PATTERN, "maxLength": 60}},
    )
)
def save_department(code: str, caller: Principal, body: DepartmentFields):
    return wiring.directory().save(code, body, caller)


# The editorial workflow: every reply that is a working copy carries its revision as the ETag.


def _step(name: str, summary: str, needs: Action, body: type = MessageRequest, optional: bool = True) -> Operation:
    return Operation(
        "POST",
        f"{ARTICLE}/{name}",
        summary,
        Draft,
        needs=needs,
        body=body,
        body_optional=optional,
        if_match=IfMatch.OPTIONAL,
        errors=(404,),
    )


@api.route(
    Operation(
        "POST",
        "/api/articles",
        "Create an article as a draft (saved even with lint problems)",
        Draft,
        needs=Action.EDIT,
        body=MarkdownRequest,
        status=201,
        errors=(409,),
    )
)
def create_article(caller: Principal, body: MarkdownRequest):
    return wiring.editorial().create(body, caller)


@api.route(
    Operation(
        "GET",
        f"{ARTICLE}/draft",
        "The working copy (editors of its department)",
        Draft,
        needs=Action.EDIT,
        errors=(404,),
    )
)
def draft(article_id: str, caller: Principal):
    return wiring.editorial().draft(article_id, caller)


@api.route(
    Operation(
        "PUT",
        f"{ARTICLE}/draft",
        "Save a new version (If-Match required; saved even with lint problems)",
        Draft,
        needs=Action.EDIT,
        body=MarkdownRequest,
        if_match=IfMatch.REQUIRED,
        errors=(404,),
    )
)
def save_draft(article_id: str, caller: Principal, body: MarkdownRequest):
    return wiring.editorial().save(article_id, body, _if_match(), caller)


@api.route(_step("submit", "Submit the working copy for review (refused while it has lint problems)", Action.EDIT))
def submit(article_id: str, caller: Principal, body: MessageRequest):
    return wiring.editorial().submit(article_id, body.note, _if_match(), caller)


@api.route(_step("approve", "Approve it (reviewers who took no part in the change)", Action.REVIEW))
def approve(article_id: str, caller: Principal, body: MessageRequest):
    return wiring.editorial().approve(article_id, body.note, _if_match(), caller)


@api.route(_step("reject", "Send it back to draft with a comment (reviewers)", Action.REVIEW, RejectRequest, False))
def reject(article_id: str, caller: Principal, body: RejectRequest):
    return wiring.editorial().reject(article_id, body.comment, _if_match(), caller)


@api.route(_step("publish", "Publish the approved version now or at `at` (reviewers)", Action.REVIEW, PublishRequest))
def publish(article_id: str, caller: Principal, body: PublishRequest):
    return wiring.editorial().publish(article_id, body, _if_match(), caller)


@api.route(_step("archive", "Take it out of search (reviewers)", Action.REVIEW))
def archive(article_id: str, caller: Principal, body: MessageRequest):
    return wiring.editorial().archive(article_id, body.note, _if_match(), caller)


@api.route(
    Operation(
        "POST",
        f"{ARTICLE}/rollback",
        "A new version with the text of an old one (If-Match required)",
        Draft,
        needs=Action.EDIT,
        body=RollbackRequest,
        if_match=IfMatch.REQUIRED,
        errors=(404,),
    )
)
def rollback(article_id: str, caller: Principal, body: RollbackRequest):
    return wiring.editorial().rollback(article_id, body, _if_match(), caller)


@api.route(
    Operation(
        "GET",
        f"{ARTICLE}/versions",
        "Every version, newest first",
        Listing("versions", VersionInfo),
        needs=Action.EDIT,
        errors=(404,),
    )
)
def versions(article_id: str, caller: Principal):
    return wiring.editorial().versions(article_id, caller)


@api.route(
    Operation(
        "GET",
        f"{ARTICLE}/versions/{{number}}",
        "One version with its Markdown",
        Version,
        needs=Action.EDIT,
        errors=(404,),
        path_schemas={"number": VERSION_NUMBER},
    )
)
def version(article_id: str, number: str, caller: Principal):
    return wiring.editorial().version(article_id, int(number), caller)


@api.route(
    Operation(
        "GET",
        f"{ARTICLE}/diff",
        "What changed between two versions: every line, and the changed lines word by word",
        Diff,
        needs=Action.EDIT,
        query=DiffParams,
        errors=(404,),
    )
)
def diff(article_id: str, caller: Principal, query: DiffParams):
    return wiring.editorial().diff(article_id, query.from_version, query.to_version, caller)


@api.route(
    Operation(
        "GET",
        "/api/audit",
        "Audit entries, newest first (the caller's departments)",
        Listing("entries", AuditEntry),
        needs=Action.EDIT,
        query=AuditParams,
        errors=(404,),
    )
)
def audit(caller: Principal, query: AuditParams):
    return wiring.editorial().audit(caller, query.article)


@api.route(
    Operation(
        "GET",
        "/api/worklist",
        "Working copies by state, department and staleness",
        Listing("articles", Draft),
        needs=Action.EDIT,
        query=WorklistParams,
    )
)
def worklist(caller: Principal, query: WorklistParams):
    return wiring.editorial().worklist(query, caller)


@api.route(
    Operation(
        "POST",
        "/api/preview",
        "Lint and render Markdown without saving",
        Preview,
        needs=Action.EDIT,
        body=MarkdownRequest,
    )
)
def preview(caller: Principal, body: MarkdownRequest):
    return wiring.editorial().preview(body.markdown, caller)


# Running


@app.schedule("rate(1 minute)")
def maintenance(event):
    """Publish what is scheduled, keep the index snapshot fresh, summarise closed days for reports (no caller)."""
    wiring.maintenance()


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
    return _document()


@functools.cache
def _document() -> dict:
    return openapi_document(api.operations, PAGES)


from chalicelib.pages import PAGES, pages  # noqa: E402  (the pages go last, after every API route)

app.register_blueprint(pages)


if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):  # on Lambda: the index loads during init, not in a request
    wiring.warm()
