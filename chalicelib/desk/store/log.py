"""The desk's records on the table: 好差评 per article, the tasks flags raise (`tasks`, in desk/store/tasks.py),
the query log and clicks per day, the daily tallies behind hot questions and the gaps list, and per-client rate
counters.

The key layouts live here alone (`FEEDBACK#<article>`, `QUERYLOG#<date>`, `CLICKS#<date>`, `POPULAR#`,
`UNANSWERED#`, `UNHELPFUL#<date>`, and a district's own `UNANSWERED@<district>#` and `UNHELPFUL@<district>#<date>`;
the tasks' in tasks.py); the desk reads and writes the named records below, never items or partition strings.
Records go through the generic `RecordStore` (time-sorted, some with a TTL).
"""

import datetime as dt
import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.clock import china_date
from chalicelib.desk.store.tasks import TaskStore
from chalicelib.errors import aws_error_code
from chalicelib.store.records import RecordStore

log = logging.getLogger(__name__)

_VOTES_BY_DAY = "votes-by-day"


class Tally(StrEnum):
    """Daily counts: searches answered, by top article (hot questions); questions nothing answered; questions
    whose answer was rated 没帮助 (both the gaps list)."""

    POPULAR = "POPULAR"
    UNANSWERED = "UNANSWERED"
    UNHELPFUL = "UNHELPFUL"


@dataclass(frozen=True)
class Vote:
    """One 好差评 on an article; `at` is when it was given."""

    article_id: str
    helpful: bool
    query: str | None
    comment: str | None
    role: str
    client: str
    at: dt.datetime | None  # None only for votes kept before their time was recorded
    id: str = ""
    district: str | None = None  # the code of the district the article was read for; older votes have none


@dataclass(frozen=True)
class LoggedSearch:
    """A settled search as the query log keeps it: the query masked, whether it was answered, its top hit, and the
    district it was answered for (the caller's, given or named in the query; None: the city's)."""

    query: str
    answered: bool
    top: str | None
    hits: int
    role: str
    client: str
    at: dt.datetime | None = None  # known once read back
    district: str | None = None  # a district's code; records written before districts have none


@dataclass(frozen=True)
class Click:
    """A hit a reader opened, at its position in the results, and the district the hits were shown for."""

    query: str
    article_id: str
    position: int
    role: str
    client: str
    at: dt.datetime | None = None  # known once read back
    district: str | None = None  # a district's code; clicks kept before districts have none


