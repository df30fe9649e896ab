"""Use cases around answers: citizens' 好差评, agents' flags that become editors' tasks, the query log."""

import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.access import Action, Principal
from chalicelib.errors import RateLimited
from chalicelib.models import Accepted, FeedbackRequest, FlagRequest, Reader, SearchResult, Task
from chalicelib.service import KnowledgeService
from chalicelib.store import KnowledgeStore
from chalicelib.textnorm import mask_pii

log = logging.getLogger(__name__)

FEEDBACK_PER_MINUTE = 10
QUERY_LOG_DAYS = 180


def client_id(source_ip: str, salt: str) -> str:
    """A stable pseudonym for a client: the IP itself is never stored."""
    return hmac.new(salt.encode("utf-8"), source_ip.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


class FeedbackDesk:
    """Records what readers say about answers and routes agents' flags to the right department."""

    def __init__(
        self,
        store: KnowledgeStore,
        knowledge: KnowledgeService,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        query_log_days: int = QUERY_LOG_DAYS,
    ) -> None:
        self._store = store
        self._knowledge = knowledge
        self._now = now
        self._query_log_days = query_log_days

    def feedback(self, request: FeedbackRequest, principal: Principal, client: str) -> Accepted:
        principal.require(Action.FEEDBACK)
        now = self._now()
        if self._store.count(f"feedback#{client}", now.strftime("%Y%m%d%H%M"), 120, now) > FEEDBACK_PER_MINUTE:
            raise RateLimited(f"at most {FEEDBACK_PER_MINUTE} ratings a minute; please try again shortly")
        self._knowledge.article(request.article_id, principal.reader)  # 404 unless the caller may see it
        record = {
            "article_id": request.article_id,
            "helpful": request.helpful,
            "comment": mask_pii(request.comment) if request.comment else None,
            "query": mask_pii(request.query) if request.query else None,
            "role": principal.role.value,
            "client": client,
        }
        return Accepted(id=self._store.add_record(f"FEEDBACK#{request.article_id}", record, now))

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
        return Accepted(id=self._store.add_record(f"TASK#{article.department}", record, now))

    def tasks(self, principal: Principal) -> list[Task]:
        """Tasks raised on articles of the caller's departments, newest first."""
        principal.require(Action.VIEW_TASKS)
        tasks = [
            Task.model_validate(record)
            for department in self._knowledge.departments()
            if principal.covers(department)
            for record in self._store.records(f"TASK#{department}")
        ]
        return sorted(tasks, key=lambda t: t.created_at, reverse=True)

    def log_search(self, query: str, result: SearchResult, principal: Principal, client: str) -> None:
        """One query-log record per search, phone and ID numbers masked, kept QUERY_LOG_DAYS days.

        Best effort: a caller must get the answer even when the log cannot be written.
        """
        now = self._now()
        record = {
            "query": mask_pii(query),
            "answered": result.answered,
            "top": result.hits[0].id if result.hits else None,
            "hits": len(result.hits),
            "role": principal.role.value,
            "client": client,
        }
        try:
            self._store.add_record(f"QUERYLOG#{now.date().isoformat()}", record, now, ttl_days=self._query_log_days)
        except (BotoCoreError, ClientError) as error:
            log.error("query log not written: %s", getattr(error, "response", {}).get("Error", {}).get("Code", error))
