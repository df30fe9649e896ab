"""Use cases of the department directory: everyone reads it, admins keep it, and what citizens see of a
department changes only with a second admin (people/proposals.py). Every change is in the admin audit log."""

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from chalicelib.clock import utc_now
from chalicelib.errors import Conflict, InvalidInput, NotFound, PreconditionRequired
from chalicelib.people.access import Action, Principal, Role
from chalicelib.people.changes import ChangeLog
from chalicelib.people.directory import Department, DepartmentFields, Directory
from chalicelib.people.models import Me
from chalicelib.people.proposals import (
    Proposal,
    SavedDepartment,
    applied,
    check_second_person,
    described,
    field_changes,
    needs_second_person,
)
from chalicelib.people.store.directory import DirectoryStore
from chalicelib.people.store.keys import KeyStore

_LISTED = 12  # what a refused retirement names; a department with hundreds of articles is not listed in full


def subject(code: str) -> str:
    """How the audit log names a department."""
    return f"department:{code}"


class DirectoryDesk:
    """Reads come from the copy the search index reads (as fresh as the index); writes go to the store.

    `articles_naming(code)` says which articles (and referral groups) name a department, for its retirement:
    they belong to the knowledge package above this one, so wiring hands them in.
    """

    def __init__(
        self,
        directory: DirectoryStore,
        reading_copy: Callable[[], Directory],
        changes: ChangeLog,
        keys: KeyStore,
        articles_naming: Callable[[str], list[str]] = lambda code: [],
        now: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._directory = directory
        self._reading_copy = reading_copy
        self._changes = changes
        self._keys = keys
        self._articles_naming = articles_naming
        self._now = now

    def departments(self) -> list[Department]:
        return list(self._reading_copy())

    def me(self, principal: Principal) -> Me:
        signed_in = principal.role is not Role.ANONYMOUS
        return Me(
            principal=principal.identity if signed_in else None,
            name=principal.name,
            role=principal.role.value,
            departments=sorted(principal.departments),
        )

    def save(self, code: str, fields: DepartmentFields, principal: Principal) -> SavedDepartment:
        """Add a department, or change one: what it handles at once, what citizens see and its parent as a
        proposal for another admin (one pending per department; its proposer may replace it). Articles name a
        department by code, so none of their text changes."""
        principal.require(Action.MANAGE)
        stored = self._directory.current()
        before = stored.directory.get(code)
        if before is not None and before.retired:
            raise Conflict(f"单位“{before.name}”（{code}）已撤销，不能再修改；请另建一个单位", field="code")
        if before is None and fields.district:
            # A new unit for a district changes where that district's work goes: it is added without the district,
            # and the district waits for a second admin like any other change of it.
            self.save(code, fields.model_copy(update={"district": None}), principal)
            return self.save(code, fields, principal)
        department = Department(code=code, **fields.model_dump())
        changed = _checked(stored.directory, department, InvalidInput)
        changes = field_changes(before, fields)
        if before is not None and not changes:
            return SavedDepartment(department=before, pending=self._directory.proposal(code))
        if before is None or not needs_second_person(changes):
            action = "add" if before is None else "change"
            summary = described(changes, stored.directory.name_of, new=before is None)
            entry = self._changes.entry(principal, subject(code), action, summary, department.name)
            self._directory.save(replace(stored, directory=changed), entry)
            return SavedDepartment(department=department, pending=self._directory.proposal(code))
        pending = self._directory.proposal(code)
        if pending is not None and pending.proposed_by != principal.identity:
            raise Conflict(
                f"{pending.proposed_by_name} 对“{before.name}”的修改还在等待确认；请先批准或驳回它",
                field="code",
                revision=pending.revision,
            )
        proposal = Proposal(
            code=code,
            name=before.name,
            revision=0,
            proposed_by=principal.identity,
            proposed_by_name=principal.name,
            proposed_at=self._now(),
            changes=changes,
        )
        summary = described(changes, stored.directory.name_of)
        entry = self._changes.entry(principal, subject(code), "propose", summary, before.name)
        written = self._directory.propose(proposal, pending.revision if pending else None, entry)
        return SavedDepartment(department=before, pending=written)

    def proposals(self, principal: Principal) -> list[Proposal]:
        """Changes waiting for a second admin, oldest first."""
        principal.require(Action.MANAGE)
        return sorted(self._directory.proposals(), key=lambda p: p.proposed_at)

    def approve(self, code: str, revision: int | None, principal: Principal) -> Department:
        """Another admin applies the proposal they read (its revision, from If-Match)."""
        principal.require(Action.MANAGE)
        if revision is None:
            raise PreconditionRequired("send If-Match with the revision of the proposal you read", field="If-Match")
        proposal = self._pending(code)
        check_second_person(proposal, principal.identity)
        _require_read(proposal, revision)
        stored = self._directory.current()
        department = applied(proposal, stored.directory.get(code))
        changed = _checked(stored.directory, department, Conflict)
        summary = f"{described(proposal.changes, stored.directory.name_of)}（{proposal.proposed_by_name} 提出）"
        entry = self._changes.entry(principal, subject(code), "approve", summary, department.name)
        self._directory.settle(proposal, entry, replace(stored, directory=changed))
        return department

    def reject(self, code: str, note: str | None, revision: int | None, principal: Principal) -> Department:
        """Another admin turns a proposal down, or its proposer withdraws it; nothing changes. Without a
        revision, the pending one."""
        principal.require(Action.MANAGE)
        proposal = self._pending(code)
        _require_read(proposal, revision)
        action = "withdraw" if proposal.proposed_by == principal.identity else "reject"
        name_of = self._directory.current().directory.name_of
        summary = f"{described(proposal.changes, name_of)}（{proposal.proposed_by_name} 提出）"
        summary += f"；理由：{note}" if note else ""
        entry = self._changes.entry(principal, subject(code), action, summary, proposal.name)
        self._directory.settle(proposal, entry)
        current = self._directory.current().directory.get(code)
        assert current is not None  # proposals are made for departments, which are never deleted
        return current

    def retire(self, code: str, principal: Principal) -> Department:
        """Mark a department retired: kept, so old versions still show its name; never offered for new work.
        Refused while anything still names it."""
        principal.require(Action.MANAGE)
        stored = self._directory.current()
        department = stored.directory.get(code)
        if department is None:
            raise NotFound(f"no department with code '{code}'", field="code")
        if department.retired:
            return department
        users = self._users(code, stored.directory)
        if users:
            listed = "；".join(users[:_LISTED]) + (f" 等共 {len(users)} 项" if len(users) > _LISTED else "")
            raise Conflict(f"“{department.name}”仍在使用，不能撤销：{listed}", field="code")
        retired = department.model_copy(update={"retired": True})
        entry = self._changes.entry(principal, subject(code), "retire", "状态：在用 → 已撤销", department.name)
        self._directory.save(replace(stored, directory=_checked(stored.directory, retired, Conflict)), entry)
        return retired

    def _users(self, code: str, directory: Directory) -> list[str]:
        """What still names a department: units under it, articles and referral groups, keys, a pending change."""
        found = [f"下级单位 {d.code}" for d in directory if d.parent == code and not d.retired]
        found += self._articles_naming(code)
        now = self._now()
        found += [
            f"API 密钥 {k.name}"
            for k in self._keys.all()
            if code in k.departments and not k.revoked and (k.expires_at is None or k.expires_at > now)
        ]
        if self._directory.proposal(code) is not None:
            found.append("一项待确认的修改")
        return found

    def _pending(self, code: str) -> Proposal:
        proposal = self._directory.proposal(code)
        if proposal is None:
            raise NotFound(f"单位“{code}”没有待确认的修改", field="code")
        return proposal


def _require_read(proposal: Proposal, revision: int | None) -> None:
    """409 unless the caller read the proposal as it now is (no revision: the pending one, for a rejection)."""
    if revision is not None and revision != proposal.revision:
        raise Conflict(
            f"“{proposal.name}”待确认的修改已经变了；请重新加载，看过之后再确认",
            field="If-Match",
            revision=proposal.revision,
        )


def _checked(directory: Directory, department: Department, error: type[InvalidInput] | type[Conflict]) -> Directory:
    """The directory with the department in place of its old record, refused if that breaks the tree."""
    changed = Directory([*(d for d in directory if d.code != department.code), department])
    problems = changed.problems()
    if problems:
        raise error(f"parent: {problems[0]}", field="parent")
    return changed
