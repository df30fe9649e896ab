"""kb demo-traffic: weeks of made-up hotline traffic in the local table, so `make run` shows full reports.

Settled searches follow a Beijing-time rhythm (quiet nights, morning and afternoon peaks, calm weekends);
some are opened, rated or flagged; heating questions surge in the last week, as when the heating season
starts, first in one district (河西区: its extra searches come from there). Most searches carry the caller's
district, as agents set it, and so do the clicks, votes and flags that follow them. Every question is run against
the real index, and each day is written in batches in the records the app writes (desk/store/log). Only ever on
the embedded DynamoDB: the command refuses any other endpoint.
"""

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

from chalicelib.clock import CHINA_TIME, china_date
from chalicelib.desk.feedback import QUERY_LOG_DAYS, UNANSWERED_DAYS, client_id
from chalicelib.desk.figures import ArticleFacts, from_records
from chalicelib.desk.questions import asked
from chalicelib.desk.store.log import Click, DeskLog, LoggedSearch, Tally, Vote
from chalicelib.desk.store.reports import DepartmentFigures
from chalicelib.desk.store.tasks import FlagTask
from chalicelib.desk.summaries import Summariser
from chalicelib.knowledge.models.reading import SearchParams, SearchResult
from chalicelib.knowledge.reading import KnowledgeService
from chalicelib.people.access import Principal, Reader, Role
from tools.kb.local import is_local

PER_DAY = 80  # settled searches on an ordinary weekday
# Beijing-time hours 0-23: the share of a day's searches in each
HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 17, 15, 9, 11, 15, 16, 14, 11, 8, 7, 6, 4, 3, 2]
WEEKDAYS = [1.0, 1.0, 1.0, 1.0, 0.95, 0.6, 0.5]  # Monday to Sunday
SURGE_DAYS = 5  # heating questions climb over the last days, up to 10 times as many
SURGING_DISTRICT = "hexi"  # where the surge's extra searches come from
WITH_DISTRICT = 0.6  # the share of searches whose caller's district is known
# (theme, weight, wordings): the questions people ask, each in a few wordings, the first the usual one
QUESTIONS: list[tuple[str, int, list[str]]] = [
    ("heating", 5, ["暖气不热怎么办", "家里暖气不热", "暖气片不热了怎么回事", "暖气不热怎么办啊"]),
    ("heating", 2, ["暖气片怎么放气", "暖气片怎么排气"]),
    ("heating", 3, ["今年什么时候开始供暖", "供暖时间是几号", "几号开始来暖气"]),
    ("heating", 2, ["室内温度多少度算达标", "屋里只有16度正常吗"]),
    ("heating", 1, ["暖气漏水了怎么办", "暖气管子漏水找谁"]),
    ("heating", 2, ["暖气费在哪里交", "供热费怎么交"]),
    ("heating", 1, ["暖气报停怎么申请"]),
    ("social-insurance", 5, ["社保卡丢了怎么补办", "社保卡丢了怎么办", "社保卡掉了去哪里补"]),
    ("social-insurance", 4, ["怎么查社保缴费记录", "社保交了几年在哪查"]),
    ("social-insurance", 3, ["灵活就业怎么交社保", "自由职业者怎么参保"]),
    ("social-insurance", 3, ["失业金怎么领", "失业保险金怎么申请"]),
    ("social-insurance", 2, ["异地就医怎么备案", "在外地看病怎么报销"]),
    ("social-insurance", 2, ["养老保险最少交多少年"]),
    ("social-insurance", 3, ["公司拖欠工资怎么投诉", "老板不发工资怎么办"]),
    ("social-insurance", 1, ["退休手续怎么办理"]),
    ("business-permits", 3, ["个体户营业执照怎么办", "怎么办个体工商户执照"]),
    ("business-permits", 2, ["营业执照地址变更怎么办"]),
    ("business-permits", 2, ["公司注销需要什么材料", "公司注销流程"]),
    ("business-permits", 2, ["食品经营许可证怎么申请"]),
    ("business-permits", 1, ["企业年报在哪里填"]),
    ("utilities", 3, ["家里突然停水了", "停水了什么时候来水"]),
    ("utilities", 2, ["闻到燃气味怎么办", "家里有煤气味"]),
    ("utilities", 1, ["燃气过户怎么办"]),
    ("public-services", 1, ["去火车站坐几路公交"]),
    ("public-services", 1, ["找家电维修师傅"]),
    # questions the knowledge base does not answer yet: the gaps
    ("gap", 2, ["小区电动车充电桩怎么申请安装", "电动车充电桩怎么装"]),
    ("gap", 2, ["楼上装修噪音太大找谁", "邻居装修太吵了"]),
    ("gap", 1, ["小区物业不作为怎么投诉"]),
    ("gap", 1, ["共享单车押金退不了"]),
]
VOTE_COMMENTS = ["说得很清楚", "电话打通了，谢谢", "没说到我的情况", "还是不知道去哪办"]
FLAG_COMMENTS = ["答复里的电话号码已经停用了", "收费标准今年调整了，答复还是旧的", "办理地点搬家了，请更新地址"]
AGENT = Principal(Role.AGENT, "演示坐席", frozenset({"hotline-12345"}))


