"""Use cases around answers: citizens' 好差评, agents' flags that become editors' tasks, the query log, clicks."""

import datetime as dt
import hashlib
import hmac
import logging
import time
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.clock import china_date, utc_now
from chalicelib.desk.models.feedback import (
    Accepted,
    ClickRequest,
    CommentRequest,
    FeedbackComment,
    FeedbackRequest,
    FeedbackSummary,
    FlagRequest,
    Task,
    UnansweredQuery,
)
from chalicelib.desk.questions import asked
from chalicelib.errors import Conflict, Forbidden, NotFound, RateLimited, aws_error_code
from chalicelib.knowledge.models.reading import ArticleListParams, PopularArticle, SearchParams, SearchResult
from chalicelib.knowledge.reading import KnowledgeService
from chalicelib.people.access import Action, Principal, Reader
from chalicelib.search.textnorm import mask_pii
from chalicelib.store.records import RecordStore

log = logging.getLogger(__name__)

FEEDBACK_PER_MINUTE = 10
CLICKS_PER_MINUTE = 60  # a call centre shares one address, and its agents open many answers a minute
COMMENT_WINDOW = dt.timedelta(minutes=30)  # how long after a 好差评 its comment may follow
QUERY_LOG_DAYS = 180
POPULAR_DAYS = 7  # "hot questions" are what searches answered over the last week
UNANSWERED_DAYS = 30  # questions nothing answered, kept for editors to find gaps
_POPULAR_CACHE_SECONDS = 30.0


