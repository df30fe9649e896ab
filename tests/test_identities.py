"""People signed in through the identity provider: tokens checked against its keys, issuer, audience and expiry;
the claim mapping that gives them a role; the throttle on bad tokens. Tokens here are signed with joserfc."""

import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from chalicelib.errors import (
    ConfigurationError,
    Conflict,
    Forbidden,
    InvalidInput,
    PreconditionRequired,
    TooManyAttempts,
    Unauthorized,
    Unavailable,
)
from chalicelib.people.access import Principal, Role
from chalicelib.people.identities import Identities
from chalicelib.people.keys import KeyRing
from chalicelib.people.mappings import ClaimMapping, ClaimRule
from chalicelib.people.sign_ins import SignInLimit
from chalicelib.people.tokens import TokenVerifier
from chalicelib.settings import Settings
from chalicelib.wiring import Stores
from tests.conftest import NOW, Clock

ISSUER = "https://id.example.gov.cn/realms/12345"
CLIENT = "zhida-pages"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
ADMIN = Principal(Role.ADMIN, "管理员甲", principal_id="p_admin")
RULES = [
    ClaimRule(claim="groups", value="hotline", role="agent", departments=["hotline-12345"]),
    ClaimRule(claim="groups", value="heating-editors", role="editor", departments=["heating-company"]),
    ClaimRule(claim="groups", value="water-editors", role="editor", departments=["water-company"]),
    ClaimRule(claim="realm_access.roles", value="kb-admin", role="admin", departments=["*"]),
]


class Provider:
    """The provider's published keys, as its discovery document and JWKS answer; counts the fetches."""

    def __init__(self, *keys: RSAKey) -> None:
        self.keys = list(keys)
        self.fetches = 0
        self.down = False

    def __call__(self, url: str) -> dict[str, Any]:
        if self.down:
            raise OSError("connection refused")
        self.fetches += 1
        if url.endswith("/.well-known/openid-configuration"):
            return {"issuer": ISSUER, "jwks_uri": ISSUER + "/certs"}
        return KeySet(self.keys).as_dict(private=False)


