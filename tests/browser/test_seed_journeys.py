"""Each seed's scheme run end to end in a real browser, as that seed's users would (issue 14): a county's 巡视反馈
问题整改 (county → township committees), a province's 党支部标准化规范化建设 (province → … → township → branch),
a college's 灯下黑 排查整治 with its 三单一账, and a branch's own 述职点评问题整改方案 reviewed by its township.

Every page visited and every file downloaded is read, and none may call a unit by a kind it is not: no 党总支 in a
tree without general branches, no 党支部 naming a unit that is not a branch. Each test builds its own tree and
campaign through the services (not seed_demo); the Weifang journeys are test_workflow_journey.py and
test_org_department_journey.py."""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import openpyxl
import pytest

from branches.models import OrgUnit, Role, UnitKind
from ledger.models import (
    Campaign,
    ChecklistTemplate,
    ItemStatus,
    LedgerStatus,
    Problem,
    RectificationItem,
    TargetKind,
)
from reports.models import SituationReport
from tests.browser.conftest import DESKTOP, PHONE, Visit
from tests.conftest import make_unit, make_user
from tests.factories import ensure_builtin_templates, ledger_of, make_campaign

PASSWORD = "pw-123456"
YEAR = datetime.date.today().year
# A 党支部 named as the kind of a unit that is not one: “党支部名称：示范县委”, “党支部：城关镇党委”.
BRANCH_NAMING_A_COMMITTEE = re.compile(r"党支部(名称)?[：:]\s*\S*(县委|镇党委|市委|省委|党委)")


TEXTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "journey-texts"


class Reader:
    """Keeps the text of every page checked and every file downloaded in one journey, to read them all at the end;
    each is also saved under test-artifacts/journey-texts/<journey>/ (ignored by git) so a person can read them."""

    def __init__(self, journey: str) -> None:
        self.texts: dict[str, str] = {}
        self.folder = TEXTS / journey
        self.folder.mkdir(parents=True, exist_ok=True)

    def keep(self, name: str, text: str) -> str:
        self.texts[name] = text
        (self.folder / f"{name}.txt").write_text(text, encoding="utf-8")
        return text

    def page(self, visit: Visit, name: str, path: str | None = None) -> str:
        if path is not None:
            visit.go(path)
        visit.check(name)
        return self.keep(name, visit.page.inner_text("body"))

    def xlsx(self, name: str, data: bytes) -> openpyxl.Workbook:
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        self.keep(name, "\n".join(
            str(cell.value) for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None))
        return workbook

    def download(self, visit: Visit, locator) -> bytes:
        with visit.page.expect_download() as download_info:
            locator.click()
        # Playwright keeps downloads under a name without extension: read the bytes.
        return Path(download_info.value.path()).read_bytes()

    def assert_kinds_named_right(self, *, general_branches: bool, branch_names: tuple[str, ...] = (),
                                 branch_free: tuple[str, ...] = ()) -> None:
        """No 党总支 where the tree has none; no 党支部 naming a committee; and none at all on the pages and files
        (`branch_free`) that belong to a committee's own ledger or report (the branches' names aside)."""
        assert self.texts, "the journey read nothing"
        for name, text in self.texts.items():
            # The campaign form offers every target kind (下属全部党总支 …): a choice, not a name of a unit.
            text = text.replace("下属全部党总支", "").replace("下属全部党支部", "")
            if not general_branches:
                assert "党总支" not in text, f"{name} says 党总支: {_around(text, '党总支')}"
            wrong = BRANCH_NAMING_A_COMMITTEE.search(text)
            assert wrong is None, f"{name} calls a committee a 党支部: {wrong.group(0)}"
            if name in branch_free:
                stripped = text
                for branch in branch_names:
                    stripped = stripped.replace(branch, "")
                assert "党支部" not in stripped, f"{name} says 党支部: {_around(stripped, '党支部')}"


def _around(text: str, word: str) -> str:
    at = text.find(word)
    return text[max(0, at - 60): at + 60].replace("\n", " ⏎ ")


def click(visit: Visit, name: str, **kwargs) -> None:
    visit.page.get_by_role("button", name=name, **kwargs).click()
    visit.page.wait_for_load_state("networkidle")