def client_id(source_ip: str, salt: str) -> str:
    """A stable pseudonym for a client: the IP itself is never stored."""
    return hmac.new(salt.encode("utf-8"), source_ip.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


class FeedbackDesk:
    """Records what readers say about answers and routes agents' flags to the right department."""

    def __init__(
        self,
        records: RecordStore,
        knowledge: KnowledgeService,
        now: Callable[[], dt.datetime] = utc_now,
        query_log_days: int = QUERY_LOG_DAYS,
    ) -> None:
        self._records = records
        self._knowledge = knowledge
        self._now = now
        self._query_log_days = query_log_days
        self._popular: dict[Reader, tuple[float, list[PopularArticle]]] = {}

    def feedback(self, request: FeedbackRequest, principal: Principal, client: str) -> Accepted:
        principal.require(Action.FEEDBACK)
        now = self._now()
        self._limit(f"feedback#{client}", FEEDBACK_PER_MINUTE, now, "ratings")
        self._knowledge.article(request.article_id, principal.reader)  # 404 unless the caller may see it
        record = {
            "article_id": request.article_id,
            "helpful": request.helpful,
            "comment": mask_pii(request.comment) if request.comment else None,
            "query": mask_pii(request.query) if request.query else None,
            "role": principal.role.value,
            "client": client,
            "at": now.isoformat(),
        }
        record_id = self._records.add(_feedback_partition(request.article_id), record, now)
        if not request.helpful and request.query:
            # A question whose answer did not help is a gap as much as one nothing answered.
            self._count_best_effort(_unhelpful_partition(china_date(now)), asked(mask_pii(request.query)), now)
        return Accepted(id=f"{request.article_id}.{record_id}")

    def comment(self, feedback_id: str, request: CommentRequest, principal: Principal, client: str) -> Accepted:
        """The optional comment after a one-tap 好差评: onto that same record, by the same client, within 30 minutes."""
        principal.require(Action.FEEDBACK)
        article_id, record_id = feedback_id.split(".")
        since = self._now() - COMMENT_WINDOW
        partition = _feedback_partition(article_id)
        record = self._records.find(partition, record_id, since)
        if record is None:
            raise NotFound("没有这条评价，或评价已超过 30 分钟，不能再补充留言", field="feedback_id")
        if record.get("client") != client:
            raise Forbidden("只有评价的人才能补充留言")
        refused = "这条评价已经有留言了"
        if record.get("comment"):
            raise Conflict(refused, field="comment")
        self._records.fill(partition, record_id, since, "comment", mask_pii(request.comment), refused)
        return Accepted(id=feedback_id)

    def click(self, request: ClickRequest, principal: Principal, client: str) -> Accepted:
        """Which hit of a search a reader opened; a click that `settles` its search also logs that search."""
        principal.require(Action.FEEDBACK)
        now = self._now()
        self._limit(f"clicks#{client}", CLICKS_PER_MINUTE, now, "clicks")
        self._knowledge.article(request.article_id, principal.reader)  # 404 unless the caller may see it
        record = {
            "query": mask_pii(request.query),
            "article_id": request.article_id,
            "position": request.position,
            "role": principal.role.value,
            "client": client,
        }
        day = china_date(now).isoformat()
        click_id = self._records.add(f"CLICKS#{day}", record, now, ttl_days=self._query_log_days)
        if request.settles:
            # Logged as the settled search would have been: the same search, run again here, not by the page.
            result = self._knowledge.search(SearchParams(q=request.query), principal.reader)
            self.log_search(request.query, result, principal, client)
        return Accepted(id=click_id)

    def feedback_summary(self, article_id: str, principal: Principal) -> FeedbackSummary:
        """好差评 on one article, for the editors of its department."""
        principal.require(Action.VIEW_TASKS)
        principal.require_covers(self._knowledge.article(article_id, Reader.AGENT).department)
        records = self._records.all(_feedback_partition(article_id))
        comments = [FeedbackComment.model_validate(r) for r in reversed(records) if r.get("comment")]
        helpful = sum(1 for r in records if r.get("helpful"))
        return FeedbackSummary(
            article_id=article_id, helpful=helpful, unhelpful=len(records) - helpful, comments=comments[:20]
        )

    def unanswered(self, principal: Principal, days: int, limit: int) -> list[UnansweredQuery]:
        """What people asked that nothing answered well, most asked first: where the knowledge base has gaps.

        Settled searches that found no good answer, and questions whose answer was rated 没帮助.
        """
        principal.require(Action.VIEW_TASKS)
        searches = self._recent_tallies(_unanswered_partition, days)
        unhelpful = self._recent_tallies(_unhelpful_partition, days)
        gaps = []
        for query in searches.keys() | unhelpful.keys():
            found, rated = searches.get(query, 0), unhelpful.get(query, 0)
            gaps.append(UnansweredQuery(query=query, count=found + rated, searches=found, unhelpful=rated))
        return sorted(gaps, key=lambda gap: (-gap.count, gap.query))[:limit]

    def flag(self, article_id: str, request: FlagRequest, principal: Principal) -> Accepted:
        principal.require(Action.FLAG)
        article = self._knowledge.article(article_id, Reader.AGENT)
        now = self._now()
        record = {
            "article_id": article.id,
            "article_title": article.title,
            "department": article.department,
            "comment": mask_pii(request.comment),
            "flagged_by": principal.name,
            "created_at": now.isoformat(),
            "status": "open",
        }
        return Accepted(id=self._records.add(_TASKS, record, now))

    def tasks(self, principal: Principal) -> list[Task]:
        """Tasks on articles of the caller's departments, newest first, whatever has become of the article."""
        principal.require(Action.VIEW_TASKS)
        directory = self._knowledge.directory()
        tasks = [
            Task.model_validate({**r, "department_name": directory.name_of(r["department"])})
            for r in self._records.all(_TASKS)
            if principal.covers(r["department"])
        ]
        return sorted(tasks, key=lambda t: t.created_at, reverse=True)

    def close_task(self, task_id: str, principal: Principal) -> Task:
        """An editor of the article's department marks a flag as dealt with; it stays in the list, as done."""
        principal.require(Action.VIEW_TASKS)
        task = next((t for t in self.tasks(principal) if t.id == task_id), None)
        if task is None:
            raise NotFound(f"no task with id '{task_id}' for your departments", field="task_id")
        changes = {"status": "done", "closed_by": principal.name, "closed_at": self._now().isoformat()}
        self._records.update(_TASKS, task_id, changes)
        return Task.model_validate({**task.model_dump(), **changes})

    def log_search(self, query: str, result: SearchResult, principal: Principal, client: str) -> None:
        """One query-log record per settled search, phone and ID numbers masked, kept QUERY_LOG_DAYS days.

        It also counts the search for 热门问题 (answered: its top hit) or 未解答的问题 (not answered).
        Best effort: a caller must get the answer even when the log cannot be written.
        """
        now = self._now()
        record = {
            "query": (masked := mask_pii(query)),
            "answered": result.answered,
            "top": result.hits[0].id if result.hits else None,
            "hits": len(result.hits),
            "role": principal.role.value,
            "client": client,
        }
        try:
            self._records.add(f"QUERYLOG#{china_date(now).isoformat()}", record, now, ttl_days=self._query_log_days)
            if result.answered and result.hits:
                self._records.tally(_popular_partition(china_date(now)), result.hits[0].id, now, POPULAR_DAYS + 1)
            elif not result.answered:
                self._records.tally(_unanswered_partition(china_date(now)), asked(masked), now, UNANSWERED_DAYS + 1)
        except (BotoCoreError, ClientError) as error:  # a timeout's HTTPClientError has no response at all
            log.error("query log not written: %s", aws_error_code(error))

    def _limit(self, what: str, per_minute: int, now: dt.datetime, things: str) -> None:
        if self._records.count(what, now.strftime("%Y%m%d%H%M"), 120, now) > per_minute:
            raise RateLimited(f"at most {per_minute} {things} a minute; please try again shortly")

    def _count_best_effort(self, partition: str, key: str, now: dt.datetime) -> None:
        """A tally that must not fail the request it counts (a retried vote would be a second vote)."""
        try:
            self._records.tally(partition, key, now, UNANSWERED_DAYS + 1)
        except (BotoCoreError, ClientError) as error:
            log.error("gap tally not written: %s", aws_error_code(error))

    def popular(self, reader: Reader, limit: int) -> list[PopularArticle]:
        """The articles that answered most searches in the last POPULAR_DAYS days, among those the reader may see.

        Worked out at most every 30 s per container (one query per day of counts); an empty list is not kept.
        """
        checked_at, ranked = self._popular.get(reader, (float("-inf"), []))
        if time.monotonic() - checked_at > _POPULAR_CACHE_SECONDS:
            hits = self._recent_tallies(_popular_partition, POPULAR_DAYS)
            visible = {a.id: a for a in self._knowledge.articles(ArticleListParams(), reader)}
            ranked = sorted(
                (PopularArticle(**visible[i].model_dump(), hits=n) for i, n in hits.items() if i in visible),
                key=lambda a: (-a.hits, a.title),
            )
            if ranked:
                self._popular[reader] = (time.monotonic(), ranked)
        return ranked[:limit]

    def _recent_tallies(self, partition: Callable[[dt.date], str], days: int) -> dict[str, int]:
        """Daily counts summed over the last `days` days, today included: one query per day."""
        today = china_date(self._now())
        totals: dict[str, int] = {}
        for days_ago in range(days):
            for key, count in self._records.tallies(partition(today - dt.timedelta(days_ago))).items():
                totals[key] = totals.get(key, 0) + count
        return totals


# Flags are few (a handful a day), so one partition holds them all and a listing is one query.
_TASKS = "TASKS"


def _feedback_partition(article_id: str) -> str:
    return f"FEEDBACK#{article_id}"


def _popular_partition(day: dt.date) -> str:
    return f"POPULAR#{day.isoformat()}"


def _unanswered_partition(day: dt.date) -> str:
    return f"UNANSWERED#{day.isoformat()}"


def _unhelpful_partition(day: dt.date) -> str:
    return f"UNHELPFUL#{day.isoformat()}"
