"""A server killed mid-dialogue (kill -9) loses nothing: the dialogue, the photo job, the dedupe log.

The app runs as a real process (``flask --app bot run``), configured only through environment
variables as a container would be, against the test database and the fake WeChat API.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine

from bot.dev.peer import WeChatPeer
from bot.models import Attachment, Conversation, Hazard, HazardEvent, InboundMessage, Job, User
from tests.conftest import TEST_AES_KEY, TEST_APPID, TEST_SECRET, TEST_TOKEN
from tests.e2e.chat import DESCRIPTION, code_in, count, jpeg_with_gps, number_in, one, rows, say
from tests.fakes.wechat_api import FakeWeChatServer, free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
OPENID = "o_restart_0001"


class AppProcess:
    """``python -m flask --app bot run`` on a port, its output in a log file."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, **extra_env: str) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "bot", "run", "--port", str(self.port)],
                cwd=REPO, env=self.env | extra_env, stdout=out, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"app exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        pytest.fail(f"app did not come up:\n{self.log.read_text()[-3000:]}")

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(timeout=10) == -signal.SIGKILL

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture
def app_process(
    clean_db: Engine, database_url: str, fake_wechat: FakeWeChatServer, tmp_path: Path
) -> Iterator[AppProcess]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAZARDBOT_")}
    env |= {
        "HAZARDBOT_DATABASE_URL": database_url,
        "HAZARDBOT_APP_DEV_MODE": "false",
        "HAZARDBOT_APP_SECRET_KEY": "restart-test-secret",
        "HAZARDBOT_SECURITY_QUERY_CODE_KEY": "restart-test-query-code-key",
        "HAZARDBOT_APP_INSTANCE_DIR": str(tmp_path / "instance"),
        "HAZARDBOT_APP_LOG_LEVEL": "INFO",
        "HAZARDBOT_WECHAT_TOKEN": TEST_TOKEN,
        "HAZARDBOT_WECHAT_APPID": TEST_APPID,
        "HAZARDBOT_WECHAT_ENCODING_AES_KEY": TEST_AES_KEY,
        "HAZARDBOT_WECHAT_SECRET": TEST_SECRET,
        "HAZARDBOT_WECHAT_API_BASE_URL": fake_wechat.base_url,
        "HAZARDBOT_JOBS_POLL_SECONDS": "0.2",
        "HAZARDBOT_JOBS_BACKOFF_SECONDS": "0.01",
        "PYTHONUNBUFFERED": "1",
    }
    app = AppProcess(env, free_port(), tmp_path / "app.log")
    try:
        yield app
    finally:
        app.stop()


def wait_for(predicate: object, *, timeout: float = 15, explain: object = str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    pytest.fail(f"condition not reached in time: {explain()}")  # type: ignore[operator]


def _state(engine: Engine, app: AppProcess) -> str:
    jobs = [(j.status, j.attempts, j.last_error) for j in rows(engine, Job)]
    photos = [(a.status, a.error) for a in rows(engine, Attachment)]
    return f"jobs {jobs}, photos {photos}\n{app.log.read_text()[-3000:]}"


def test_kill_9_mid_dialogue_loses_nothing(
    app_process: AppProcess, clean_db: Engine, fake_wechat: FakeWeChatServer, tmp_path: Path
) -> None:
    engine = clean_db
    fake_wechat.add_media("MEDIA_R1", jpeg_with_gps())
    peer = WeChatPeer(
        f"{app_process.url}/wechat", token=TEST_TOKEN, appid=TEST_APPID,
        encoding_aes_key=TEST_AES_KEY, mode="safe",
    )

    # First life: the worker is off, so the photo download is still only a job row when we die.
    app_process.start(HAZARDBOT_JOBS_IN_PROCESS="false")
    say(peer, OPENID, "举报", "晋钢", "1")
    assert "第 3 步" in say(peer, OPENID, DESCRIPTION)
    photo_msg_id = peer.next_msg_id()
    first = peer.send_image(OPENID, "MEDIA_R1", "http://mmbiz.example/r1.jpg", msg_id=photo_msg_id)
    assert first.content.startswith("已收到第 1 张照片")
    app_process.kill9()

    conversation = one(engine, Conversation)
    assert conversation.state == "photos"
    assert conversation.data["draft"]["description"] == DESCRIPTION
    assert one(engine, Job).status == "pending"

    # Second life, with the in-process worker as in dev: the job survives and runs.
    app_process.start()
    retried = peer.send_image(OPENID, "MEDIA_R1", "http://mmbiz.example/r1.jpg", msg_id=photo_msg_id)
    assert retried.content == first.content  # WeChat's late retry: answered from the log
    assert count(engine, Attachment) == 1

    assert "第 4 步" in say(peer, OPENID, "好了")
    assert "第 5 步" in peer.send_location(OPENID, 37.8706, 112.5489, label="太原市小店区").content
    # A job killed while running waits out its 5-minute lease; let this one finish first.
    wait_for(lambda: one(engine, Attachment).status == "stored", explain=lambda: _state(engine, app_process))
    app_process.kill9()  # once more, between the last answer and the confirmation
    app_process.start()
    summary = say(peer, OPENID, "2", "2")
    assert "请核对" in summary and "照片：1 张" in summary and "太原晋钢钢铁有限公司" in summary
    reply = say(peer, OPENID, "确认")
    number, code = number_in(reply), code_in(reply)

    hazard = one(engine, Hazard)
    assert hazard.number == number and hazard.state == "submitted"
    assert hazard.enterprise_name == "太原晋钢钢铁有限公司" and hazard.region_code == "140105"
    assert hazard.description == DESCRIPTION
    assert (hazard.location_lat, hazard.location_lng) == (37.8706, 112.5489)
    assert hazard.location_label == "太原市小店区"
    assert hazard.anonymous and hazard.reporter_id is None and hazard.query_code_hash
    assert count(engine, HazardEvent) == 1
    assert count(engine, User) == 1
    assert count(engine, InboundMessage) == 10  # 10 distinct messages; the retry added none

    photo = one(engine, Attachment)
    assert photo.hazard_id == hazard.id and photo.status == "stored" and photo.sha256
    assert (tmp_path / "instance" / "media" / str(photo.relpath)).is_file()
    assert len([c for c in fake_wechat.calls if c.path.endswith("media/get")]) == 1

    assert "已提交，等待受理" in say(peer, "o_someone_else", f"查询 {number} {code}")
