"""kb bench --reports: how long each report takes, and how many DynamoDB calls it makes, on a local data file
(one `kb demo-traffic` filled), in this process against the embedded DynamoDB, as an admin, nothing cached."""

import datetime as dt
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chalicelib import wiring
from chalicelib.clock import china_date
from chalicelib.desk.feedback import FeedbackDesk
from chalicelib.desk.models.reports import Period, ReportParams
from chalicelib.desk.reports import ReportDesk
from chalicelib.people.access import Principal, Reader, Role
from chalicelib.store.table import ensure_table
from tools.kb import local
from tools.kb.backup import restore

ADMIN = Principal(Role.ADMIN, "bench", frozenset({"*"}))
RUNS = 3  # each timed three times: the first (the articles' facts read then) and the median are shown


def bench_reports(data: Path, stage: str, today: dt.date | None = None) -> dict[str, Any]:
    """Restore the data file into an embedded DynamoDB and time each report; the figures, by report."""
    with local.embedded_dynamodb(stage):
        wiring.reset()
        table = ensure_table(wiring.dynamodb(), wiring.settings().table_name)
        started = time.perf_counter()
        items = restore(table, data, write=local.put_items)
        restored_s = time.perf_counter() - started
        store = wiring.store()
        today = today or china_date(dt.datetime.now(dt.UTC))
        reports = ReportDesk(store.reports, store.desk_log, wiring.knowledge(), wiring.article_facts)
        reports.report(ReportParams(period=Period.DAY, date=dt.date(2000, 1, 1)), ADMIN)  # loads the index
        made = _calls(store.table)
        last_week, last_month = today - dt.timedelta(days=7), today.replace(day=1) - dt.timedelta(days=1)
        cases: dict[str, Callable[[], object]] = {
            "day, today": lambda: reports.report(ReportParams(period=Period.DAY, date=today), ADMIN),
            "day, yesterday": lambda: reports.report(
                ReportParams(period=Period.DAY, date=today - dt.timedelta(days=1)), ADMIN
            ),
            "week, this one": lambda: reports.report(ReportParams(period=Period.WEEK, date=today), ADMIN),
            "week, the last": lambda: reports.report(ReportParams(period=Period.WEEK, date=last_week), ADMIN),
            "month, this one": lambda: reports.report(ReportParams(period=Period.MONTH, date=today), ADMIN),
            "month, the last": lambda: reports.report(ReportParams(period=Period.MONTH, date=last_month), ADMIN),
            "/api/unanswered (7 days)": lambda: FeedbackDesk(store.desk_log, wiring.knowledge()).unanswered(
                ADMIN, 7, 50
            ),
            "/api/popular": lambda: FeedbackDesk(store.desk_log, wiring.knowledge()).popular(Reader.AGENT, 8),
        }
        timings: dict[str, dict[str, float]] = {}
        for name, run in cases.items():
            seconds, calls = [], []
            for _ in range(RUNS):
                before = sum(made.values())
                started = time.perf_counter()
                run()
                seconds.append(time.perf_counter() - started)
                calls.append(sum(made.values()) - before)
            timings[name] = {
                "first_ms": round(seconds[0] * 1000),
                "ms": round(statistics.median(seconds) * 1000),
                "calls": max(calls),
            }
        wiring.reset()
    return {"items": items, "restored_s": round(restored_s, 1), "today": today.isoformat(), "reports": timings}


def _calls(table: Any) -> Counter[str]:
    """The DynamoDB calls made from now on, by operation; but the live index's look at the table's generation,
    which it makes every few seconds whatever the request."""
    made: Counter[str] = Counter()

    def note(event_name: str, params: dict[str, Any], **_: Any) -> None:
        if b'"GENERATION"' not in params.get("body", b""):
            made[event_name.rsplit(".", 1)[-1]] += 1

    table.meta.client.meta.events.register("before-call.dynamodb", note)
    return made


def format_reports(figures: dict[str, Any]) -> str:
    lines = [
        f"{figures['items']} items restored in {figures['restored_s']} s; reports on {figures['today']}:",
        f"  {'report':<28}{'first ms':>10}{'median ms':>11}{'calls':>7}",
    ]
    for name, row in figures["reports"].items():
        lines.append(f"  {name:<28}{row['first_ms']:>10}{row['ms']:>11}{row['calls']:>7}")
    return "\n".join(lines)