class NotLocal(Exception):
    """The endpoint is not the embedded DynamoDB on this machine."""


def require_local(endpoint: str | None) -> str:
    """The endpoint, if it is a DynamoDB on this machine; NotLocal otherwise (never a real table)."""
    if not endpoint or not is_local(endpoint):
        raise NotLocal(f"demo traffic goes only into the embedded DynamoDB (127.0.0.1 or localhost), not {endpoint}")
    return endpoint


@dataclass
class Made:
    """What fill wrote, and each day's figures as reports count them (worked out from the records in memory)."""

    written: Counter[str] = field(default_factory=Counter)
    figures: dict[dt.date, dict[str, DepartmentFigures]] = field(default_factory=dict)


def fill(
    log: DeskLog,
    knowledge: KnowledgeService,
    facts: list[ArticleFacts],
    days: int,
    now: dt.datetime,
    seed: int = 12345,
    per_day: int = PER_DAY,
) -> Made:
    """Searches, clicks, votes and flags for the `days` Beijing-time days up to `now`.

    Each day is made in memory and written in batches (BatchWriteItem, tallies added once per key), as
    FeedbackDesk would have logged it one request at a time; its figures are worked out from the same records
    (desk/figures.from_records), so that summarising does not read a centre's million records back.
    """
    rng = random.Random(seed)
    results: dict[str, SearchResult] = {}
    made = Made()
    by_id = {f.id: f for f in facts}
    today = china_date(now)
    clients = [client_id(f"10.0.{n // 250}.{n % 250}", "demo-traffic") for n in range(60)]
    districts = [d.code for d in knowledge.directory().districts()]
    for days_ago in range(days - 1, -1, -1):
        day = today - dt.timedelta(days=days_ago)
        surge = 1.0 + 9.0 * max(0, SURGE_DAYS - days_ago) / SURGE_DAYS
        weights = [w * (surge if theme == "heating" else 1.0) for theme, w, _ in QUESTIONS]
        count = round(per_day * WEEKDAYS[day.weekday()] * rng.uniform(0.85, 1.15) * (1 + 0.1 * (surge - 1)))
        traffic = _Day()
        for moment in sorted(_moments(rng, day, count)):
            if moment > now:
                continue
            theme, _, wordings = rng.choices(QUESTIONS, weights)[0]
            query = wordings[0] if rng.random() < 0.6 else rng.choice(wordings)
            if query not in results:
                results[query] = knowledge.search(SearchParams(q=query), Reader.AGENT)
            district = _district(rng, districts, surge if theme == "heating" else 1.0)
            traffic.add(rng, moment, query, results[query], rng.choice(clients), district)
        traffic.write(log, day)
        made.written.update(traffic.counts())
        made.figures[day] = from_records(day, *traffic.records(), by_id)
    return made


