"""Evidence in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, 阿里云 OSS, 腾讯云 COS).

Two web hosts share one bucket instead of one disk. Credentials are never in the config
file: boto3 reads them from the environment (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``) or an instance profile. Objects are
private (no ACL is set, so the bucket's default, private, applies); every download goes
through our own access checks and is streamed from the bucket by the app, never a presigned
URL a reporter's link could leak.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO, cast

from bot.services.platform.storage import CHUNK_BYTES, MediaMissing, StorageError, check_key

_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


class S3Store:
    """Objects under ``prefix`` in ``bucket``; the key is the same relpath the directory uses."""

    backend = "s3"

    def __init__(
        self, *, bucket: str, endpoint_url: str = "", region: str = "", prefix: str = "",
        timeout: float = 10.0, client: Any = None,
    ) -> None:
        if not bucket:
            raise StorageError("media.s3_bucket is required when media.backend is s3")
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client(
                "s3", endpoint_url=endpoint_url or None, region_name=region or None,
                config=Config(connect_timeout=timeout, read_timeout=timeout,
                              retries={"max_attempts": 3, "mode": "standard"}),
            )
        self._client = client

    @classmethod
    def from_config(cls, media_cfg: Mapping[str, Any]) -> S3Store:
        return cls(
            bucket=str(media_cfg.get("s3_bucket", "")),
            endpoint_url=str(media_cfg.get("s3_endpoint_url", "")),
            region=str(media_cfg.get("s3_region", "")),
            prefix=str(media_cfg.get("s3_prefix", "")),
            timeout=float(media_cfg.get("s3_timeout", 10)),
        )

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        name = self._name(key)
        try:
            if self._head(name) == len(data):
                return  # content-addressed: the same key already holds these bytes
            self._client.put_object(Bucket=self.bucket, Key=name, Body=data,
                                    ContentType=content_type)
        except Exception as exc:  # botocore raises ClientError, EndpointConnectionError…
            raise _storage_error("put", exc) from None

    def open(self, key: str) -> BinaryIO:
        name = self._name(key)
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=name)
        except Exception as exc:
            if _is_missing(exc):
                raise MediaMissing(key) from None
            raise _storage_error("get", exc) from None
        return cast(BinaryIO, response["Body"])

    def iter_chunks(self, key: str, chunk_size: int = CHUNK_BYTES) -> Iterator[bytes]:
        body = self.open(key)  # raises MediaMissing before the first chunk is asked for
        return _chunks(body, chunk_size)

    def read(self, key: str) -> bytes:
        body = self.open(key)
        try:
            return body.read()
        finally:
            body.close()

    def exists(self, key: str) -> bool:
        try:
            return self._head(self._name(key)) is not None
        except Exception as exc:
            raise _storage_error("head", exc) from None

    def size(self, key: str) -> int:
        try:
            found = self._head(self._name(key))
        except Exception as exc:
            raise _storage_error("head", exc) from None
        if found is None:
            raise MediaMissing(key)
        return found

    def keys(self, prefix: str = "") -> Iterator[str]:
        paginator = self._client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                for item in page.get("Contents", []):
                    yield item["Key"][len(self.prefix):]
        except Exception as exc:
            raise _storage_error("list", exc) from None

    def delete(self, key: str) -> None:
        try:
            self._client.delete_object(Bucket=self.bucket, Key=self._name(key))
        except Exception as exc:
            raise _storage_error("delete", exc) from None

    def describe(self) -> str:
        where = self.endpoint_url or "AWS"
        return f"s3 bucket {self.bucket} at {where}" + (f" (prefix {self.prefix})" if self.prefix else "")

    def check(self) -> None:
        """Ready when the bucket answers a HEAD with these credentials."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            raise _storage_error("head_bucket", exc) from None

    def _head(self, name: str) -> int | None:
        """The object's size, or None when there is none; other failures propagate."""
        try:
            response = self._client.head_object(Bucket=self.bucket, Key=name)
        except Exception as exc:
            if _is_missing(exc):
                return None
            raise
        return int(response["ContentLength"])


def _chunks(body: BinaryIO, chunk_size: int) -> Iterator[bytes]:
    try:
        while chunk := body.read(chunk_size):
            yield chunk
    finally:
        body.close()


def _is_missing(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    code = str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""
    return code in _MISSING_CODES


def _storage_error(action: str, exc: Exception) -> StorageError:
    """A message naming the action and the error kind/code, never a URL or a credential."""
    if isinstance(exc, StorageError):
        return exc
    response = getattr(exc, "response", None)
    code = str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""
    return StorageError(f"s3 {action} failed ({type(exc).__name__}{' ' + code if code else ''})")
