import pytest

from chalicelib.errors import Forbidden, Unauthorized
from chalicelib.people.access import ANONYMOUS, Action, Principal, Reader, Role, bearer_key, key_hash, new_key


def test_anonymous_callers_read_as_citizens_and_everyone_signed_in_as_agents():
    assert ANONYMOUS.reader is Reader.CITIZEN
    assert all(Principal(role).reader is Reader.AGENT for role in Role if role is not Role.ANONYMOUS)


def test_an_anonymous_caller_is_told_to_sign_in_and_a_weaker_role_is_refused():
    with pytest.raises(Unauthorized):
        ANONYMOUS.require(Action.FLAG)
    with pytest.raises(Forbidden):
        Principal(Role.AGENT).require(Action.VIEW_TASKS)
    Principal(Role.EDITOR, departments=frozenset({"heating-company"})).require(Action.VIEW_TASKS)


def test_a_department_is_covered_by_its_code_never_by_a_substring():
    editor = Principal(Role.EDITOR, departments=frozenset({"heating-company"}))
    assert editor.covers("heating-company")
    assert not editor.covers("heating-company-office")  # units below come from the directory (KeyRing)
    assert not editor.covers("heating") and not editor.covers("")
    assert Principal(Role.ADMIN).covers("gas-company")


def test_identity_is_the_principal_id_not_the_name():
    one = Principal(Role.REVIEWER, "李审核", principal_id="p_1")
    namesake = Principal(Role.REVIEWER, "李审核", principal_id="p_2")
    assert one.identity != namesake.identity
    assert Principal(Role.ADMIN, "kb-sync").identity == "tool:kb-sync"


def test_keys_are_random_and_only_their_hash_is_kept():
    (id_a, key_a), (_, key_b) = new_key(), new_key()
    assert key_a != key_b and key_a.startswith(f"zk_{id_a}_") and len(key_a) > 40
    assert key_hash(key_a) != key_a and len(key_hash(key_a)) == 64


@pytest.mark.parametrize("header", ["Basic dXNlcg==", "Bearer", "Bearer not-a-zhida-key", "token zk_x"])
def test_a_malformed_authorization_header_is_a_401(header: str):
    with pytest.raises(Unauthorized):
        bearer_key(header)


def test_no_header_means_anonymous():
    assert bearer_key(None) is None and bearer_key("  ") is None
    assert bearer_key("Bearer zk_abc_def") == "zk_abc_def"
