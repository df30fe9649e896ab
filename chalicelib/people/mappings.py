"""The claim mapping: which of the identity provider's claims (a group, a role, a department attribute) make a
signed-in person an agent, editor, reviewer or admin, and for which departments. Admins keep it in the table.

A person gets the highest role any rule gives them, for the departments of every rule that gives that role
(an editor in two groups edits for both departments). No rule: signed in, but no role here (403).
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.errors import Forbidden, InvalidInput
from chalicelib.people.access import ALL_DEPARTMENTS, Principal, Role
from chalicelib.people.directory import Directory

RANK = [Role.AGENT, Role.EDITOR, Role.REVIEWER, Role.ADMIN]
CLAIM_PATTERN = r"^[A-Za-z0-9_:/.-]{1,100}$"


class ClaimRule(BaseModel):
    """One rule: the claim (a dotted path for nested claims, e.g. realm_access.roles) and the value it must have
    or contain, and what it grants."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    claim: str = Field(pattern=CLAIM_PATTERN, description="claim name; dots reach into nested claims")
    value: str = Field(min_length=1, max_length=200, description="the claim equals it, or its list contains it")
    role: str = Field(description="agent, editor, reviewer or admin")
    departments: list[str] = Field(max_length=50, description="department codes acted for; ['*'] for all")

    @field_validator("role")
    @classmethod
    def _known_role(cls, role: str) -> str:
        if role not in {r.value for r in RANK}:
            raise ValueError(f"role must be one of {', '.join(r.value for r in RANK)}")
        return role

    def matches(self, claims: dict[str, Any]) -> bool:
        found: Any = claims
        for part in self.claim.split("."):
            found = found.get(part) if isinstance(found, dict) else None
        if isinstance(found, list):
            return self.value in [str(item) for item in found]
        return found is not None and str(found) == self.value


class ClaimMapping(BaseModel):
    """PUT /api/sign-in/mapping: every rule at once (a small list; the order does not matter)."""

    model_config = ConfigDict(extra="forbid")

    rules: list[ClaimRule] = Field(max_length=200)


class StoredMapping(ClaimMapping):
    """The mapping as kept, with its revision (the ETag an admin's change names) and who changed it last."""

    revision: int = 0
    changed_by: str | None = None


def check_departments(mapping: ClaimMapping, directory: Directory) -> None:
    """400 for a rule naming a department the directory does not list (a typo would grant nothing, silently)."""
    for number, rule in enumerate(mapping.rules):
        for code in rule.departments:
            if code != ALL_DEPARTMENTS and code not in directory:
                raise InvalidInput(f"rules.{number}.departments: no department '{code}'", field=f"rules.{number}")
        if ALL_DEPARTMENTS in rule.departments and rule.role != Role.ADMIN.value:
            raise InvalidInput(f"rules.{number}: only admins act for every department ('*')", field=f"rules.{number}")


def person(claims: dict[str, Any], mapping: ClaimMapping, directory: Directory) -> Principal:
    """The signed-in person as a principal: `oidc:<sub>`, their name, and what the mapping grants them."""
    name = str(claims.get("name") or claims.get("preferred_username") or claims["sub"])[:60]
    matched = [rule for rule in mapping.rules if rule.matches(claims)]
    if not matched:
        raise Forbidden(
            f"{name} 已登录，但登录映射没有给这个账号任何角色：请管理员为其用户组指定角色"
            " (no rule of the claim mapping matches this person)",
            field="role",
        )
    role = max((Role(rule.role) for rule in matched), key=RANK.index)
    codes = {code for rule in matched if rule.role == role.value for code in rule.departments}
    covered = directory.with_descendants(codes - {ALL_DEPARTMENTS}) | (codes & {ALL_DEPARTMENTS})
    return Principal(role, name, frozenset(covered), principal_id=f"oidc:{claims['sub']}")
