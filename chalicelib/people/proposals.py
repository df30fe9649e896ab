"""Which directory changes need a second admin, and a change waiting for one (a proposal). Pure.

What citizens and agents read of a department (its name, phone, hours and address) and where it sits (its
parent: a key for a unit covers the units under it, so re-parenting changes what editors cover) change only
once another admin has approved. A new department, which nothing names yet, and what it handles apply at once.
"""

import datetime as dt
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.errors import Conflict, Forbidden
from chalicelib.people.directory import Department, DepartmentFields

# Where a unit sits (its parent, its district) decides where work goes and what keys cover; a district's aliases
# decide which questions count as the district's.
SECOND_PERSON_FIELDS = ("name", "phone", "hours", "address", "parent", "kind", "district", "aliases")
_SHOWN = {
    "name": "名称",
    "phone": "电话",
    "hours": "办公时间",
    "address": "地址",
    "handles": "受理范围",
    "parent": "上级单位",
    "kind": "类别",
    "district": "所属区",
    "aliases": "别名",
}
_KINDS = {"unit": "单位", "district": "区"}  # as static/directory.js says them


class FieldChange(BaseModel):
    field: str
    before: str | None
    after: str | None


class Proposal(BaseModel):
    """A change to a department waiting for a second admin; at most one per department."""

    code: str
    name: str = Field(description="the department's name as it is now")
    revision: int = Field(description="send it as If-Match to approve: what the approver read")
    proposed_by: str = Field(description="the proposer's identity: another admin must approve")
    proposed_by_name: str
    proposed_at: dt.datetime
    changes: list[FieldChange]


class SavedDepartment(BaseModel):
    """PUT /api/departments/{code}: the department as citizens now see it, and the change still waiting if any."""

    department: Department
    pending: Proposal | None = Field(description="null: applied at once; otherwise it waits for another admin")


class ProposalNote(BaseModel):
    """Why a proposal was rejected (optional)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: str | None = Field(default=None, max_length=500)


def field_changes(before: Department | None, after: DepartmentFields) -> list[FieldChange]:
    """The fields an edit changes (every field given, for a new department), in the form's order."""
    return [
        FieldChange(field=name, before=_text(old), after=_text(new))
        for name in DepartmentFields.model_fields
        if (old := getattr(before, name) if before is not None else None) != (new := getattr(after, name))
    ]


def _text(value: object) -> str | None:
    """A field's value as the change shows it: a list (a district's aliases) as its items, 、-separated."""
    if isinstance(value, list):
        return "、".join(value) or None
    return value if value is None else str(value)


def needs_second_person(changes: list[FieldChange]) -> bool:
    return any(change.field in SECOND_PERSON_FIELDS for change in changes)


def described(changes: list[FieldChange], name_of: Callable[[str], str], new: bool = False) -> str:
    """The changes in one line for the audit log, in the directory view's words:
    `电话：12345 → 12345 转 2；办公时间：无 → 24小时；上级单位：无 → 供热企业（heating-company）`
    (a unit named with its code); a new department's fields as given, without their defaults."""

    def shown(field: str, value: str | None) -> str:
        if not value:
            return "无"
        if field in ("parent", "district"):
            return f"{name_of(value)}（{value}）"
        return _KINDS.get(value, value) if field == "kind" else value

    def given(change: FieldChange) -> bool:
        default = DepartmentFields.model_fields[change.field].get_default(call_default_factory=True)
        return change.after is not None and change.after != _text(default)

    said = [
        f"{_SHOWN.get(c.field, c.field)}："
        + (shown(c.field, c.after) if new else f"{shown(c.field, c.before)} → {shown(c.field, c.after)}")
        for c in changes
        if not new or given(c)
    ]
    return "；".join(said) or "没有改动"


def applied(proposal: Proposal, current: Department | None) -> Department:
    """The department with the proposal's changes, if each field is still as it was when proposed (409 if not)."""
    if current is None or current.retired:
        raise Conflict(f"单位“{proposal.code}”已撤销或不存在，这项修改无法生效；请驳回", field="code")
    moved = [c for c in proposal.changes if getattr(current, c.field) != c.before]
    if moved:
        fields = "、".join(_SHOWN.get(c.field, c.field) for c in moved)
        raise Conflict(f"提出这项修改之后，{fields}已被改过；请驳回后重新提出", field="code")
    return current.model_copy(update={c.field: c.after for c in proposal.changes})


def check_second_person(proposal: Proposal, identity: str) -> None:
    """The proposer never approves their own change to what citizens see."""
    if proposal.proposed_by == identity:
        raise Forbidden("需由另一位管理员确认：这项派单目录的修改是你提出的", field="approver")
