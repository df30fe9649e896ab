"""The maintenance job's part for reports: closed days summarised (with their surges) and rolled up into their
week and month, today's closed hours summarised, and the days an older release summarised rolled up too.
Each step writes what a second run would write again: runs that overlap, or repeat, change nothing."""

import datetime as dt
from collections.abc import Callable, Mapping

from chalicelib.clock import CHINA_TIME, china_date, utc_now
from chalicelib.desk.figures import QUESTIONS_KEPT_ROLLED_UP, added_up, city_of
from chalicelib.desk.models.reports import Period
from chalicelib.desk.periods import FIRST_DAYS, PeriodReader, day_bounds, period_bounds, span_of
from chalicelib.desk.store.reports import DepartmentFigures, ReportStore, RunningHour, SpanKind, StoredSpan

DAYS_PER_RUN = 3  # closed days the maintenance job summarises per run, oldest first
BACK_FILLED_PER_RUN = 31  # days of an older release rolled up per run, after the upgrade
HOURS_PER_RUN = 6  # closed hours of today it summarises per run (a day's 24 after an outage in four runs)
QUESTIONS_KEPT_RUNNING = 60  # per department in the hour running: the whole hour fits one item ...
QUESTIONS_KEPT_RUNNING_DISTRICT = 12  # ... and per department and district (the sixteen of them fit beside it)
HOURS_KEPT_SECONDS = 3 * 86_400  # today's hour summaries: the day's own summary replaces them
CLOSING_DELAY = dt.timedelta(minutes=5)  # an hour (a day) is summarised once searches in flight have landed


class Summariser:
    """Summaries for reports, a few per run of the maintenance job (or all at once for demo traffic)."""

    def __init__(
        self,
        reports: ReportStore,
        reader: Callable[[], PeriodReader],
        now: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._reports = reports
        self._reader = reader
        self._now = now

    def summarise_closed_days(self, limit: int = DAYS_PER_RUN) -> list[dt.date]:
        """The maintenance job's part: summarise the oldest closed days not summarised yet, at most `limit`."""
        today = china_date(self._now() - CLOSING_DELAY)
        last = self._reports.cursor().day or today - dt.timedelta(days=FIRST_DAYS + 1)
        days = [last + dt.timedelta(days=n) for n in range(1, (today - last).days)][:limit]
        if days:
            self.summarise(days, after_each=self._reports.move_cursor)
        return days

    def roll_up_earlier_days(self, limit: int = BACK_FILLED_PER_RUN) -> list[dt.date]:
        """The maintenance job's part after an upgrade: roll up the days a release without roll-ups summarised,
        newest first, at most `limit` a run, until a day has no summary (then reports read no earlier day)."""
        cursor = self._reports.cursor()
        if cursor.day is None or cursor.nothing_before:
            return []
        reading = self._reader()
        done: list[dt.date] = []
        day = (cursor.rolled_up_since or cursor.day + dt.timedelta(days=1)) - dt.timedelta(days=1)
        while len(done) < limit:
            stored = self._reports.day(day)
            if stored is None:
                self._reports.roll_ups_start(day + dt.timedelta(days=1))
                self._reports.nothing_before_roll_ups()
                break
            reading.remember(day, stored)
            for period in (Period.WEEK, Period.MONTH):
                self._roll_up(*span_of(period, period_bounds(period, day)[0]), day, reading)
            self._reports.rolled_up_earlier(day)
            done.append(day)
            day -= dt.timedelta(days=1)
        return done

    def summarise_closed_hours(self, limit: int = HOURS_PER_RUN) -> list[int]:
        """The maintenance job's part for today: summarise its closed hours not summarised yet, at most `limit`,
        and the hour running up to the last minute landed, so that today's report reads the raw records of the
        last few minutes alone; the closed hours summarised."""
        landed = (self._now() - CLOSING_DELAY).replace(second=0, microsecond=0)
        day = china_date(landed)
        running = landed.astimezone(CHINA_TIME).hour  # hours before this one are over
        hours = sorted(set(range(running)) - self._reports.hours_done(day))[:limit]
        reading = self._reader()
        start = day_bounds(day)[0]
        ttl = int(landed.timestamp()) + HOURS_KEPT_SECONDS
        for hour in hours:
            figures = reading.from_raw(day, start + dt.timedelta(hours=hour), start + dt.timedelta(hours=hour + 1))
            self._reports.save_hour(day, hour, figures, ttl)
        so_far = reading.from_raw(day, start + dt.timedelta(hours=running), landed)
        city = city_of(so_far)
        for code, department in so_far.items():
            kept = QUESTIONS_KEPT_RUNNING if code in city else QUESTIONS_KEPT_RUNNING_DISTRICT
            department.questions = department.questions[:kept]
        self._reports.save_running_hour(day, RunningHour(running, landed, so_far), ttl)
        return hours

    def summarise(
        self,
        days: list[dt.date],
        after_each: Callable[[dt.date], None] = lambda day: None,
        known: Mapping[dt.date, dict[str, DepartmentFigures]] | None = None,
    ) -> None:
        """Work out closed days (their summarised hours and the raw records, or the figures `known` of them), with
        their surges, and store them (again), oldest first, each added to its week's and month's roll-up."""
        if not days:
            return
        self._reports.roll_ups_start(min(days))
        reading = self._reader()
        for day in sorted(days):
            if known is not None and day in known:
                summary = StoredSpan(known[day], reading.surges(day, known[day]), frozenset({day}))
            else:
                summary = reading.worked_out(day)
            self._reports.save_day(day, summary)
            reading.remember(day, summary)
            for period in (Period.WEEK, Period.MONTH):
                self._roll_up(*span_of(period, period_bounds(period, day)[0]), day, reading)
            after_each(day)

    def move_cursor(self, day: dt.date) -> None:
        """Say every day up to `day` is summarised (after summarising them some other way: demo traffic)."""
        self._reports.move_cursor(day)

    def _roll_up(self, kind: SpanKind, start: dt.date, day: dt.date, reading: PeriodReader) -> None:
        """Add a summarised day to a roll-up; a day it held already (summarised again) has it rebuilt from its
        days' summaries. Either way the result is the same however often it is written."""
        before = self._reports.span(kind, start)
        if day in before.days:
            parts = [reading.day(d) for d in sorted(before.days)]
        else:
            parts = [before, reading.day(day)]
        rolled = StoredSpan(
            added_up((p.departments for p in parts), kept=QUESTIONS_KEPT_ROLLED_UP),
            [surge for p in parts for surge in p.surges],
            before.days | {day},
        )
        self._reports.save_span(kind, start, rolled, before)
