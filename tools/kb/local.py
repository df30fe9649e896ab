"""The embedded DynamoDB for local runs: moto's server on 127.0.0.1, never a real AWS account."""

import functools
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from moto.dynamodb.models import DynamoDBBackend
from moto.server import ThreadedMotoServer

from tools.kb.stage import stage_environment

LOCAL_REGION = "cn-north-1"


_WRITE_LOCK = threading.RLock()


def make_moto_writes_atomic() -> None:
    """Serialise moto's DynamoDB writes, as DynamoDB itself does.

    moto checks a transaction's conditions and then applies it without a lock, and undoes a failed one by
    restoring a copy of the whole table; two threads writing at once (the threaded local server, the race
    tests) could both pass a condition, or one could wipe the other's write. Idempotent.
    """
    for name in ("transact_write_items", "put_item", "update_item", "delete_item"):
        method = getattr(DynamoDBBackend, name)
        if getattr(method, "_zhida_atomic", False):
            continue

        @functools.wraps(method)
        def atomic(self, *args, __method=method, **kwargs):
            with _WRITE_LOCK:
                return __method(self, *args, **kwargs)

        atomic._zhida_atomic = True  # type: ignore[attr-defined]
        setattr(DynamoDBBackend, name, atomic)


def moto_write_lock() -> threading.RLock:
    """Held while writing; hold it to read the embedded table between writes, never half-way through one."""
    return _WRITE_LOCK


@contextmanager
def embedded_dynamodb(stage: str = "dev") -> Iterator[str]:
    """Start moto's server on a free loopback port and point this process's environment at it."""
    # The embedded database's own request log would bury the service's.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    make_moto_writes_atomic()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    saved = dict(os.environ)
    os.environ.update(
        {
            **stage_environment(stage),
            "DYNAMODB_ENDPOINT": endpoint,
            "AWS_DEFAULT_REGION": LOCAL_REGION,
            # moto accepts any credentials; fixed ones keep a developer's real keys out of the local run.
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        }
    )
    os.environ.pop("AWS_PROFILE", None)
    try:
        yield endpoint
    finally:
        server.stop()
        os.environ.clear()
        os.environ.update(saved)
