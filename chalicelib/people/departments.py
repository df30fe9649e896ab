"""Use cases of the department directory: everyone reads it, admins keep it."""

from collections.abc import Callable
from dataclasses import replace

from chalicelib.errors import InvalidInput
from chalicelib.people.access import Action, Principal, Role
from chalicelib.people.directory import Department, DepartmentFields, Directory
from chalicelib.people.models import Me
from chalicelib.people.store.directory import DirectoryStore


class DirectoryDesk:
    """Reads come from the copy the search index reads (as fresh as the index); writes go to the store."""

    def __init__(self, directory: DirectoryStore, reading_copy: Callable[[], Directory]) -> None:
        self._directory = directory
        self._reading_copy = reading_copy

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

    def save(self, code: str, fields: DepartmentFields, principal: Principal) -> Department:
        """Add a department or change one; articles name it by code, so none of their text changes."""
        principal.require(Action.MANAGE)
        stored = self._directory.current()
        department = Department(code=code, **fields.model_dump())
        changed = Directory([*(d for d in stored.directory if d.code != code), department])
        problems = changed.problems()
        if problems:
            raise InvalidInput(f"parent: {problems[0]}", field="parent")
        self._directory.save(replace(stored, directory=changed))
        return department