def answer_by_category(visit: Visit, reader: Reader, ledger, found: dict[int, str], name: str) -> None:
    """The self-check of a template without manifestations: one point per category; `found` maps a category's
    index to the problem written for it, every other category is answered 未发现问题."""
    page = visit.page
    visit.go(f"/ledger/ledgers/{ledger.pk}/self-check/")
    rows = page.locator("form.sc-row")
    total = rows.count()
    assert total == ledger.campaign.template.categories.count()
    for index in range(total):
        row = rows.nth(index)
        if index in found:
            row.locator("input[name=found][value='1']").check()
            row.locator("textarea[name=description]").fill(found[index])
        else:
            row.locator("input[name=found][value='0']").check()
        row.locator(".sc-status").filter(has_text="已保存").wait_for()
    page.locator("#sc-progress").filter(has_text=f"{total}/{total}").wait_for(timeout=5000)
    reader.page(visit, name)


def add_measure(visit: Visit, reader: Reader, problem: Problem, measure: str, *, name: str, deadline: str = "",
                leader: str = "", adopt: int | None = None) -> RectificationItem:
    page = visit.page
    visit.go(f"/ledger/problems/{problem.pk}/items/new/")
    if adopt is not None:  # take the template's 参考措施 (采用), then make it the unit's own
        page.get_by_role("link", name=f"采用参考措施{adopt}").click()
        assert page.locator("#id_measure").input_value().strip()
        page.locator("#id_measure").fill(page.locator("#id_measure").input_value() + measure)
    else:
        page.fill("textarea[name=measure]", measure)
    if deadline:
        page.fill("input[name=deadline]", deadline)
    else:
        page.check("input[name=is_ongoing]")
    page.fill("input[name=responsible_name]", "王明")
    if leader:
        page.fill("input[name=responsible_leader]", leader)
    reader.page(visit, name)
    click(visit, "保存", exact=True)
    assert measure[:8] in page.inner_text("main")
    return RectificationItem.objects.filter(problem=problem).order_by("-pk").first()


def write_report(visit: Visit, reader: Reader, campaign: Campaign, unit: OrgUnit, name: str) -> str:
    visit.go(f"/reports/campaigns/{campaign.pk}/units/{unit.pk}/")
    visit.page.fill("textarea[name=work_done]", f"{unit.name}召开专题会议部署，逐项对照检查，建立问题台账。")
    click(visit, "保存草稿")
    assert SituationReport.objects.filter(campaign=campaign, unit=unit).exists()
    return reader.page(visit, name)


# ── 1. The county: 巡视反馈问题整改, its own and its townships' ledgers ──────────────────────────────────────────

@pytest.fixture
def county(transactional_db):
    ensure_builtin_templates()
    city = make_unit(None, UnitKind.COMMITTEE, "SC", "示范市委", kind_name="市委")
    county = make_unit(city, UnitKind.COMMITTEE, "SX", "示范县委", kind_name="县委")
    town = make_unit(county, UnitKind.COMMITTEE, "SX-CG", "城关镇党委", kind_name="镇党委")
    make_unit(town, UnitKind.BRANCH, "SX-CG-1", "东关村党支部")
    make_unit(town, UnitKind.BRANCH, "SX-CG-2", "西关村党支部")
    other_town = make_unit(county, UnitKind.COMMITTEE, "SX-HS", "红山镇党委", kind_name="镇党委")
    make_unit(other_town, UnitKind.BRANCH, "SX-HS-1", "红山村党支部")
    make_user("county_org", county, Role.ORG_DEPARTMENT)
    make_user("town_org", town, Role.ORG_DEPARTMENT)
    return county, town