class DeskLog:
    """What readers say and do, on the table. One instance per table, handed to the desks that use it."""

    def __init__(self, records: RecordStore) -> None:
        self._records = records
        self.tasks = TaskStore(records)  # the tasks flags raise
        self._by_day_marked = False  # this container has made sure the table says since when votes are by day

    # 好差评

    def add_vote(self, vote: Vote, ttl_days: int) -> str:
        """The vote under its article (for the article's 好差评), and a copy under its day (for reports, which
        then read a day's votes with one query, however many articles there are)."""
        at = _given(vote)
        self._mark_votes_by_day(china_date(at) + dt.timedelta(days=1))
        vote_id = self._records.add(_votes(vote.article_id), _vote_record(vote), at)
        try:  # the vote is kept: a request failed now would be retried, and the retry would be a second vote
            copy = {**_vote_record(vote), "vote_id": vote_id}
            self._records.add(_dated("VOTES", china_date(at)), copy, at, ttl_days)
        except (BotoCoreError, ClientError) as error:
            log.error("a vote's copy by day was not written (reports will miss it): %s", aws_error_code(error))
        return vote_id

    def add_votes(self, votes: list[Vote], ttl_days: int) -> None:
        """Many votes at once, in batches, with their copies by day (seeding a table: kb demo-traffic)."""
        if not votes:
            return
        self._mark_votes_by_day(min(china_date(_given(v)) for v in votes))
        by_article: dict[str, list[Vote]] = {}
        by_day: dict[dt.date, list[Vote]] = {}
        for vote in votes:
            by_article.setdefault(vote.article_id, []).append(vote)
            by_day.setdefault(china_date(_given(vote)), []).append(vote)
        for article_id, given in by_article.items():
            self._records.add_many(_votes(article_id), [(_given(v), _vote_record(v)) for v in given], None)
        for day, given in by_day.items():
            self._records.add_many(_dated("VOTES", day), [(_given(v), _vote_record(v)) for v in given], ttl_days)

    def votes_by_day_since(self) -> dt.date | None:
        """The first day whose votes are all kept by day too; earlier days' are under their articles only."""
        since = self._records.mark(_VOTES_BY_DAY)
        return dt.date.fromisoformat(since) if since else None

    def votes_on(self, day: dt.date, start: dt.datetime, end: dt.datetime) -> list[Vote]:
        """A day's votes within [start, end), every article's, from the day's copies (one paged query)."""
        return [
            _vote(r.record["article_id"], r.record, r.at)
            for r in self._records.between(_dated("VOTES", day), start, end)
        ]

    def _mark_votes_by_day(self, day: dt.date) -> None:
        """The first vote a release writes says from which day on every vote is kept by day: the next day
        (today's earlier votes, if any, are under their articles only); for a batch, its first day."""
        if not self._by_day_marked:
            self._records.mark_once(_VOTES_BY_DAY, day.isoformat())
            self._by_day_marked = True

    def recent_vote(self, article_id: str, vote_id: str, since: dt.datetime) -> Vote | None:
        """One vote given at or after `since`, by its id."""
        record = self._records.find(_votes(article_id), vote_id, since)
        return _vote(article_id, record, None) if record else None

    def add_comment(self, article_id: str, vote_id: str, since: dt.datetime, comment: str, refused: str) -> None:
        """The comment after a vote, onto that vote if it has none yet (Conflict(refused) otherwise)."""
        self._records.fill(_votes(article_id), vote_id, since, "comment", comment, refused)

    def votes(self, article_id: str) -> list[Vote]:
        """Every vote on an article, oldest first."""
        return [_vote(article_id, record, None) for record in self._records.all(_votes(article_id))]

    def votes_between(self, article_id: str, start: dt.datetime, end: dt.datetime) -> list[Vote]:
        return [_vote(article_id, r.record, r.at) for r in self._records.between(_votes(article_id), start, end)]

    # The query log and clicks, one partition per Beijing-time day

    def log_search(self, day: dt.date, search: LoggedSearch, now: dt.datetime, ttl_days: int) -> None:
        self._records.add(_dated("QUERYLOG", day), _search_record(search), now, ttl_days=ttl_days)

    def log_searches(self, day: dt.date, searches: list[LoggedSearch], ttl_days: int) -> None:
        """A day's searches at once (each with its time), in batches: seeding a table (kb demo-traffic)."""
        records = [(_timed(s.at), _search_record(s)) for s in searches]
        self._records.add_many(_dated("QUERYLOG", day), records, ttl_days)

    def searches(self, day: dt.date) -> list[LoggedSearch]:
        """A day's logged searches, oldest first."""
        return [_search(record, None) for record in self._records.all(_dated("QUERYLOG", day))]

    def searches_between(self, day: dt.date, start: dt.datetime, end: dt.datetime) -> list[LoggedSearch]:
        return [_search(r.record, r.at) for r in self._records.between(_dated("QUERYLOG", day), start, end)]

    def add_click(self, day: dt.date, click: Click, now: dt.datetime, ttl_days: int) -> str:
        return self._records.add(_dated("CLICKS", day), _click_record(click), now, ttl_days=ttl_days)

    def add_clicks(self, day: dt.date, clicks: list[Click], ttl_days: int) -> None:
        """A day's clicks at once (each with its time), in batches: seeding a table (kb demo-traffic)."""
        self._records.add_many(_dated("CLICKS", day), [(_timed(c.at), _click_record(c)) for c in clicks], ttl_days)

    def clicks_between(self, day: dt.date, start: dt.datetime, end: dt.datetime) -> list[Click]:
        return [_click(r.record, r.at) for r in self._records.between(_dated("CLICKS", day), start, end)]

    # Counts

    def tally(
        self,
        tally: Tally,
        day: dt.date,
        key: str,
        now: dt.datetime,
        ttl_days: int,
        by: int = 1,
        district: str = "",
        shown: str = "",
    ) -> None:
        """One more `key` on a day; with a district, in that district's own count (the city's is counted apart);
        `shown`: the key as typed, when the key is a question's normalised form."""
        self._records.tally(_dated(_tally_kind(tally, district), day), key, now, ttl_days, by, shown)

    def tallies(self, tally: Tally, day: dt.date, district: str = "") -> dict[str, tuple[int, str]]:
        """A day's counts, each with its key as typed (the key itself when none was kept)."""
        return self._records.shown_tallies(_dated(_tally_kind(tally, district), day))

    def count(self, what: str, client: str, now: dt.datetime) -> int:
        """One more `what` (ratings, clicks) by a client this minute; how many it has made in it."""
        return self._records.count(f"{what}#{client}", now.strftime("%Y%m%d%H%M"), 120, now)


