"""The admin audit log: one partition, sorted by time, so the newest page is one query read backwards.

Not generation-stamped: no index depends on it. A store that writes a change and its entry in one transaction
adds `entry_put(change)` to its writes.
"""

from typing import Any

from boto3.dynamodb.conditions import Key

from chalicelib.paging import Page
from chalicelib.people.changes import Change
from chalicelib.store.table import TableStore

_PARTITION = "CHANGES"


class ChangeStore(TableStore):
    """Entries by `<ISO time>#<random>`: written once, never changed."""

    def add(self, change: Change) -> None:
        self._put(_item(change))

    def page(self, limit: int, after: str | None) -> Page[Change]:
        """Up to `limit` entries older than `after` (an entry's id), newest first, and the next page's `after`."""
        condition = Key("pk").eq(_PARTITION)
        if after is not None:
            condition = condition & Key("sk").lt(after)
        found: list[Change] = []
        for page in self._pages(condition, ScanIndexForward=False, Limit=limit + 1):
            found.extend(_change(item) for item in page["Items"])
            if len(found) > limit:
                break
        chosen = found[:limit]
        return Page(chosen, chosen[-1].id if len(found) > limit else None)


def entry_put(change: Change) -> dict[str, Any]:
    """The entry as one write of a transaction (TransactWriteItems' Put, without its TableName)."""
    return {"Put": {"Item": _item(change), "ConditionExpression": "attribute_not_exists(pk)"}}


def _item(change: Change) -> dict[str, Any]:
    return {"pk": _PARTITION, "sk": change.id, **change.model_dump(mode="json", exclude={"id"})}


def _change(item: dict[str, Any]) -> Change:
    return Change.model_validate({"id": item["sk"], **{k: v for k, v in item.items() if k not in ("pk", "sk")}})
