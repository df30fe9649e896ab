"""API keys: creating, listing and revoking them, and turning an Authorization header into a Principal."""

import datetime as dt

from chalicelib.access import ANONYMOUS, Principal, Role, bearer_key, key_hash, new_key
from chalicelib.errors import InvalidInput, Unauthorized
from chalicelib.models import ApiKey
from chalicelib.store import KnowledgeStore


class KeyRing:
    """The keys in the store; the key itself exists only in the reply to create()."""

    def __init__(self, store: KnowledgeStore) -> None:
        self._store = store

    def create(self, role: str, name: str, departments: list[str], now: dt.datetime) -> tuple[ApiKey, str]:
        try:
            chosen = Role(role)
        except ValueError:
            roles = ", ".join(r.value for r in Role if r is not Role.ANONYMOUS)
            raise InvalidInput(f"unknown role '{role}'; roles: {roles}", field="role") from None
        if chosen is Role.ANONYMOUS:
            raise InvalidInput("anonymous callers need no key", field="role")
        if chosen in (Role.EDITOR, Role.REVIEWER) and not departments:
            raise InvalidInput("editors and reviewers act for at least one department", field="department")
        key_id, key = new_key()
        record = ApiKey(key_id=key_id, name=name, role=chosen.value, departments=departments, created_at=now)
        self._store.save_key(key_hash(key), record)
        return record, key

    def list(self) -> list[ApiKey]:
        return sorted(self._store.keys(), key=lambda k: k.created_at)

    def revoke(self, key_id: str) -> bool:
        return self._store.revoke_key(key_id)

    def principal(self, authorization: str | None) -> Principal:
        """Anonymous without a header; the key's holder with a valid one; 401 for anything else."""
        key = bearer_key(authorization)
        if key is None:
            return ANONYMOUS
        record = self._store.key(key_hash(key))
        if record is None or record.revoked:
            raise Unauthorized("unknown or revoked API key", field="Authorization")
        return Principal(Role(record.role), record.name, frozenset(record.departments), record.key_id)
