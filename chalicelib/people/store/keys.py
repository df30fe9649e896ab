"""API keys: one partition, so listing them is one query; the sort key is the key's hash, never the key."""

import json
from typing import Any

from boto3.dynamodb.conditions import Key

from chalicelib.people.models import ApiKey
from chalicelib.store.table import TableStore

_PARTITION = "KEYS"


class KeyStore(TableStore):
    """Key records by the hash of their key. Not generation-stamped: no index depends on them."""

    def save(self, hashed: str, key: ApiKey) -> None:
        self._put({"pk": _PARTITION, "sk": hashed, **json.loads(key.model_dump_json())})

    def get(self, hashed: str) -> ApiKey | None:
        item = self._get({"pk": _PARTITION, "sk": hashed}, consistent=True)
        return _key(item) if item else None

    def all(self) -> list[ApiKey]:
        return [_key(item) for item in self._query(Key("pk").eq(_PARTITION))]

    def revoke(self, key_id: str) -> bool:
        """Mark a key revoked; False if there is no key with that id."""
        for item in self._query(Key("pk").eq(_PARTITION)):
            if item["key_id"] == key_id:
                self._set({"pk": _PARTITION, "sk": item["sk"]}, {"revoked": True})
                return True
        return False


def _key(item: dict[str, Any]) -> ApiKey:
    return ApiKey.model_validate({k: v for k, v in item.items() if k not in ("pk", "sk")})
