"""Carry-over (结转): an earlier campaign's unfinished measures continue in the new campaign's ledgers."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from branches.models import AuditRecord
from jobs.models import Job
from ledger.models import EventAction, ItemStatus, LedgerEvent, Problem, RectificationItem, TemplateCategory
from ledger.selectors.carry_over import carry_over_plan
from ledger.services import workflow as wf
from ledger.services.campaigns import campaign_close
from ledger.services.carry_over import campaign_carry_over
from ledger.services.evidence import evidence_add
from ledger.services.templates import template_copy
from reviews.selectors.results import ledger_results
from tests.factories import ledger_of, make_campaign, make_item, make_problem, make_template
from tests.ledger.workflow_support import png_upload
from tests.tally_marks import marks_sum


@pytest.fixture
def earlier(tree, users):
    """The 2022 campaign: b1 with a problem half done (① closed, ② in progress with a note and a photo, ③
    planned and overdue), a problem all closed, and b3 with one planned measure."""
    campaign = make_campaign(tree.root, actor=users["org"])
    ledger = ledger_of(campaign, tree.b1)
    category = campaign.template.categories.order_by("order").last()
    manifestation = category.manifestations.first()
    half = make_problem(ledger, category=category, manifestation=manifestation, description="三会一课记录不全",
                        user=users["secretary"])
    done = make_item(half, measure="补齐记录", user=users["secretary"], status=ItemStatus.CLOSED,
                     closed_at=datetime.datetime(2022, 10, 30, tzinfo=datetime.UTC))
    going = make_item(half, measure="建立台账", deadline=datetime.date(2022, 11, 15), responsible_name="李四",
                      responsible_leader="王书记", responsible_unit="组织委员", user=users["secretary"])
    wf.item_start(actor=users["secretary"], item=going)
    wf.progress_note_add(actor=users["secretary"], item=going, text="已建立一半")
    evidence = evidence_add(actor=users["secretary"], item=going, upload=png_upload())
    late = make_item(half, measure="每月检查", deadline=datetime.date(2022, 10, 1), user=users["secretary"])
    closed = make_problem(ledger, description="已整改的问题", user=users["secretary"])
    make_item(closed, user=users["secretary"], status=ItemStatus.CLOSED,
              closed_at=datetime.datetime(2022, 10, 30, tzinfo=datetime.UTC))
    other = make_item(make_problem(ledger_of(campaign, tree.b3), description="支部学习不经常"))
    return {"campaign": campaign, "half": half, "done": done, "going": going, "late": late, "closed": closed,
            "other": other, "evidence": evidence}


def later_campaign(tree, users, template=None):
    return make_campaign(tree.root, actor=users["org"], name="2023年对账整改", year=2023,
                         template=template)


def snapshot(campaign):
    """Everything the earlier campaign's results are made of."""
    ledgers = list(campaign.ledgers.values_list("pk", flat=True))
    results = {pk: vars(result) for pk, result in ledger_results(ledger_ids=ledgers, campaign=campaign).items()}
    rows = list(RectificationItem.objects.filter(ledger__campaign=campaign).order_by("pk")
                .values("pk", "status", "deadline", "measure", "version", "closed_at"))
    problems = list(Problem.objects.filter(ledger__campaign=campaign).order_by("pk").values("pk", "status", "version"))
    statuses = list(campaign.ledgers.order_by("pk").values_list("status", "version"))
    return results, rows, problems, statuses


def test_unfinished_measures_are_carried_with_their_fields_and_links(tree, users, earlier):
    new = later_campaign(tree, users, template=earlier["campaign"].template)
    before = snapshot(earlier["campaign"])
    result = campaign_carry_over(actor=users["org"], campaign=new, source_campaign=earlier["campaign"])
    assert (result.ledgers, result.problems, result.items) == (2, 2, 3)

    carried = Problem.objects.get(ledger=ledger_of(new, tree.b1), carried_from=earlier["half"])
    assert (carried.description, carried.category_id, carried.manifestation_id, carried.source) == (
        earlier["half"].description, earlier["half"].category_id, earlier["half"].manifestation_id,
        earlier["half"].source)
    assert carried.recurrence_of is None
    items = {item.carried_from_id: item for item in carried.items.all()}
    assert set(items) == {earlier["going"].pk, earlier["late"].pk}  # the closed ① stays behind
    going = items[earlier["going"].pk]
    assert (going.number, going.measure, going.deadline, going.responsible_name, going.responsible_leader,
            going.responsible_unit, going.status) == (2, "建立台账", datetime.date(2022, 11, 15), "李四", "王书记",
                                                      "组织委员", ItemStatus.IN_PROGRESS)
    assert list(earlier["going"].carried_to.all()) == [going]  # the link both ways
    assert items[earlier["late"].pk].is_overdue()  # it counts as overdue in the new campaign
    assert not Problem.objects.filter(ledger__campaign=new, carried_from=earlier["closed"]).exists()
    assert snapshot(earlier["campaign"]) == before  # the earlier campaign's results and rows are untouched

    events = LedgerEvent.objects.filter(action=EventAction.CARRIED_OVER)
    assert sorted(event.ledger.unit_id for event in events) == sorted([tree.b1.pk, tree.b3.pk])
    assert AuditRecord.objects.filter(action="carry_over", object_type="ledger.ledger").count() == 2