def test_county_inspection_rectification(county, visit_as):
    county_unit, town = county
    reader = Reader("county")
    desk = visit_as(DESKTOP)
    page = desk.page
    desk.login("county_org", PASSWORD)
    reader.page(desk, "county-home")

    desk.go("/ledger/campaigns/new/")
    page.select_option("select[name=issuer]", str(county_unit.pk))
    page.fill("input[name=name]", "基层党建巡视反馈问题整改")
    page.fill("input[name=year]", str(YEAR))
    page.select_option("select[name=template]", str(ChecklistTemplate.objects.get(code="county-inspection-2020").pk))
    page.select_option("select[name=target_kind]", TargetKind.COMMITTEES)
    phases = [("集中整改", f"{YEAR}-12-31"), ("持续推进", f"{YEAR + 1}-06-30"), ("融入经常", f"{YEAR + 1}-12-31")]
    for row, (phase, ends_on) in enumerate(phases):
        page.fill(f"input[name=phases-{row}-name]", phase)
        page.fill(f"input[name=phases-{row}-ends_on]", ends_on)
    reader.page(desk, "county-campaign-form")
    click(desk, "保存草稿")
    campaign = Campaign.objects.get(issuer=county_unit)
    assert [p.name for p in campaign.phases.order_by("order")] == ["集中整改", "持续推进", "融入经常"]
    reader.page(desk, "county-campaign-draft")

    desk.go(f"/ledger/campaigns/{campaign.pk}/publish/")
    reader.page(desk, "county-publish-confirm")
    click(desk, "确认发布")
    units_with_ledgers = set(campaign.ledgers.values_list("unit__name", flat=True))
    assert {"示范县委", "城关镇党委", "红山镇党委"} <= units_with_ledgers
    assert not any(name.endswith("党支部") for name in units_with_ledgers)
    reader.page(desk, "county-campaign-published")

    ledger = ledger_of(campaign, county_unit)
    answer_by_category(desk, reader, ledger, {0: "理想信念教育流于形式，主题党日活动形式单一"},
                       "county-self-check")
    problem = ledger.problems.get()
    add_measure(desk, reader, problem, "（县委组织部每季度督导一次）", name="county-item-form", adopt=1,
                leader="县委副书记")
    desk.go(f"/ledger/ledgers/{ledger.pk}/problems/new/")  # a problem found beyond the checklist (延伸自查)
    page.select_option("select[name=category]", str(campaign.template.categories.get(order=3).pk))
    page.fill("textarea[name=description]", "乡镇党建述职评议结果运用不充分")
    reader.page(desk, "county-problem-form")
    click(desk, "保存", exact=True)
    assert ledger.problems.filter(description="乡镇党建述职评议结果运用不充分").exists()
    text = reader.page(desk, "county-ledger", f"/ledger/ledgers/{ledger.pk}/")
    assert "提交上级党组织审核" in text and "提交市委审核" not in text  # the county's campaign reaches no 市委

    text = reader.page(desk, "county-export-page", f"/ledger/campaigns/{campaign.pk}/export/")
    assert "导出台账 · 基层党建巡视反馈问题整改" in text and "附件2" not in text
    data = reader.download(desk, page.locator(f"a[href='/ledger/ledgers/{ledger.pk}/export.xlsx']").first)
    workbook = reader.xlsx("county-ledger.xlsx", data)
    sheet_text = reader.texts["county-ledger.xlsx"]
    assert sheet_text.startswith("示范县基层党建巡视反馈问题整改台账")
    assert "上级党组织：示范市委" in sheet_text and "县委名称：示范县委" in sheet_text
    assert "理想信念教育流于形式" in sheet_text
    assert workbook.worksheets
    desk.go(f"/ledger/campaigns/{campaign.pk}/export/")  # the county's and townships' ledgers, as a job
    page.locator("form[action$='/export/start/'] button").first.click()
    page.wait_for_selector("a[href$='/download/']", timeout=15000)
    reader.page(desk, "county-export-job")
    data = reader.download(desk, page.locator("a[href$='/download/']").first)
    campaign_book = reader.xlsx("county-campaign.xlsx", data)
    assert {"城关镇党委", "红山镇党委"} <= set(reader.texts["county-campaign.xlsx"].split("\n"))
    assert len(campaign_book.worksheets) >= 2

    reader.page(desk, "county-campaign-list", "/ledger/campaigns/")
    reader.page(desk, "county-campaign-ledgers", f"/ledger/campaigns/{campaign.pk}/ledgers/")
    reader.page(desk, "county-review-ledgers", f"/reviews/campaigns/{campaign.pk}/ledgers/")
    reader.page(desk, "county-review-problems", f"/reviews/campaigns/{campaign.pk}/problems/")
    reader.page(desk, "county-review-items", f"/reviews/campaigns/{campaign.pk}/items/")
    desk.go(f"/reviews/campaigns/{campaign.pk}/dashboard/")
    page.wait_for_selector("#chart-progress svg, #chart-progress canvas")
    reader.page(desk, "county-dashboard")

    town_desk = visit_as(DESKTOP)
    town_desk.login("town_org", PASSWORD)
    reader.page(town_desk, "town-home")
    assert "报县委审核" in reader.page(town_desk, "town-ledger", f"/ledger/ledgers/{ledger_of(campaign, town).pk}/")
    report = write_report(town_desk, reader, campaign, town, "town-report")
    assert "城关镇党委开展基层党建巡视反馈问题整改情况的报告" in report

    reader.assert_kinds_named_right(
        general_branches=False, branch_names=("东关村党支部", "西关村党支部", "红山村党支部"),
        branch_free=("county-campaign-list", "county-campaign-published", "county-export-page", "county-problem-form", "county-campaign-ledgers",
                     "county-review-ledgers", "county-review-problems", "county-review-items", "county-dashboard", "county-self-check", "county-item-form", "county-ledger",
                     "county-ledger.xlsx", "county-export-job", "county-campaign.xlsx", "town-ledger", "town-report"))


