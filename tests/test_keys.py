import datetime as dt

import pytest

from chalicelib.access import Role
from chalicelib.errors import InvalidInput, Unauthorized
from chalicelib.keys import KeyRing
from chalicelib.store import KnowledgeStore

NOW = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)


def test_a_created_key_signs_its_holder_in(store: KnowledgeStore):
    ring = KeyRing(store)
    record, key = ring.create("editor", "王编辑", ["供热企业"], NOW)
    principal = ring.principal(f"Bearer {key}")
    assert (principal.role, principal.name, principal.departments) == (Role.EDITOR, "王编辑", frozenset({"供热企业"}))
    assert [k.key_id for k in ring.list()] == [record.key_id]


def test_the_store_never_holds_the_key_itself(store: KnowledgeStore):
    _, key = KeyRing(store).create("agent", "坐席01", [], NOW)
    everything = str(store._table.scan()["Items"])
    assert key not in everything


def test_a_revoked_or_unknown_key_is_a_401(store: KnowledgeStore):
    ring = KeyRing(store)
    record, key = ring.create("agent", "坐席02", [], NOW)
    assert ring.revoke(record.key_id) and not ring.revoke("nope")
    with pytest.raises(Unauthorized):
        ring.principal(f"Bearer {key}")
    with pytest.raises(Unauthorized):
        ring.principal("Bearer zk_0000_unknown")


@pytest.mark.parametrize("role, departments", [("owner", []), ("anonymous", []), ("editor", [])])
def test_bad_key_requests_are_refused(store: KnowledgeStore, role: str, departments: list[str]):
    with pytest.raises(InvalidInput):
        KeyRing(store).create(role, "x", departments, NOW)
