"""The same save or transition posted several times at the same moment to the real (threaded) server.

The self-check saves each field as the person types, and people double-click: on every database each request
is either done or refused with a Chinese message, never a 500, and the outcome is what one request would do.
"""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pytest

from ledger.models import (
    CampaignStatus,
    EventAction,
    ItemStatus,
    Ledger,
    LedgerEvent,
    LedgerStatus,
    Manifestation,
    SelfCheckAnswer,
)
from tests.factories import ledger_of, make_campaign, make_template
from tests.ledger.workflow_support import item_requested, submittable

PASSWORD = "pw-123456"  # tests.conftest.make_user's
ALERT = re.compile(r'<div class="alert alert-(success|danger)" role="alert">(.*?)</div>', re.S)


@dataclass
class Answer:
    status: int
    body: str

    def alerts(self) -> list[tuple[str, str]]:
        return ALERT.findall(self.body)


class Session:
    """One signed-in person's cookies; `copy()` gives each thread its own jar (its own messages cookie)."""

    def __init__(self, base_url: str, jar: http.cookiejar.CookieJar | None = None):
        self.base_url = base_url
        self.jar = jar if jar is not None else http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def copy(self) -> Session:
        jar = http.cookiejar.CookieJar()
        for cookie in self.jar:
            jar.set_cookie(cookie)
        return Session(self.base_url, jar)

    def csrf(self) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")

    def get(self, path: str) -> Answer:
        return self._open(urllib.request.Request(self.base_url + path))

    def post(self, path: str, data: dict, headers: dict | None = None) -> Answer:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
        return self._open(urllib.request.Request(self.base_url + path, data=body, headers=headers or {}))

    def _open(self, request) -> Answer:
        try:
            with self.opener.open(request, timeout=60) as response:
                return Answer(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode(errors="replace"))


def signed_in(base_url: str, username: str) -> Session:
    session = Session(base_url)
    session.get("/accounts/login/")
    answer = session.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert answer.status == 200 and any(cookie.name == "sessionid" for cookie in session.jar), answer.body[:500]
    return session


def post_together(session: Session, requests: list[tuple[str, dict, dict]]) -> list[Answer]:
    """Post every (path, data, headers) on its own thread, all released at the same moment."""
    copies = [session.copy() for _ in requests]
    for copy in copies:
        copy.get("/")  # each connection warmed up, so the posts really meet at the server
    start = threading.Barrier(len(requests))
    answers: list[Answer | None] = [None] * len(requests)

    def run(index: int) -> None:
        path, data, headers = requests[index]
        start.wait()
        answers[index] = copies[index].post(path, data, headers)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    return answers


def assert_no_server_error(answers: list[Answer]) -> None:
    statuses = [answer.status for answer in answers]
    assert all(status < 500 for status in statuses), f"server errors: {statuses}"


def assert_one_done_rest_refused(answers: list[Answer], done: str) -> None:
    """Exactly one request did it; every other one says in Chinese why it was refused."""
    assert_no_server_error(answers)
    outcomes = [answer.alerts() for answer in answers]
    done_count = sum(1 for alerts in outcomes if ("success", done) in alerts)
    refusals = [alerts for alerts in outcomes if ("success", done) not in alerts]
    assert done_count == 1, outcomes
    for alerts in refusals:
        assert [kind for kind, _text in alerts] == ["danger"], outcomes
        assert re.search(r"[\u4e00-\u9fff]", alerts[0][1]), outcomes


pytestmark = pytest.mark.django_db(transaction=True)


def test_eight_self_check_saves_of_one_ledger_at_once_are_all_saved(live_server, tree, users):
    campaign = make_campaign(tree.root, actor=users["org"], template=make_template("c8", categories=2,
                                                                                   manifestations=4))
    ledger = ledger_of(campaign, tree.b1)
    manifestations = list(Manifestation.objects.filter(category__template=campaign.template).order_by("pk"))
    session = signed_in(live_server.url, "secretary")
    requests = [
        (f"/ledger/ledgers/{ledger.pk}/self-check/{m.pk}/",
         {"found": "1" if index % 2 else "0", "description": f"第{index}条的具体表现" if index % 2 else "",
          "version": "0"},
         {"HX-Request": "true"})
        for index, m in enumerate(manifestations)
    ]

    answers = post_together(session, requests)

    assert_no_server_error(answers)
    assert all("已保存" in answer.body for answer in answers), [answer.body for answer in answers]
    assert SelfCheckAnswer.objects.filter(ledger=ledger).count() == 8
    assert ledger.problems.count() == 4  # one per "found" answer, none twice
    assert LedgerEvent.objects.filter(ledger=ledger, action=EventAction.SELF_CHECK_ANSWERED).count() == 8


def test_five_identical_publishes_publish_once(live_server, tree, users):
    campaign = make_campaign(tree.root, actor=users["org"], publish=False)
    session = signed_in(live_server.url, "org")

    answers = post_together(session, [(f"/ledger/campaigns/{campaign.pk}/publish/", {}, {})] * 5)

    ledgers = Ledger.objects.filter(campaign=campaign)
    assert_one_done_rest_refused(answers, f"专项行动已发布，生成了 {ledgers.count()} 本台账。")
    assert all(("danger", "该专项行动已发布，不能重复发布。") in answer.alerts()
               for answer in answers if answer.alerts()[0][0] == "danger")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PUBLISHED
    assert ledgers.count() == 3  # b1, b2, b3
    assert LedgerEvent.objects.filter(ledger__campaign=campaign, action=EventAction.LEDGER_CREATED).count() == 3


def test_five_identical_submits_submit_once(live_server, tree, users):
    campaign = make_campaign(tree.root, actor=users["org"])
    ledger = ledger_of(campaign, tree.b1)
    submittable(ledger, users["secretary"])
    ledger.refresh_from_db()
    session = signed_in(live_server.url, "secretary")

    answers = post_together(session, [(f"/ledger/ledgers/{ledger.pk}/submit/", {"version": ledger.version}, {})] * 5)

    assert_one_done_rest_refused(answers, "台账已提交党总支审核。")
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.SUBMITTED
    assert LedgerEvent.objects.filter(ledger=ledger, action=EventAction.LEDGER_SUBMITTED).count() == 1


def test_five_identical_closures_close_once(live_server, tree, users):
    campaign = make_campaign(tree.root, actor=users["org"])
    ledger = ledger_of(campaign, tree.b1)
    item = item_requested(ledger, users["secretary"])
    session = signed_in(live_server.url, "gb_staff")

    answers = post_together(session, [(f"/ledger/items/{item.pk}/close/", {"version": item.version}, {})] * 5)

    assert_one_done_rest_refused(answers, "已销号。")
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED
    assert LedgerEvent.objects.filter(item=item, action=EventAction.ITEM_CLOSED).count() == 1