@dataclass
class _Day:
    """One day of made-up traffic, as the app would have logged it, waiting to be written in batches."""

    searches: list[LoggedSearch] = field(default_factory=list)
    clicks: list[Click] = field(default_factory=list)
    votes: list[Vote] = field(default_factory=list)
    tasks: list[FlagTask] = field(default_factory=list)
    tallies: dict[Tally, Counter[str]] = field(default_factory=lambda: {tally: Counter() for tally in Tally})
    district_gaps: dict[tuple[Tally, str], Counter[str]] = field(default_factory=dict)  # unanswered, 没帮助
    typed: dict[str, str] = field(default_factory=dict)  # a question's normalised form -> as it was typed

    def add(
        self, rng: random.Random, at: dt.datetime, query: str, result: SearchResult, client: str, district: str | None
    ) -> None:
        role = (AGENT if rng.random() < 0.7 else Principal(Role.ANONYMOUS)).role.value
        top = result.hits[0] if result.hits else None
        self.searches.append(
            LoggedSearch(query, result.answered, top.id if top else None, len(result.hits), role, client, at, district)
        )
        if result.answered and top:
            self.tallies[Tally.POPULAR][top.id] += 1
        elif not result.answered:
            self.tallies[Tally.UNANSWERED][asked(query)] += 1
            self.typed.setdefault(asked(query), query)
            if district:
                self.district_gaps.setdefault((Tally.UNANSWERED, district), Counter())[asked(query)] += 1
        if top is None:
            return
        if result.answered and _chance(rng, 0.45):
            position = 1 if _chance(rng, 0.8) else min(len(result.hits), 2)
            clicked = result.hits[position - 1].id
            self.clicks.append(Click(query, clicked, position, AGENT.role.value, client, at, district))
        if _chance(rng, 0.06):
            helpful = result.answered and _chance(rng, 0.8)
            comment = rng.choice(VOTE_COMMENTS[:2] if helpful else VOTE_COMMENTS[2:]) if _chance(rng, 0.3) else None
            self.votes.append(Vote(top.id, helpful, query, comment, AGENT.role.value, client, at, district=district))
            if not helpful:
                self.tallies[Tally.UNHELPFUL][asked(query)] += 1
                self.typed.setdefault(asked(query), query)
                if district:
                    self.district_gaps.setdefault((Tally.UNHELPFUL, district), Counter())[asked(query)] += 1
        if _chance(rng, 0.003):
            comment = rng.choice(FLAG_COMMENTS)
            self.tasks.append(FlagTask(top.id, top.title, top.department, comment, AGENT.name, at, district=district))

    def write(self, log: DeskLog, day: dt.date) -> None:
        log.log_searches(day, self.searches, QUERY_LOG_DAYS)
        log.add_clicks(day, self.clicks, QUERY_LOG_DAYS)
        log.add_votes(self.votes, QUERY_LOG_DAYS)
        log.tasks.add_many(self.tasks)
        end = dt.datetime.combine(day, dt.time(23, 59), CHINA_TIME)
        for tally, counts in self.tallies.items():
            for key, count in counts.items():
                log.tally(tally, day, key, end, UNANSWERED_DAYS + 1, by=count, shown=self.typed.get(key, ""))
        for (tally, district), counts in self.district_gaps.items():
            for key, count in counts.items():
                shown = self.typed.get(key, "")
                log.tally(tally, day, key, end, UNANSWERED_DAYS + 1, by=count, district=district, shown=shown)

    def records(self) -> tuple[list[LoggedSearch], list[Click], list[Vote], list[FlagTask]]:
        """As the log reads them back: a search's query masked (the demo's have nothing to mask)."""
        return self.searches, self.clicks, self.votes, self.tasks

    def counts(self) -> Counter[str]:
        made = {"searches": len(self.searches), "clicks": len(self.clicks), "votes": len(self.votes)}
        return Counter({**made, "flags": len(self.tasks)})


def _moments(rng: random.Random, day: dt.date, count: int) -> list[dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), CHINA_TIME)
    hours = rng.choices(range(24), HOURS, k=count)
    return [(start + dt.timedelta(hours=h, seconds=rng.randrange(3600))).astimezone(dt.UTC) for h in hours]


def _district(rng: random.Random, districts: list[str], surge: float) -> str | None:
    """The caller's district: a surge's extra searches come from SURGING_DISTRICT; others from anywhere, or unknown."""
    if not districts:
        return None
    if SURGING_DISTRICT in districts and _chance(rng, (surge - 1) / surge):
        return SURGING_DISTRICT
    return rng.choice(districts) if _chance(rng, WITH_DISTRICT) else None


def _chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def summarise(summaries: Summariser, made: Made, now: dt.datetime) -> int:
    """Summarise every closed day of the traffic from its figures, oldest first (each surge against the days
    before it, each day into its week and month), and today's closed hours, as the maintenance job would
    have; the closed days."""
    today = china_date(now)
    closed = sorted(day for day in made.figures if day < today)
    summaries.summarise(closed, known=made.figures)
    if closed:
        summaries.move_cursor(closed[-1])
    summaries.roll_up_earlier_days()
    while summaries.summarise_closed_hours():
        pass
    return len(closed)
