"""API keys: creating, rotating, listing and revoking them, and turning an Authorization header into a Principal."""

import datetime as dt
import secrets
from collections.abc import Callable

from chalicelib.clock import china_date, utc_now
from chalicelib.errors import InvalidInput, NotFound, Unauthorized
from chalicelib.people.access import (
    ALL_DEPARTMENTS,
    ANONYMOUS,
    ROLE_NAMES,
    Principal,
    Role,
    bearer_key,
    key_hash,
    new_key,
)
from chalicelib.people.directory import Directory
from chalicelib.people.models import ApiKey
from chalicelib.people.sign_ins import SignInLimit
from chalicelib.people.store.keys import KeyStore

KEY_DAYS = 365  # a key for a machine lives a year unless asked otherwise; rotating renews it
LONGEST_KEY_DAYS = 730


class KeyRing:
    """The keys in the store; the key itself exists only in the reply to create() or rotate().

    Each key belongs to a holder with a stable principal id; holders' names are unique, so the audit
    trail and the four-eyes rule never mistake one person for another.
    """

    def __init__(
        self,
        keys: KeyStore,
        directory: Callable[[], Directory],
        limit: SignInLimit | None = None,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self._keys = keys
        self._directory = directory
        self._limit = limit  # failed sign-ins per client; the tools, which have no client, go without
        self._now = now

    def create(
        self, role: str, name: str, departments: list[str], now: dt.datetime, valid_days: int = KEY_DAYS
    ) -> tuple[ApiKey, str]:
        """A key for a new holder, refused after `valid_days`."""
        chosen = _role(role)
        name = " ".join(name.split())
        if not name:
            raise InvalidInput("a key needs its holder's name", field="name")
        if any(k.name == name for k in self._keys.all()):
            raise InvalidInput(
                f"a holder named '{name}' already exists; names are unique (rotate their key instead)", field="name"
            )
        codes = _department_codes(chosen, departments, self._directory())
        return self._issue(
            ApiKey(
                key_id="",
                principal=f"p_{secrets.token_hex(6)}",
                name=name,
                role=chosen.value,
                departments=codes,
                created_at=now,
                expires_at=now + _lifetime(valid_days),
            )
        )

    def rotate(
        self, name: str, now: dt.datetime, departments: list[str] | None = None, valid_days: int = KEY_DAYS
    ) -> tuple[ApiKey, str]:
        """A new key for an existing holder (same principal and role; departments kept unless given anew), refused
        after `valid_days`; their old keys are revoked."""
        held = [k for k in self._keys.all() if k.name == name]
        if not held:
            raise NotFound(f"no holder named '{name}'", field="name")
        latest = max(held, key=lambda k: k.created_at)
        codes = latest.departments if departments is None else departments
        codes = _department_codes(Role(latest.role), codes, self._directory())
        principal = latest.principal or f"key:{latest.key_id}"
        expires_at = now + _lifetime(valid_days)
        renewed = latest.model_copy(
            update={
                "created_at": now,
                "revoked": False,
                "departments": codes,
                "principal": principal,
                "expires_at": expires_at,
            }
        )
        issued = self._issue(renewed)
        for old in held:
            if not old.revoked:
                self._keys.revoke(old.key_id)
        return issued

    def list(self) -> list[ApiKey]:
        return sorted(self._keys.all(), key=lambda k: k.created_at)

    def revoke(self, key_id: str) -> bool:
        return self._keys.revoke(key_id)

    def described(self, record: ApiKey) -> str:
        """A key as the audit log says it: `持有人 张三（编辑，供热企业）；有效期至 2027-12-07`."""
        codes = record.departments
        units = "全部单位" if ALL_DEPARTMENTS in codes else "、".join(map(self._directory().name_of, codes))
        until = f"；有效期至 {china_date(record.expires_at)}" if record.expires_at else ""
        return f"持有人 {record.name}（{ROLE_NAMES[Role(record.role)]}{'，' + units if units else ''}）{until}"

    def principal(self, authorization: str | None, client: str | None = None) -> Principal:
        """Anonymous without a header; the key's holder with a valid one; 401 for anything else.

        With a client (its pseudonym) and a limit: an unknown or revoked key counts against the client, and is
        a 429 once it is locked out; a valid key is never refused for others' failures behind the same address.
        A malformed header reveals nothing, so it is not counted.
        """
        key = bearer_key(authorization)
        if key is None:
            return ANONYMOUS
        record = self._keys.get(key_hash(key))
        current = self._now() if self._now is not None else utc_now()
        expired = record is not None and record.expires_at is not None and record.expires_at <= current
        if record is None or record.revoked or expired:
            if self._limit is not None and client is not None:
                self._limit.failed(client)
            problem = (
                "expired API key: its holder needs a new one (kb keys rotate)"
                if expired
                else "unknown or revoked API key"
            )
            raise Unauthorized(problem, field="Authorization")
        departments = set(record.departments)
        covered = self._directory().with_descendants(departments - {ALL_DEPARTMENTS}) | (
            departments & {ALL_DEPARTMENTS}
        )
        # Keys made before holders had ids are their own holder.
        principal_id = record.principal or f"key:{record.key_id}"
        return Principal(Role(record.role), record.name, frozenset(covered), record.key_id, principal_id)

    def _issue(self, record: ApiKey) -> tuple[ApiKey, str]:
        key_id, key = new_key()
        record = record.model_copy(update={"key_id": key_id})
        self._keys.save(key_hash(key), record)
        return record, key


def _lifetime(days: int) -> dt.timedelta:
    if not 1 <= days <= LONGEST_KEY_DAYS:
        raise InvalidInput(f"a key lives 1 to {LONGEST_KEY_DAYS} days, not {days}", field="days")
    return dt.timedelta(days=days)


def _role(role: str) -> Role:
    try:
        chosen = Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role if r is not Role.ANONYMOUS)
        raise InvalidInput(f"unknown role '{role}'; roles: {roles}", field="role") from None
    if chosen is Role.ANONYMOUS:
        raise InvalidInput("anonymous callers need no key", field="role")
    return chosen


def _department_codes(role: Role, departments: list[str], directory: Directory) -> list[str]:
    """The department codes a key acts for: real codes from the directory, or * for an admin."""
    codes = sorted({d.strip() for d in departments})
    if ALL_DEPARTMENTS in codes:
        if role is not Role.ADMIN or len(codes) > 1:
            raise InvalidInput(
                "only an admin key may act for every department ('*'), and then alone", field="department"
            )
        return codes
    if role in (Role.EDITOR, Role.REVIEWER, Role.ADMIN) and not codes:
        raise InvalidInput(
            f"{role.value}s act for at least one department code (or '*' for an admin)", field="department"
        )
    for code in codes:
        if code not in directory:
            close = ", ".join(d.code for d in directory.close_matches(code)) or "see GET /api/departments"
            raise InvalidInput(
                f"'{code}' is not a department code in the directory; close: {close}", field="department"
            )
    return codes
