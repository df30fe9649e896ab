"""The bucket large objects live in (index snapshots): hundreds of megabytes at a city's scale, which DynamoDB
would serve as 350 kB items, base64 in JSON, parsed one by one.

An object is read as ranges fetched at the same time, each straight into its place in one buffer: one copy of
the bytes in memory, and about as many connections' bandwidth as there are ranges. boto3's transfer manager
writes it (multipart, in parallel, aborted on failure).
"""

import io
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError, IncompleteReadError

from chalicelib.errors import aws_error_code

RANGE_BYTES = 32 * 1024 * 1024  # one S3 connection carries some tens of MB/s: a range per 32 MB, at once
READERS = 8
# moto's server reads the whole object for every range it is asked for: locally one GET is the fastest read
# (370 MB: 0.57 s whole, 2.0 s as 12 ranges), and the loopback is not a network to spread over connections.
WHOLE = 1 << 40
_STEP = 4 * 1024 * 1024
_MISSING = ("NoSuchKey", "404", "NotFound")


class Bucket:
    """Objects by key in one S3 bucket, through a client made by wiring (moto's server locally)."""

    def __init__(self, client: Any, name: str, range_bytes: int = RANGE_BYTES) -> None:
        self.client = client
        self.name = name
        self.range_bytes = range_bytes
        self._transfer = TransferConfig(
            multipart_threshold=RANGE_BYTES, multipart_chunksize=RANGE_BYTES, max_concurrency=READERS
        )

    def put(self, key: str, data: bytes) -> None:
        self.client.upload_fileobj(io.BytesIO(data), self.name, key, Config=self._transfer)

    def get(self, key: str, size: int) -> bytearray | None:
        """The object's bytes (size: its length, as recorded when it was written); None if it is not there."""
        buffer = bytearray(size)
        step = self.range_bytes
        ranges = [(start, min(size, start + step)) for start in range(0, size, step)]

        def fetch(span: tuple[int, int]) -> bool:
            start, end = span
            try:
                answer = self.client.get_object(Bucket=self.name, Key=key, Range=f"bytes={start}-{end - 1}")
            except ClientError as error:
                if aws_error_code(error) in _MISSING:
                    return False
                raise
            body, at = answer["Body"], start
            view = memoryview(buffer)
            while at < end:
                # in steps: urllib3 reads what readinto asks for into a bytes of that size first, then copies it
                read = body.readinto(view[at : min(end, at + _STEP)])
                if not read:  # cut off: a failed read like a timeout (a 503, tried again), never half an index
                    raise IncompleteReadError(actual_bytes=at - start, expected_bytes=end - start)
                at += read
            return True

        if len(ranges) <= 1:
            found = fetch(ranges[0]) if ranges else self.exists(key)
        else:
            with ThreadPoolExecutor(min(READERS, len(ranges))) as pool:
                found = all(pool.map(fetch, ranges))
        return buffer if found else None

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.name, Key=key)
        except ClientError as error:
            if aws_error_code(error) in _MISSING:
                return False
            raise
        return True

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # DeleteObjects takes up to 1,000 keys
            wanted = [{"Key": key} for key in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.name, Delete={"Objects": wanted, "Quiet": True})


def ensure_bucket(client: Any, name: str, range_bytes: int = RANGE_BYTES) -> Bucket:
    """The bucket, created first if it does not exist (local runs and tests; AWS gets it from the template)."""
    try:
        client.head_bucket(Bucket=name)
    except ClientError as error:
        if aws_error_code(error) not in ("404", "NoSuchBucket", "NotFound"):
            raise
        region = client.meta.region_name
        # us-east-1 is the one region that refuses to be named as a location
        config = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        client.create_bucket(Bucket=name, **config)
    return Bucket(client, name, range_bytes)
