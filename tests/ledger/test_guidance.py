"""The template guides the work: a category's measures offered as suggested measures (参考措施), its target and
requirements beside the forms, split from the seeds' real texts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from ledger.builtin_templates import BUILTIN_TEMPLATES
from ledger.guidance import measure_suggestions
from ledger.models import ChecklistTemplate, RectificationItem
from tests.factories import ensure_builtin_templates, ledger_of, make_campaign, make_item, make_problem

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"


def seed_line(name: str, starts_with: str) -> str:
    """The seed's own line (not the transcription) that starts with `starts_with`."""
    lines = (SEEDS / name).read_text(encoding="utf-8").splitlines()
    return next(line for line in lines if line.startswith(starts_with))


def builtin_requirements(code: str) -> list[str]:
    spec = next(spec for spec in BUILTIN_TEMPLATES if spec["code"] == code)
    return [category.get("requirements", "") for category in spec["categories"]]


# --- the splitter on the seeds' texts -----------------------------------------------------------------------


def test_the_county_plans_circled_measures_are_one_suggestion_each():
    line = seed_line("county-inspection-rectification-plan.txt", "1.加强理想信念教育。")
    assert measure_suggestions(line) == [
        "持续推进“不忘初心、牢记使命”常态化制度化，充分运用“三会一课”、支部主题党日活动等形式加强理想信念教育",
        "加大干部教育培训力度，增强领导干部的党性观念",
        "按照市委组织部安排部署，适时出台科级以上领导干部教育培训规划方案措施，明确党性教育课在干部教育培训中高于"
        "总课时的20%。",
    ]


def test_the_county_plans_five_measures_split_at_every_circled_number():
    line = seed_line("county-inspection-rectification-plan.txt", "3.聚焦党建重点工作。")
    suggestions = measure_suggestions(line)
    assert len(suggestions) == 5
    assert suggestions[2].startswith("健全党建工作督导问责机制。开展好交叉学习观摩活动")
    assert suggestions[4] == "抓好“为基层办好党建二十件实事”活动落实，“物化”党建成果，确保基层党建不虚不空。"
    assert not any(re.search("[①-⑳]", text) for text in suggestions)


def test_every_county_category_offers_its_listed_measures():
    counts = [len(measure_suggestions(text)) for text in builtin_requirements("county-inspection-2020")]
    assert counts == [3, 3, 5, 4, 3, 3]


def test_the_report_review_plans_ordinals_split_even_without_punctuation_before_them():
    line = seed_line("branch-report-review-rectification-plan.txt", "整改措施：一是严肃党内政治生活。")
    suggestions = measure_suggestions(line)
    starts = ["严肃党内政治生活。", "强化监督管理。", "以党建优化营商环境。"]
    assert len(suggestions) == 3 and all(map(str.startswith, suggestions, starts))
    # The seed lacks the full stop before 二是: the first measure ends where the second begins.
    assert suggestions[0].endswith("确保开出质量和效果")


def test_the_report_review_category_leaves_out_who_leads_and_by_when():
    suggestions = measure_suggestions(builtin_requirements("branch-report-review-2022")[0])
    assert len(suggestions) == 3
    assert suggestions[2].endswith("增强学习实效。")
    assert not any("责任领导" in text or "整改时限" in text for text in suggestions)


def test_the_colleges_numbered_requirements_split_by_line():
    suggestions = measure_suggestions(builtin_requirements("college-dengxiahei")[2])
    starts = ["严格党员组织关系管理", "注重创作和运用情景互动式党课", "做好党员服务工作。"]
    assert len(suggestions) == 3 and all(map(str.startswith, suggestions, starts))


@pytest.mark.parametrize("text", builtin_requirements("province-standardization") + ["", "一条措施。"])
def test_a_text_that_is_not_a_numbered_list_offers_no_suggestions(text):
    assert measure_suggestions(text) == []


# --- the measure form ---------------------------------------------------------------------------------------