def _timed(at: dt.datetime | None) -> dt.datetime:
    if at is None:
        raise ValueError("a record written in a batch carries its own time")
    return at


def _given(vote: Vote) -> dt.datetime:
    if vote.at is None:
        raise ValueError("a new vote carries the time it was given")
    return vote.at


def _fields(record: Vote | LoggedSearch | Click, *left_out: str) -> dict[str, Any]:
    """A named record's fields as item attributes (times as ISO text), less those the item does not keep."""
    values = {name: getattr(record, name) for name in record.__dataclass_fields__ if name not in left_out}
    return {name: v.isoformat() if isinstance(v, dt.datetime) else v for name, v in values.items()}


def _vote_record(vote: Vote) -> dict[str, Any]:
    _given(vote)
    return _fields(vote, "id")


def _search_record(search: LoggedSearch) -> dict[str, Any]:
    return _fields(search, "at")  # the sort key holds the time


def _click_record(click: Click) -> dict[str, Any]:
    return _fields(click, "at")


def _votes(article_id: str) -> str:
    return f"FEEDBACK#{article_id}"


def _dated(kind: str, day: dt.date) -> str:
    return f"{kind}#{day.isoformat()}"


def _tally_kind(tally: Tally, district: str) -> str:
    return f"{tally.value}@{district}" if district else tally.value


def _vote(article_id: str, record: dict[str, Any], at: dt.datetime | None) -> Vote:
    given = at or (dt.datetime.fromisoformat(record["at"]) if record.get("at") else None)
    return Vote(
        article_id=article_id,
        helpful=bool(record.get("helpful")),
        query=record.get("query"),
        comment=record.get("comment"),
        role=record.get("role") or "",
        client=record.get("client") or "",
        at=given,
        id=record.get("id") or "",
        district=record.get("district") or None,
    )


def _search(record: dict[str, Any], at: dt.datetime | None) -> LoggedSearch:
    return LoggedSearch(
        query=record.get("query") or "",
        answered=bool(record.get("answered")),
        top=record.get("top"),
        hits=int(record.get("hits") or 0),
        role=record.get("role") or "",
        client=record.get("client") or "",
        at=at,
        district=record.get("district") or None,
    )


def _click(record: dict[str, Any], at: dt.datetime | None) -> Click:
    return Click(
        query=record.get("query") or "",
        article_id=record.get("article_id") or "",
        position=int(record.get("position") or 0),
        role=record.get("role") or "",
        client=record.get("client") or "",
        at=at,
        district=record.get("district") or None,
    )
