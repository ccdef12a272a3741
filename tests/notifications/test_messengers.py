"""Group robots (企业微信, 钉钉): a real HTTP receiver on 127.0.0.1 checks each platform's signature and format.

The receiver answers like the platforms do ({"errcode": 0} when it takes a message, another errcode or an HTTP
error when it does not); the tests look at what reached it, what the unit's robot page shows, and that the in-app
notifications never depend on it.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from branches.models import AuditRecord, Role
from branches.selectors import SYSTEM
from ledger.models import EventAction
from ledger.services.events import event_record
from notifications.messengers import deliveries_send, messenger_set
from notifications.models import DeliveryStatus, Messenger, MessengerDelivery, Notification
from notifications.services import reminders_send
from tests.conftest import make_user
from tests.factories import ledger_of, make_campaign, make_item, make_problem

D = datetime.date
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK_TOKEN = "b5a4c7d0"
DINGTALK_SECRET = "SECd3f8a9c2b7e6401f9a0c5e2d8b7a6f1e0c9d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4"


class Robot:
    """A robot endpoint in a thread: checks the request as its platform would and answers as told."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.received: list[dict] = []  # messages taken (errcode 0)
        self.rejected: list[str] = []  # why a request was refused by the checks
        self.answers: list[str] = []  # the next answers: "ok", "errcode", "http500" (then "ok" for ever)
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                problem = robot.check(self.path, self.headers.get("Content-Type", ""), body)
                answer = robot.answers.pop(0) if robot.answers else "ok"
                if problem:
                    robot.rejected.append(problem)
                    self.reply(200, {"errcode": 310000, "errmsg": problem})
                elif answer == "http500":
                    self.reply(500, {"errmsg": "internal error"})
                elif answer == "errcode":
                    self.reply(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
                else:
                    robot.received.append(json.loads(body))
                    self.reply(200, {"errcode": 0, "errmsg": "ok"})

            def reply(self, status: int, data: dict) -> None:
                content = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        port = self.server.server_address[1]
        if self.platform == "wecom":
            return f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key={WECOM_KEY}"
        return f"http://127.0.0.1:{port}/robot/send?access_token={DINGTALK_TOKEN}"

    def check(self, path: str, content_type: str, body: bytes) -> str:
        parts = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        if "application/json" not in content_type:
            return "content type"
        try:
            message = json.loads(body)
        except ValueError:
            return "not json"
        if self.platform == "wecom":
            if parts.path != "/cgi-bin/webhook/send" or query.get("key") != WECOM_KEY:
                return "invalid webhook url"
            content = message.get("markdown", {}).get("content", "")
            if message.get("msgtype") != "markdown" or not content or len(content.encode()) > 4096:
                return "markdown.content"
            return ""
        if parts.path != "/robot/send" or query.get("access_token") != DINGTALK_TOKEN:
            return "token is not exist"
        timestamp = query.get("timestamp", "0")
        if abs(int(timestamp) - time.time() * 1000) > 3600 * 1000:
            return "timestamp expired"
        digest = hmac.new(DINGTALK_SECRET.encode(), f"{timestamp}\n{DINGTALK_SECRET}".encode(), hashlib.sha256)
        if query.get("sign") != base64.b64encode(digest.digest()).decode():
            return "sign not match"
        markdown = message.get("markdown", {})
        if message.get("msgtype") != "markdown" or not markdown.get("title") or not markdown.get("text"):
            return "markdown"
        return ""

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot_factory():
    robots = []

    def build(platform: str) -> Robot:
        robots.append(Robot(platform))
        return robots[-1]

    yield build
    for robot in robots:
        robot.close()


def closed_port_url() -> str:
    """An address where nothing listens: the robot (or its relay) is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key={WECOM_KEY}"


@pytest.fixture
def item(tree, users):
    campaign = make_campaign(tree.root, actor=users["org"])
    return make_item(make_problem(ledger_of(campaign, tree.b1)), deadline=D(2022, 10, 20),
                     responsible_user=users["member"])


def close_item(item, actor, capture):
    with capture(execute=True):
        event_record(ledger=item.ledger, actor=actor, action=EventAction.ITEM_CLOSED, item=item)


# --- sending ----------------------------------------------------------------------------------------------


def test_a_review_event_reaches_the_dingtalk_group_once_signed(item, tree, users, robot_factory,
                                                               django_capture_on_commit_callbacks):
    robot = robot_factory("dingtalk")
    messenger_set(actor=users["org"], unit=tree.b1, platform="dingtalk", webhook_url=robot.url,
                  secret=DINGTALK_SECRET)

    close_item(item, users["gb_staff"], django_capture_on_commit_callbacks)

    assert Notification.objects.count() == 2  # the secretary and the member, each in the app
    assert robot.rejected == []
    assert len(robot.received) == 1  # one message for the unit, not one per person
    markdown = robot.received[0]["markdown"]
    assert markdown["title"] == "整改台账：第一党支部 有 2 条新通知"
    assert "- 整改措施已销号：第一党支部（2条）" in markdown["text"]
    assert "http://127.0.0.1:8000/notifications/" in markdown["text"]
    assert MessengerDelivery.objects.get().status == DeliveryStatus.SENT


def test_a_sweep_sends_one_wecom_message_per_unit_and_a_second_run_sends_nothing(
        item, tree, users, robot_factory, django_capture_on_commit_callbacks):
    robot = robot_factory("wecom")
    other = robot_factory("wecom")
    messenger_set(actor=users["org"], unit=tree.b1, platform="wecom", webhook_url=robot.url)
    messenger_set(actor=users["org"], unit=tree.b2, platform="wecom", webhook_url=other.url)

    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(today=D(2022, 10, 13), kinds=["items_due_soon"])
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(today=D(2022, 10, 13), kinds=["items_due_soon"])
    deliveries_send(now=timezone.now() + datetime.timedelta(days=1))

    assert robot.rejected == [] and len(robot.received) == 1
    content = robot.received[0]["markdown"]["content"]
    assert content.startswith("**整改台账：第一党支部 有 2 条新通知**")
    assert "整改措施将于 2022-10-20 到期（还剩 7 天）" in content
    assert other.received == []  # b2's people were told nothing
    assert MessengerDelivery.objects.filter(unit=tree.b1).count() == 1


def test_an_error_is_retried_with_growing_pauses_and_then_shown_as_failed(
        item, tree, users, robot_factory, settings, django_capture_on_commit_callbacks):
    settings.MESSENGER_MAX_ATTEMPTS = 3
    settings.MESSENGER_RETRY_SECONDS = 60
    robot = robot_factory("wecom")
    robot.answers = ["errcode", "http500", "errcode"]
    messenger_set(actor=users["org"], unit=tree.b1, platform="wecom", webhook_url=robot.url)
    start = timezone.now()

    close_item(item, users["gb_staff"], django_capture_on_commit_callbacks)  # attempt 1, at once
    delivery = MessengerDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, "errcode 45009: api freq out of limit")
    assert deliveries_send(now=start + datetime.timedelta(seconds=30)) == 0  # not due yet: nothing tried
    deliveries_send(now=start + datetime.timedelta(seconds=61))  # attempt 2 after a minute
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 2, "HTTP 500")
    deliveries_send(now=start + datetime.timedelta(seconds=61 + 90))  # the pause doubled: not yet
    assert MessengerDelivery.objects.get().attempts == 2
    deliveries_send(now=start + datetime.timedelta(seconds=61 + 121))  # attempt 3, the last
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    deliveries_send(now=start + datetime.timedelta(days=1))
    assert robot.received == [] and MessengerDelivery.objects.get().attempts == 3

    client = Client()
    client.force_login(users["org"])
    page = client.get(reverse("notifications:messenger", args=[tree.b1.pk])).content.decode()
    assert "发送失败" in page and "errcode 45009: api freq out of limit" in page
    assert Notification.objects.count() == 2


def test_a_retry_that_gets_through_sends_the_message_once(item, tree, users, robot_factory,
                                                          django_capture_on_commit_callbacks):
    robot = robot_factory("dingtalk")
    robot.answers = ["http500"]
    messenger_set(actor=users["org"], unit=tree.b1, platform="dingtalk", webhook_url=robot.url,
                  secret=DINGTALK_SECRET)
    close_item(item, users["gb_staff"], django_capture_on_commit_callbacks)
    later = timezone.now() + datetime.timedelta(minutes=5)

    assert deliveries_send(now=later) == 1
    assert deliveries_send(now=later) == 0  # a second sender (or beat) finds nothing left
    assert len(robot.received) == 1 and MessengerDelivery.objects.get().status == DeliveryStatus.SENT


def test_the_notifications_are_there_when_the_robot_is_down(item, tree, users,
                                                            django_capture_on_commit_callbacks):
    messenger_set(actor=users["org"], unit=tree.b1, platform="wecom", webhook_url=closed_port_url())

    close_item(item, users["gb_staff"], django_capture_on_commit_callbacks)

    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["member", "secretary"]
    delivery = MessengerDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and "Connection refused" in delivery.last_error


def test_a_disabled_robot_gets_nothing(item, tree, users, robot_factory, django_capture_on_commit_callbacks):
    robot = robot_factory("wecom")
    messenger_set(actor=users["org"], unit=tree.b1, platform="wecom", webhook_url=robot.url, enabled=False)

    close_item(item, users["gb_staff"], django_capture_on_commit_callbacks)

    assert robot.received == [] and not MessengerDelivery.objects.exists()
    assert Notification.objects.count() == 2


# --- the settings page ------------------------------------------------------------------------------------


def page_url(unit) -> str:
    return reverse("notifications:messenger", args=[unit.pk])


def test_the_organization_department_sets_a_dingtalk_robot_and_never_sees_the_secret_again(tree, users):
    client = Client()
    client.force_login(users["org"])
    url = "https://oapi.dingtalk.com/robot/send?access_token=abcdef123456"

    response = client.post(page_url(tree.b1), {"platform": "dingtalk", "webhook_url": url,
                                                "secret": DINGTALK_SECRET, "enabled": "on"})

    assert response.status_code == 302
    messenger = Messenger.objects.get(unit=tree.b1)
    assert (messenger.platform, messenger.webhook_url, messenger.secret) == ("dingtalk", url, DINGTALK_SECRET)
    page = client.get(page_url(tree.b1)).content.decode()
    assert DINGTALK_SECRET not in page and DINGTALK_SECRET[-4:] in page
    record = AuditRecord.objects.get(object_type="notifications.messenger")
    assert record.actor == users["org"] and record.data["secret_changed"] is True
    assert DINGTALK_SECRET not in json.dumps(record.data) and "abcdef123456" not in json.dumps(record.data)
    assert record.data["webhook_url"] == "https://oapi.dingtalk.com/robot/send?access_token=***"

    # Saving again with the secret left empty keeps it, and the change is recorded too.
    client.post(page_url(tree.b1), {"platform": "dingtalk", "webhook_url": url, "secret": ""})
    messenger.refresh_from_db()
    assert messenger.secret == DINGTALK_SECRET and messenger.enabled is False
    assert AuditRecord.objects.filter(object_type="notifications.messenger").count() == 2


@pytest.mark.parametrize(("data", "message"), [
    ({"platform": "wecom", "webhook_url": "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1"},
     "机器人地址无效：请粘贴以 http:// 或 https:// 开头的完整 Webhook 地址。"),
    ({"platform": "wecom", "webhook_url": "javascript:alert(1)"},
     "机器人地址无效：请粘贴以 http:// 或 https:// 开头的完整 Webhook 地址。"),
    ({"platform": "dingtalk", "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=a"},
     "钉钉机器人需要填写加签密钥（安全设置中“加签”一项，以 SEC 开头）。"),
])
def test_a_bad_address_or_a_missing_secret_is_refused_in_chinese(tree, users, data, message):
    client = Client()
    client.force_login(users["org"])

    response = client.post(page_url(tree.b1), data | {"enabled": "on"})

    assert response.status_code == 200 and message in response.content.decode()
    assert not Messenger.objects.exists() and not AuditRecord.objects.filter(object_type="notifications.messenger").exists()


def test_only_the_departments_over_the_unit_open_its_robot_page(tree, users):
    other_org = make_user("other_org", tree.other_root, Role.ORG_DEPARTMENT)
    messenger_set(actor=SYSTEM, unit=tree.b1, platform="wecom", webhook_url=f"https://relay.example/send?key={WECOM_KEY}")
    client = Client()

    client.force_login(users["org"])
    assert client.get(page_url(tree.b1)).status_code == 200
    for name in ("gb_staff", "secretary", "member", "inspector"):  # see the unit, do not manage it
        client.force_login(users[name])
        assert client.get(page_url(tree.b1)).status_code == 403, name
        assert client.post(page_url(tree.b1), {"platform": "wecom", "webhook_url": "https://evil.example/x"}
                           ).status_code == 403, name
    client.force_login(other_org)
    assert client.get(page_url(tree.b1)).status_code == 404
    assert client.post(page_url(tree.b1), {"platform": "wecom", "webhook_url": "https://evil.example/x"}
                       ).status_code == 404
    assert Messenger.objects.get().webhook_url == f"https://relay.example/send?key={WECOM_KEY}"


def test_the_cron_command_sends_what_is_due(item, tree, users, robot_factory, django_capture_on_commit_callbacks,
                                            settings, capsys):
    from django.core.management import call_command

    settings.MESSENGER_RETRY_SECONDS = 0  # due again at once
    robot = robot_factory("wecom")
    robot.answers = ["errcode"]
    messenger_set(actor=users["org"], unit=tree.b1, platform="wecom", webhook_url=robot.url)
    close_item(item, users["gb_staff"], django_capture_on_commit_callbacks)

    call_command("send_messengers")

    assert capsys.readouterr().out == "sent: 1\n" and len(robot.received) == 1


def test_a_wrong_dingtalk_secret_is_refused_by_the_robot_and_shown(item, tree, users, robot_factory,
                                                                   django_capture_on_commit_callbacks):
    robot = robot_factory("dingtalk")
    messenger_set(actor=users["org"], unit=tree.b1, platform="dingtalk", webhook_url=robot.url,
                  secret="SEC-not-the-robots-secret")

    close_item(item, users["gb_staff"], django_capture_on_commit_callbacks)

    assert robot.received == [] and robot.rejected == ["sign not match"]
    delivery = MessengerDelivery.objects.get()
    assert (delivery.status, delivery.last_error) == ("pending", "errcode 310000: sign not match")


def notices_to(user, count: int, title: str) -> list:
    """What the sweep hands the digest: anything with recipient_id and title."""
    return [type("Notice", (), {"recipient_id": user.pk, "title": title.format(n=n)})() for n in range(count)]


def test_a_sweep_lists_ten_titles_and_counts_the_rest(tree, users):
    from notifications.messengers import Digest

    messenger_set(actor=SYSTEM, unit=tree.b1, platform="wecom", webhook_url=f"https://relay.example/send?key={WECOM_KEY}")
    digest = Digest("sweep:short")
    notices = notices_to(users["secretary"], 25, "整改措施{n}将于 2022-10-20 到期")

    digest.add(notices + notices[:1])
    digest.queue()

    text = MessengerDelivery.objects.get().text
    assert text.count("\n- 整改措施") == 9 and "- 整改措施0将于 2022-10-20 到期（2条）" in text
    assert "- 整改措施9将于" in text and "- 整改措施10将于" not in text and "- 另有 15 条" in text


def test_a_sweep_of_long_titles_stays_under_the_robots_limit(tree, users):
    from notifications.messengers import Digest

    messenger_set(actor=SYSTEM, unit=tree.b1, platform="wecom", webhook_url=f"https://relay.example/send?key={WECOM_KEY}")
    digest = Digest("sweep:long")
    notices = notices_to(users["secretary"], 25, "整改措施{n}将于 2022-10-20 到期" + "很长" * 80)

    digest.add(notices + notices[:1])
    digest.queue()

    delivery = MessengerDelivery.objects.get()
    assert delivery.title == "整改台账：第一党支部 有 26 条新通知"
    assert "- 整改措施0将于" in delivery.text and "（2条）" in delivery.text and "- 整改措施9将于" not in delivery.text
    # Titles this long: six fit under the robot's limit (seven notifications, the first twice), 19 are counted.
    assert "- 另有 19 条" in delivery.text and delivery.text.count("\n- 整改措施") == 5
    assert len(delivery.text.encode()) <= 3500 and delivery.text.endswith("[在整改台账中查看](http://127.0.0.1:8000/notifications/)")
