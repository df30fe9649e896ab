import datetime as dt

import pytest

from chalicelib.errors import InvalidInput, NotFound, Unauthorized
from chalicelib.people.access import Role
from chalicelib.people.keys import KeyRing
from chalicelib.wiring import Stores

NOW = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)


def ring_on(store: Stores) -> KeyRing:
    """Keys checked against the directory straight from the table, as `kb keys` does."""
    return KeyRing(store.keys, store.directory.departments)


def test_a_created_key_signs_its_holder_in_for_their_department_and_the_units_below_it(synced_store: Stores):
    ring = ring_on(synced_store)
    record, key = ring.create("editor", "王编辑", ["heating-company"], NOW)
    principal = ring.principal(f"Bearer {key}")
    assert (principal.role, principal.name) == (Role.EDITOR, "王编辑")
    assert principal.identity == record.principal and record.principal.startswith("p_")
    assert {"heating-company", "heating-company-office", "heating-company-emergency"} <= principal.departments
    assert not principal.covers("gas-company") and not principal.covers("city-management")
    assert [k.key_id for k in ring.list()] == [record.key_id]


def test_the_store_never_holds_the_key_itself(synced_store: Stores):
    _, key = ring_on(synced_store).create("agent", "坐席01", [], NOW)
    everything = str(synced_store.table.scan()["Items"])
    assert key not in everything


def test_a_revoked_or_unknown_key_is_a_401(synced_store: Stores):
    ring = ring_on(synced_store)
    record, key = ring.create("agent", "坐席02", [], NOW)
    assert ring.revoke(record.key_id) and not ring.revoke("nope")
    with pytest.raises(Unauthorized):
        ring.principal(f"Bearer {key}")
    with pytest.raises(Unauthorized):
        ring.principal("Bearer zk_0000_unknown")


@pytest.mark.parametrize(
    "role, departments",
    [
        ("owner", ["heating-company"]),
        ("anonymous", []),
        ("editor", []),
        ("editor", [""]),  # once acted for every department
        ("editor", ["局"]),  # once covered every bureau by substring
        ("editor", ["供热企业"]),  # a name, not a code
        ("reviewer", ["*"]),  # only admins act for all
        ("admin", ["*", "gas-company"]),
        ("admin", []),
    ],
)
def test_bad_key_requests_are_refused(synced_store: Stores, role: str, departments: list[str]):
    with pytest.raises(InvalidInput):
        ring_on(synced_store).create(role, "x", departments, NOW)


def test_an_unknown_code_is_refused_with_close_matches(synced_store: Stores):
    with pytest.raises(InvalidInput, match="heating-company"):
        ring_on(synced_store).create("editor", "x", ["heating-compny"], NOW)


def test_names_are_unique_and_a_rotated_key_keeps_its_holders_identity(synced_store: Stores):
    ring = ring_on(synced_store)
    first, old_key = ring.create("reviewer", "李审核", ["heating-company"], NOW)
    with pytest.raises(InvalidInput, match="unique"):
        ring.create("reviewer", "李审核", ["gas-company"], NOW)
    with pytest.raises(InvalidInput, match="unique"):
        ring.create("reviewer", " 李审核 ", ["gas-company"], NOW)
    second, new_key = ring.rotate("李审核", NOW + dt.timedelta(days=1))
    assert second.principal == first.principal and second.key_id != first.key_id
    assert ring.principal(f"Bearer {new_key}").identity == first.principal
    with pytest.raises(Unauthorized):
        ring.principal(f"Bearer {old_key}")
    with pytest.raises(NotFound):
        ring.rotate("nobody", NOW)
