"""Use cases around answers: citizens' 好差评, agents' flags that become editors' tasks, the query log, clicks."""

import datetime as dt
import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, replace

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
    MyFlag,
    Task,
    UnansweredQuery,
)
from chalicelib.desk.questions import asked
from chalicelib.desk.store.log import Click, DeskLog, LoggedSearch, Tally, Vote
from chalicelib.desk.store.tasks import FlagTask
from chalicelib.errors import Conflict, Forbidden, NotFound, RateLimited, aws_error_code
from chalicelib.knowledge.changes import Published
from chalicelib.knowledge.models.reading import ArticleListParams, PopularArticle, SearchParams, SearchResult
from chalicelib.knowledge.reading import KnowledgeService
from chalicelib.paging import Page, PageParams, page_of
from chalicelib.people.access import Action, Principal, Reader
from chalicelib.search.textnorm import mask_pii

log = logging.getLogger(__name__)

FEEDBACK_PER_MINUTE = 10
CLICKS_PER_MINUTE = 60  # a call centre shares one address, and its agents open many answers a minute
FLAGS_PER_MINUTE = 5  # per person: an agent flags what a caller just said, not hundreds of answers
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
        log: DeskLog,
        knowledge: KnowledgeService,
        now: Callable[[], dt.datetime] = utc_now,
        query_log_days: int = QUERY_LOG_DAYS,
    ) -> None:
        self._log = log
        self._knowledge = knowledge
        self._now = now
        self._query_log_days = query_log_days
        self._popular: dict[Reader, tuple[float, list[PopularArticle]]] = {}

    def feedback(self, request: FeedbackRequest, principal: Principal, client: str) -> Accepted:
        principal.require(Action.FEEDBACK)
        district = self._district(request.district)
        now = self._now()
        self._limit("feedback", client, FEEDBACK_PER_MINUTE, now, "ratings")
        self._knowledge.article(request.article_id, principal.reader)  # 404 unless the caller may see it
        vote = Vote(
            article_id=request.article_id,
            helpful=request.helpful,
            query=mask_pii(request.query) if request.query else None,
            comment=mask_pii(request.comment) if request.comment else None,
            role=principal.role.value,
            client=client,
            at=now,
            district=district,
        )
        vote_id = self._log.add_vote(vote, ttl_days=self._query_log_days)
        if not request.helpful and vote.query:
            # A question whose answer did not help is a gap as much as one nothing answered.
            self._count_best_effort(Tally.UNHELPFUL, vote.query, now, district)
        return Accepted(id=f"{request.article_id}.{vote_id}")

    def comment(self, feedback_id: str, request: CommentRequest, principal: Principal, client: str) -> Accepted:
        """The optional comment after a one-tap 好差评: onto that same record, by the same client, within 30 minutes."""
        principal.require(Action.FEEDBACK)
        article_id, vote_id = feedback_id.split(".")
        since = self._now() - COMMENT_WINDOW
        vote = self._log.recent_vote(article_id, vote_id, since)
        if vote is None:
            raise NotFound("没有这条评价，或评价已超过 30 分钟，不能再补充留言", field="feedback_id")
        if vote.client != client:
            raise Forbidden("只有评价的人才能补充留言")
        refused = "这条评价已经有留言了"
        if vote.comment:
            raise Conflict(refused, field="comment")
        self._log.add_comment(article_id, vote_id, since, mask_pii(request.comment), refused)
        return Accepted(id=feedback_id)

    def click(self, request: ClickRequest, principal: Principal, client: str) -> Accepted:
        """Which hit of a search a reader opened; a click that `settles` its search also logs that search."""
        principal.require(Action.FEEDBACK)
        district = self._district(request.district)
        now = self._now()
        self._limit("clicks", client, CLICKS_PER_MINUTE, now, "clicks")
        self._knowledge.article(request.article_id, principal.reader)  # 404 unless the caller may see it
        # Logged as the settled search would have been: the same search, run again here, not by the page.
        settled = SearchParams(q=request.query, district=district) if request.settles else None
        result = self._knowledge.search(settled, principal.reader) if settled else None
        query, role = mask_pii(request.query), principal.role.value
        click = Click(query, request.article_id, request.position, role, client, district=district)
        click_id = self._log.add_click(china_date(now), click, now, ttl_days=self._query_log_days)
        if result is not None:
            self.log_search(request.query, result, principal, client)
        return Accepted(id=click_id)

    def feedback_summary(self, article_id: str, principal: Principal) -> FeedbackSummary:
        """好差评 on one article, for the editors of its department."""
        principal.require(Action.VIEW_TASKS)
        principal.require_covers(self._knowledge.article(article_id, Reader.AGENT).department)
        votes = self._log.votes(article_id)
        comments = [
            FeedbackComment(at=v.at, helpful=v.helpful, comment=v.comment, query=v.query)
            for v in reversed(votes)
            if v.comment
        ]
        helpful = sum(1 for v in votes if v.helpful)
        return FeedbackSummary(
            article_id=article_id, helpful=helpful, unhelpful=len(votes) - helpful, comments=comments[:20]
        )

    def unanswered(
        self, principal: Principal, days: int, limit: int, district: str | None = None
    ) -> list[UnansweredQuery]:
        """What people asked that nothing answered well, most asked first: where the knowledge base has gaps.

        Settled searches that found no good answer, and questions whose answer was rated 没帮助; for a district (its
        code, name or alias), the searches and votes made for it alone (those from before they carried a district
        count for the city only).
        """
        principal.require(Action.VIEW_TASKS)
        cut = self._district(district) or ""
        searches = self._recent_tallies(Tally.UNANSWERED, days, cut)
        unhelpful = self._recent_tallies(Tally.UNHELPFUL, days, cut)
        gaps = []
        for query in searches.keys() | unhelpful.keys():
            (found, typed), (rated, typed_too) = searches.get(query, (0, "")), unhelpful.get(query, (0, ""))
            gaps.append(
                UnansweredQuery(
                    query=query, asked=typed or typed_too, count=found + rated, searches=found, unhelpful=rated
                )
            )
        return sorted(gaps, key=lambda gap: (-gap.count, gap.query))[:limit]

    def flag(self, article_id: str, request: FlagRequest, principal: Principal) -> Accepted:
        """A task for the article's editors; the same problem flagged again while its task is open is counted on
        that task (`repeats`), not raised twice (found by one read of the article's open tasks). Each flag is also
        kept for its person's own list. At most FLAGS_PER_MINUTE a minute per person."""
        principal.require(Action.FLAG)
        district = self._district(request.district)
        article = self._knowledge.article(article_id, Reader.AGENT)
        now = self._now()
        self._limit("flags", principal.principal_id or principal.name, FLAGS_PER_MINUTE, now, "flags")
        comment = mask_pii(request.comment)
        tasks = self._log.tasks
        task = tasks.open_task(article.id, comment)
        if task is not None:
            tasks.repeat(task)
        else:
            raised = FlagTask(article.id, article.title, article.department, comment, principal.name, now)
            task = tasks.add(replace(raised, flagged_by_id=principal.identity, district=district))
        tasks.note_flag(principal.identity, task, comment, now, district)
        return Accepted(id=task.id)

    def my_flags(self, principal: Principal, limit: int) -> list[MyFlag]:
        """The caller's latest flags, newest first, one per task, each with its task's state: still open, or done
        (and by which published version)."""
        principal.require(Action.FLAG)
        mine: dict[str, MyFlag] = {}
        name_of = self._knowledge.directory().name_of
        for flag in self._log.tasks.flags_of(principal.identity, limit):
            task = flag.task
            if task is None or task.id in mine:
                continue
            mine[task.id] = MyFlag(
                task_id=task.id,
                article_id=flag.article_id,
                article_title=flag.article_title,
                comment=flag.comment,
                flagged_at=flag.at,
                status=task.status,
                fixed_version=task.fixed_version,
                closed_at=task.closed_at,
                district=flag.district,
                district_name=name_of(flag.district) if flag.district else None,
            )
        return list(mine.values())

    def close_fixed(self, published: Published) -> int:
        """A new version went live: the article's open tasks raised before that version was written are done, by
        whoever published it, with its number (a problem flagged after it was written was not fixed by it)."""
        closed = 0
        for task in self._log.tasks.open_tasks(published.article_id):
            if task.created_at < published.written_at:
                self._log.tasks.close(task, published.by, published.at, published.version)
                closed += 1
        return closed

    def tasks(self, principal: Principal, page: PageParams) -> Page[Task]:
        """Tasks on articles of the caller's departments, newest first, whatever has become of the article."""
        principal.require(Action.VIEW_TASKS)
        directory = self._knowledge.directory()
        tasks = [self._task(t, directory.name_of) for t in self._log.tasks.all() if principal.covers(t.department)]
        tasks.sort(key=lambda t: t.created_at, reverse=True)
        return page_of(tasks, lambda t: f"{t.created_at.isoformat()}|{t.id}", page)

    def close_task(self, task_id: str, principal: Principal) -> Task:
        """An editor of the article's department marks a flag as dealt with; it stays in the list, as done."""
        principal.require(Action.VIEW_TASKS)
        found = (t for t in self._log.tasks.all() if t.id == task_id and principal.covers(t.department))
        task = next(found, None)
        if task is None:
            raise NotFound(f"no task with id '{task_id}' for your departments", field="task_id")
        closed = self._log.tasks.close(task, principal.name, self._now())
        return self._task(closed, self._knowledge.directory().name_of)

    @staticmethod
    def _task(task: FlagTask, name_of: Callable[[str], str]) -> Task:
        """A task as editors read it (the flagger's principal id stays out: Task does not name it)."""
        district_name = name_of(task.district) if task.district else None
        return Task.model_validate(
            {**asdict(task), "department_name": name_of(task.department), "district_name": district_name}
        )

    def log_search(self, query: str, result: SearchResult, principal: Principal, client: str) -> None:
        """One query-log record per settled search, phone and ID numbers masked, kept QUERY_LOG_DAYS days.

        It also counts the search for 热门问题 (answered: its top hit) or 未解答的问题 (not answered).
        Best effort: a caller must get the answer even when the log cannot be written.
        """
        now = self._now()
        day = china_date(now)
        top = result.hits[0].id if result.hits else None
        masked = mask_pii(query)
        district = result.district.code if result.district else None
        search = LoggedSearch(
            masked, result.answered, top, len(result.hits), principal.role.value, client, district=district
        )
        try:
            self._log.log_search(day, search, now, ttl_days=self._query_log_days)
            if result.answered and top:
                self._log.tally(Tally.POPULAR, day, top, now, POPULAR_DAYS + 1)
            elif not result.answered:
                question = asked(masked)  # counted by its normalised form, shown as typed
                self._log.tally(Tally.UNANSWERED, day, question, now, UNANSWERED_DAYS + 1, shown=masked)
                if district:  # the district's gaps list too (GET /api/unanswered?district=)
                    self._log.tally(
                        Tally.UNANSWERED, day, question, now, UNANSWERED_DAYS + 1, district=district, shown=masked
                    )
        except (BotoCoreError, ClientError) as error:  # a timeout's HTTPClientError has no response at all
            log.error("query log not written: %s", aws_error_code(error))

    def _district(self, key: str | None) -> str | None:
        """The code of the district a request names (its code, name or alias); None: the city's; unknown: 400."""
        found = self._knowledge.directory().district_given(key)
        return found.code if found is not None else None

    def _limit(self, what: str, client: str, per_minute: int, now: dt.datetime, things: str) -> None:
        if self._log.count(what, client, now) > per_minute:
            raise RateLimited(f"at most {per_minute} {things} a minute; please try again shortly")

    def _count_best_effort(self, tally: Tally, question: str, now: dt.datetime, district: str | None) -> None:
        """A question's tally (by its normalised form, shown as typed), the city's and its district's, that must not
        fail the request it counts (a retried vote would be a second vote)."""
        try:
            for where in ("", district) if district else ("",):
                self._log.tally(
                    tally, china_date(now), asked(question), now, UNANSWERED_DAYS + 1, district=where, shown=question
                )
        except (BotoCoreError, ClientError) as error:
            log.error("gap tally not written: %s", aws_error_code(error))

    def popular(self, reader: Reader, limit: int) -> list[PopularArticle]:
        """The articles that answered most searches in the last POPULAR_DAYS days, among those the reader may see.

        Worked out at most every 30 s per container (one query per day of counts); an empty list is not kept.
        """
        checked_at, ranked = self._popular.get(reader, (float("-inf"), []))
        if time.monotonic() - checked_at > _POPULAR_CACHE_SECONDS:
            hits = {key: n for key, (n, _) in self._recent_tallies(Tally.POPULAR, POPULAR_DAYS).items()}
            visible = {a.id: a for a in self._knowledge.articles(ArticleListParams(), reader)}
            ranked = sorted(
                (PopularArticle(**visible[i].model_dump(), hits=n) for i, n in hits.items() if i in visible),
                key=lambda a: (-a.hits, a.title),
            )
            if ranked:
                self._popular[reader] = (time.monotonic(), ranked)
        return ranked[:limit]

    def _recent_tallies(self, tally: Tally, days: int, district: str = "") -> dict[str, tuple[int, str]]:
        """Daily counts summed over the last `days` days, today included (one query per day), each key with how it
        was typed on the latest day that counted it."""
        today = china_date(self._now())
        totals: dict[str, tuple[int, str]] = {}
        for days_ago in range(days):
            for key, (count, shown) in self._log.tallies(tally, today - dt.timedelta(days_ago), district).items():
                total, latest = totals.get(key, (0, shown))
                totals[key] = (total + count, latest)
        return totals
