"""The table every store shares: its definition, the generation counter, transactions and paging."""

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.errors import ZhidaError, aws_error_code

log = logging.getLogger(__name__)

GENERATION_INDEX = "by-generation"
_COUNTER_KEY = {"pk": "META", "sk": "GENERATION"}
_COMMIT_ATTEMPTS = 8
_READ_BACK_ATTEMPTS = 3
_MARKER_SECONDS = 86_400  # a change's marker outlives any retry of it; then DynamoDB deletes it

Writes = list[dict[str, Any]]  # TransactWriteItems entries without their TableName: [{"Put": {...}}, ...]


class ConcurrentWrite(ZhidaError):
    """Another writer kept moving the generation counter; the write was not applied, so a retry is safe."""

    status = 503
    code = "busy"


def table_definition(name: str) -> dict[str, Any]:
    """The table's keys and index, shared by create_table and the deployment template."""
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "kind", "AttributeType": "S"},
            {"AttributeName": "generation", "AttributeType": "N"},
        ],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": GENERATION_INDEX,
                "KeySchema": [
                    {"AttributeName": "kind", "KeyType": "HASH"},
                    {"AttributeName": "generation", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    }


def ensure_table(dynamodb: Any, name: str) -> Any:
    """The table, created first if it does not exist (local runs and tests; AWS gets it from the template)."""
    client = dynamodb.meta.client
    try:
        client.describe_table(TableName=name)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        client.create_table(**table_definition(name))
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        client.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
    return dynamodb.Table(name)


class TableStore:
    """What every store of one family of items shares: the boto3 table and its generation counter.

    Every generation-stamped write is one transaction that also moves the counter from g to g+1, so
    "what changed since generation g?" is one query on the generation index.
    """

    def __init__(self, table: Any) -> None:
        self._table = table

    def generation(self) -> int:
        """The table's generation: the number of generation-stamped writes so far (one consistent read)."""
        item = self._table.get_item(Key=_COUNTER_KEY, ConsistentRead=True).get("Item")
        return int(item["value"]) if item else 0

    def _get(self, key: dict[str, str], consistent: bool = False, **options: Any) -> dict[str, Any] | None:
        return self._table.get_item(Key=key, ConsistentRead=consistent, **options).get("Item")

    def _query(self, condition: Any, **options: Any) -> Iterator[dict[str, Any]]:
        """Every item a key condition selects, page after page."""
        for page in self._pages(condition, **options):
            yield from page["Items"]

    def _pages(self, condition: Any, **options: Any) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {"KeyConditionExpression": condition, **options}
        while True:
            page = self._table.query(**kwargs)
            yield page
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _commit(
        self, make_writes: Callable[[int], Writes], refused: Callable[[], Exception | None] = lambda: None
    ) -> Writes:
        """Apply writes and advance the counter in one transaction; retry if another writer moved the counter.

        `make_writes` gets the generation the writes are stamped with. `refused` tells a failed condition of
        the writes themselves (an error to raise at once) from a moved counter (None: retry).

        Each attempt also writes a marker under its own token. When an answer is lost (a timeout, a reset,
        or botocore's retry of a transaction that did land being refused), the marker says whether the
        attempt landed, so an applied change is reported applied, and never applied twice.
        """
        client = self._table.meta.client
        for attempt in range(_COMMIT_ATTEMPTS):
            if attempt:  # another writer moved the counter: step aside a little, growing, with jitter
                time.sleep(random.uniform(0, 0.005 * 2**attempt))
            current = self.generation()
            writes = make_writes(current + 1)
            token = uuid.uuid4().hex
            try:
                client.transact_write_items(
                    TransactItems=self._transaction(current, token, writes),
                    # DynamoDB itself answers a retry of the same attempt (botocore's) as the first success.
                    ClientRequestToken=token,
                )
                return writes
            except (BotoCoreError, ClientError) as error:
                landed = self._marked(token)
                if landed:
                    return writes
                code = aws_error_code(error)
                if landed is None or code != "TransactionCanceledException":
                    log.error("DynamoDB write failed: %s", code)
                    raise
                problem = refused()
                if problem is not None:
                    raise problem from None
        raise ConcurrentWrite("the generation counter kept changing; try again")

    def _transaction(self, current: int, token: str, writes: Writes) -> list[dict[str, Any]]:
        """The counter moved from `current` to the next generation, the attempt's marker, and the writes."""
        counter_guard = (
            {
                "ConditionExpression": "#v = :current",
                "ExpressionAttributeValues": {":current": current, ":next": current + 1},
            }
            if current
            else {"ConditionExpression": "attribute_not_exists(pk)", "ExpressionAttributeValues": {":next": 1}}
        )
        counter = {
            "TableName": self._table.name,
            "Key": _COUNTER_KEY,
            "UpdateExpression": "SET #v = :next",
            "ExpressionAttributeNames": {"#v": "value"},
            **counter_guard,
        }
        marker = {
            "TableName": self._table.name,
            "Item": {**_marker_key(token), "ttl": int(time.time()) + _MARKER_SECONDS},
        }
        items = ({kind: {"TableName": self._table.name, **w}} for one in writes for kind, w in one.items())
        return [{"Update": counter}, {"Put": marker}, *items]

    def _marked(self, token: str) -> bool | None:
        """Whether the attempt with this token landed; None if the table would not say."""
        return self._landed(_marker_key(token), lambda item: True)

    def _landed(self, key: dict[str, str], holds: Callable[[dict[str, Any]], bool]) -> bool | None:
        """After a write failed: whether the item at `key` shows it landed all the same (its answer was lost).

        None if the table does not answer the read-back either: then nobody can tell, and the caller must
        report the failure (a 503 the user may retry) rather than guess.
        """
        for attempt in range(_READ_BACK_ATTEMPTS):
            try:
                item = self._get(key, consistent=True)
            except (BotoCoreError, ClientError):
                time.sleep(random.uniform(0, 0.05 * 2**attempt))
                continue
            return item is not None and holds(item)
        return None

    def _put(self, item: dict[str, Any]) -> None:
        """Put an item; a put whose answer was lost but which landed counts as done (puts are idempotent)."""
        try:
            self._table.put_item(Item=item)
        except (BotoCoreError, ClientError):
            if not self._landed({"pk": item["pk"], "sk": item["sk"]}, lambda stored: stored == item):
                raise

    def _set(self, key: dict[str, str], changes: dict[str, Any]) -> dict[str, Any]:
        """Set fields of an existing item; the item as it now is. A lost answer is checked, as `_put` does."""
        names = {f"#f{n}": name for n, name in enumerate(changes)}
        values = {f":v{n}": value for n, value in enumerate(changes.values())}
        try:
            return self._table.update_item(
                Key=key,
                UpdateExpression="SET " + ", ".join(f"#f{n} = :v{n}" for n in range(len(changes))),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except (BotoCoreError, ClientError):
            stored: dict[str, Any] = {}

            def holds(item: dict[str, Any]) -> bool:
                stored.update(item)
                return all(item.get(name) == value for name, value in changes.items())

            if not self._landed(key, holds):
                raise
            return stored


def _marker_key(token: str) -> dict[str, str]:
    return {"pk": f"CHANGE#{token}", "sk": "APPLIED"}
