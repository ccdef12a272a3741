"""A self-check row that did not save says why and offers a way forward: the network is down (saved again when
it is back), the server failed (retried with growing pauses, then a 重试 button), or the server refused (its
message, no automatic retry)."""

from __future__ import annotations

import re

import pytest

from branches.models import Role
from ledger.models import LedgerStatus, SelfCheckAnswer
from tests.conftest import make_user
from tests.factories import ledger_of, make_campaign, make_template

PASSWORD = "pw-123456"
SAVE_URL = re.compile(r".*/self-check/\d+/$")


@pytest.fixture
def ledger(transactional_db, tree):
    org = make_user("org", tree.root, Role.ORG_DEPARTMENT)
    make_user("secretary", tree.b1, Role.BRANCH_SECRETARY)
    campaign = make_campaign(tree.root, actor=org, template=make_template("sc", categories=1, manifestations=2))
    return ledger_of(campaign, tree.b1)


@pytest.fixture
def self_check(visit_as, ledger):
    """The secretary's self-check page on a phone, with a clock the test moves (the retry pauses)."""
    visit = visit_as()
    visit.page.clock.install()
    visit.login("secretary", PASSWORD)
    visit.go(f"/ledger/ledgers/{ledger.pk}/self-check/")
    return visit


def wait_until(page, condition, seconds: float = 5) -> None:
    for _tick in range(int(seconds * 10)):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError("timed out")


def first_row(page):
    return page.locator("form.sc-row").first


def test_a_server_error_is_named_and_retried_until_saved(self_check, ledger):
    page = self_check.page
    self_check.expect_console_errors("status of 500", "Response Status Error Code 500")
    failures = []

    def fail_once(route):
        if not failures:
            failures.append(route.request.url)
            route.fulfill(status=500, body="Server Error")
        else:
            route.continue_()

    page.route(SAVE_URL, fail_once)
    row = first_row(page)
    row.locator("input[name=found][value='0']").check()
    row.locator(".sc-status").filter(has_text="服务器出错，本条尚未保存；正在重试…").wait_for()
    assert "sc-unsaved" in row.get_attribute("class")
    assert not SelfCheckAnswer.objects.filter(ledger=ledger).exists()

    page.clock.run_for(2500)  # the first pause
    row.locator(".sc-status").filter(has_text="已保存").wait_for()
    assert "sc-unsaved" not in row.get_attribute("class")
    assert SelfCheckAnswer.objects.get(ledger=ledger).found is False


def test_after_the_retries_a_button_lets_the_person_try_again(self_check, ledger):
    page = self_check.page
    self_check.expect_console_errors("status of 500", "Response Status Error Code 500")
    attempts = []

    def always_fail(route):
        attempts.append(route.request.url)
        route.fulfill(status=500, body="Server Error")

    page.route(SAVE_URL, always_fail)
    row = first_row(page)
    row.locator("input[name=found][value='0']").check()
    status = row.locator(".sc-status")
    status.filter(has_text="正在重试").wait_for()
    for _pause in range(4):  # 2, 4, 8 and 16 seconds
        count = len(attempts)
        page.clock.run_for(17_000)
        wait_until(page, lambda count=count: len(attempts) > count)
    status.filter(has_text="服务器出错，本条尚未保存。").wait_for()
    assert len(attempts) == 5  # the save and four retries, then the person decides
    page.clock.run_for(60_000)
    page.wait_for_timeout(300)
    assert len(attempts) == 5

    page.unroute(SAVE_URL)
    row.get_by_role("button", name="重试").click()
    status.filter(has_text="已保存").wait_for()
    assert SelfCheckAnswer.objects.filter(ledger=ledger).count() == 1


def test_offline_is_named_and_saved_when_back_online(self_check, ledger):
    page = self_check.page
    self_check.expect_console_errors("ERR_INTERNET_DISCONNECTED", "htmx:sendError", "htmx:afterRequest")
    page.context.set_offline(True)
    row = first_row(page)
    row.locator("input[name=found][value='1']").check()
    row.locator("textarea[name=description]").fill("支委会超期未换届")
    row.locator(".sc-status").filter(has_text="网络中断，本条尚未保存；恢复后会再次保存。").wait_for()
    assert not SelfCheckAnswer.objects.filter(ledger=ledger).exists()

    page.context.set_offline(False)
    row.locator(".sc-status").filter(has_text="已保存").wait_for()
    answer = SelfCheckAnswer.objects.get(ledger=ledger)
    assert (answer.found, answer.description) == (True, "支委会超期未换届")


def test_a_refusal_shows_the_servers_message_and_is_not_retried(self_check, ledger):
    page = self_check.page
    self_check.expect_console_errors("status of 400")
    attempts = []
    page.on("request", lambda request: attempts.append(request.url) if SAVE_URL.match(request.url) else None)
    ledger.status = LedgerStatus.SUBMITTED  # submitted from another window meanwhile
    ledger.save(update_fields=["status"])

    row = first_row(page)
    row.locator("input[name=found][value='0']").check()
    row.locator(".sc-status").filter(has_text="台账已提交党总支审核，审核完成前不能修改。").wait_for()
    assert "sc-unsaved" in row.get_attribute("class")
    page.clock.run_for(60_000)
    page.wait_for_timeout(300)
    assert len(attempts) == 1
    assert not SelfCheckAnswer.objects.filter(ledger=ledger).exists()
