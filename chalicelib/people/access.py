"""Who is calling and what they may do: roles, departments, API keys. Pure."""

import hashlib
import secrets
from dataclasses import dataclass, field
from enum import StrEnum

from chalicelib.errors import Forbidden, Unauthorized

ALL_DEPARTMENTS = "*"


class Reader(StrEnum):
    """Who is asking: decides which articles and sections they may see."""

    CITIZEN = "public"
    AGENT = "agent"


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    AGENT = "agent"
    EDITOR = "editor"
    REVIEWER = "reviewer"
    ADMIN = "admin"


# What the pages call each role (static/review.js ROLES), and the audit log's summaries with them.
ROLE_NAMES = {
    Role.ANONYMOUS: "未登录",
    Role.AGENT: "话务员",
    Role.EDITOR: "编辑",
    Role.REVIEWER: "审核员",
    Role.ADMIN: "管理员",
}


class Action(StrEnum):
    READ = "read"
    FEEDBACK = "feedback"
    FLAG = "flag"
    VIEW_TASKS = "view_tasks"
    LOOK_BACK = "look_back"  # as_of: the knowledge base as it was published at a past moment
    EDIT = "edit"  # create, save, roll back and submit drafts; read history and audit
    REVIEW = "review"  # approve, reject, publish, archive
    MANAGE = "manage"  # keep the department directory (admins only)


_STAFF = {Action.READ, Action.FEEDBACK, Action.FLAG, Action.LOOK_BACK}
_ALLOWED = {
    Role.ANONYMOUS: {Action.READ, Action.FEEDBACK},
    Role.AGENT: _STAFF,
    Role.EDITOR: _STAFF | {Action.VIEW_TASKS, Action.EDIT},
    Role.REVIEWER: _STAFF | {Action.VIEW_TASKS, Action.EDIT, Action.REVIEW},
    Role.ADMIN: set(Action),
}


@dataclass(frozen=True)
class Principal:
    """The caller: a role, a stable identity, a display name, and the department codes they act for.

    `departments` already includes the departments under the ones a key names (see Directory).
    """

    role: Role
    name: str = "anonymous"
    departments: frozenset[str] = field(default_factory=frozenset)
    key_id: str | None = None
    principal_id: str | None = None  # the key holder's stable id; tools (kb sync, the scheduler) have none

    @property
    def identity(self) -> str:
        """Who this is for the four-eyes rule: the key holder's id, never a name someone else could take."""
        return self.principal_id or f"tool:{self.name}"

    @property
    def reader(self) -> Reader:
        """Citizens see public content only; every signed-in role sees what agents see."""
        return Reader.CITIZEN if self.role is Role.ANONYMOUS else Reader.AGENT

    def covers(self, department: str) -> bool:
        """Whether the caller acts for this department code (exactly, or for a unit above it)."""
        return self.role is Role.ADMIN or ALL_DEPARTMENTS in self.departments or department in self.departments

    def require_covers(self, department: str) -> None:
        """403 unless the caller acts for this 承办单位."""
        if not self.covers(department):
            raise Forbidden(f"'{self.name}' does not act for {department}", field="department")

    def require(self, action: Action) -> None:
        if action not in _ALLOWED[self.role]:
            if self.role is Role.ANONYMOUS:
                raise Unauthorized("this needs sign-in: send 'Authorization: Bearer <token or API key>'")
            article = "an" if self.role.value[0] in "aeiou" else "a"
            raise Forbidden(f"{article} {self.role.value} may not {action.value.replace('_', ' ')}")


ANONYMOUS = Principal(Role.ANONYMOUS)


def new_key() -> tuple[str, str]:
    """A fresh (key id, key). The key is shown once; only its hash is stored."""
    key_id = secrets.token_hex(4)
    return key_id, f"zk_{key_id}_{secrets.token_urlsafe(32)}"


def key_hash(key: str) -> str:
    # Keys carry 256 random bits, so a plain SHA-256 is enough: there is nothing to brute-force.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def bearer_credential(authorization: str | None) -> str | None:
    """What an 'Authorization: Bearer <credential>' header carries (an API key or a token); None without one."""
    if authorization is None or not authorization.strip():
        return None
    scheme, _, credential = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not credential.strip() or " " in credential.strip():
        raise Unauthorized(
            "the Authorization header must be 'Bearer <token>' (a sign-in token or an API key)", field="Authorization"
        )
    return credential.strip()


def bearer_key(authorization: str | None) -> str | None:
    """The key of an 'Authorization: Bearer <key>' header, None without one; a malformed header is a 401."""
    if authorization is None or not authorization.strip():
        return None
    scheme, _, key = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not key.strip().startswith("zk_"):
        raise Unauthorized(
            "the Authorization header must be 'Bearer <key>' with a Zhida API key", field="Authorization"
        )
    return key.strip()
