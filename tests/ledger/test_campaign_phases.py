"""Editing a draft campaign's phases through the real page, posted back as a browser would: nothing the user
did not ask to remove is ever dropped, several phases can be added in one go, bad input keeps what was typed."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from branches.selectors import SYSTEM
from ledger.demo import DENGXIAHEI_PHASES
from ledger.models import Campaign, ChecklistTemplate
from ledger.services.campaigns import campaign_create
from tests.factories import ensure_builtin_templates
from tests.forms_html import form_data

FORM = 'id="campaign-form"'


@pytest.fixture
def org(client, users):
    client.force_login(users["org"])
    return client


@pytest.fixture
def draft(tree):
    """Like the demo's 灯下黑 draft: three phases with date ranges on a built-in checklist."""
    ensure_builtin_templates()
    return campaign_create(
        actor=SYSTEM, issuer=tree.root, name="党建“灯下黑”问题排查整治", year=2023,
        template=ChecklistTemplate.objects.get(code="college-dengxiahei"), phases=DENGXIAHEI_PHASES,
    )


def _edit_page(client, campaign) -> tuple[str, dict[str, str]]:
    response = client.get(reverse("ledger:campaign_edit", args=[campaign.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    return html, form_data(html, form_marker=FORM)


def _phases(campaign) -> list[tuple]:
    return list(Campaign.objects.get(pk=campaign.pk).phases.order_by("order")
                .values_list("order", "name", "starts_on", "ends_on"))


def _blank_rows(data: dict[str, str]) -> list[int]:
    total = int(data["phases-TOTAL_FORMS"])
    return [i for i in range(total) if not data.get(f"phases-{i}-name")]


def _fill(data: dict[str, str], row: int, name: str, ends_on: str) -> None:
    data.update({f"phases-{row}-name": name, f"phases-{row}-ends_on": ends_on})


def _add_rows(data: dict[str, str], count: int) -> list[int]:
    """What the page's script does on “添加阶段”: one more blank row per click (a higher TOTAL_FORMS)."""
    total = int(data["phases-TOTAL_FORMS"])
    for i in range(total, total + count):
        data[f"phases-{i}-stage"] = "other"
    data["phases-TOTAL_FORMS"] = str(total + count)
    return list(range(total, total + count))


def test_saving_the_draft_unchanged_keeps_every_phase(org, draft):
    before = _phases(draft)
    _, data = _edit_page(org, draft)
    response = org.post(reverse("ledger:campaign_edit", args=[draft.pk]), data, follow=True)
    assert "专项行动已保存" in response.content.decode()
    assert _phases(draft) == before and len(before) == 3


def test_adding_a_phase_keeps_the_others(org, draft):
    _, data = _edit_page(org, draft)
    _fill(data, _blank_rows(data)[0], "巩固提升", "2024-03-31")
    org.post(reverse("ledger:campaign_edit", args=[draft.pk]), data)
    assert [name for _, name, _, _ in _phases(draft)] == [
        "列出问题清单，建立整改台账", "对标规定规范，集中实施整改", "建立长效机制，严格考核问责", "巩固提升"]


def test_five_phases_of_the_province_plan_in_one_go_without_script(org, tree):
    """Without the script the new-campaign page already offers five blank rows (the province plan has five)."""
    ensure_builtin_templates()
    html = org.get(reverse("ledger:campaign_create")).content.decode()
    data = form_data(html, form_marker=FORM)
    rows = _blank_rows(data)
    assert len(rows) >= 5
    data.update(name="党支部标准化规范化建设", year="2023",
                template=str(ChecklistTemplate.objects.get(code="weifang-2022").pk))
    for n, row in enumerate(rows[:5], start=1):
        _fill(data, row, f"第{n}阶段", f"2023-0{n}-28")
    org.post(reverse("ledger:campaign_create"), data)
    campaign = Campaign.objects.get(name="党支部标准化规范化建设")
    assert [name for _, name, _, _ in _phases(campaign)] == [f"第{n}阶段" for n in range(1, 6)]


def test_adding_three_phases_at_once_with_the_script(org, draft):
    html, data = _edit_page(org, draft)
    assert 'src="/static/js/phases.js"' in html and 'id="phases-empty"' in html and "data-add-phase" in html
    for n, row in enumerate(_add_rows(data, 3), start=1):
        _fill(data, row, f"新增{n}", f"2024-0{n}-28")
    org.post(reverse("ledger:campaign_edit", args=[draft.pk]), data)
    assert [name for _, name, _, _ in _phases(draft)][3:] == ["新增1", "新增2", "新增3"]
    assert len(_phases(draft)) == 6


def test_only_the_ticked_phase_is_deleted(org, draft):
    _, data = _edit_page(org, draft)
    data["phases-1-DELETE"] = "on"
    org.post(reverse("ledger:campaign_edit", args=[draft.pk]), data)
    assert [name for _, name, _, _ in _phases(draft)] == ["列出问题清单，建立整改台账", "建立长效机制，严格考核问责"]


def test_a_new_phase_without_an_order_goes_last_and_the_order_field_moves_phases(org, draft):
    _, data = _edit_page(org, draft)
    _fill(data, _blank_rows(data)[0], "巩固提升", "2024-03-31")
    data["phases-0-ORDER"] = "9"
    org.post(reverse("ledger:campaign_edit", args=[draft.pk]), data)
    assert [name for _, name, _, _ in _phases(draft)] == [
        "对标规定规范，集中实施整改", "建立长效机制，严格考核问责", "列出问题清单，建立整改台账", "巩固提升"]


def test_bad_input_keeps_everything_typed_and_changes_nothing(org, draft):
    before = _phases(draft)
    _, data = _edit_page(org, draft)
    rows = _add_rows(data, 2)
    _fill(data, rows[0], "巩固提升", "2024-03-31")
    data.update({f"phases-{rows[1]}-name": "倒置的阶段", f"phases-{rows[1]}-starts_on": "2024-05-01",
                 f"phases-{rows[1]}-ends_on": "2024-04-01"})
    data["phases-1-name"] = "改过名的第二阶段"
    response = org.post(reverse("ledger:campaign_edit", args=[draft.pk]), data)
    page = response.content.decode()
    assert "截止日期早于开始日期" in page
    assert _phases(draft) == before
    again = form_data(page, form_marker=FORM)
    for key in ("phases-0-name", "phases-1-name", "phases-2-name", f"phases-{rows[0]}-name",
                f"phases-{rows[1]}-name", f"phases-{rows[1]}-starts_on"):
        assert again[key] == data[key]


def test_a_phase_emptied_by_the_user_is_refused_not_dropped(org, draft):
    before = _phases(draft)
    _, data = _edit_page(org, draft)
    for field in ("name", "starts_on", "ends_on", "note"):
        data[f"phases-2-{field}"] = ""
    data["phases-2-ORDER"] = ""
    response = org.post(reverse("ledger:campaign_edit", args=[draft.pk]), data)
    assert "请改正下面标出的错误" in response.content.decode()
    assert _phases(draft) == before


def test_a_refused_field_shows_its_message_next_to_it_with_its_label(org, draft):
    """The fields are drawn without crispy's templates now (issue 15): each keeps its label, and a refused value
    stays in its box, marked, with the Chinese message right under it."""
    _, data = _edit_page(org, draft)
    data.update({"name": "", "phases-0-ends_on": "2024-02-30", "phases-1-name": "改过名的第二阶段"})
    page = org.post(reverse("ledger:campaign_edit", args=[draft.pk]), data).content.decode()
    name_group = page[page.index('id="div_id_name"'):page.index('id="div_id_year"')]
    assert "这个字段是必填项。" in name_group and "is-invalid" in name_group
    date_group = page[page.index('id="div_id_phases-0-ends_on"'):page.index('id="div_id_phases-0-ORDER"')]
    assert ">截止日期<" in date_group and 'value="2024-02-30"' in date_group
    assert date_group.index('value="2024-02-30"') < date_group.index("输入一个有效的日期。")
    assert form_data(page, form_marker=FORM)["phases-1-name"] == "改过名的第二阶段"
    labels = {"name": "阶段名称", "stage": "阶段类型", "starts_on": "开始日期", "ends_on": "截止日期", "ORDER": "排序",
              "DELETE": "删除", "note": "说明"}
    for field, label in labels.items():
        assert re.search(rf'<label\s+for="id_phases-0-{field}"[^>]*>\s*{label}', page), field
    assert Campaign.objects.get(pk=draft.pk).name == draft.name
