"""A real S3 API on 127.0.0.1: moto's standalone server, in its own process.

The S3 media store is tested over HTTP against it, exactly as it talks to MinIO or AWS in
production; nothing of ours is mocked. One server per test session (it starts in about a
second); each test gets its own bucket, so tests never see each other's objects.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.fakes.wechat_api import free_port

# What boto3 reads from the environment; moto accepts any credentials.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing-key", "AWS_SECRET_ACCESS_KEY": "testing-secret",
    "AWS_SESSION_TOKEN": "testing-token", "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
REGION = "us-east-1"


class MotoS3Server:
    """``with MotoS3Server() as s3:`` a server at ``s3.endpoint_url`` until the block ends."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> MotoS3Server:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto server exited with {self._process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("moto server did not start within 30 s")

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self._process.kill()
                self._process.wait()

    def client(self) -> Any:
        """A boto3 client on this server (tests use it to look into buckets directly)."""
        import boto3

        return boto3.client(
            "s3", endpoint_url=self.endpoint_url, region_name=REGION,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def new_bucket(self) -> str:
        name = f"evidence-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def media_config(self, bucket: str, prefix: str = "hazardbot/") -> dict[str, Any]:
        """The ``[media]`` section that points the app at ``bucket`` on this server."""
        return {"backend": "s3", "s3_endpoint_url": self.endpoint_url, "s3_bucket": bucket,
                "s3_region": REGION, "s3_prefix": prefix, "s3_timeout": 5.0}

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Every object in ``bucket``, by its full key (prefix included)."""
        client = self.client()
        found = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in found}


@contextmanager
def credentials_in_environ() -> Iterator[None]:
    """Put the test credentials where boto3 looks for them, and restore what was there."""
    saved = {k: os.environ.get(k) for k in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
