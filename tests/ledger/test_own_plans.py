"""本单位整改方案: a unit's own leaders start a rectification plan for their own unit (the branch plan of the
述职评议 seed); the unit above sees and supervises it, nobody else sees it."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from branches.selectors import SYSTEM
from ledger.models import Campaign, CampaignStatus, ChecklistTemplate, ItemStatus, LedgerStatus, TargetKind
from ledger.selectors.own_plans import BUILTIN_OWN_PLAN_TEMPLATE
from ledger.services.campaigns import PhaseSpec, campaign_create, own_plan_start
from ledger.services.workflow import (
    item_close,
    item_request_closure,
    ledger_accept,
    ledger_submit,
    progress_note_add,
    self_check_answer,
)
from tests.factories import ensure_builtin_templates, make_item, make_problem

pytestmark = pytest.mark.django_db
YEAR = datetime.date.today().year
DEADLINE = datetime.date(YEAR, 12, 31)
PLAN_NAME = "党组织书记抓基层党建述职点评问题整改方案"


@pytest.fixture
def review_template(db) -> ChecklistTemplate:
    ensure_builtin_templates()
    return ChecklistTemplate.objects.get(name=BUILTIN_OWN_PLAN_TEMPLATE, is_builtin=True)


def start(actor, unit, template, **fields) -> Campaign:
    return own_plan_start(actor=actor, unit=unit, name=fields.pop("name", PLAN_NAME), year=YEAR, template=template,
                          phases=[PhaseSpec("整改落实", "supervision", ends_on=DEADLINE)], **fields)


def test_a_branch_secretary_starts_an_own_plan_in_one_step(client, tree, users, review_template):
    client.force_login(users["secretary"])
    page = client.get(reverse("ledger:own_plan_create"))
    assert page.status_code == 200 and BUILTIN_OWN_PLAN_TEMPLATE in page.content.decode()
    response = client.post(reverse("ledger:own_plan_create"), {
        "unit": tree.b1.pk, "name": PLAN_NAME, "year": YEAR, "template": review_template.pk,
        "plan_deadline": f"{YEAR}-06-30", "deadline": f"{YEAR}-12-31"})
    campaign = Campaign.objects.get(own_plan=True)
    ledger = campaign.ledgers.get()
    assert response.status_code == 302 and response["Location"] == reverse("ledger:ledger_detail", args=[ledger.pk])
    assert (campaign.issuer, campaign.target_kind, campaign.status) == (tree.b1, TargetKind.ISSUER,
                                                                       CampaignStatus.PUBLISHED)
    assert ledger.unit == tree.b1 and ledger.status == LedgerStatus.DRAFT
    assert [(p.name, p.ends_on) for p in campaign.phases.order_by("order")] == [
        ("立项整改", datetime.date(YEAR, 6, 30)), ("整改落实", DEADLINE)]
    assert campaign.published_by == users["secretary"]
    # the three review problems of the seed are the template's categories: the ledger offers them
    assert client.get(reverse("ledger:ledger_detail", args=[ledger.pk])).status_code == 200
    listing = client.get(reverse("ledger:own_plan_list")).content.decode()
    assert PLAN_NAME in listing and reverse("ledger:ledger_detail", args=[ledger.pk]) in listing


def test_the_entry_is_on_the_home_and_my_ledgers_pages(client, users):
    client.force_login(users["secretary"])
    for name in ("home", "ledger:my_ledgers"):
        assert reverse("ledger:own_plan_list") in client.get(reverse(name)).content.decode()


def test_a_time_limit_before_the_plan_deadline_is_refused(client, tree, users, review_template):
    client.force_login(users["secretary"])
    response = client.post(reverse("ledger:own_plan_create"), {
        "unit": tree.b1.pk, "name": PLAN_NAME, "year": YEAR, "template": review_template.pk,
        "plan_deadline": f"{YEAR}-06-30", "deadline": f"{YEAR}-06-01"})
    assert "整改完成时限不能早于整改措施制定完成时间。" in response.content.decode()
    assert not Campaign.objects.exists()


def test_the_general_branch_above_sees_and_reviews_the_plan(client, tree, users, review_template):
    campaign = start(users["secretary"], tree.b1, review_template)
    ledger = campaign.ledgers.get()
    problem = make_problem(ledger, category=review_template.categories.order_by("order").first(),
                           description="抓党建强理论学习不够经常", source="report_review")
    item = make_item(problem, measure="坚持理论武装头脑", ongoing=True, responsible_leader="王书记")
    for category in review_template.categories.all():  # a checklist without manifestations: answered per category
        self_check_answer(actor=users["secretary"], ledger=ledger, category=category, found=False)
    ledger.refresh_from_db()
    ledger_submit(actor=users["secretary"], ledger=ledger)
    client.force_login(users["gb_staff"])  # the submitted plan waits in the general branch's review list
    assert ledger.pk in [row.pk for row in client.get(reverse("ledger:my_ledgers")).context["review"]]
    ledger_accept(actor=users["gb_staff"], ledger=ledger, comment="同意")
    progress_note_add(actor=users["secretary"], item=item, text="已开展集体研讨两次")
    item_request_closure(actor=users["secretary"], item=item)
    item_close(actor=users["gb_staff"], item=item)
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED
    for url in (reverse("ledger:ledger_detail", args=[ledger.pk]), campaign.get_absolute_url()):
        assert client.get(url).status_code == 200
    assert PLAN_NAME in client.get(reverse("ledger:own_plan_list")).content.decode()
    waiting = client.get(reverse("ledger:my_ledgers")).context["review"]
    assert ledger.pk not in [row.pk for row in waiting]  # nothing left to review: accepted and closed


def test_other_units_do_not_see_the_plan(client, tree, users, review_template):
    from tests.conftest import make_user

    campaign = start(users["secretary"], tree.b1, review_template)
    ledger = campaign.ledgers.get()
    outsiders = [make_user("b2-secretary", tree.b2, "branch_secretary"),
                 make_user("gb2-staff", tree.gb2, "general_branch_staff"),
                 make_user("other-org", tree.other_root, "org_department")]
    for outsider in outsiders:
        client.force_login(outsider)
        for url in (reverse("ledger:ledger_detail", args=[ledger.pk]), campaign.get_absolute_url(),
                    reverse("ledger:campaign_ledgers", args=[campaign.pk])):
            assert client.get(url).status_code == 404, (outsider, url)
        assert PLAN_NAME not in client.get(reverse("ledger:own_plan_list")).content.decode()
        assert PLAN_NAME not in client.get(reverse("ledger:campaign_list")).content.decode()
    client.force_login(users["org"])  # the committee above both
    assert client.get(campaign.get_absolute_url()).status_code == 200


def test_a_general_branch_plan_does_not_reach_its_branches(client, tree, users, review_template):
    """A plan of the general branch itself: its branches are below it, not its business; the committee above
    supervises it. Its pages name the general branch by its kind, never 党支部."""
    campaign = start(users["gb_staff"], tree.gb1, review_template, name="党总支述职点评问题整改方案")
    ledger = campaign.ledgers.get()
    assert ledger.unit == tree.gb1
    client.force_login(users["secretary"])
    assert client.get(campaign.get_absolute_url()).status_code == 404
    assert "党总支述职点评问题整改方案" not in client.get(reverse("ledger:campaign_list")).content.decode()
    client.force_login(users["gb_staff"])
    listing = client.get(reverse("ledger:own_plan_list")).content.decode()
    # the only 党支部 on the page is the built-in template's own name (党支部书记述职点评问题整改)
    assert "党总支述职点评问题整改方案" in listing and "党总支" in listing
    assert "党支部" not in listing.split("<main")[-1].replace(BUILTIN_OWN_PLAN_TEMPLATE, "")
    download = client.get(reverse("ledger:ledger_lists_export", args=[ledger.pk]))
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    texts = [str(cell) for ws in book for row in ws.iter_rows(values_only=True) for cell in row if cell]
    assert any("党总支名称" in text for text in texts)
    assert not any("党支部" in text for text in texts), [t for t in texts if "党支部" in t]


def test_those_who_do_not_fill_the_unit_are_refused(client, tree, users, review_template):
    from tests.conftest import make_user

    sibling = make_user("b2-secretary", tree.b2, "branch_secretary")
    for actor in (users["inspector"], users["gb_staff"], sibling, None):
        with pytest.raises(PermissionDenied):
            start(actor, tree.b1, review_template)
    client.force_login(users["inspector"])
    assert client.get(reverse("ledger:own_plan_create")).status_code == 403
    assert client.post(reverse("ledger:own_plan_create"), {
        "unit": tree.b1.pk, "name": PLAN_NAME, "year": YEAR, "template": review_template.pk,
        "deadline": f"{YEAR}-12-31"}).status_code == 403
    client.force_login(sibling)  # the form offers only the sibling's own unit: b1 is not a valid choice
    response = client.post(reverse("ledger:own_plan_create"), {
        "unit": tree.b1.pk, "name": PLAN_NAME, "year": YEAR, "template": review_template.pk,
        "deadline": f"{YEAR}-12-31"})
    assert response.status_code == 200 and "请改正下面标出的错误。" in response.content.decode()
    assert not Campaign.objects.exists()


def test_an_own_plan_targets_its_unit_only(tree, users, review_template):
    with pytest.raises(ValidationError) as refused:
        start(users["secretary"], tree.b1, review_template, target_kind=TargetKind.BRANCHES)
    assert "本单位整改方案只能以本单位为对象。" in refused.value.messages
    assert not Campaign.objects.exists()


def test_campaign_create_still_needs_manage(tree, users, review_template):
    """The own-plan rule is its own: a secretary still cannot issue a campaign, even one for their unit only."""
    with pytest.raises(PermissionDenied):
        campaign_create(actor=users["secretary"], issuer=tree.b1, name="整改", year=YEAR, template=review_template,
                        phases=[PhaseSpec("整改落实", ends_on=DEADLINE)], target_kind=TargetKind.ISSUER)
    with pytest.raises(PermissionDenied):
        campaign_create(actor=users["gb_staff"], issuer=tree.gb1, name="整改", year=YEAR, template=review_template,
                        phases=[PhaseSpec("整改落实", ends_on=DEADLINE)])
    campaign = campaign_create(actor=users["org"], issuer=tree.root, name="整改", year=YEAR,
                               template=review_template, phases=[PhaseSpec("整改落实", ends_on=DEADLINE)])
    assert not campaign.own_plan
    assert own_plan_start(actor=SYSTEM, unit=tree.b2, name="命令行", year=YEAR, template=review_template,
                          phases=[PhaseSpec("整改落实", ends_on=DEADLINE)]).own_plan
