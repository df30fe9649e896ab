"""What readers say: 好差评, clicks, flags that become tasks, the gaps nothing answered, and reports."""

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.desk.models.feedback import (
    FEEDBACK_ID_PATTERN,
    Accepted,
    ClickRequest,
    CommentRequest,
    FeedbackRequest,
    FeedbackSummary,
    FlagRequest,
    MyFlag,
    MyFlagsParams,
    Task,
    UnansweredParams,
    UnansweredQuery,
)
from chalicelib.desk.models.reports import DrawnReport, Report, ReportParams
from chalicelib.paging import PageParams
from chalicelib.people.access import Action, Principal
from chalicelib.web.http_api import JsonApi
from chalicelib.web.operations import ARTICLE, Listing, Operation

routes = Blueprint(__name__)
api = JsonApi(routes)


@api.route(
    Operation(
        "POST",
        "/api/feedback",
        "Rate an answer (好差评)",
        Accepted,
        needs=Action.FEEDBACK,
        status=201,
        errors=(404, 429),
    )
)
def feedback(caller: Principal, body: FeedbackRequest, client: str):
    return wiring.desk().feedback(body, caller, client)


@api.route(
    Operation(
        "POST",
        "/api/feedback/{feedback_id}/comment",
        "Add the optional comment to one's own 好差评, within 30 minutes of the vote (never a second vote)",
        Accepted,
        needs=Action.FEEDBACK,
        errors=(403, 404, 409),
        path_schemas={"feedback_id": {"type": "string", "pattern": FEEDBACK_ID_PATTERN, "maxLength": 113}},
    )
)
def feedback_comment(feedback_id: str, caller: Principal, body: CommentRequest, client: str):
    return wiring.desk().comment(feedback_id, body, caller, client)


@api.route(
    Operation(
        "POST",
        "/api/clicks",
        "Record which hit of a search was opened (settles the search if the page had not)",
        Accepted,
        needs=Action.FEEDBACK,
        status=202,
        errors=(404, 429),
    )
)
def click(caller: Principal, body: ClickRequest, client: str):
    return wiring.desk().click(body, caller, client)


@api.route(
    Operation(
        "POST",
        f"{ARTICLE}/flags",
        "Flag an answer as outdated or wrong (agents and up)",
        Accepted,
        needs=Action.FLAG,
        status=201,
        errors=(404,),
    )
)
def flag(article_id: str, caller: Principal, body: FlagRequest):
    return wiring.desk().flag(article_id, body, caller)


@api.route(
    Operation(
        "GET",
        "/api/flags/mine",
        "The caller's own latest flags, each with its task: open, or done (and the version that fixed it)",
        Listing("flags", MyFlag),
        needs=Action.FLAG,
    )
)
def my_flags(caller: Principal, query: MyFlagsParams):
    return wiring.desk().my_flags(caller, query.limit)


@api.route(
    Operation(
        "GET",
        "/api/tasks",
        "Tasks raised by flags, for the caller's departments, newest first, a page at a time",
        Listing("tasks", Task, paged=True),
        needs=Action.VIEW_TASKS,
    )
)
def tasks(caller: Principal, query: PageParams):
    return wiring.desk().tasks(caller, query)


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
    )
)
def unanswered(caller: Principal, query: UnansweredParams):
    return wiring.desk().unanswered(caller, query.days, query.limit, query.district)


@api.route(
    Operation(
        "GET",
        "/api/reports",
        "A day's, week's or month's searches, gaps, articles and surges (Beijing time; editors: their departments)",
        Report,
        needs=Action.VIEW_TASKS,
    )
)
def reports(caller: Principal, query: ReportParams):
    return wiring.reports().report(query, caller)


@api.route(
    Operation(
        "GET",
        "/api/reports/drawn",
        "The same report with its summary figures and SVG charts drawn, as the editor console shows it",
        DrawnReport,
        needs=Action.VIEW_TASKS,
    )
)
def drawn_report(caller: Principal, query: ReportParams):
    return wiring.reports().drawn(query, caller)
