"""Time: one UTC clock, and Beijing time, in which hotlines count their days. Pure."""

import datetime as dt

# Hotlines work on Beijing time: dates (in force, stale) and times given without an offset mean UTC+8.
CHINA_TIME = dt.timezone(dt.timedelta(hours=8), "UTC+08:00")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def china_today() -> dt.date:
    return dt.datetime.now(CHINA_TIME).date()


def china_date(moment: dt.datetime) -> dt.date:
    """The Beijing-time date of a moment."""
    return moment.astimezone(CHINA_TIME).date()


def in_china_time(value: dt.datetime | None) -> dt.datetime | None:
    """A time given without an offset, read as Beijing time (a validator for request fields)."""
    return value.replace(tzinfo=CHINA_TIME) if value is not None and value.tzinfo is None else value
