"""The media store contract, held by both backends: a directory and an S3 bucket (moto's server).

Each test runs once per backend, so the app can switch ``[media] backend`` and find every
behaviour it relies on unchanged: idempotent puts, whole reads and streamed ones, "missing"
as its own error, listing by prefix, and keys that cannot escape the root or the prefix.
"""

from __future__ import annotations

import hashlib
import io
import stat
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.config import ConfigError, load_config
from bot.services.platform.storage import (
    InvalidKey,
    LocalDirectoryStore,
    MediaMissing,
    MediaStore,
    StorageError,
)
from bot.services.platform.storage_config import store_from_config
from bot.services.platform.storage_s3 import S3Store
from bot.services.reporting.photos import store_photo
from tests.fakes.s3_server import MotoS3Server
from tests.fakes.wechat_api import free_port

KEY = "ab/cd/" + "ab" * 32 + ".jpg"


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStore:
    if request.param == "local":
        return store_from_config({"backend": "local", "dir": str(tmp_path / "media")})
    s3: MotoS3Server = request.getfixturevalue("s3_server")
    return store_from_config(s3.media_config(s3.new_bucket()))


def test_put_then_read_exists_and_size(store: MediaStore) -> None:
    assert not store.exists(KEY)
    store.put(KEY, b"evidence bytes", "image/jpeg")
    assert store.exists(KEY) and store.size(KEY) == 14
    assert store.read(KEY) == b"evidence bytes"
    with store.open(KEY) as fh:
        assert fh.read() == b"evidence bytes"


def test_a_second_put_of_the_same_key_changes_nothing(store: MediaStore) -> None:
    store.put(KEY, b"first", "image/jpeg")
    store.put(KEY, b"first", "image/jpeg")
    assert list(store.keys()) == [KEY] and store.read(KEY) == b"first"


def test_chunks_stream_the_whole_object_in_pieces(store: MediaStore) -> None:
    data = bytes(range(256)) * 1000  # 256 000 bytes
    store.put(KEY, data, "video/mp4")
    chunks = list(store.iter_chunks(KEY, chunk_size=64 * 1024))
    assert len(chunks) == 4 and b"".join(chunks) == data


def test_a_missing_key_is_its_own_error(store: MediaStore) -> None:
    for read in (store.read, store.open, store.size, store.iter_chunks):
        with pytest.raises(MediaMissing):
            read(KEY)
    store.delete(KEY)  # deleting what is not there is fine


def test_keys_list_by_prefix_and_delete_removes(store: MediaStore) -> None:
    other = "ef/01/" + "ef" * 32 + ".png"
    store.put(KEY, b"a", "image/jpeg")
    store.put(other, b"b", "image/png")
    assert sorted(store.keys()) == [KEY, other]
    assert list(store.keys("ef/")) == [other]
    store.delete(KEY)
    assert list(store.keys()) == [other] and not store.exists(KEY)


@pytest.mark.parametrize("bad", ["../etc/passwd", "/abs/x.jpg", "a//b.jpg", "a/../b.jpg", "a\\b.jpg",
                                 "", "a/./b.jpg", "x" * 201])
def test_keys_that_could_escape_are_refused(store: MediaStore, bad: str) -> None:
    with pytest.raises(InvalidKey):
        store.put(bad, b"x", "image/jpeg")
    with pytest.raises(InvalidKey):
        store.read(bad)


def test_the_store_answers_its_readiness_check(store: MediaStore) -> None:
    store.check()
    assert store.describe().startswith(store.backend)  # "local directory …" / "s3 bucket …"


def test_a_photo_is_stored_scrubbed_under_its_content_key(store: MediaStore) -> None:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buf, "JPEG", exif=exif.tobytes())
    photo = store_photo(buf.getvalue(), store)
    again = store_photo(buf.getvalue(), store)
    kept = store.read(photo.relpath)
    assert again.relpath == photo.relpath and list(store.keys()) == [photo.relpath]
    assert hashlib.sha256(kept).hexdigest() == photo.sha256 and photo.sha256 in photo.relpath
    assert b"PhoneMaker" not in kept and Image.open(io.BytesIO(kept)).size == (40, 30)


def test_local_files_are_not_readable_by_others(tmp_path: Path) -> None:
    local = LocalDirectoryStore(tmp_path)
    local.put(KEY, b"x", "image/jpeg")
    assert stat.S_IMODE((tmp_path / KEY).stat().st_mode) == 0o640
    assert [p.name for p in (tmp_path / "ab/cd").iterdir()] == [KEY.rsplit("/", 1)[1]]  # no temp left


def test_the_bucket_holds_objects_under_the_prefix_only(s3_server: MotoS3Server) -> None:
    bucket = s3_server.new_bucket()
    store = store_from_config(s3_server.media_config(bucket, prefix="site-a/"))
    store.put(KEY, b"x", "image/jpeg")
    assert list(s3_server.objects(bucket)) == [f"site-a/{KEY}"]
    head = s3_server.client().head_object(Bucket=bucket, Key=f"site-a/{KEY}")
    assert head["ContentType"] == "image/jpeg"


def test_an_unreachable_bucket_is_a_storage_error_without_its_address(s3_server: MotoS3Server) -> None:
    down = S3Store(bucket="b", endpoint_url=f"http://127.0.0.1:{free_port()}", region="us-east-1",
                   timeout=0.5)
    with pytest.raises(StorageError) as failed:
        down.check()
    with pytest.raises(StorageError):
        down.put(KEY, b"x", "image/jpeg")
    assert "127.0.0.1" not in str(failed.value) and not isinstance(failed.value, MediaMissing)
    missing_bucket = S3Store(bucket="no-such-bucket", endpoint_url=s3_server.endpoint_url,
                             region="us-east-1")
    with pytest.raises(StorageError, match="head_bucket"):
        missing_bucket.check()


@pytest.mark.parametrize(("media", "message"), [
    ({"backend": "ftp"}, 'media.backend must be "local" or "s3"'),
    ({"backend": "s3"}, "media.s3_bucket is empty"),
    ({"backend": "s3", "s3_bucket": "b", "s3_endpoint_url": "minio:9000"}, "must start with https://"),
])
def test_bad_storage_settings_stop_start_up(media: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(environ={}, overrides={"media": media})
