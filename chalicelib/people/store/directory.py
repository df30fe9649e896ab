"""The department directory: one item (a few hundred departments fit well under 400 KB), written under
the next generation so a warm container notices a change with its usual one read."""

import json
from dataclasses import dataclass, field

from chalicelib.errors import Conflict
from chalicelib.people.directory import Department, Directory
from chalicelib.store.table import TableStore, Writes

_KEY = {"pk": "DIRECTORY", "sk": "CURRENT"}


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

    def save(self, changed: StoredDirectory) -> int:
        """Write the directory if it is still at `changed.generation` (Conflict otherwise); the new generation."""

        def writes(generation: int) -> Writes:
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
                else {
                    "ConditionExpression": "generation = :based",
                    "ExpressionAttributeValues": {":based": changed.generation},
                }
            )
            return [{"Put": {"Item": item, **guard}}]

        def stale() -> Conflict | None:
            if self.written_at() != changed.generation:
                return Conflict("the directory changed meanwhile; reload it and try again", field="directory")
            return None

        return int(self._commit(writes, stale)[0]["Put"]["Item"]["generation"])