def test_the_new_item_page_shows_the_original_notes_and_evidence(client, tree, users, earlier):
    new = later_campaign(tree, users, template=earlier["campaign"].template)
    campaign_carry_over(actor=users["org"], campaign=new, source_campaign=earlier["campaign"])
    going = RectificationItem.objects.get(carried_from=earlier["going"])
    client.force_login(users["secretary"])
    page = client.get(going.get_absolute_url()).content.decode()
    assert "已建立一半" in page and "照片.png" in page and "结转自" in page
    assert f"/ledger/evidence/{earlier['evidence'].pk}/" in page  # the same stored file, not a copy
    download = client.get(f"/ledger/evidence/{earlier['evidence'].pk}/")
    assert download.status_code == 200
    old_page = client.get(earlier["going"].get_absolute_url()).content.decode()
    assert "已结转至" in old_page and going.get_absolute_url() in old_page
    old_ledger = client.get(earlier["half"].ledger.get_absolute_url()).content.decode()
    assert "已结转至 2023 年“2023年对账整改”问题1" in old_ledger
    new_ledger = client.get(going.ledger.get_absolute_url()).content.decode()
    assert "结转自 2022 年“对账整改专项行动”问题1" in new_ledger


def test_carrying_twice_is_refused_and_the_database_refuses_a_duplicate(tree, users, earlier):
    new = later_campaign(tree, users, template=earlier["campaign"].template)
    campaign_carry_over(actor=users["org"], campaign=new, source_campaign=earlier["campaign"])
    count = Problem.objects.count()
    with pytest.raises(ValidationError, match="不能重复结转"):
        campaign_carry_over(actor=users["org"], campaign=new, source_campaign=earlier["campaign"])
    assert Problem.objects.count() == count
    carried = Problem.objects.get(carried_from=earlier["half"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Problem.objects.create(ledger=carried.ledger, unit_path=carried.unit_path, category=carried.category,
                               number=99, description="x", carried_from=earlier["half"])


def test_a_source_outside_the_issuers_subtree_or_later_is_refused(tree, users, earlier):
    outside = make_campaign(tree.gb1, actor=users["org"], name="第一党总支专项行动")
    new = later_campaign(tree, users, template=earlier["campaign"].template)
    # A campaign issued by the general branch may not carry its committee's campaign.
    with pytest.raises(ValidationError, match="只能结转本单位及下级党组织"):
        campaign_carry_over(actor=users["org"], campaign=outside, source_campaign=earlier["campaign"])
    with pytest.raises(ValidationError, match="更早发布"):
        campaign_carry_over(actor=users["org"], campaign=earlier["campaign"], source_campaign=new)
    with pytest.raises(PermissionDenied):
        campaign_carry_over(actor=users["gb_staff"], campaign=new, source_campaign=earlier["campaign"])
    assert not Problem.objects.filter(ledger__campaign__in=[new, outside]).exists()


def test_a_closed_source_carries_and_stays_closed(tree, users, earlier):
    campaign_close(actor=users["org"], campaign=earlier["campaign"])
    new = later_campaign(tree, users, template=earlier["campaign"].template)
    assert campaign_carry_over(actor=users["org"], campaign=new, source_campaign=earlier["campaign"]).problems == 2


def test_a_copied_template_maps_through_its_origin(tree, users, earlier):
    copy = template_copy(actor=users["org"], template=earlier["campaign"].template, owner=tree.root)
    # The copy renames and reorders: the lineage still finds the lines.
    last = copy.categories.order_by("order").last()
    TemplateCategory.objects.filter(pk=last.pk).update(title="改名后的类别", order=9)
    new = later_campaign(tree, users, template=copy)
    campaign_carry_over(actor=users["org"], campaign=new, source_campaign=earlier["campaign"])
    carried = Problem.objects.get(carried_from=earlier["half"])
    assert carried.category_id == last.pk
    assert carried.manifestation.copied_from_id == earlier["half"].manifestation_id


def test_an_unrelated_template_maps_by_title_and_lists_the_unmapped(tree, users, earlier):
    other = make_template("other", categories=1)  # only 类别1: the half-done problem is in 类别2
    new = later_campaign(tree, users, template=other)
    plan = carry_over_plan(campaign=new, source=earlier["campaign"])
    assert plan.unmapped == ["2. 类别2"]
    with pytest.raises(ValidationError, match="以下类别.*没有对应的类别.*2. 类别2"):
        campaign_carry_over(actor=users["org"], campaign=new, source_campaign=earlier["campaign"])
    assert not Problem.objects.filter(ledger__campaign=new).exists()
    TemplateCategory.objects.create(template=other, order=2, title="类别2")
    campaign_carry_over(actor=users["org"], campaign=new, source_campaign=earlier["campaign"])
    carried = Problem.objects.get(carried_from=earlier["half"])
    assert carried.category.title == "类别2" and carried.manifestation is None


def test_the_page_previews_then_carries_once(client, tree, users, earlier):
    new = later_campaign(tree, users, template=earlier["campaign"].template)
    url = reverse("ledger:campaign_carry_over", args=[new.pk])
    client.force_login(users["org"])
    assert url in client.get(new.get_absolute_url()).content.decode()
    preview = client.get(url, {"source": earlier["campaign"].pk})
    assert preview.context["plan"].items == 3 and "确认结转" in preview.content.decode()
    assert not Problem.objects.filter(ledger__campaign=new).exists()  # a preview writes nothing
    response = client.post(url, {"source": earlier["campaign"].pk}, follow=True)
    assert "已结转 2 个问题、3 项整改措施到 2 本台账" in response.content.decode()
    again = client.get(url, {"source": earlier["campaign"].pk}).content.decode()
    assert "不能重复结转" in again and "确认结转" not in again
    assert Problem.objects.filter(ledger__campaign=new).count() == 2


def test_the_page_refuses_a_source_it_does_not_offer_and_other_roles(client, tree, users, earlier):
    new = later_campaign(tree, users, template=earlier["campaign"].template)
    elsewhere = make_campaign(tree.other_root, name="另一党委的专项行动")
    url = reverse("ledger:campaign_carry_over", args=[new.pk])
    client.force_login(users["org"])
    response = client.post(url, {"source": elsewhere.pk})
    assert response.status_code == 200 and response.context["form"].errors
    assert not Problem.objects.filter(ledger__campaign=new).exists()
    client.force_login(users["gb_staff"])
    assert client.get(url).status_code == 403


def test_a_large_carry_over_runs_as_a_job(client, tree, users, earlier, settings,
                                          django_capture_on_commit_callbacks):
    settings.CARRY_OVER_JOB_ITEMS = 1
    new = later_campaign(tree, users, template=earlier["campaign"].template)
    client.force_login(users["org"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ledger:campaign_carry_over", args=[new.pk]),
                               {"source": earlier["campaign"].pk})
    job = Job.objects.get(kind="carry_over")
    assert response["Location"] == reverse("jobs:job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == "done" and Problem.objects.filter(ledger__campaign=new).count() == 2


def test_publishing_can_carry_at_once(client, tree, users, earlier):
    draft = make_campaign(tree.root, actor=users["org"], name="2023年对账整改", year=2023,
                          template=earlier["campaign"].template, publish=False)
    url = reverse("ledger:campaign_publish", args=[draft.pk])
    client.force_login(users["org"])
    assert "同时结转往期未完成的整改措施" in client.get(url).content.decode()
    page = client.post(url, {"carry_from": earlier["campaign"].pk}, follow=True).content.decode()
    assert "专项行动已发布" in page and "已结转 2 个问题、3 项整改措施到 2 本台账" in page
    assert Problem.objects.filter(ledger__campaign=draft, carried_from__isnull=False).count() == 2


def test_units_without_a_ledger_in_the_new_campaign_are_named(tree, users, earlier):
    only_gb = make_campaign(tree.root, actor=users["org"], name="党总支专项行动", year=2023,
                            template=earlier["campaign"].template, target_kind="general_branch")
    with pytest.raises(ValidationError, match="都没有台账：第一党支部、第三党支部"):
        campaign_carry_over(actor=users["org"], campaign=only_gb, source_campaign=earlier["campaign"])


def test_carrying_over_marks_the_new_campaign_changed_for_the_tallies(tree, users, earlier):
    new = later_campaign(tree, users)
    before = marks_sum(new)
    campaign_carry_over(actor=users["org"], campaign=new, source_campaign=earlier["campaign"])
    assert marks_sum(new) > before
