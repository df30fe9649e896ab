"""The admin audit log: one partition, sorted by time, so the newest page is one query read backwards.

Each entry is also filed under its kinds, its person, and its person and kinds (`CHANGES#KIND#key`,
`CHANGES#BY#<actor>`, `CHANGES#BY#<actor>#KIND#key`), written with it: a filtered page is then one query too,
never a walk through every entry for the few that match. Entries are rare (people's changes), so four to six
copies cost nothing that matters.

Not generation-stamped: no index depends on it. A store that writes a change and its entry in one transaction
adds `entry_puts(change)` to its writes.
"""

from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.paging import Page
from chalicelib.people.changes import Change, ChangeKind, kinds_of
from chalicelib.store.records import RecordStore
from chalicelib.store.table import TableStore

_PARTITION = "CHANGES"
_FILED = "changes-filed"  # the mark that says entries from before the filing have their copies


class ChangeStore(TableStore):
    """Entries by `<ISO time>#<random>`: written once, never changed."""

    def __init__(self, table: Any) -> None:
        super().__init__(table)
        self._marks = RecordStore(table)
        self._filed = False  # this container has made sure older entries are filed

    def add(self, change: Change) -> None:
        """The entry and its copies in one transaction; an answer lost after it landed counts as done."""
        puts = [{"Put": {"TableName": self._table.name, **one["Put"]}} for one in entry_puts(change)]
        try:
            self._table.meta.client.transact_write_items(TransactItems=puts)
        except (BotoCoreError, ClientError):
            if not self._landed({"pk": _PARTITION, "sk": change.id}, lambda item: True):
                raise

    def page(
        self, limit: int, after: str | None, kind: ChangeKind | None = None, actor: str | None = None
    ) -> Page[Change]:
        """Up to `limit` entries older than `after` (an entry's id), newest first, and the next page's `after`:
        every entry, or those of a kind, of a person, or both."""
        if kind is not None or actor is not None:
            self._ensure_filed()
        condition = Key("pk").eq(_partition(kind, actor))
        if after is not None:
            condition = condition & Key("sk").lt(after)
        found: list[Change] = []
        for page in self._pages(condition, ScanIndexForward=False, Limit=limit + 1):
            found.extend(_change(item) for item in page["Items"])
            if len(found) > limit:
                break
        chosen = found[:limit]
        return Page(chosen, chosen[-1].id if len(found) > limit else None)

    def _ensure_filed(self) -> None:
        """Entries written before they were filed get their copies, once per table (checked once per container)."""
        if self._filed:
            return
        if self._marks.mark(_FILED) is None:
            with self._table.batch_writer() as batch:
                for item in self._query(Key("pk").eq(_PARTITION)):
                    change = _change(item)
                    for partition in _partitions(change)[1:]:
                        batch.put_item(Item=_item(change, partition))
            self._marks.mark_once(_FILED, "yes")
        self._filed = True


def entry_puts(change: Change) -> list[dict[str, Any]]:
    """The entry and its copies as writes of a transaction (TransactWriteItems' Puts, without their TableName)."""
    return [
        {"Put": {"Item": _item(change, partition), "ConditionExpression": "attribute_not_exists(pk)"}}
        for partition in _partitions(change)
    ]


def _partition(kind: str | None, actor: str | None) -> str:
    return _PARTITION + (f"#BY#{actor}" if actor else "") + (f"#KIND#{kind}" if kind else "")


def _partitions(change: Change) -> list[str]:
    """Where an entry is kept: the log itself first, then its copies."""
    kinds = [None, *kinds_of(change)]
    return [_partition(kind, actor) for actor in (None, change.actor) for kind in kinds]


def _item(change: Change, partition: str = _PARTITION) -> dict[str, Any]:
    return {"pk": partition, "sk": change.id, **change.model_dump(mode="json", exclude={"id"}, exclude_none=True)}


def _change(item: dict[str, Any]) -> Change:
    return Change.model_validate({"id": item["sk"], **{k: v for k, v in item.items() if k not in ("pk", "sk")}})