# ── 2. The province: 党支部标准化规范化建设 down to a village branch under a township ───────────────────────────────

@pytest.fixture
def province(transactional_db):
    ensure_builtin_templates()
    province = make_unit(None, UnitKind.COMMITTEE, "SP", "示范省委", kind_name="省委")
    city = make_unit(province, UnitKind.COMMITTEE, "SP-C", "示范市委", kind_name="市委")
    county = make_unit(city, UnitKind.COMMITTEE, "SP-CX", "示范县委", kind_name="县委")
    town = make_unit(county, UnitKind.COMMITTEE, "SP-CX-T", "城关镇党委", kind_name="镇党委")
    branch = make_unit(town, UnitKind.BRANCH, "SP-CX-T-1", "东关村党支部", full_members=12)
    make_unit(town, UnitKind.BRANCH, "SP-CX-T-2", "西关村党支部", full_members=8)
    province_org = make_user("province_org", province, Role.ORG_DEPARTMENT)
    make_user("county_org", county, Role.ORG_DEPARTMENT)
    make_user("town_org", town, Role.ORG_DEPARTMENT)
    make_user("secretary", branch, Role.BRANCH_SECRETARY)
    campaign = make_campaign(province, actor=province_org, name="党支部标准化规范化建设", year=YEAR,
                             template=ChecklistTemplate.objects.get(code="province-standardization"),
                             doc_number="", report_deadline=None, results_deadline=datetime.date(YEAR + 1, 6, 30))
    return campaign, county, town, branch


def test_province_standardization(province, visit_as):
    campaign, county_unit, town, branch = province
    ledger = ledger_of(campaign, branch)
    reader = Reader("province")

    phone = visit_as(PHONE)
    phone.login("secretary", PASSWORD)
    reader.page(phone, "branch-home")
    answer_by_category(phone, reader, ledger, {1: "党员大会、支委会记录不全，“三会一课”落实不经常"},
                       "branch-self-check")
    add_measure(phone, reader, ledger.problems.get(), "完善“三会一课”记录，支部书记每月检查一次",
                name="branch-item-form", deadline=f"{YEAR + 1}-03-31")
    text = reader.page(phone, "branch-ledger", f"/ledger/ledgers/{ledger.pk}/")
    assert "提交镇党委审核" in text
    click(phone, "提交镇党委审核")
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.SUBMITTED
    text = reader.page(phone, "branch-ledger-submitted")
    assert "台账已提交镇党委审核" in text

    town_desk = visit_as(DESKTOP)
    town_desk.login("town_org", PASSWORD)
    reader.page(town_desk, "town-campaign-ledgers", f"/ledger/campaigns/{campaign.pk}/ledgers/")
    town_desk.page.get_by_role("link", name=branch.name).click()
    reader.page(town_desk, "town-reviews-branch-ledger")
    click(town_desk, "审核通过")
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.ACCEPTED

    county_desk = visit_as(DESKTOP)
    county_desk.login("county_org", PASSWORD)
    county_desk.go(f"/reviews/campaigns/{campaign.pk}/dashboard/")
    county_desk.page.wait_for_selector("#chart-progress svg, #chart-progress canvas")
    text = reader.page(county_desk, "county-dashboard")
    assert "东关村党支部" in text or "城关镇党委" in text

    report = write_report(town_desk, reader, campaign, town, "town-report")
    assert "城关镇党委开展党支部标准化规范化建设情况的报告" in report

    # The campaign's own name says 党支部 (党支部标准化规范化建设) and its ledgers are the branches': only 党总支 is wrong.
    reader.assert_kinds_named_right(general_branches=False)


