"""The yearly survey (摸底排查): classify with a reason, finalize, the three tier lists and their export, and the
后进 units' improvement ledgers, made once."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from ledger.models import Campaign, CampaignStatus, Ledger
from reviews import survey_services as services
from reviews.models import SurveyStatus, Tier, TierSurvey, TierSurveyEntry
from tests.conftest import make_unit
from tests.factories import ensure_builtin_templates


@pytest.fixture
def survey(tree, users):
    return services.survey_create(actor=users["org"], issuer=tree.root, year=2023)


@pytest.fixture
def classified(survey, tree, users):
    org = users["org"]
    services.survey_classify(actor=org, survey=survey, unit=tree.b1, tier=Tier.ADVANCED, reason="组织生活规范")
    services.survey_classify(actor=org, survey=survey, unit=tree.b2, tier=Tier.MIDDLE, reason="作用发挥一般")
    services.survey_classify(actor=org, survey=survey, unit=tree.b3, tier=Tier.LAGGING, reason="长期不开展活动")
    return survey


def test_a_reason_is_required(client, survey, tree, users):
    client.force_login(users["org"])
    response = client.post(reverse("reviews:survey_detail", args=[survey.pk]),
                           {"unit": tree.b1.pk, "tier": Tier.LAGGING, "reason": "  "}, follow=True)
    assert "第一党支部：请填写定级理由。" in response.content.decode()
    assert not TierSurveyEntry.objects.exists()


def test_classifying_again_replaces_the_tier_and_only_units_below_the_issuer(survey, tree, users):
    services.survey_classify(actor=users["org"], survey=survey, unit=tree.b1, tier=Tier.LAGGING, reason="差")
    services.survey_classify(actor=users["org"], survey=survey, unit=tree.b1, tier=Tier.MIDDLE, reason="有改进")
    assert list(survey.entries.values_list("unit__name", "tier", "reason")) == [("第一党支部", "middle", "有改进")]
    with pytest.raises(ValidationError, match="只能为排查单位的下级党组织定级"):
        services.survey_classify(actor=users["org"], survey=survey, unit=tree.other_branch, tier=Tier.MIDDLE,
                                 reason="外单位")
    with pytest.raises(PermissionDenied):
        services.survey_classify(actor=users["gb_staff"], survey=survey, unit=tree.b1, tier=Tier.MIDDLE, reason="x")


def test_one_survey_a_year_per_issuer(survey, tree, users):
    with pytest.raises(ValidationError, match="2023 年度的摸底排查已经建立"):
        services.survey_create(actor=users["org"], issuer=tree.root, year=2023)
    assert TierSurvey.objects.count() == 1


def test_finalize_fixes_the_tiers(client, classified, tree, users):
    client.force_login(users["org"])
    client.post(reverse("reviews:survey_finalize", args=[classified.pk]))
    classified.refresh_from_db()
    assert classified.status == SurveyStatus.FINALIZED and classified.finalized_by == users["org"]
    response = client.post(reverse("reviews:survey_detail", args=[classified.pk]),
                           {"unit": tree.b1.pk, "tier": Tier.LAGGING, "reason": "改"}, follow=True)
    assert "该摸底排查已定稿，不能再修改。" in response.content.decode()
    assert TierSurveyEntry.objects.get(unit=tree.b1).tier == Tier.ADVANCED


def test_an_empty_survey_cannot_be_finalized(survey, users):
    with pytest.raises(ValidationError, match="还没有为任何党组织定级"):
        services.survey_finalize(actor=users["org"], survey=survey)


def test_the_three_tier_lists(client, classified, tree, users):
    extra = make_unit(tree.gb2, "branch", "B4", "第四党支部")
    services.survey_classify(actor=users["org"], survey=classified, unit=extra, tier=Tier.LAGGING, reason="软弱")
    client.force_login(users["inspector"])
    url = reverse("reviews:survey_tier_list", args=[classified.pk])

    def names(**query):
        return [entry.unit.name for entry in client.get(url, query).context["page"].object_list]

    assert names(tier="advanced") == ["第一党支部"]
    assert names(tier="middle") == ["第二党支部"]
    assert names(tier="lagging") == ["第三党支部", "第四党支部"]
    assert names(tier="lagging", q="第四") == ["第四党支部"]
    assert names(tier="lagging", parent=tree.gb2.pk) == ["第三党支部", "第四党支部"]
    assert names(tier="lagging", parent=tree.gb1.pk) == []


def test_the_export_opens_in_openpyxl_with_the_tiers_rows(client, classified, tree, users):
    make_unit(tree.gb2, "branch", "B4", "第四党支部")
    services.survey_classify(actor=users["org"], survey=classified, unit=tree.b1, tier=Tier.LAGGING,
                             reason="=HYPERLINK(\"x\")")
    client.force_login(users["org"])
    response = client.get(reverse("reviews:survey_tier_export", args=[classified.pk]), {"tier": "lagging"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [row for row in sheet.iter_rows(min_row=4, values_only=True) if any(row)]
    assert rows == [(1, "第一党总支", "第一党支部", "后进", "=HYPERLINK(\"x\")", None),
                    (2, "第二党总支", "第三党支部", "后进", "长期不开展活动", None)]
    assert sheet.cell(4, 5).data_type == "s"  # a formula-like reason stays text
    assert sheet.cell(1, 1).value == "2023年学院党委后进党组织台账"


def test_improvement_ledgers_are_made_once_for_the_lagging_units(client, classified, tree, users):
    ensure_builtin_templates()
    org = users["org"]
    with pytest.raises(ValidationError, match="定稿后"):
        services.improvement_ledgers_create(actor=org, survey=classified)
    services.survey_finalize(actor=org, survey=classified)
    client.force_login(org)
    client.post(reverse("reviews:survey_improvement", args=[classified.pk]))
    classified.refresh_from_db()
    campaign = classified.improvement_campaign
    assert campaign.name == "2023年后进党组织整顿提升台账" and campaign.issuer == tree.root
    assert campaign.status == CampaignStatus.PUBLISHED and campaign.year == 2023
    ledger = Ledger.objects.get(campaign=campaign)  # only the 后进 unit got one
    assert ledger.unit == tree.b3
    assert TierSurveyEntry.objects.get(unit=tree.b3).improvement_ledger == ledger
    assert ledger.tier_survey_entry.survey == classified  # and back
    response = client.post(reverse("reviews:survey_improvement", args=[classified.pk]), follow=True)
    assert "后进党组织整顿提升台账已经建立，不再重复建立。" in response.content.decode()
    assert Campaign.objects.filter(name="2023年后进党组织整顿提升台账").count() == 1
    assert Ledger.objects.filter(campaign=campaign).count() == 1


def test_only_the_department_over_the_issuer_changes_a_survey(client, classified, tree, users):
    client.force_login(users["inspector"])  # sees the survey, may not change it
    assert client.get(reverse("reviews:survey_detail", args=[classified.pk])).status_code == 200
    assert client.post(reverse("reviews:survey_finalize", args=[classified.pk])).status_code == 403
    client.force_login(users["gb_staff"])  # does not see the committee's survey at all
    assert client.get(reverse("reviews:survey_detail", args=[classified.pk])).status_code == 404
    assert client.get(reverse("reviews:survey_list")).context["page"].object_list.count() == 0


def test_the_demo_seeds_a_finalized_survey_with_three_tiers_and_one_improvement_ledger(tree):
    from reviews.demo import seed_tier_survey

    ensure_builtin_templates()
    make_unit(tree.gb2, "branch", "B4", "第四党支部")
    survey = seed_tier_survey(tree.root, 2024)
    assert survey.status == SurveyStatus.FINALIZED
    assert dict(survey.entries.values_list("unit__code", "tier")) == {
        "B1": "advanced", "B2": "middle", "B3": "middle", "B4": "lagging"}
    assert Ledger.objects.filter(campaign=survey.improvement_campaign).get().unit.code == "B4"
    assert seed_tier_survey(tree.root, 2024) == survey  # seeding again changes nothing
    assert Campaign.objects.filter(name="2024年后进党组织整顿提升台账").count() == 1


def test_a_unit_not_yet_classified_has_no_tier_chosen_for_it(client, survey, tree, users):
    client.force_login(users["org"])
    page = client.get(reverse("reviews:survey_detail", args=[survey.pk])).content.decode()
    assert f'<select id="tier-{tree.b1.pk}" name="tier" class="form-select form-select-sm"><option value="">请选择' in page
    response = client.post(reverse("reviews:survey_detail", args=[survey.pk]),
                           {"unit": tree.b1.pk, "tier": "", "reason": "有理由"}, follow=True)
    assert "请选择先进、中间或后进。" in response.content.decode()
    assert not TierSurveyEntry.objects.exists()
