"""Failed sign-ins: counted per client across every container, and a lockout each container remembers.

A failure is an unknown or revoked key. Keys carry 256 random bits, so guessing one is hopeless anyway;
the limit keeps a flood of guesses from costing a counter write each, and says plainly that it was noticed.
A call centre's hundreds of staff share one NAT address: the lockout refuses only more bad keys from it,
never the valid keys of the people behind the same address (telling them apart reveals nothing an attacker
could use: a key that works already works).
"""

import datetime as dt
import logging
import math
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.clock import utc_now
from chalicelib.errors import TooManyAttempts, aws_error_code
from chalicelib.store.records import RecordStore

log = logging.getLogger(__name__)


class SignInLimit:
    """At most `failures` failed sign-ins per client in each window of `window_seconds`; past that, 429 for each
    further bad key (uncounted) until the window ends.

    The count is shared: a rate counter per client and window (`RATE#signin#<client>`, gone with its TTL).
    The lockout is remembered in this container's memory only, so a good key never costs an extra read;
    a container that has not seen the lockout learns it from the client's next failure there.
    """

    def __init__(
        self,
        records: RecordStore,
        failures: int,  # Settings.sign_in_failures and sign_in_window_seconds: the stage sets them
        window_seconds: int,
        now: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._records = records
        self._failures = failures
        self._window = window_seconds
        self._now = now
        self._locked: dict[str, float] = {}  # client -> end of its window, epoch seconds

    def failed(self, client: str) -> None:
        """Count a failed sign-in; 429 (and locked out) once the client's count in this window passes the limit.
        While locked out, 429 at once, without counting (the flood costs no write).

        Best effort: if the count cannot be written, the failure is not counted and the caller gets its 401.
        """
        now = self._now().timestamp()
        until = self._locked.get(client)
        if until is not None and until > now:
            raise self._refusal(until - now)
        start = now // self._window * self._window
        end = start + self._window
        try:
            window = dt.datetime.fromtimestamp(start, dt.UTC).isoformat()
            count = self._records.count(f"signin#{client}", window, math.ceil(end - now), self._now())
        except (BotoCoreError, ClientError) as error:
            log.error("failed sign-in not counted: %s", aws_error_code(error))
            return
        if count > self._failures:
            self._locked = {c: t for c, t in self._locked.items() if t > now}  # forget lockouts that are over
            self._locked[client] = end
            raise self._refusal(end - now)

    def _refusal(self, left: float) -> TooManyAttempts:
        seconds = max(1, math.ceil(left))
        return TooManyAttempts(
            f"too many unknown or revoked API keys from this client; more are refused for {seconds} s",
            retry_after=seconds,
        )