# ── 3. The college: 灯下黑 排查整治 and its 三单一账 (here 党总支 and 党支部 are the right words) ───────────────────────

@pytest.fixture
def college(transactional_db):
    ensure_builtin_templates()
    college = make_unit(None, UnitKind.COMMITTEE, "SU", "示范学院党委")
    general = make_unit(college, UnitKind.GENERAL_BRANCH, "SU-1", "机关党总支")
    branch = make_unit(general, UnitKind.BRANCH, "SU-1-1", "组织人事党支部", full_members=9)
    college_org = make_user("college_org", college, Role.ORG_DEPARTMENT)
    make_user("gb_staff", general, Role.GENERAL_BRANCH_STAFF)
    make_user("secretary", branch, Role.BRANCH_SECRETARY)
    campaign = make_campaign(college, actor=college_org, name="党建“灯下黑”问题排查整治", year=YEAR,
                             template=ChecklistTemplate.objects.get(code="college-dengxiahei"),
                             doc_number="", report_deadline=None, results_deadline=datetime.date(YEAR + 1, 6, 30))
    return campaign, college, branch


def test_college_dengxiahei_three_lists(college, visit_as):
    campaign, college_unit, branch = college
    ledger = ledger_of(campaign, branch)
    reader = Reader("college")

    phone = visit_as(PHONE)
    phone.login("secretary", PASSWORD)
    answer_by_category(phone, reader, ledger, {0: "支部委员分工不明确，组织生活会质量不高"}, "branch-self-check")
    item = add_measure(phone, reader, ledger.problems.get(), "重新明确支委分工，每半年开展一次组织生活会质量评估",
                       name="branch-item-form", deadline=f"{YEAR + 1}-03-31", leader="李书记")
    reader.page(phone, "branch-ledger", f"/ledger/ledgers/{ledger.pk}/")
    click(phone, "提交党总支审核")
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.SUBMITTED

    general_desk = visit_as(DESKTOP)
    general_desk.login("gb_staff", PASSWORD)
    reader.page(general_desk, "general-branch-ledger", f"/ledger/ledgers/{ledger.pk}/")
    click(general_desk, "审核通过")
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.ACCEPTED

    desk = visit_as(DESKTOP)
    desk.login("college_org", PASSWORD)
    text = reader.page(desk, "college-problem-list", f"/ledger/campaigns/{campaign.pk}/lists/problems/")
    assert "支部委员分工不明确" in text
    text = reader.page(desk, "college-task-list", f"/ledger/campaigns/{campaign.pk}/lists/tasks/")
    assert "重新明确支委分工" in text
    text = reader.page(desk, "college-duty-list", f"/ledger/campaigns/{campaign.pk}/lists/duties/")
    assert "李书记" in text and "王明" in text
    reader.page(desk, "branch-duty-list", f"/ledger/ledgers/{ledger.pk}/lists/duties/")
    data = reader.download(desk, desk.page.locator(f"a[href='/ledger/ledgers/{ledger.pk}/lists.xlsx']").first)
    workbook = reader.xlsx("branch-lists.xlsx", data)
    names = workbook.sheetnames
    assert names[:3] == ["问题清单", "任务清单", "责任清单"] and len(names) >= 4  # three lists and the 台账
    headers = {name: {str(c.value) for row in workbook[name].iter_rows(max_row=4) for c in row if c.value}
               for name in names[:3]}
    assert {"查摆内容", "查摆问题"} <= headers["问题清单"]
    assert {"整改措施", "整改时限"} <= headers["任务清单"]
    assert {"责任人", "责任领导", "整改时限"} <= headers["责任清单"]
    assert item.measure in reader.texts["branch-lists.xlsx"]

    desk.go(f"/ledger/campaigns/{campaign.pk}/lists/problems/")  # the whole college's, as a background job
    click(desk, "三单一账（Excel）")
    desk.page.wait_for_selector("a[href$='/download/']", timeout=15000)
    reader.page(desk, "college-lists-job")
    data = reader.download(desk, desk.page.locator("a[href$='/download/']").first)
    college_lists = reader.xlsx("college-lists.xlsx", data)
    assert college_lists.sheetnames[:3] == ["问题清单", "任务清单", "责任清单"]
    assert "示范学院党建“灯下黑”问题排查整治问题整改台账 · 责任清单" in reader.texts["college-lists.xlsx"]

    reader.assert_kinds_named_right(general_branches=True)