def token(key: Any = KEY, alg: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": CLIENT, "sub": "u-1001", "name": "张编辑", "iat": now, "exp": now + 300}
    payload.update(claims)
    header = {"alg": alg, **({"kid": key.kid} if getattr(key, "kid", None) else {})}
    return jwt.encode(header, {k: v for k, v in payload.items() if v is not None}, key, algorithms=[alg])


def identities(store: Stores, provider: Provider, limit: SignInLimit | None = None) -> Identities:
    ring = KeyRing(store.keys, store.directory.departments)
    verifier = TokenVerifier(ISSUER, [CLIENT], provider)
    return Identities(ring, store.mappings, store.directory.departments, verifier, None, limit)


@pytest.fixture
def mapped(synced_store: Stores) -> Stores:
    Identities(
        KeyRing(synced_store.keys, synced_store.directory.departments),
        synced_store.mappings,
        synced_store.directory.departments,
    ).change_mapping(ClaimMapping(rules=RULES), 0, ADMIN)
    return synced_store


def test_a_person_gets_the_highest_role_their_claims_map_to_for_every_department_of_it(mapped: Stores):
    people = identities(mapped, Provider(KEY))
    editor = people.principal("Bearer " + token(groups=["hotline", "heating-editors", "water-editors"]))
    assert editor.role is Role.EDITOR and editor.name == "张编辑" and editor.identity == "oidc:u-1001"
    assert {"heating-company", "water-company"} <= editor.departments and "hotline-12345" not in editor.departments
    admin = people.principal("Bearer " + token(sub="u-7", realm_access={"roles": ["kb-admin"]}))
    assert admin.role is Role.ADMIN and admin.covers("anything")


def test_a_person_no_rule_maps_is_signed_in_but_refused_in_words_they_can_act_on(mapped: Stores):
    with pytest.raises(Forbidden) as refused:
        identities(mapped, Provider(KEY)).principal("Bearer " + token(groups=["finance"]))
    assert "登录映射" in refused.value.message


@pytest.mark.parametrize(
    ("claims", "said"),
    [
        ({"iss": "https://evil.example/realms/12345"}, "not for this service"),
        ({"aud": "another-app"}, "not for this service"),
        ({"exp": int(time.time()) - 120}, "expired"),
        ({"exp": None}, "not for this service"),
        ({"sub": None}, "not for this service"),
    ],
)
def test_a_token_from_elsewhere_for_others_or_expired_is_refused(mapped: Stores, claims: dict, said: str):
    with pytest.raises(Unauthorized) as refused:
        identities(mapped, Provider(KEY)).principal("Bearer " + token(groups=["hotline"], **claims))
    assert said in refused.value.message


def test_forged_tokens_are_refused_before_any_claim_is_read(mapped: Stores):
    people = identities(mapped, Provider(KEY))
    signed = token(groups=["kb-admin"])
    header, payload, signature = signed.split(".")
    tampered = ".".join([header, token(realm_access={"roles": ["kb-admin"]}).split(".")[1], signature])
    shared_secret = OctKey.generate_key(256, parameters={"kid": "k1"})  # HS256: never accepted, whatever the key
    for forged in (
        tampered,
        token(shared_secret, alg="HS256", groups=["hotline"]),
        token(RSAKey.generate_key(2048, parameters={"kid": "k1"}), groups=["hotline"]),
    ):
        with pytest.raises(Unauthorized):
            people.principal("Bearer " + forged)


def test_rotated_keys_are_fetched_once_and_unknown_ones_do_not_make_a_fetch_each(mapped: Stores):
    provider = Provider(KEY)
    people = identities(mapped, provider)
    assert people.principal("Bearer " + token(groups=["hotline"])).role is Role.AGENT
    assert provider.fetches == 2  # discovery and keys, once
    rotated = RSAKey.generate_key(2048, parameters={"kid": "k2"})
    provider.keys.append(rotated)
    with pytest.raises(Unauthorized):  # within a minute of the last fetch: no new fetch for an unknown key
        people.principal("Bearer " + token(rotated, groups=["hotline"]))
    assert provider.fetches == 2
    later = identities(mapped, provider)  # a fresh container, or a minute on
    later.principal("Bearer " + token(groups=["hotline"]))
    later._tokens._fetched_at -= 61  # type: ignore[union-attr]
    assert later.principal("Bearer " + token(rotated, groups=["hotline"])).role is Role.AGENT


def test_an_unreachable_provider_is_a_503_until_it_answers_and_known_keys_keep_working(mapped: Stores):
    provider = Provider(KEY)
    provider.down = True
    people = identities(mapped, provider)
    with pytest.raises(Unavailable):
        people.principal("Bearer " + token(groups=["hotline"]))
    provider.down = False
    assert people.principal("Bearer " + token(groups=["hotline"])).role is Role.AGENT
    provider.down = True
    people._tokens._fetched_at -= 601  # type: ignore[union-attr]
    assert people.principal("Bearer " + token(groups=["hotline"])).role is Role.AGENT


def test_bad_tokens_are_throttled_per_client_and_a_valid_one_is_never_refused(mapped: Stores):
    limit = SignInLimit(mapped.records, 3, 60, Clock(NOW))
    people = identities(mapped, Provider(KEY), limit)
    for _ in range(3):
        with pytest.raises(Unauthorized):
            people.principal("Bearer x.y.z", "client-a")
    with pytest.raises(TooManyAttempts):
        people.principal("Bearer " + token(aud="another-app"), "client-a")
    assert people.principal("Bearer " + token(groups=["hotline"]), "client-a").role is Role.AGENT


def test_a_stage_without_a_provider_refuses_tokens_and_keeps_keys(mapped: Stores):
    ring = KeyRing(mapped.keys, mapped.directory.departments)
    _, key = ring.create("agent", "集成脚本", ["hotline-12345"], NOW)
    keys_only = Identities(ring, mapped.mappings, mapped.directory.departments)
    assert keys_only.principal(f"Bearer {key}").name == "集成脚本"
    with pytest.raises(Unauthorized, match="API keys only"):
        keys_only.principal("Bearer " + token(groups=["hotline"]))


def test_the_mapping_changes_only_from_the_revision_read_and_names_real_departments(mapped: Stores):
    people = identities(mapped, Provider(KEY))
    current = people.mapping()
    assert current.revision == 1 and current.changed_by == "p_admin"
    smaller = ClaimMapping(rules=RULES[:2])
    with pytest.raises(PreconditionRequired):
        people.change_mapping(smaller, None, ADMIN)
    with pytest.raises(Conflict):
        people.change_mapping(smaller, 0, ADMIN)
    typo = ClaimMapping(rules=[ClaimRule(claim="groups", value="x", role="editor", departments=["heating-compnay"])])
    with pytest.raises(InvalidInput, match="heating-compnay"):
        people.change_mapping(typo, 1, ADMIN)
    everyone = ClaimMapping(rules=[ClaimRule(claim="groups", value="x", role="editor", departments=["*"])])
    with pytest.raises(InvalidInput, match="only admins"):
        people.change_mapping(everyone, 1, ADMIN)
    assert people.change_mapping(smaller, 1, ADMIN).revision == 2
    with pytest.raises(Forbidden):  # the admin rule is gone
        people.principal("Bearer " + token(realm_access={"roles": ["kb-admin"]}))


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        ({"OIDC_ISSUER": "https://id.example"}, "OIDC_CLIENT_ID"),
        ({"OIDC_ISSUER": "http://id.example", "OIDC_CLIENT_ID": "c"}, "https"),
    ],
)
def test_a_provider_is_configured_completely_and_over_https(environ: dict[str, str], problem: str):
    with pytest.raises(ConfigurationError, match=problem):
        Settings.from_env({"TABLE_NAME": "t", "AWS_REGION": "cn-north-1", **environ})
    local = Settings.from_env(
        {"TABLE_NAME": "t", "AWS_REGION": "cn-north-1", "OIDC_ISSUER": "http://127.0.0.1:8001/", "OIDC_CLIENT_ID": "c"}
    )
    assert local.oidc_issuer == "http://127.0.0.1:8001" and local.oidc_audiences == ("c",)
