"""The claim mapping: one item, written only if it is still at the revision the admin read."""

import json
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.errors import Conflict, aws_error_code
from chalicelib.people.mappings import ClaimMapping, StoredMapping
from chalicelib.store.table import TableStore

_KEY = {"pk": "SIGNIN", "sk": "MAPPING"}


class MappingStore(TableStore):
    def current(self) -> StoredMapping:
        """The mapping as last written; no rules at revision 0 if never."""
        item = self._get(_KEY)
        return _mapping(item) if item else StoredMapping(rules=[])

    def save(self, mapping: ClaimMapping, based_on: int, actor: str) -> StoredMapping:
        """Write the rules if the mapping is still at `based_on` (409 with the current revision otherwise)."""
        stored = StoredMapping(rules=mapping.rules, revision=based_on + 1, changed_by=actor)
        item = {**_KEY, **_item(stored)}
        guard: dict[str, Any] = (
            {"ConditionExpression": "attribute_not_exists(pk)"}
            if based_on == 0
            else {"ConditionExpression": "revision = :based", "ExpressionAttributeValues": {":based": based_on}}
        )
        try:
            self._table.put_item(Item=item, **guard)
        except ClientError as error:
            if aws_error_code(error) != "ConditionalCheckFailedException":
                raise
            if not self._landed(_KEY, lambda found: found == item):  # botocore's retry of a write that landed
                current = self.current().revision
                raise Conflict(
                    "the mapping changed meanwhile; reload it and try again", field="If-Match", revision=current
                ) from None
        return stored


def _item(stored: StoredMapping) -> dict[str, Any]:
    rules = json.dumps([rule.model_dump() for rule in stored.rules], ensure_ascii=False)
    return {"rules": rules, "revision": stored.revision, "changed_by": stored.changed_by or ""}


def _mapping(item: dict[str, Any]) -> StoredMapping:
    return StoredMapping(
        rules=json.loads(item["rules"]), revision=int(item["revision"]), changed_by=item.get("changed_by") or None
    )
