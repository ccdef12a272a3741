"""The unit's group robot page on a phone: a long address, a long failure reason, the form — nothing sticks out."""

from __future__ import annotations

from branches.selectors import SYSTEM
from notifications.messengers import messenger_set
from notifications.models import MessengerDelivery
from tests.browser.conftest import PHONE


def test_the_robot_page_fits_a_phone(transactional_db, tree, users, visit_as):
    messenger_set(actor=SYSTEM, unit=tree.b1, platform="dingtalk",
                  webhook_url="https://oapi.dingtalk.com/robot/send?access_token=" + "a1b2c3d4" * 8,
                  secret="SEC" + "0f" * 32)
    MessengerDelivery.objects.create(unit=tree.b1, key="sweep:1", title="整改台账：第一党支部 有 12 条新通知",
                                     text="- …", status="failed", attempts=5,
                                     last_error="errcode 310000: sign not match, more: https://open.dingtalk.com/"
                                                "document/orgapp/custom-robot-access" + "-x" * 40)
    MessengerDelivery.objects.create(unit=tree.b1, key="event:2", title="整改台账：第一党支部 有 2 条新通知",
                                     text="- …", status="sent", attempts=1)
    visit = visit_as(PHONE)
    visit.login(users["org"].username, "pw-123456")

    visit.go(f"/notifications/units/{tree.b1.pk}/messenger/")

    text = visit.page.inner_text("main")
    assert "第一党支部 · 群机器人" in text and "发送失败" in text and "sign not match" in text
    assert "0f" * 32 not in visit.page.content()  # the secret is not sent back to the browser
    visit.check("messenger-org-phone")