# ── 4. A branch's own plan: 述职点评问题整改方案, reviewed by its township committee ─────────────────────────────────

REVIEW_PROBLEMS = [
    ("抓党建强理论学习不够经常", "坚持理论武装头脑，集体研讨全年不少于12次", ""),
    ("抓党建实管理措施不够有力", "规范“三会一课”，推行党员积分制管理", ""),
    ("抓党建求创新思路还不够清晰", "以党建推动重点工作，开展党员到社区报到活动", f"{YEAR + 1}-12-31"),
]


@pytest.fixture
def own_plan_tree(transactional_db):
    ensure_builtin_templates()
    county = make_unit(None, UnitKind.COMMITTEE, "SB", "示范县委", kind_name="县委")
    town = make_unit(county, UnitKind.COMMITTEE, "SB-T", "城关镇党委", kind_name="镇党委")
    branch = make_unit(town, UnitKind.BRANCH, "SB-T-1", "东关村党支部", full_members=15)
    make_user("town_org", town, Role.ORG_DEPARTMENT)
    make_user("secretary", branch, Role.BRANCH_SECRETARY)
    return town, branch


def test_branch_own_report_review_plan(own_plan_tree, visit_as):
    town, branch = own_plan_tree
    reader = Reader("own-plan")
    phone = visit_as(PHONE)
    page = phone.page
    phone.login("secretary", PASSWORD)
    phone.go("/ledger/own-plans/new/")
    page.fill("input[name=name]", f"{YEAR}年度党组织书记抓基层党建述职点评问题整改方案")
    page.select_option("select[name=template]",
                       str(ChecklistTemplate.objects.get(code="branch-report-review-2022").pk))
    page.fill("input[name=deadline]", f"{YEAR + 1}-12-31")
    reader.page(phone, "own-plan-form")
    click(phone, "制定并生成台账")
    campaign = Campaign.objects.get(issuer=branch)
    ledger = ledger_of(campaign, branch)
    reader.page(phone, "own-plan-ledger")

    categories = list(campaign.template.categories.order_by("order"))
    answer_by_category(phone, reader, ledger, {i: text for i, (text, _, _) in enumerate(REVIEW_PROBLEMS)
                                               if i < len(categories)}, "own-plan-self-check")
    for problem in ledger.problems.order_by("number"):
        _, measure, deadline = REVIEW_PROBLEMS[problem.number - 1]
        add_measure(phone, reader, problem, measure, name=f"own-plan-item-{problem.number}", deadline=deadline,
                    leader="张书记")
    text = reader.page(phone, "own-plan-ledger-filled", f"/ledger/ledgers/{ledger.pk}/")
    assert text.count("立行立改、长期坚持") >= 2 and "张书记" in text
    click(phone, "提交镇党委审核")
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.SUBMITTED
    reader.page(phone, "own-plan-submitted")

    town_desk = visit_as(DESKTOP)
    town_desk.login("town_org", PASSWORD)
    reader.page(town_desk, "town-own-plans", "/ledger/own-plans/")
    reader.page(town_desk, "town-reviews-own-plan", f"/ledger/ledgers/{ledger.pk}/")
    click(town_desk, "审核通过")
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.ACCEPTED

    item = ledger.items.get(problem__number=1)
    phone.go(f"/ledger/items/{item.pk}/")
    click(phone, "开始整改")
    phone.page.fill("#progress-text", "本年度已开展集体研讨12次，记录齐全。")
    click(phone, "提交进展")
    click(phone, "申请销号")
    text = reader.page(phone, "own-plan-closure-requested")
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSURE_REQUESTED, text
    town_desk.go(f"/ledger/items/{item.pk}/")
    town_desk.page.fill("#verify-text", "已核实集体研讨记录。")
    click(town_desk, "核实销号")
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED
    reader.page(town_desk, "town-closed-item")

    reader.assert_kinds_named_right(general_branches=False, branch_names=("东关村党支部",))
