"""Time: one UTC clock, and Beijing time, in which hotlines count their days. Pure."""

import datetime as dt
from typing import Any

# Hotlines work on Beijing time: dates (in force, stale) and times given without an offset mean UTC+8.
CHINA_TIME = dt.timezone(dt.timedelta(hours=8), "UTC+08:00")
# The times a request may name: any policy's, yet far enough from year 1 and 9999 that reading one in UTC or
# Beijing time, or as epoch seconds, can never overflow.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=CHINA_TIME)
LATEST = dt.datetime(2100, 12, 31, 23, 59, 59, 999_999, tzinfo=CHINA_TIME)


# The same bounds as a JSON schema says them (OpenAPI 3.1): a year 1970-2100 at the start of the text, and the
# first and last instants (formatMinimum/-Maximum, JSON Schema's format-assertion vocabulary).
REQUEST_TIME_SCHEMA: dict[str, Any] = {
    "pattern": r"^(19[7-9][0-9]|20[0-9][0-9]|2100)-",
    "formatMinimum": EARLIEST.isoformat(),
    "formatMaximum": LATEST.isoformat(),
}
REQUEST_DATE_SCHEMA: dict[str, Any] = {
    **REQUEST_TIME_SCHEMA,
    "formatMinimum": "1970-01-01",
    "formatMaximum": "2100-12-31",
}


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def china_today() -> dt.date:
    return dt.datetime.now(CHINA_TIME).date()


def china_date(moment: dt.datetime) -> dt.date:
    """The Beijing-time date of a moment."""
    return moment.astimezone(CHINA_TIME).date()


def request_time(value: dt.datetime) -> dt.datetime:
    """A time a request names (a validator): without an offset it is Beijing time; it must lie in 1970-2100."""
    value = value.replace(tzinfo=CHINA_TIME) if value.tzinfo is None else value
    if not EARLIEST <= value <= LATEST:  # aware comparison: no conversion, so no overflow even at year 9999
        raise ValueError("the time must lie between 1970-01-01 and 2100-12-31 (Beijing time)")
    return value
