"""Taps measured: on a phone and at a desk, every role reaches its main task within two taps after signing in.

Each journey signs in (which lands on 我的工作), then taps only what a person sees, counting every click. The counts
are printed and written to test-artifacts/taps.json so a person can compare them between versions.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from branches.models import Role
from ledger.builtin_templates import load_builtin_templates
from ledger.models import ChecklistTemplate, ItemStatus, Ledger, LedgerStatus, Manifestation, TemplateCategory
from tests.browser.conftest import PHONE
from tests.conftest import make_user
from tests.factories import ledger_of, make_campaign, make_item, make_problem

PASSWORD = "pw-123456"
DESK = {"width": 1280, "height": 800}
MOST_TAPS = 2
TAPS_FILE = Path(__file__).resolve().parents[2] / "test-artifacts" / "taps.json"


@pytest.fixture
def demo(transactional_db, tree):
    """Demo-like data: the Weifang checklist, one open campaign, a ledger awaiting review and a measure awaiting 销号."""
    load_builtin_templates(ChecklistTemplate, TemplateCategory, Manifestation)  # a flush may have removed them
    org = make_user("org", tree.root, Role.ORG_DEPARTMENT)
    make_user("inspector", tree.root, Role.INSPECTOR)
    make_user("secretary", tree.b1, Role.BRANCH_SECRETARY)
    make_user("member", tree.b1, Role.BRANCH_MEMBER)
    make_user("gb_staff", tree.gb1, Role.GENERAL_BRANCH_STAFF)
    campaign = make_campaign(tree.root, actor=org, template=ChecklistTemplate.objects.get(code="weifang-2022"))
    Ledger.objects.filter(pk=ledger_of(campaign, tree.b2).pk).update(status=LedgerStatus.SUBMITTED)
    b2_item = make_item(make_problem(ledger_of(campaign, tree.b2)), measure="召开党员大会按期完成换届选举",
                        status=ItemStatus.CLOSURE_REQUESTED)
    return {"campaign": campaign, "ledger": ledger_of(campaign, tree.b1), "item": b2_item}


class Taps:
    """Clicks on what the page shows, counted."""

    def __init__(self, visit):
        self.visit = visit
        self.count = 0

    def tap(self, locator) -> None:
        locator.click()
        self.visit.page.wait_for_load_state("networkidle")
        self.count += 1

    def button(self, name: str) -> None:
        self.tap(self.visit.page.locator("main a.home-action", has_text=name).first)

    def link(self, name: str) -> None:
        self.tap(self.visit.page.get_by_role("link", name=name).first)

    def menu(self, name: str) -> None:
        """A menu entry: on a phone the menu is folded behind its button, which is one more tap."""
        page = self.visit.page
        toggler = page.locator(".navbar-toggler")
        if toggler.is_visible():
            toggler.click()
            self.count += 1
        entry = page.locator("#mainnav a.nav-link", has_text=name).first
        entry.wait_for(state="visible")
        self.tap(entry)


def _secretary(taps: Taps, demo) -> str:
    taps.button("继续填写对照检查")
    return f"/ledger/ledgers/{demo['ledger'].pk}/self-check/"


def _branch_ledger_from_the_menu(taps: Taps, demo) -> str:
    taps.menu("本支部台账")
    return f"/ledger/ledgers/{demo['ledger'].pk}/"


def _general_branch_review(taps: Taps, demo) -> str:
    taps.button("待审核台账")
    return f"/reviews/campaigns/{demo['campaign'].pk}/ledgers/?state=submitted"


def _general_branch_close(taps: Taps, demo) -> str:
    taps.button("待销号")
    taps.link(demo["item"].measure)
    return f"/ledger/items/{demo['item'].pk}/"


def _dashboard(taps: Taps, demo) -> str:
    taps.button("工作看板")
    return f"/reviews/campaigns/{demo['campaign'].pk}/dashboard/"


JOURNEYS = {
    "secretary → self-check": ("secretary", _secretary),
    "member → self-check": ("member", _secretary),
    "secretary → the branch ledger from the menu": ("secretary", _branch_ledger_from_the_menu),
    "general branch → ledgers awaiting review": ("gb_staff", _general_branch_review),
    "general branch → a measure awaiting 销号": ("gb_staff", _general_branch_close),
    "organization department → campaign dashboard": ("org", _dashboard),
    "inspector → dashboard": ("inspector", _dashboard),
}


def test_every_role_reaches_its_main_task_within_two_taps(demo, visit_as, capsys):
    counts: dict[str, dict[str, int]] = {}
    for device, viewport in (("phone 390×844", PHONE), ("desk 1280×800", DESK)):
        for number, (journey, (username, walk)) in enumerate(JOURNEYS.items(), start=1):
            visit = visit_as(viewport)
            visit.login(username, PASSWORD)
            assert visit.page.url == visit.base_url + "/", f"{journey}: signing in should land on 我的工作"
            visit.check(f"taps-home-{username}-{device.split(' ')[0]}")
            taps = Taps(visit)
            target = walk(taps, demo)
            assert visit.page.url == visit.base_url + target, f"{journey} on a {device}: ended at {visit.page.url}"
            visit.check(f"taps-{number}-{username}-{device.split(' ')[0]}")
            counts.setdefault(device, {})[journey] = taps.count
            visit.page.context.close()

    TAPS_FILE.parent.mkdir(parents=True, exist_ok=True)
    TAPS_FILE.write_text(json.dumps(counts, ensure_ascii=False, indent=2), encoding="utf-8")
    with capsys.disabled():
        print("\ntaps after signing in:")
        for device, journeys in counts.items():
            for journey, n in journeys.items():
                print(f"  {device:14} {journey:48} {n}")
    too_many = {(device, journey): n for device, journeys in counts.items() for journey, n in journeys.items()
                if n > MOST_TAPS}
    assert too_many == {}, f"more than {MOST_TAPS} taps: {too_many}"
