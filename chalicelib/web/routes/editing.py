"""The editorial workflow: every reply that is a working copy carries its revision as the ETag."""

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.knowledge.models.editing import (
    ArchiveRequest,
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
from chalicelib.people.access import Action, Principal
from chalicelib.web.http_api import JsonApi
from chalicelib.web.operations import ARTICLE, IfMatch, Listing, Operation

routes = Blueprint(__name__)
api = JsonApi(routes)

VERSION_NUMBER = {"type": "string", "pattern": "^[0-9]{1,9}$"}


def _step(
    name: str, summary: str, needs: Action, optional: bool = True, if_match: IfMatch = IfMatch.OPTIONAL
) -> Operation:
    return Operation(
        "POST",
        f"{ARTICLE}/{name}",
        summary,
        Draft,
        needs=needs,
        body_optional=optional,
        if_match=if_match,
        etag=True,
        errors=(404,),
    )


@api.route(
    Operation(
        "POST",
        "/api/articles",
        "Create an article as a draft (saved even with lint problems)",
        Draft,
        needs=Action.EDIT,
        status=201,
        errors=(409,),
        etag=True,
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
        etag=True,
    )
)
def draft(article_id: str, caller: Principal):
    return wiring.editorial_reads().draft(article_id, caller)


@api.route(
    Operation(
        "PUT",
        f"{ARTICLE}/draft",
        "Save a new version (If-Match required; saved even with lint problems)",
        Draft,
        needs=Action.EDIT,
        if_match=IfMatch.REQUIRED,
        errors=(404,),
        etag=True,
    )
)
def save_draft(article_id: str, caller: Principal, body: MarkdownRequest, if_match: int | None):
    return wiring.editorial().save(article_id, body, if_match, caller)


@api.route(_step("submit", "Submit the working copy for review (refused while it has lint problems)", Action.EDIT))
def submit(article_id: str, caller: Principal, body: MessageRequest, if_match: int | None):
    return wiring.editorial().submit(article_id, body.note, if_match, caller)


# Approving and publishing name the revision the reviewer read: a change saved after it was loaded must be
# read before it can go live.
@api.route(
    _step(
        "approve",
        "Approve the revision read, or confirm its archive request (If-Match required; reviewers who took no part)",
        Action.REVIEW,
        if_match=IfMatch.REQUIRED,
    )
)
def approve(article_id: str, caller: Principal, body: MessageRequest, if_match: int | None):
    return wiring.editorial().approve(article_id, body.note, if_match, caller)


@api.route(
    _step("reject", "Send a change back to draft, or refuse an archive request, with a comment", Action.REVIEW, False)
)
def reject(article_id: str, caller: Principal, body: RejectRequest, if_match: int | None):
    return wiring.editorial().reject(article_id, body.comment, if_match, caller)


@api.route(
    _step(
        "publish",
        "Publish the approved revision read, now or at `at` (If-Match required; reviewers)",
        Action.REVIEW,
        if_match=IfMatch.REQUIRED,
    )
)
def publish(article_id: str, caller: Principal, body: PublishRequest, if_match: int | None):
    return wiring.editorial().publish(article_id, body, if_match, caller)


# Archiving takes two people: one asks, with a reason; another reviewer confirms it by approving the revision they
# read (or rejects it). Until then the article stays in search.
@api.route(
    _step(
        "archive",
        "Ask for the article to leave search, with a reason (editors and up; another reviewer confirms by approving)",
        Action.EDIT,
        optional=False,
    )
)
def archive(article_id: str, caller: Principal, body: ArchiveRequest, if_match: int | None):
    return wiring.editorial().request_archive(article_id, body.comment, if_match, caller)


@api.route(_step("archive/withdraw", "Withdraw one's own request to archive", Action.EDIT))
def withdraw_archive(article_id: str, caller: Principal, body: MessageRequest, if_match: int | None):
    return wiring.editorial().withdraw_archive(article_id, body.note, if_match, caller)


@api.route(
    Operation(
        "POST",
        f"{ARTICLE}/rollback",
        "A new version with the text of an old one (If-Match required)",
        Draft,
        needs=Action.EDIT,
        if_match=IfMatch.REQUIRED,
        errors=(404,),
        etag=True,
    )
)
def rollback(article_id: str, caller: Principal, body: RollbackRequest, if_match: int | None):
    return wiring.editorial().rollback(article_id, body, if_match, caller)


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
    return wiring.editorial_reads().versions(article_id, caller)


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
    return wiring.editorial_reads().version(article_id, int(number), caller)


@api.route(
    Operation(
        "GET",
        f"{ARTICLE}/diff",
        "What changed between two versions: every line, and the changed lines word by word",
        Diff,
        needs=Action.EDIT,
        errors=(404,),
    )
)
def diff(article_id: str, caller: Principal, query: DiffParams):
    return wiring.editorial_reads().diff(article_id, query.from_version, query.to_version, caller)


@api.route(
    Operation(
        "GET",
        "/api/audit",
        "Audit entries, newest first (the caller's departments)",
        Listing("entries", AuditEntry),
        needs=Action.EDIT,
        errors=(404,),
    )
)
def audit(caller: Principal, query: AuditParams):
    return wiring.editorial_reads().audit(caller, query.article)


@api.route(
    Operation(
        "GET",
        "/api/worklist",
        "Working copies by state, department and staleness, last changed first, a page at a time",
        Listing("articles", Draft, paged=True),
        needs=Action.EDIT,
    )
)
def worklist(caller: Principal, query: WorklistParams):
    return wiring.editorial_reads().worklist(query, caller)


@api.route(
    Operation(
        "POST",
        "/api/preview",
        "Lint and render Markdown without saving",
        Preview,
        needs=Action.EDIT,
    )
)
def preview(caller: Principal, body: MarkdownRequest):
    return wiring.editorial_reads().preview(body.markdown, caller)
