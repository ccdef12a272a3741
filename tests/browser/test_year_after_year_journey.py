"""Year after year in a real browser: the organization department publishes the 2023 campaign carrying 2022's
unfinished measure (desk); the branch secretary finds the carried measure and the problem flagged as recurring and
files the quarter's progress report (phone); the general branch accepts the report; the department reads the
branch's record across both years, a tier for each and how it moved (desk)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from branches.selectors import SYSTEM
from ledger.models import Campaign, Ledger, PeriodicReport, PeriodicReportStatus, Problem, RecurrenceState, ReportPeriod
from ledger.services import workflow as wf
from ledger.services.campaigns import campaign_close
from ledger.services.periodic import report_cycle_set
from reviews import services as review_services
from reviews import survey_services
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import ledger_of, make_campaign, make_item, make_problem

pytestmark = pytest.mark.browser

CLOSED = {"status": "closed", "closed_at": datetime.datetime(2022, 10, 30, tzinfo=datetime.UTC)}
EARLIER, LATER = "2022年对账整改专项行动", "2023年对账整改专项行动"


@pytest.fixture
def year_2022(transactional_db, tree, users):
    """2022, closed: one problem of the branch fixed (all its measures closed), one left unfinished; rated 3 ★.
    The 2023 campaign on the same checklist waits as a draft."""
    secretary, org = users["secretary"], users["org"]
    earlier = make_campaign(tree.root, actor=org, name=EARLIER, year=2022)
    ledger = ledger_of(earlier, tree.b1)
    category = earlier.template.categories.order_by("order").first()
    first, second = category.manifestations.order_by("order")
    fixed = make_problem(ledger, category=category, manifestation=first, description="支委会会议记录缺少签字",
                         user=secretary)
    make_item(fixed, measure="补签并规范会议记录", user=secretary, **CLOSED)
    unfinished = make_problem(ledger, category=category, manifestation=second, description="组织生活会记录不全",
                              user=secretary)
    item = make_item(unfinished, measure="逐月补齐组织生活会记录", user=secretary)
    wf.progress_note_add(actor=secretary, item=item, text="已补齐九月、十月的记录")
    rating = review_services.rating_decide(actor=org, campaign=earlier, unit=tree.b1, stars=3,
                                           basis="按期推进整改，个别措施未完成。")
    review_services.rating_publish(actor=org, rating=rating, starts_on=datetime.date(2022, 12, 1),
                                   ends_on=datetime.date(2022, 12, 7))
    review_services.rating_finalise(actor=org, rating=rating, today=datetime.date(2022, 12, 8))
    campaign_close(actor=org, campaign=earlier)
    later = make_campaign(tree.root, actor=org, name=LATER, year=2023, template=earlier.template, publish=False,
                          doc_number="组织部〔2023〕18号")
    return {"earlier": earlier, "later": later, "first": first, "category": category}


def _this_quarter() -> datetime.date:
    today = timezone.localdate()
    return datetime.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)


def _branch_starts_2023(later: Campaign, year_2022, users, unit) -> Ledger:
    """What happens between the pages: the branch's self-check records last year's fixed problem again, and the
    department sets quarterly reports starting this quarter."""
    ledger = ledger_of(later, unit)
    make_problem(ledger, category=year_2022["category"], manifestation=year_2022["first"],
                 description="支委会会议记录又出现缺少签字", user=users["secretary"])
    start = _this_quarter()
    report_cycle_set(actor=users["org"], campaign=later, frequency="quarterly", starts_on=start,
                     ends_on=start + datetime.timedelta(days=360))
    return ledger


def _tier_2023(tree) -> None:
    """The 2023 survey put the branch among the advanced (先进)."""
    survey = survey_services.survey_create(actor=SYSTEM, issuer=tree.root, year=2023)
    survey_services.survey_classify(actor=SYSTEM, survey=survey, unit=tree.b1, tier="advanced",
                                    reason="整改措施按时销号，组织生活规范")
    survey_services.survey_finalize(actor=SYSTEM, survey=survey)


def test_a_second_year_carried_reported_and_on_the_record(year_2022, visit_as, tree, users):
    later = year_2022["later"]

    # The department publishes 2023 and carries 2022's unfinished measure in the same step.
    org = visit_as(DESKTOP)
    org.login("org", "pw-123456")
    org.go(f"/ledger/campaigns/{later.pk}/publish/")
    org.page.select_option("select[name=carry_from]", str(year_2022["earlier"].pk))
    org.page.click("button:has-text('确认发布')")
    org.page.wait_for_load_state("networkidle")
    main = org.page.inner_text("main")
    assert "专项行动已发布" in main and "已结转 1 个问题、1 项整改措施到 1 本台账" in main
    org.check("year-after-year-published-desk")
    ledger = _branch_starts_2023(later, year_2022, users, tree.b1)

    # The secretary, on a phone, finds the carried measure with last year's notes and the recurring problem.
    branch = visit_as(PHONE)
    branch.login("secretary", "pw-123456")
    branch.go(ledger.get_absolute_url())
    main = branch.page.inner_text("main")
    assert "结转自 2022 年" in main and "逐月补齐组织生活会记录" in main
    assert "支委会会议记录又出现缺少签字" in main and "疑似反弹" in main
    branch.check("year-after-year-ledger-phone")
    branch.page.click("text=逐月补齐组织生活会记录")
    branch.page.wait_for_load_state("networkidle")
    assert "已补齐九月、十月的记录" in branch.page.inner_text("main")

    # … and files this quarter's progress report.
    period = ReportPeriod.objects.filter(cycle__campaign=later).order_by("due_on").first()
    branch.go(ledger.get_absolute_url())
    branch.page.click("a:has-text('定期报告')")
    branch.page.wait_for_load_state("networkidle")
    branch.check("year-after-year-reports-phone")
    branch.page.click(f"a:has-text('{period.label}')")
    branch.page.wait_for_load_state("networkidle")
    branch.page.fill("textarea[name=work_done]", "结转的组织生活会记录已补齐到十一月；反弹问题已召开支委会专题研究。")
    branch.page.click("button:has-text('报送上级审核')")
    branch.page.wait_for_load_state("networkidle")
    assert "本期报告已报送，等待上级审核。" in branch.page.inner_text("main")
    assert branch.page.inner_text("#report-status") == "已报送"
    branch.check("year-after-year-report-phone")

    # The general branch reads and accepts it.
    staff = visit_as(DESKTOP)
    staff.login("gb_staff", "pw-123456")
    staff.go(f"/ledger/ledgers/{ledger.pk}/periodic-reports/{period.pk}/")
    assert "反弹问题已召开支委会专题研究" in staff.page.inner_text("main")
    staff.page.click("button:has-text('审核通过')")
    staff.page.wait_for_load_state("networkidle")
    assert staff.page.inner_text("#report-status") == "已通过"
    assert PeriodicReport.objects.get(ledger=ledger, period=period).status == PeriodicReportStatus.ACCEPTED
    staff.check("year-after-year-report-accepted-desk")

    # The year ends; the department reads the branch's record: both campaigns, a tier each year, the move up.
    _tier_2023(tree)
    org.go(f"/reviews/units/{tree.b1.pk}/record/")
    campaigns = org.page.inner_text("#record-campaigns")
    assert f"2022 · {EARLIER}" in campaigns and f"2023 · {LATER}" in campaigns
    rows = [row.inner_text() for row in org.page.query_selector_all("#record-years tbody tr")]
    assert len(rows) == 2
    assert "2022" in rows[0] and "3 ★" in rows[0] and "中间" in rows[0]
    assert "2023" in rows[1] and "先进" in rows[1] and "摸底排查" in rows[1] and "上升" in rows[1]
    org.check("year-after-year-record-desk")
    again = Problem.objects.get(ledger=ledger, description="支委会会议记录又出现缺少签字")
    assert again.recurrence_state == RecurrenceState.FLAGGED
