import datetime as dt

import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ReadTimeoutError

from chalicelib.errors import ConfigurationError, InvalidInput, TooManyAttempts, Unauthorized
from chalicelib.people.keys import KeyRing
from chalicelib.people.sign_ins import SignInLimit
from chalicelib.settings import Settings
from chalicelib.store.records import RecordStore
from chalicelib.wiring import Stores
from tests.conftest import NOW, Clock

WRONG = "Bearer zk_00000000_not-a-key"


def ring_with_limit(store: Stores, clock: Clock, failures: int = 3, window: int = 60) -> KeyRing:
    return KeyRing(store.keys, store.directory.departments, SignInLimit(store.records, failures, window, clock))


def attempt(ring: KeyRing, authorization: str, client: str = "client-a") -> str:
    """What the caller is told: the principal's name, or the error's code."""
    try:
        return ring.principal(authorization, client).name
    except (Unauthorized, TooManyAttempts) as refused:
        return refused.code


def test_a_burst_of_unknown_keys_locks_the_client_out_with_the_seconds_left(synced_store: Stores):
    clock = Clock(NOW + dt.timedelta(seconds=15))  # 15 s into a minute
    ring = ring_with_limit(synced_store, clock)
    assert [attempt(ring, WRONG) for _ in range(4)] == ["unauthorized"] * 3 + ["too_many_attempts"]
    with pytest.raises(TooManyAttempts) as refused:
        ring.principal(WRONG, "client-a")
    assert refused.value.retry_after == 45 and refused.value.status == 429


def test_a_locked_out_address_keeps_its_valid_keys_and_stops_paying_for_bad_ones(
    synced_store: Stores, monkeypatch: pytest.MonkeyPatch
):
    """A call centre is hundreds of staff behind one NAT address: one person's (or script's) bad keys must not
    refuse everyone else's."""
    clock = Clock()
    ring = ring_with_limit(synced_store, clock)
    _, key = ring.create("agent", "坐席甲", ["hotline-12345"], NOW)
    for _ in range(4):
        attempt(ring, WRONG)
    clock.now = NOW + dt.timedelta(seconds=59)
    assert attempt(ring, f"Bearer {key}") == "坐席甲"
    counted = []
    monkeypatch.setattr(synced_store.records, "count", lambda *a, **k: counted.append(a) or 99)
    assert [attempt(ring, WRONG) for _ in range(30)] == ["too_many_attempts"] * 30 and not counted
    monkeypatch.undo()
    clock.now = NOW + dt.timedelta(seconds=60)
    assert attempt(ring, WRONG) == "unauthorized"  # a new window counts afresh


def test_another_client_and_anonymous_callers_are_unaffected(synced_store: Stores):
    ring = ring_with_limit(synced_store, Clock())
    _, key = ring.create("agent", "坐席乙", ["hotline-12345"], NOW)
    for _ in range(4):
        attempt(ring, WRONG)
    assert attempt(ring, f"Bearer {key}", client="client-b") == "坐席乙"
    assert attempt(ring, WRONG, client="client-b") == "unauthorized"
    assert attempt(ring, "", client="client-a") == "anonymous"  # a citizen behind the same address still reads


def test_every_container_counts_into_the_same_window(synced_store: Stores):
    clock = Clock()
    one, other = ring_with_limit(synced_store, clock), ring_with_limit(synced_store, clock)
    assert [attempt(one, WRONG), attempt(other, WRONG), attempt(one, WRONG)] == ["unauthorized"] * 3
    assert attempt(other, WRONG) == "too_many_attempts"


def test_a_revoked_key_counts_and_a_malformed_header_does_not(synced_store: Stores):
    ring = ring_with_limit(synced_store, Clock(), failures=1)
    record, key = ring.create("agent", "离职坐席", ["hotline-12345"], NOW)
    ring.revoke(record.key_id)
    assert [attempt(ring, "Basic c2VjcmV0") for _ in range(3)] == ["unauthorized"] * 3
    assert [attempt(ring, f"Bearer {key}") for _ in range(2)] == ["unauthorized", "too_many_attempts"]


def test_the_counter_keeps_no_address_and_expires_with_its_window(synced_store: Stores):
    ring = ring_with_limit(synced_store, Clock(NOW + dt.timedelta(seconds=15)))
    attempt(ring, WRONG, client="3f9a0c")
    [item] = synced_store.table.query(KeyConditionExpression=Key("pk").eq("RATE#signin#3f9a0c"))["Items"]
    assert item["hits"] == 1 and item["ttl"] == int(NOW.timestamp()) + 60


