"""Officers and managers see their own menu: binding tags them on WeChat, revoking untags them.

Through the WeChat peer and the fake WeChat server: a person binds with "绑定 <code>"; the
binding answers at once even while WeChat is down (the tag is set by a job, after the reply);
once the worker runs, WeChat holds him under his role's tag, which the conditional menus of
``flask wechat menu push`` match. A revoke (``flask users revoke``) or his own 解绑 takes the
tag off again, and a moved manager keeps his.
"""

from __future__ import annotations

import time

from bot.dev.peer import WeChatPeer
from bot.models import Enterprise
from tests.e2e.chat import bind_as, engine_of, one, say, user_of
from tests.e2e.conftest import LiveServer
from tests.fakes.wechat_api import FakeWeChatServer

OFFICER, MANAGER = "o_menu_officer", "o_menu_manager"
ENTERPRISE = "太原晋钢钢铁有限公司"


def tagged(fake: FakeWeChatServer, tag: str) -> set[str]:
    return fake.tags().get(tag, set())


def run_jobs(live: LiveServer) -> None:
    live.run_worker()


def test_binding_tags_and_revoking_untags(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    assert live.app.test_cli_runner().invoke(args=["wechat", "menu", "push"]).exit_code == 0
    officer_tag = fake_wechat.tag_id("监管人员")

    fake_wechat.set_down()  # WeChat is down while he binds: the binding does not wait for it
    bind_as(live, peer, OFFICER, "--role", "county_officer", "--region", "140105", "--name", "赵科长")
    run_jobs(live)
    fake_wechat.set_down(False)
    assert OFFICER not in tagged(fake_wechat, "监管人员")
    assert user_of(engine_of(live), OFFICER).role == "county_officer"

    # The job retries: once WeChat is back (and its backoff, 0.01 s here, has passed) he is tagged.
    time.sleep(0.05)
    run_jobs(live)
    assert OFFICER in tagged(fake_wechat, "监管人员")
    assert OFFICER not in tagged(fake_wechat, "企业负责人")
    rule_tags = {c["matchrule"]["tag_id"] for c in fake_wechat.menu()["conditionalmenu"]}
    assert str(officer_tag) in rule_tags, "his tag is the one the officers' menu matches"

    officer_id = user_of(engine_of(live), OFFICER).id
    result = live.app.test_cli_runner().invoke(args=["users", "revoke", str(officer_id), "--yes"])
    assert result.exit_code == 0, result.output
    run_jobs(live)
    assert OFFICER not in tagged(fake_wechat, "监管人员")


def test_a_manager_is_tagged_and_untagged_by_his_own_unbinding(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    credit_code = one(engine_of(live), Enterprise, Enterprise.name == ENTERPRISE).credit_code
    bind_as(live, peer, MANAGER, "--role", "enterprise_manager", "--enterprise", str(credit_code))
    run_jobs(live)
    # No push ran: the job created the tag it needed.
    assert tagged(fake_wechat, "企业负责人") == {MANAGER}
    assert MANAGER not in tagged(fake_wechat, "监管人员")

    say(peer, MANAGER, "解绑")
    assert "已解除绑定" in say(peer, MANAGER, "解绑 确认")
    run_jobs(live)
    assert tagged(fake_wechat, "企业负责人") == set()


def test_a_public_user_is_never_tagged(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    say(peer, "o_menu_public", "举报", "晋钢")
    run_jobs(live)
    assert not [c for c in fake_wechat.calls if c.path.startswith("/cgi-bin/tags/")]