@pytest.fixture
def county_ledger(tree, users):
    ensure_builtin_templates()
    campaign = make_campaign(tree.root, actor=users["org"], template=ChecklistTemplate.objects.get(
        code="county-inspection-2020"))
    return ledger_of(campaign, tree.b1)


def county_problem(ledger, order: int = 1):
    return make_problem(ledger, category=ledger.campaign.template.categories.get(order=order),
                        description="理想信念教育流于形式，主题党日活动内容单一")


def test_the_measure_form_offers_the_categorys_measures_with_its_target(client, users, county_ledger):
    problem = county_problem(county_ledger)
    client.force_login(users["secretary"])
    page = client.get(reverse("ledger:item_create", args=[problem.pk])).content.decode()
    assert "参考措施" in page and "整治目标" in page and "加强理想信念教育" in page
    assert page.count('data-adopt="suggestion-') == 3
    assert "?suggestion=2#id_measure" in page
    assert "加大干部教育培训力度，增强领导干部的党性观念" in page


def test_adopting_a_suggestion_without_js_prefills_the_measure_then_saves_as_edited(client, users, county_ledger):
    problem = county_problem(county_ledger)
    client.force_login(users["secretary"])
    url = reverse("ledger:item_create", args=[problem.pk])
    response = client.get(url, {"suggestion": "2"})
    assert response.context["form"]["measure"].value() == "加大干部教育培训力度，增强领导干部的党性观念"
    assert response.context["form"]["measure"].value() in response.content.decode().split('id="id_measure"')[1][:400]
    client.post(url, {"measure": "加大支部委员培训力度，每季度一次", "is_ongoing": "on", "responsible_name": "张三"})
    assert RectificationItem.objects.get(problem=problem).measure == "加大支部委员培训力度，每季度一次"


@pytest.mark.parametrize("value", ["0", "4", "x", ""])
def test_a_suggestion_number_that_is_not_listed_prefills_nothing(client, users, county_ledger, value):
    problem = county_problem(county_ledger)
    client.force_login(users["secretary"])
    response = client.get(reverse("ledger:item_create", args=[problem.pk]), {"suggestion": value})
    assert response.status_code == 200
    assert response.context["form"]["measure"].value() in (None, "")


def test_editing_a_measure_can_adopt_a_suggestion(client, users, county_ledger):
    item = make_item(county_problem(county_ledger), measure="原措施", ongoing=True)
    client.force_login(users["secretary"])
    response = client.get(reverse("ledger:item_edit", args=[item.pk]), {"suggestion": "3"})
    assert response.context["form"]["measure"].value().startswith("按照市委组织部安排部署")


def test_a_weifang_like_category_without_measures_offers_none(client, users, world):
    problem = make_problem(world.ledger)
    client.force_login(users["secretary"])
    page = client.get(reverse("ledger:item_create", args=[problem.pk]), {"suggestion": "1"})
    assert "参考措施" not in page.content.decode() and "data-adopt" not in page.content.decode()
    assert page.context["form"]["measure"].value() in (None, "")


def test_the_problem_form_shows_the_chosen_categorys_target_and_requirements(client, users, county_ledger):
    category = county_ledger.campaign.template.categories.get(order=4)
    client.force_login(users["secretary"])
    page = client.get(reverse("ledger:problem_create", args=[county_ledger.pk]), {"category": category.pk})
    html = page.content.decode()
    assert "压实党建工作责任" in html and "建立全县党建工作座谈会制度" in html
    assert "<details" in html and "data-open-wide" in html
    assert "manifestation" not in page.context["form"].fields  # nothing to choose in this template


def test_the_guidance_script_is_a_static_file_and_the_pages_have_no_inline_script(client, users, county_ledger):
    problem = county_problem(county_ledger)
    client.force_login(users["secretary"])
    html = client.get(reverse("ledger:item_create", args=[problem.pk])).content.decode()
    assert "js/guidance.js" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert (Path(settings.BASE_DIR) / "static" / "js" / "guidance.js").read_text().count("data-adopt") >= 1