def test_a_failure_the_table_cannot_count_is_still_a_401(synced_store: Stores, monkeypatch):
    def unavailable(*args, **kwargs):
        raise ReadTimeoutError(endpoint_url="http://dynamodb")

    monkeypatch.setattr(RecordStore, "count", unavailable)
    ring = ring_with_limit(synced_store, Clock(), failures=1)
    assert [attempt(ring, WRONG) for _ in range(3)] == ["unauthorized"] * 3


def test_the_stage_sets_the_numbers_and_a_window_of_no_time_is_refused():
    stage = {"TABLE_NAME": "zhida-dev", "AWS_REGION": "cn-north-1"}
    default, chosen = (
        Settings.from_env(stage),
        Settings.from_env({**stage, "SIGN_IN_FAILURES": "5", "SIGN_IN_WINDOW_SECONDS": "300"}),
    )
    assert (default.sign_in_failures, default.sign_in_window_seconds) == (20, 60)
    assert (chosen.sign_in_failures, chosen.sign_in_window_seconds) == (5, 300)
    with pytest.raises(ConfigurationError):
        Settings.from_env({**stage, "SIGN_IN_WINDOW_SECONDS": "0"})


# Through the API: the limit as wiring builds it, from the stage's settings.

BAD_KEY = {"Authorization": WRONG}


@pytest.fixture
def api(synced_store: Stores, monkeypatch: pytest.MonkeyPatch):
    """The app's test client, 3 failures a day allowed (a day, so a burst never straddles two windows)."""
    from chalice.test import Client

    from app import app

    monkeypatch.setenv("SIGN_IN_FAILURES", "3")
    monkeypatch.setenv("SIGN_IN_WINDOW_SECONDS", "86400")
    with Client(app, stage_name="dev") as client:
        yield client


@pytest.fixture
def agent(synced_store: Stores) -> dict[str, str]:
    _, key = KeyRing(synced_store.keys, synced_store.directory.departments).create("agent", "坐席丙", [], NOW)
    return {"Authorization": f"Bearer {key}"}


def test_a_burst_of_bad_keys_gets_429_with_retry_after_and_a_right_key_still_works(api, agent: dict[str, str]):
    assert [api.http.get("/api/me", headers=BAD_KEY).status_code for _ in range(4)] == [401, 401, 401, 429]
    assert api.http.get("/api/me", headers=agent).status_code == 200  # a colleague behind the same address
    refused = api.http.get("/api/me", headers=BAD_KEY)
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 86_400
    assert refused.json_body["error"]["code"] == "too_many_attempts"
    assert refused.json_body["error"]["field"] == "Authorization"
    assert api.http.get("/api/categories").status_code == 200  # without a key, citizens still read


def test_another_client_is_not_locked_out(api, agent: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    from chalice.local import LambdaEventConverter

    for _ in range(4):
        api.http.get("/api/me", headers=BAD_KEY)
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", "203.0.113.7")
    assert api.http.get("/api/me", headers=agent).status_code == 200
    assert api.http.get("/api/me", headers=BAD_KEY).status_code == 401


def test_a_table_failure_while_counting_is_a_401_never_a_503(api, monkeypatch: pytest.MonkeyPatch):
    from botocore.exceptions import ClientError

    def refuse(*args, **kwargs):
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}}, "Update")

    monkeypatch.setattr(RecordStore, "count", refuse)
    assert [api.http.get("/api/me", headers=BAD_KEY).status_code for _ in range(5)] == [401] * 5


def test_a_key_is_refused_once_it_expires_and_rotating_renews_it(synced_store: Stores):
    clock = Clock()
    ring = KeyRing(synced_store.keys, synced_store.directory.departments, now=clock)
    record, key = ring.create("agent", "集成脚本", ["hotline-12345"], NOW, valid_days=30)
    assert record.expires_at == NOW + dt.timedelta(days=30)
    clock.now = NOW + dt.timedelta(days=29, hours=23)
    assert ring.principal(f"Bearer {key}").name == "集成脚本"
    clock.now = NOW + dt.timedelta(days=30)
    with pytest.raises(Unauthorized, match="expired"):
        ring.principal(f"Bearer {key}")
    _, renewed = ring.rotate("集成脚本", clock.now)  # a year from the rotation, by default
    assert ring.principal(f"Bearer {renewed}").name == "集成脚本"
    for days in (0, 731):
        with pytest.raises(InvalidInput) as refused:
            ring.create("agent", f"脚本{days}", ["hotline-12345"], NOW, valid_days=days)
        assert refused.value.field == "days"
