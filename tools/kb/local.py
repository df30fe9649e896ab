"""The embedded DynamoDB for local runs: moto's server on 127.0.0.1, never a real AWS account."""

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from moto.server import ThreadedMotoServer

from tools.kb.stage import stage_environment

LOCAL_REGION = "cn-north-1"


@contextmanager
def embedded_dynamodb(stage: str = "dev") -> Iterator[str]:
    """Start moto's server on a free loopback port and point this process's environment at it."""
    # The embedded database's own request log would bury the service's.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
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
