"""Who is calling: a person signed in through the centre's identity provider (a token), a machine with an API
key, or nobody. The claim mapping that turns a person's claims into a role is kept here too."""

from collections.abc import Callable

from pydantic import BaseModel, Field

from chalicelib.errors import Conflict, PreconditionRequired, Unauthorized
from chalicelib.people.access import ALL_DEPARTMENTS, ANONYMOUS, ROLE_NAMES, Principal, Role, bearer_credential
from chalicelib.people.changes import ChangeLog
from chalicelib.people.directory import Directory
from chalicelib.people.keys import KeyRing
from chalicelib.people.mappings import ClaimMapping, ClaimRule, StoredMapping, check_departments, person
from chalicelib.people.sign_ins import SignInLimit
from chalicelib.people.store.mappings import MappingStore
from chalicelib.people.tokens import TokenVerifier, looks_like_token


class Provider(BaseModel):
    """The identity provider the pages send people to (authorization code with PKCE)."""

    issuer: str = Field(description="the provider's issuer URL; its discovery document is under it")
    client_id: str = Field(description="the pages' client id at the provider (a public client)")
    scopes: str = Field(description="the scopes the pages ask for")


class SignInOptions(BaseModel):
    """GET /api/sign-in: how people sign in here; no provider: API keys only."""

    provider: Provider | None


class Identities:
    def __init__(
        self,
        keys: KeyRing,
        mappings: MappingStore,
        directory: Callable[[], Directory],
        tokens: TokenVerifier | None = None,
        provider: Provider | None = None,
        limit: SignInLimit | None = None,
        changes: ChangeLog | None = None,
        written_directory: Callable[[], Directory] | None = None,
    ) -> None:
        self._keys = keys
        self._mappings = mappings
        self._directory = directory
        self._tokens = tokens
        self._provider = provider
        self._limit = limit  # bad tokens count against their client as unknown keys do
        self._changes = changes  # the admin audit log; every mapping change is an entry
        # A mapping is checked against the directory as written (a department added a moment ago counts), while
        # sign-ins read the index's copy, which costs no read.
        self._written_directory = written_directory or directory

    def options(self) -> SignInOptions:
        return SignInOptions(provider=self._provider)

    def principal(self, authorization: str | None, client: str | None = None) -> Principal:
        """Anonymous without a header; the key's holder or the signed-in person with a valid credential; 401 (429
        once the client has sent too many bad ones) for anything else. A valid credential is never refused for
        what others behind the same address sent."""
        credential = bearer_credential(authorization)
        if credential is None:
            return ANONYMOUS
        if credential.startswith("zk_"):
            return self._keys.principal(authorization, client)
        try:
            if self._tokens is None:
                raise Unauthorized("this service signs in with API keys only", field="Authorization")
            if not looks_like_token(credential):
                raise Unauthorized("the bearer credential is neither an API key nor a token", field="Authorization")
            claims = self._tokens.claims(credential)
        except Unauthorized:
            if self._limit is not None and client is not None:
                self._limit.failed(client)
            raise
        return person(claims, self._mappings.current(), self._directory())

    def mapping(self) -> StoredMapping:
        return self._mappings.current()

    def change_mapping(self, mapping: ClaimMapping, based_on: int | None, caller: Principal) -> StoredMapping:
        """Replace the rules, if the admin read the current ones (If-Match: 428 without, 409 when stale)."""
        if based_on is None:
            raise PreconditionRequired.if_match()
        check_departments(mapping, self._written_directory())
        current = self._mappings.current()
        if based_on != current.revision:
            raise Conflict(
                "the mapping changed meanwhile; reload it and try again", field="If-Match", revision=current.revision
            )
        saved = self._mappings.save(mapping, based_on, caller.identity)
        if self._changes is not None:
            self._changes.record(caller, "mapping:claims", "change", _difference(current.rules, saved.rules))
        return saved


def _difference(before: list[ClaimRule], after: list[ClaimRule]) -> str:
    """What a mapping change did, rule by rule, in the mapping view's words (声明=取值 → 角色, 单位):
    `规则：3 条 → 4 条；新增：groups=editors → 编辑（单位 heating-company）`."""

    def said(rule: ClaimRule) -> str:
        units = "全部单位" if ALL_DEPARTMENTS in rule.departments else "单位 " + "、".join(rule.departments)
        return f"{rule.claim}={rule.value} → {ROLE_NAMES[Role(rule.role)]}（{units if rule.departments else '无单位'}）"

    old, new = {said(rule) for rule in before}, {said(rule) for rule in after}
    parts = [f"规则：{len(before)} 条 → {len(after)} 条"]
    parts += [f"新增：{rule}" for rule in sorted(new - old)] + [f"删除：{rule}" for rule in sorted(old - new)]
    return "；".join(parts)
