"""The demo runs every seed's scheme besides Weifang's, each in its own tree and set up as its document says, with
ledgers in several states; seeding again (the same day or a later one) changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model

from branches.demo import seed_scheme_trees
from branches.models import OrgUnit, RoleAssignment, ancestor_paths
from ledger.models import (
    Campaign,
    CampaignStatus,
    CommonMeasure,
    ItemStatus,
    Ledger,
    LedgerEvent,
    LedgerStatus,
    Problem,
    ProblemNature,
    ProblemSource,
    RectificationItem,
    SelfCheckAnswer,
    TargetKind,
    overdue_condition,
)
from ledger.schemes_demo import seed_schemes

DAY = datetime.date(2031, 1, 14)


def seed(day: datetime.date = DAY) -> None:
    seed_scheme_trees()
    seed_schemes(None, today=day)


def campaign(issuer_code: str) -> Campaign:
    return Campaign.objects.get(issuer__code=issuer_code)


def statuses(c: Campaign) -> dict[str, str]:
    return dict(c.ledgers.values_list("unit__name", "status"))


@pytest.fixture
def seeded(db):
    seed()


def test_the_province_plan_runs_down_a_five_level_tree_to_every_branch(seeded):
    branch = OrgUnit.objects.get(name="城关社区党支部")
    chain = [unit.kind_label for unit in OrgUnit.objects.filter(path__in=[*ancestor_paths(branch.path), branch.path])]
    assert chain == ["省委", "市委", "县委", "镇党委", "党支部"]
    province = campaign("SF")
    assert (province.name, province.status, province.target_kind) == (
        "党支部建设规范提升行动", CampaignStatus.PUBLISHED, TargetKind.BRANCHES)
    assert [p.name for p in province.phases.order_by("order")] == [
        "全面梳理排查", "逐一整改落实", "创新破解难题", "健全长效机制", "推动整体提升"]
    assert province.ledgers.count() == 6 and set(province.ledgers.values_list("unit__kind", flat=True)) == {"branch"}
    assert sorted(statuses(province).values()) == sorted([
        LedgerStatus.ACCEPTED, LedgerStatus.SUBMITTED, LedgerStatus.RETURNED, LedgerStatus.ACCEPTED,
        LedgerStatus.DRAFT, LedgerStatus.DRAFT])
    half = Ledger.objects.get(campaign=province, unit__name="李家庄村党支部")
    assert half.self_check_answers.count() == 3  # of six categories
    # The three branches of 城关镇 share a problem: marked 共性 and answered once by the township.
    assert Problem.objects.filter(ledger__campaign=province, unit_path__startswith=OrgUnit.objects.get(
        code="SF-SX-CG").path, nature=ProblemNature.COMMON).count() == 3
    assert CommonMeasure.objects.get(campaign=province).unit.name == "城关镇党委"


def test_the_county_plan_holds_the_inspections_six_problems_with_the_plans_measures_by_phase(seeded):
    county = campaign("SF-SX")
    assert (county.name, county.target_kind) == ("基层党建问题整改专项行动", TargetKind.COMMITTEES)
    assert [p.name for p in county.phases.order_by("order")] == ["集中整改阶段", "持续推进阶段", "融入经常阶段"]
    assert statuses(county) == {"示范县委": LedgerStatus.ACCEPTED, "城关镇党委": LedgerStatus.SUBMITTED,
                                "东关镇党委": LedgerStatus.RETURNED}
    own = Ledger.objects.get(campaign=county, unit__code="SF-SX")
    problems = own.problems.order_by("number")
    assert problems.count() == 6 and set(problems.values_list("source", flat=True)) == {ProblemSource.INSPECTION}
    assert problems[0].description == "省委专项巡视反馈：理想信念教育流于形式。"
    first = list(problems[0].items.order_by("number").values_list("measure", "phase__name"))
    assert first == [
        ("持续推进“不忘初心、牢记使命”常态化制度化，充分运用“三会一课”、支部主题党日活动等形式加强理想信念教育", "集中整改阶段"),
        ("加大干部教育培训力度，增强领导干部的党性观念", "持续推进阶段"),
        ("按照市委组织部安排部署，适时出台科级以上领导干部教育培训规划方案措施，明确党性教育课在干部教育培训中高于总课时的20%。",
         "融入经常阶段"),
    ]
    assert problems[2].items.count() == 5  # ①–⑤
    assert not own.items.filter(measure__contains="2020年").exists()  # the plan's dates are the demo's
    items = own.items.all()
    assert items.filter(status=ItemStatus.CLOSED).count() == 3
    assert items.filter(status=ItemStatus.CLOSURE_REQUESTED).count() == 1
    assert items.filter(overdue_condition(DAY)).count() == 3
    # Its common problems handed down to both townships, which plan measures of their own against them.
    handed = Problem.objects.filter(handed_down_from__ledger=own)
    assert sorted(handed.values_list("ledger__unit__name", "handed_down_from__number", "source")) == sorted(
        (town, number, ProblemSource.HANDED_DOWN) for town in ("城关镇党委", "东关镇党委") for number in (2, 3, 6))
    assert not handed.filter(items__isnull=True).exists()


def test_the_college_plan_and_the_branchs_own_plan(seeded):
    college = campaign("SFXY")
    assert [p.name for p in college.phases.order_by("order")] == [
        "列出问题清单，建立整改台账", "对标规定规范，集中实施整改", "建立长效机制，严格考核问责"]
    assert set(statuses(college).values()) == set(LedgerStatus.values)
    assert RectificationItem.objects.filter(ledger__campaign=college).filter(overdue_condition(DAY)).exists()
    assert RectificationItem.objects.filter(ledger__campaign=college, status=ItemStatus.CLOSED).exists()

    plan = Campaign.objects.get(own_plan=True, issuer__name="城关镇机关党支部")
    assert (plan.name, plan.target_kind, plan.created_by.username) == (
        "党支部抓基层党建述职点评问题整改", TargetKind.ISSUER, "cgzhishu3")
    ledger = plan.ledgers.get()
    assert ledger.status == LedgerStatus.ACCEPTED
    problems = ledger.problems.order_by("number")
    assert [p.source for p in problems] == [ProblemSource.REPORT_REVIEW] * 3
    assert [p.items.count() for p in problems] == [3, 3, 3]
    assert all(item.is_ongoing for item in problems[0].items.all())  # 立行立改、长期坚持
    deadline = problems[2].items.first().deadline  # 2023年12月底, moved to the present: a month's end
    assert deadline > DAY and (deadline + datetime.timedelta(days=1)).day == 1
    assert "**" not in "".join(ledger.items.values_list("measure", flat=True))
    assert set(ledger.items.values_list("responsible_leader", flat=True)) == {"支部书记", "组织委员"}


def test_every_new_account_signs_in_with_the_demo_password_at_its_own_unit(seeded):
    User = get_user_model()
    for login, unit in [("shengwei", "示范省委"), ("xianwei", "示范县委"), ("chengguan", "城关镇党委"),
                        ("cgzhishu3", "城关镇机关党支部"), ("xueyuan", "示范学院党委"), ("xyzongzhi1", "机关党总支")]:
        user = User.objects.get(username=login)
        assert user.check_password("demo-pass-2022")
        assert RoleAssignment.objects.filter(user=user, unit__name=unit).exists()


def counts() -> dict:
    return {
        "units": sorted(OrgUnit.objects.values_list("code", "path")),
        "accounts": get_user_model().objects.count(),
        "roles": RoleAssignment.objects.count(),
        "campaigns": sorted(Campaign.objects.values_list("pk", "status", "year", "published_at")),
        "ledgers": sorted(Ledger.objects.values_list("pk", "status", "version", "submitted_at", "accepted_at")),
        "answers": SelfCheckAnswer.objects.count(),
        "problems": sorted(Problem.objects.values_list("pk", "nature", "source", "version")),
        "items": sorted(RectificationItem.objects.values_list("pk", "status", "deadline", "phase_id", "closed_at")),
        "events": LedgerEvent.objects.count(),
        "common": sorted(CommonMeasure.objects.values_list("pk", "deadline")),
    }


def test_seeding_again_the_same_day_or_a_later_one_changes_nothing(seeded):
    first = counts()
    assert first["campaigns"] and first["items"]
    seed()
    assert counts() == first
    seed(DAY + datetime.timedelta(days=40))
    assert counts() == first


def test_each_schemes_people_open_their_ledgers_and_the_unit_above_opens_them_too(seeded, client):
    pairs = {"cgzhishu1": "chengguan", "xianwei": "shiwei", "chengguan": "xianwei", "xyzhishu11": "xyzongzhi1",
             "cgzhishu3": "chengguan"}
    User = get_user_model()
    for filler, reviewer in pairs.items():
        ledgers = Ledger.objects.filter(unit__role_assignments__user__username=filler).exclude(
            status=LedgerStatus.DRAFT)
        assert ledgers.exists()
        for login in (filler, reviewer):
            client.force_login(User.objects.get(username=login))
            assert client.get("/").status_code == 200
            for ledger in ledgers:
                page = client.get(ledger.get_absolute_url())
                assert page.status_code == 200, (login, ledger)
                assert ledger.unit.name in page.content.decode()
