"""The department directory: one item (a few hundred departments fit well under 400 KB), written under
the next generation so a warm container notices a change with its usual one read; and beside it, the changes
waiting for a second admin. Each write carries its entry of the admin audit log in the same transaction."""

import json
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Key

from chalicelib.errors import Conflict
from chalicelib.people.changes import Change
from chalicelib.people.directory import Department, Directory
from chalicelib.people.proposals import Proposal
from chalicelib.people.store.changes import entry_puts
from chalicelib.store.table import TableStore, Writes

_KEY = {"pk": "DIRECTORY", "sk": "CURRENT"}
_PROPOSAL = "PROPOSAL#"


@dataclass(frozen=True)
class StoredDirectory:
    """The department directory, the generation it was written at (0: never), the hash of each department's
    record in the folder's file at the last sync, and that file's text (exported as is while it still holds)."""

    directory: Directory
    generation: int = 0
    sources: dict[str, str] = field(default_factory=dict)
    file_text: str | None = None


class DirectoryStore(TableStore):
    """The directory as last written, and writes guarded by the generation they were based on."""

    def current(self) -> StoredDirectory:
        """The directory as last written (an empty one at generation 0 if never)."""
        item = self._get(_KEY, consistent=True)
        if not item:
            return StoredDirectory(Directory())
        departments = [Department.model_validate(d) for d in json.loads(item["departments"])]
        return StoredDirectory(
            Directory(departments), int(item["generation"]), json.loads(item["sources"]), item.get("file_text")
        )

    def departments(self) -> Directory:
        """The departments alone, read afresh."""
        return self.current().directory

    def written_at(self) -> int:
        """The generation the directory was last written at, without reading the departments."""
        item = self._get(_KEY, consistent=True, ProjectionExpression="generation")
        return int(item["generation"]) if item else 0

    def save(self, changed: StoredDirectory, change: Change | None = None) -> int:
        """Write the directory, and its audit entry if given, if it is still at `changed.generation` (Conflict
        otherwise); the new generation."""

        def writes(generation: int) -> Writes:
            return [_directory_put(changed, generation), *(entry_puts(change) if change is not None else [])]

        return int(self._commit(writes, lambda: self._stale(changed))[0]["Put"]["Item"]["generation"])

    # Changes waiting for a second admin: one item per department, its revision the generation it was written at,
    # so a revision is never issued twice (a proposal settled and made again gets a new one).

    def proposals(self) -> list[Proposal]:
        """Every pending proposal, by department code."""
        condition = Key("pk").eq(_KEY["pk"]) & Key("sk").begins_with(_PROPOSAL)
        return [_proposal(item) for item in self._query(condition, ConsistentRead=True)]

    def proposal(self, code: str) -> Proposal | None:
        item = self._get(_proposal_key(code), consistent=True)
        return _proposal(item) if item else None

    def propose(self, proposal: Proposal, replacing: int | None, change: Change) -> Proposal:
        """Write a proposal with its audit entry: a new one, or in place of the one at revision `replacing`."""
        guard = _unchanged(replacing)

        def writes(generation: int) -> Writes:
            item = {**_proposal_key(proposal.code), **_proposal_item(proposal), "generation": generation}
            return [{"Put": {"Item": item, **guard}}, *entry_puts(change)]

        written = self._commit(writes, lambda: self._moved(proposal.code, replacing))
        return proposal.model_copy(update={"revision": int(written[0]["Put"]["Item"]["generation"])})

    def settle(self, proposal: Proposal, change: Change, directory: StoredDirectory | None = None) -> None:
        """Remove a proposal still at its revision, with its audit entry and, when approved, the directory it
        leads to (itself still at the generation it was read at)."""

        def writes(generation: int) -> Writes:
            delete = {"Delete": {"Key": _proposal_key(proposal.code), **_unchanged(proposal.revision)}}
            applied = [_directory_put(directory, generation)] if directory is not None else []
            return [delete, *applied, *entry_puts(change)]

        def refused() -> Conflict | None:
            moved = self._moved(proposal.code, proposal.revision)
            return moved if moved is not None or directory is None else self._stale(directory)

        self._commit(writes, refused)

    def _moved(self, code: str, revision: int | None) -> Conflict | None:
        """The conflict if the department's pending proposal is no longer at `revision` (None: there was none)."""
        current = self.proposal(code)
        if (current.revision if current else None) == revision:
            return None
        if current is None:
            return Conflict(f"单位“{code}”没有待确认的修改了（可能已被处理）；请重新加载", field="If-Match")
        return Conflict(
            f"单位“{code}”待确认的修改已变（{current.proposed_by_name} 提出）；请重新加载后再看",
            field="If-Match",
            revision=current.revision,
        )

    def _stale(self, changed: StoredDirectory) -> Conflict | None:
        if self.written_at() != changed.generation:
            return Conflict("the directory changed meanwhile; reload it and try again", field="directory")
        return None


def _directory_put(changed: StoredDirectory, generation: int) -> dict[str, Any]:
    """The directory item under the generation it was read at (or as the first one)."""
    item = {
        **_KEY,
        "departments": json.dumps([d.model_dump() for d in changed.directory], ensure_ascii=False),
        "sources": json.dumps(changed.sources, ensure_ascii=False),
        "generation": generation,
    }
    if changed.file_text is not None:
        item["file_text"] = changed.file_text
    guard = (
        {"ConditionExpression": "attribute_not_exists(pk)"}
        if changed.generation == 0
        else {"ConditionExpression": "generation = :based", "ExpressionAttributeValues": {":based": changed.generation}}
    )
    return {"Put": {"Item": item, **guard}}


def _unchanged(revision: int | None) -> dict[str, Any]:
    if revision is None:
        return {"ConditionExpression": "attribute_not_exists(pk)"}
    return {"ConditionExpression": "generation = :seen", "ExpressionAttributeValues": {":seen": revision}}


def _proposal_key(code: str) -> dict[str, str]:
    return {"pk": _KEY["pk"], "sk": f"{_PROPOSAL}{code}"}


def _proposal_item(proposal: Proposal) -> dict[str, Any]:
    return {"proposal": proposal.model_dump_json(exclude={"revision"})}


def _proposal(item: dict[str, Any]) -> Proposal:
    return Proposal.model_validate({**json.loads(item["proposal"]), "revision": int(item["generation"])})
