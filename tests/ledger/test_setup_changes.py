"""What the organization department does on the setup pages, and bad input: a Chinese message, nothing changed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from branches.models import AuditRecord
from ledger.models import Campaign, CampaignStatus, ChecklistTemplate, Ledger, Manifestation, Phase, TemplateCategory
from tests.factories import ensure_builtin_templates, make_campaign, make_template


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


@pytest.fixture
def org(client, users):
    client.force_login(users["org"])
    return client


@pytest.fixture
def own(tree):
    template = make_template("own", categories=2, manifestations=2)
    template.owner = tree.root
    template.save()
    return template


def _post_template(client, template, **data):
    return client.post(reverse("ledger:template_detail", args=[template.pk]), data, follow=True)


# ---- templates ---------------------------------------------------------------------------------------------


def test_create_a_template_then_add_a_category_and_a_manifestation(org, tree):
    response = org.post(reverse("ledger:template_create"), {"name": "学院自查清单", "description": ""}, follow=True)
    template = ChecklistTemplate.objects.get(name="学院自查清单")
    assert template.owner == tree.root and not template.is_builtin
    _post_template(org, template, op="category_add", title="组织建设", target="组织健全", requirements="")
    category = template.categories.get()
    response = _post_template(org, template, op="manifestation_add", category=category.pk, text="支部未按期换届")
    assert "支部未按期换届" in response.content.decode()
    assert list(category.manifestations.values_list("order", "text")) == [(1, "支部未按期换届")]
    assert AuditRecord.objects.filter(object_type="ledger.checklisttemplate", object_id=str(template.pk)).count() == 3


def test_reorder_and_remove(org, own):
    first, second = own.categories.order_by("order")
    _post_template(org, own, op="category_down", category=first.pk)
    assert list(own.categories.order_by("order").values_list("title", flat=True)) == ["类别2", "类别1"]
    m1, m2 = first.manifestations.order_by("order")
    _post_template(org, own, op="manifestation_up", manifestation=m2.pk)
    assert list(first.manifestations.order_by("order").values_list("text", flat=True)) == ["类别1表现2", "类别1表现1"]
    _post_template(org, own, op="category_remove", category=second.pk)
    assert list(own.categories.values_list("order", "title")) == [(1, "类别1")]


def test_empty_category_title_is_refused(org, own):
    response = _post_template(org, own, op="category_add", title="  ", target="", requirements="")
    assert "类别名称不能为空" in _messages(response)
    assert own.categories.count() == 2


def test_empty_manifestation_is_refused(org, own):
    category = own.categories.first()
    response = _post_template(org, own, op="manifestation_update",
                              manifestation=category.manifestations.first().pk, text=" ")
    assert "表现不能为空" in _messages(response)
    assert category.manifestations.first().text == "类别1表现1"


def test_frozen_template_is_read_only_with_a_message_to_copy_it(org, tree, users, own):
    make_campaign(tree.root, actor=users["org"], template=own)
    page = org.get(reverse("ledger:template_detail", args=[own.pk])).content.decode()
    assert "已冻结" in page and "请复制此清单" in page
    response = _post_template(org, own, op="category_add", title="新类别")
    assert "不能再修改；请复制后在副本上修改" in _messages(response)
    assert own.categories.count() == 2


def test_a_template_used_only_by_a_draft_can_still_change(org, tree, users, own):
    make_campaign(tree.root, actor=users["org"], template=own, publish=False)
    _post_template(org, own, op="category_add", title="新类别")
    assert own.categories.count() == 3


def test_builtin_template_is_copied_not_edited(org, tree):
    ensure_builtin_templates()
    weifang = ChecklistTemplate.objects.get(code="weifang-2022")
    before = list(Manifestation.objects.filter(category__template=weifang).values_list("text", flat=True))
    assert _post_template(org, weifang, op="category_add", title="x").status_code == 403
    response = org.post(reverse("ledger:template_copy", args=[weifang.pk]), follow=True)
    copy = ChecklistTemplate.objects.get(copied_from=weifang)
    assert "已复制" in _messages(response)
    assert copy.owner == tree.root and not copy.is_builtin
    assert list(Manifestation.objects.filter(category__template=copy).values_list("text", flat=True)) == before
    _post_template(org, copy, op="category_add", title="延伸类别")
    assert copy.categories.count() == 7 and weifang.categories.count() == 6


# ---- campaigns ---------------------------------------------------------------------------------------------


def _campaign_data(tree, template, phases: list[tuple[str, str, str]], **extra) -> dict:
    data = {
        "issuer": tree.root.pk, "name": "新专项行动", "year": 2023, "doc_number": "组织部〔2023〕1号",
        "template": template.pk, "target_kind": "branch", "report_deadline": "2023-10-20",
        "results_deadline": "2023-11-30",
        "phases-TOTAL_FORMS": str(len(phases) + 1), "phases-INITIAL_FORMS": "0",
        "phases-MIN_NUM_FORMS": "0", "phases-MAX_NUM_FORMS": "1000",
        f"phases-{len(phases)}-stage": "other",
    }
    for i, (name, starts, ends) in enumerate(phases):
        data.update({f"phases-{i}-name": name, f"phases-{i}-stage": "other", f"phases-{i}-starts_on": starts,
                     f"phases-{i}-ends_on": ends, f"phases-{i}-ORDER": str(i + 1)})
    data.update(extra)
    return data


def test_create_edit_publish_and_close_a_campaign(org, tree, own):
    data = _campaign_data(tree, own, [("集中整改", "2023-04-01", "2023-09-30"), ("持续推进", "", "2023-12-31")])
    response = org.post(reverse("ledger:campaign_create"), data, follow=True)
    campaign = Campaign.objects.get(name="新专项行动")
    assert "已保存" in _messages(response)
    assert list(campaign.phases.values_list("order", "name")) == [(1, "集中整改"), (2, "持续推进")]
    data = _campaign_data(tree, own, [("持续推进", "", "2023-12-31"), ("集中整改", "2023-04-01", "2023-09-30")],
                          name="改名后的行动")
    org.post(reverse("ledger:campaign_edit", args=[campaign.pk]), data)
    campaign.refresh_from_db()
    assert campaign.name == "改名后的行动"
    assert list(campaign.phases.values_list("name", flat=True)) == ["持续推进", "集中整改"]
    assert "3 个对象单位" in org.get(reverse("ledger:campaign_publish", args=[campaign.pk])).content.decode()
    response = org.post(reverse("ledger:campaign_publish", args=[campaign.pk]), follow=True)
    assert "生成了 3 本台账" in _messages(response)
    page = response.content.decode()
    assert reverse("ledger:campaign_ledgers", args=[campaign.pk]) in page
    org.post(reverse("ledger:campaign_close", args=[campaign.pk]))
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.CLOSED


def test_phase_ending_before_it_starts_is_refused(org, tree, own):
    data = _campaign_data(tree, own, [("集中整改", "2023-09-30", "2023-04-01")])
    response = org.post(reverse("ledger:campaign_create"), data)
    assert "截止日期早于开始日期" in response.content.decode()
    assert not Campaign.objects.exists() and not Phase.objects.exists()


def test_campaign_without_phases_is_refused(org, tree, own):
    response = org.post(reverse("ledger:campaign_create"), _campaign_data(tree, own, []))
    assert "至少需要一个阶段" in _messages(response)
    assert not Campaign.objects.exists()


def test_phase_without_any_date_is_refused(org, tree, own):
    response = org.post(reverse("ledger:campaign_create"), _campaign_data(tree, own, [("集中整改", "", "")]))
    assert "需要截止日期或起止日期" in _messages(response)
    assert not Campaign.objects.exists()


def test_template_without_categories_cannot_be_used(org, tree):
    empty = ChecklistTemplate.objects.create(name="空清单", code="empty", owner=tree.root)
    response = org.post(reverse("ledger:campaign_create"),
                        _campaign_data(tree, empty, [("集中整改", "", "2023-09-30")]))
    assert "没有任何类别，不能用于专项行动" in _messages(response)
    assert not Campaign.objects.exists()


def test_publishing_twice_is_refused(org, tree, users):
    campaign = make_campaign(tree.root, actor=users["org"])
    response = org.post(reverse("ledger:campaign_publish", args=[campaign.pk]), follow=True)
    assert "已发布，不能重复发布" in _messages(response)
    assert Ledger.objects.filter(campaign=campaign).count() == 3


def test_publishing_after_the_categories_were_removed_is_refused(org, tree, users, own):
    campaign = make_campaign(tree.root, actor=users["org"], template=own, publish=False)
    TemplateCategory.objects.filter(template=own).delete()
    response = org.post(reverse("ledger:campaign_publish", args=[campaign.pk]), follow=True)
    assert "没有任何类别" in _messages(response)
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.DRAFT
    assert not Ledger.objects.filter(campaign=campaign).exists()


def test_published_campaign_cannot_be_edited(org, tree, users, own):
    campaign = make_campaign(tree.root, actor=users["org"], template=own)
    data = _campaign_data(tree, own, [("集中整改", "", "2023-09-30")], name="改名")
    response = org.post(reverse("ledger:campaign_edit", args=[campaign.pk]), data, follow=True)
    assert "已发布，不能再修改" in _messages(response)
    assert Campaign.objects.get(pk=campaign.pk).name == "对账整改专项行动"
    assert campaign.phases.count() == 4


def test_issuer_must_be_a_unit_the_user_manages(org, tree, own):
    data = _campaign_data(tree, own, [("集中整改", "", "2023-09-30")], issuer=tree.other_root.pk)
    response = org.post(reverse("ledger:campaign_create"), data)
    assert response.status_code == 200 and "发文单位" in response.content.decode()
    assert not Campaign.objects.exists()
